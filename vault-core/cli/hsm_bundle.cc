#include "vault-core/cli/hsm_bundle.h"

#include <optional>

#include "lib/base/base64.h"
#include "nlohmann/json.hpp"
#include "vault-core/identity/jwk.h"

namespace coffer::cli {
namespace {

using nlohmann::json;

constexpr char kFormat[] = "coffer-hsm-key-bundle/v1";

absl::Status NotABundle(const std::string& why) {
  return absl::InvalidArgumentError("not a Coffer key bundle: " + why);
}

// The string at `object`.`key`; `path` names it in errors.
absl::StatusOr<std::string> Text(const json& object, const char* key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return NotABundle(path + " is missing");
  return it->get<std::string>();
}

absl::StatusOr<std::string> Blob(const json& object, const char* key, const std::string& path) {
  absl::StatusOr<std::string> text = Text(object, key, path);
  if (!text.ok()) return text.status();
  std::optional<std::string> bytes = Base64Decode(*text);
  if (!bytes || bytes->empty()) return NotABundle(path + " is not base64");
  return *std::move(bytes);
}

absl::StatusOr<json> Member(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_object()) return NotABundle(std::string(key) + " is missing");
  return *it;
}

}  // namespace

std::string SigningKeyId(std::string_view point) {
  std::optional<identity::EcPublicKey> key = identity::SplitP256Point(point);
  return key ? identity::JwkThumbprint(*key) : "";
}

std::string KeyBundleJson(const keystore::KeyBundle& bundle) {
  json doc = {
      {"format", kFormat},
      {"transportKey", bundle.transport_key_id},
      {"ceremonyKey",
       {{"wrap", bundle.ceremony_key_wrap},
        {"wrapped", Base64Encode(bundle.wrapped_ceremony_key)}}},
      {"masterKey",
       {{"id", bundle.master_key_id}, {"wrapped", Base64Encode(bundle.wrapped_master_key)}}},
      {"signingKey",
       {{"kid", SigningKeyId(bundle.signing_public_key)},
        {"publicKey", Base64Encode(bundle.signing_public_key)},
        {"wrapped", Base64Encode(bundle.wrapped_signing_key)}}},
  };
  return doc.dump(2) + "\n";
}

absl::StatusOr<keystore::KeyBundle> ParseKeyBundleJson(std::string_view text) {
  if (text.size() > kMaxBundleBytes) return NotABundle("larger than 64 KiB");
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return NotABundle("not a JSON object");
  absl::StatusOr<std::string> format = Text(doc, "format", "format");
  if (!format.ok() || *format != kFormat) {
    return NotABundle(std::string("format is not ") + kFormat);
  }
  keystore::KeyBundle bundle;
  absl::StatusOr<json> ceremony = Member(doc, "ceremonyKey");
  absl::StatusOr<json> master = Member(doc, "masterKey");
  absl::StatusOr<json> signing = Member(doc, "signingKey");
  for (const auto* member : {&ceremony, &master, &signing}) {
    if (!member->ok()) return member->status();
  }
  struct Field {
    std::string* out;
    absl::StatusOr<std::string> value;
  };
  for (const Field& field : std::initializer_list<Field>{
           {&bundle.transport_key_id, Text(doc, "transportKey", "transportKey")},
           {&bundle.ceremony_key_wrap, Text(*ceremony, "wrap", "ceremonyKey.wrap")},
           {&bundle.wrapped_ceremony_key, Blob(*ceremony, "wrapped", "ceremonyKey.wrapped")},
           {&bundle.master_key_id, Text(*master, "id", "masterKey.id")},
           {&bundle.wrapped_master_key, Blob(*master, "wrapped", "masterKey.wrapped")},
           {&bundle.signing_public_key, Blob(*signing, "publicKey", "signingKey.publicKey")},
           {&bundle.wrapped_signing_key, Blob(*signing, "wrapped", "signingKey.wrapped")}}) {
    if (!field.value.ok()) return field.value.status();
    *field.out = *field.value;
  }
  absl::StatusOr<std::string> kid = Text(*signing, "kid", "signingKey.kid");
  if (kid.ok() && *kid != SigningKeyId(bundle.signing_public_key)) {
    return NotABundle("signingKey.kid is not the thumbprint of signingKey.publicKey");
  }
  return bundle;
}

}  // namespace coffer::cli
