#include "tests/kube-apiserver/server/protobuf_bodies.h"

#include <cstdint>
#include <functional>
#include <string>

#include "lib/base/base64.h"
#include "tests/kube-apiserver/store/status_body.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

// Calls `on_field(number, varint, bytes)` for each field of a message: varint for wire type 0,
// bytes for wire type 2. False on malformed input or other wire types.
bool ForEachField(std::string_view message,
                  const std::function<void(int, uint64_t, std::string_view)>& on_field) {
  size_t pos = 0;
  auto varint = [&](uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= message.size()) return false;
      uint8_t byte = static_cast<uint8_t>(message[pos++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  };
  while (pos < message.size()) {
    uint64_t tag = 0;
    uint64_t value = 0;
    if (!varint(tag) || !varint(value)) return false;
    int number = static_cast<int>(tag >> 3);
    if ((tag & 7) == 0) {
      on_field(number, value, {});
    } else if ((tag & 7) == 2) {
      if (value > message.size() - pos) return false;
      on_field(number, 0, message.substr(pos, value));
      pos += value;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<json> DecodeTokenRequestProto(std::string_view body) {
  absl::Status bad = BadRequestError("the body of the request was in an unknown format");
  constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) return bad;
  std::string_view raw;
  bool ok = ForEachField(body.substr(4), [&](int field, uint64_t, std::string_view bytes) {
    if (field == 2) raw = bytes;
  });
  std::string_view spec_bytes;
  ok = ok && ForEachField(raw, [&](int field, uint64_t, std::string_view bytes) {
         if (field == 2) spec_bytes = bytes;
       });
  json spec = json::object();
  std::string_view ref_bytes;
  bool has_ref = false;
  ok = ok && ForEachField(spec_bytes, [&](int field, uint64_t value, std::string_view bytes) {
         if (field == 1) spec["audiences"].push_back(std::string(bytes));
         if (field == 3) {
           ref_bytes = bytes;
           has_ref = true;
         }
         if (field == 4) spec["expirationSeconds"] = static_cast<int64_t>(value);
       });
  if (has_ref) {
    json ref = json::object();
    static const char* kNames[] = {"", "kind", "apiVersion", "name", "uid"};
    ok = ok && ForEachField(ref_bytes, [&](int field, uint64_t, std::string_view bytes) {
           if (field >= 1 && field <= 4) ref[kNames[field]] = std::string(bytes);
         });
    spec["boundObjectRef"] = ref;
  }
  if (!ok) return bad;
  return json{{"apiVersion", "authentication.k8s.io/v1"},
              {"kind", "TokenRequest"},
              {"metadata", json::object()},
              {"spec", spec}};
}

absl::StatusOr<json> DecodeObjectProto(std::string_view body) {
  const absl::Status bad = BadRequestError("the body of the request was in an unknown format");
  constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) return bad;
  json object = {{"metadata", json::object()}};
  std::string_view raw;
  bool ok = ForEachField(body.substr(4), [&](int field, uint64_t, std::string_view bytes) {
    if (field == 2) raw = bytes;
    if (field != 1) return;
    ForEachField(bytes, [&](int type_field, uint64_t, std::string_view text) {
      if (type_field == 1) object["apiVersion"] = std::string(text);
      if (type_field == 2) object["kind"] = std::string(text);
    });
  });
  if (!ok) return bad;
  const std::string kind = object.value("kind", "");
  if (kind != "Namespace" && kind != "ServiceAccount" && kind != "Secret" && kind != "ConfigMap") {
    return MakeKubeError(absl::StatusCode::kInvalidArgument,
                         "the body of the request was in an unknown format - accepted media "
                         "types include: application/json",
                         KubeErrorInfo{"UnsupportedMediaType", 415, "", "", "", nullptr});
  }
  // map<string, string|bytes> entries: key = 1, value = 2.
  auto map_entry = [&ok](std::string_view entry, json& into, bool bytes_value) {
    std::string key;
    std::string value;
    ok = ok && ForEachField(entry, [&](int field, uint64_t, std::string_view text) {
           (field == 1 ? key : value) = std::string(text);
         });
    into[key] = bytes_value ? Base64Encode(value) : value;
  };
  // Secret: data = 2 (bytes), type = 3, stringData = 4, immutable = 5.
  // ConfigMap: data = 2, binaryData = 3 (bytes), immutable = 4.
  const bool secret = kind == "Secret";
  const bool config_map = kind == "ConfigMap";
  std::string_view meta_bytes;
  ok = ForEachField(raw,
                    [&](int field, uint64_t value, std::string_view bytes) {
                      if (field == 1) meta_bytes = bytes;
                      if (secret && field == 2) map_entry(bytes, object["data"], true);
                      if (secret && field == 3) object["type"] = std::string(bytes);
                      if (secret && field == 4) map_entry(bytes, object["stringData"], false);
                      if (secret && field == 5) object["immutable"] = value != 0;
                      if (config_map && field == 2) map_entry(bytes, object["data"], false);
                      if (config_map && field == 3) map_entry(bytes, object["binaryData"], true);
                      if (config_map && field == 4) object["immutable"] = value != 0;
                    }) &&
       ok;
  json& meta = object["metadata"];
  ok = ok && ForEachField(meta_bytes, [&](int field, uint64_t, std::string_view bytes) {
         if (field == 1 && !bytes.empty()) meta["name"] = std::string(bytes);
         if (field == 2 && !bytes.empty()) meta["generateName"] = std::string(bytes);
         if (field == 3 && !bytes.empty()) meta["namespace"] = std::string(bytes);
         if (field == 11) map_entry(bytes, meta["labels"], false);
         if (field == 12) map_entry(bytes, meta["annotations"], false);
       });
  if (!ok) return bad;
  return object;
}

}  // namespace coffer::kube::standin
