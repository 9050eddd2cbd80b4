#include "vault-core/api/rest/key_json.h"

#include <optional>

#include "lib/base/base64.h"
#include "lib/base/secret_bytes.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"
#include "vault-core/api/rest/object_json.h"

namespace coffer::api::rest {
namespace {

using nlohmann::json;

// Key attributes Azure may send back or that name features Coffer lacks (checked apart).
const std::set<std::string> kKeyAttributes = {"exportable", "hsmPlatform", "attestation"};

// Base64url (or standard base64), padded or not, as the SDKs variously send binary fields.
std::optional<std::string> DecodeBinary(std::string_view text) {
  std::string url(text);
  for (char& c : url) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!url.empty() && url.back() == '=') url.pop_back();
  auto out = Base64UrlDecode(url);
  internal::ZeroMemory(url.data(), url.size());
  return out;
}

absl::StatusOr<std::string> Binary(const json& doc, const std::string& field, bool required) {
  if (!doc.contains(field) || doc[field].is_null()) {
    if (required) return Bad("'" + field + "' is required.");
    return std::string();
  }
  if (!doc[field].is_string()) return Bad("'" + field + "' must be a base64url string.");
  auto bytes = DecodeBinary(doc[field].get_ref<const std::string&>());
  if (!bytes.has_value()) return Bad("'" + field + "' is not valid base64url.");
  return std::move(*bytes);
}

// A binary field that may be secret (key material, a plaintext): decoded into zeroing memory,
// and its text in the parsed document wiped.
absl::StatusOr<SecretBytes> SecretBinary(json& doc, const std::string& field, bool required) {
  auto bytes = Binary(doc, field, required);
  if (doc.contains(field) && doc[field].is_string()) {
    std::string& text = doc[field].get_ref<std::string&>();
    internal::ZeroMemory(text.data(), text.size());
  }
  if (!bytes.ok()) return bytes.status();
  SecretBytes out(*bytes);
  internal::ZeroMemory(bytes->data(), bytes->size());
  return out;
}

absl::StatusOr<std::vector<std::string>> KeyOps(const json& value) {
  if (!value.is_array()) return Bad("'key_ops' must be an array of strings.");
  std::vector<std::string> ops;
  for (const auto& op : value) {
    if (!op.is_string()) return Bad("'key_ops' must be an array of strings.");
    ops.push_back(op.get<std::string>());
  }
  COFFER_RETURN_IF_ERROR(domain::ValidateKeyOps(ops));
  return ops;
}

// Release policies (Secure Key Release) and exportable keys are not offered: asking for them is
// refused rather than ignored, so nobody believes a key is bound to a policy that is not there.
absl::Status NoRelease(const json& doc) {
  if (doc.contains("release_policy") && !doc["release_policy"].is_null()) {
    return Bad("release_policy is not supported: Coffer does not offer key release.");
  }
  if (doc.contains("attributes") && doc["attributes"].is_object() &&
      doc["attributes"].contains("exportable") && doc["attributes"]["exportable"] == true) {
    return Bad("Exportable keys are not supported: Coffer does not offer key release.");
  }
  return absl::OkStatus();
}

absl::Status ApplyAttributes(const json& doc, domain::KeyCreateOptions& options) {
  if (!doc.contains("attributes") || doc["attributes"].is_null()) return absl::OkStatus();
  COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(doc["attributes"], kKeyAttributes));
  options.enabled = a.enabled.value_or(true);
  if (a.not_before) options.not_before = *a.not_before;
  if (a.expires) options.expires = *a.expires;
  return absl::OkStatus();
}

absl::Status ApplyTags(const json& doc, domain::KeyCreateOptions& options) {
  if (!doc.contains("tags") || doc["tags"].is_null()) return absl::OkStatus();
  COFFER_ASSIGN_OR_RETURN(options.tags, ParseTags(doc["tags"]));
  return absl::OkStatus();
}

std::string Kid(std::string_view base_url, const domain::KeyProperties& p, bool with_version) {
  std::string id = std::string(base_url) + "/keys/" + p.name;
  if (with_version) id += "/" + p.version;
  return id;
}

void WriteTagsAndManaged(JsonWriter& w, const domain::KeyProperties& p) {
  if (!p.tags.empty()) {
    w.Key("tags").BeginObject();
    for (const auto& [key, value] : p.tags) w.Key(key).String(value);
    w.EndObject();
  }
  if (p.managed) w.Key("managed").Bool(true);
}

void WriteBundleMembers(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                        const domain::Key& key) {
  const domain::KeyProperties& p = key.properties;
  w.Key("key").BeginObject().Key("kid").String(Kid(base_url, p, true));
  w.Key("kty").String(domain::KeyTypeName(p.type, p.hsm));
  w.Key("key_ops").BeginArray();
  for (const auto& op : p.key_ops) w.String(op);
  w.EndArray();
  const domain::PublicKey& pub = key.public_key;
  if (p.type == domain::KeyType::kRsa) {
    w.Key("n").String(Base64UrlEncode(pub.n)).Key("e").String(Base64UrlEncode(pub.e));
  } else if (p.type == domain::KeyType::kEc) {
    w.Key("crv").String(domain::CurveName(pub.curve));
    w.Key("x").String(Base64UrlEncode(pub.x)).Key("y").String(Base64UrlEncode(pub.y));
  }
  w.EndObject();
  w.Key("attributes");
  WriteAttributes(w, vault, p.attributes);
  WriteTagsAndManaged(w, p);
}

void WriteDeletedMembers(JsonWriter& w, std::string_view base_url, const domain::DeletedKey& d) {
  w.Key("recoveryId");
  WriteId(w, base_url, "deletedkeys", d.key.properties.name, "");
  w.Key("deletedDate")
      .Int(absl::ToUnixSeconds(d.deleted))
      .Key("scheduledPurgeDate")
      .Int(absl::ToUnixSeconds(d.scheduled_purge));
}

}  // namespace

absl::StatusOr<CreateKeyRequest> ParseCreateKey(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc,
                                         {"kty", "key_size", "public_exponent", "key_ops",
                                          "attributes", "tags", "crv", "release_policy"},
                                         ""));
  COFFER_RETURN_IF_ERROR(NoRelease(doc));
  if (!doc.contains("kty") || !doc["kty"].is_string()) {
    return Bad("'kty' is required and must be a string.");
  }
  CreateKeyRequest out;
  COFFER_ASSIGN_OR_RETURN(out.spec.type,
                          domain::ParseKeyType(doc["kty"].get<std::string>(), &out.hsm));
  if (doc.contains("key_size") && !doc["key_size"].is_null()) {
    if (!doc["key_size"].is_number_integer() || doc["key_size"].get<std::int64_t>() <= 0 ||
        doc["key_size"].get<std::int64_t>() > 16384) {
      return Bad("'key_size' must be a positive integer.");
    }
    out.spec.bits = doc["key_size"].get<int>();
  }
  if (doc.contains("public_exponent") && !doc["public_exponent"].is_null()) {
    const json& e = doc["public_exponent"];
    if (!e.is_number_unsigned() || e.get<std::uint64_t>() == 0) {
      return Bad("'public_exponent' must be a positive integer.");
    }
    std::uint64_t value = e.get<std::uint64_t>();
    std::string bytes;
    for (; value != 0; value >>= 8) bytes.insert(bytes.begin(), static_cast<char>(value & 0xFF));
    out.spec.public_exponent = bytes;
  }
  if (doc.contains("crv") && !doc["crv"].is_null()) {
    if (!doc["crv"].is_string()) return Bad("'crv' must be a string.");
    COFFER_ASSIGN_OR_RETURN(out.spec.curve, domain::ParseCurve(doc["crv"].get<std::string>()));
  }
  if (doc.contains("key_ops") && !doc["key_ops"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(out.options.key_ops, KeyOps(doc["key_ops"]));
  }
  COFFER_RETURN_IF_ERROR(ApplyAttributes(doc, out.options));
  COFFER_RETURN_IF_ERROR(ApplyTags(doc, out.options));
  return out;
}

absl::StatusOr<ImportKeyRequest> ParseImportKey(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  WipeOnExit wipe{doc};  // it holds the private key
  COFFER_RETURN_IF_ERROR(
      OnlyKnownFields(doc, {"Hsm", "key", "attributes", "tags", "release_policy"}, ""));
  COFFER_RETURN_IF_ERROR(NoRelease(doc));
  ImportKeyRequest out;
  if (doc.contains("Hsm") && !doc["Hsm"].is_null()) {
    if (!doc["Hsm"].is_boolean()) return Bad("'Hsm' must be a boolean.");
    out.hsm = doc["Hsm"].get<bool>();
  }
  if (!doc.contains("key") || !doc["key"].is_object()) {
    return Bad("'key' is required and must be a JSON web key.");
  }
  json& jwk = doc["key"];
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(jwk,
                                         {"kid", "kty", "key_ops", "n", "e", "d", "dp", "dq",
                                          "qi", "p", "q", "k", "key_hsm", "crv", "x", "y"},
                                         "key."));
  if (jwk.contains("key_hsm") && !jwk["key_hsm"].is_null()) {
    return Bad("'key.key_hsm' (BYOK transfer blobs) is not supported: import the key's parts.");
  }
  if (!jwk.contains("kty") || !jwk["kty"].is_string()) {
    return Bad("'key.kty' is required and must be a string.");
  }
  bool hsm_kty = false;
  domain::PrivateKeyParts& parts = out.parts;
  COFFER_ASSIGN_OR_RETURN(parts.type, domain::ParseKeyType(jwk["kty"].get<std::string>(), &hsm_kty));
  out.hsm = out.hsm || hsm_kty;
  // Members of another key type are refused, not ignored: a stray crv on an RSA key would
  // otherwise be stored and break every public-key operation.
  static const std::set<std::string> kRsaMembers = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
  static const std::set<std::string> kEcMembers = {"crv", "x", "y", "d"};
  static const std::set<std::string> kOctMembers = {"k"};
  const std::set<std::string>& own = parts.type == domain::KeyType::kRsa  ? kRsaMembers
                                     : parts.type == domain::KeyType::kEc ? kEcMembers
                                                                          : kOctMembers;
  for (const char* member : {"n", "e", "d", "p", "q", "dp", "dq", "qi", "k", "crv", "x", "y"}) {
    if (jwk.contains(member) && !jwk[member].is_null() && own.count(member) == 0) {
      return Bad(std::string("'key.") + member + "' does not belong to a " +
                 jwk["kty"].get<std::string>().substr(0, 16) + " key.");
    }
  }
  if (jwk.contains("crv") && !jwk["crv"].is_null()) {
    if (!jwk["crv"].is_string()) return Bad("'key.crv' must be a string.");
    COFFER_ASSIGN_OR_RETURN(parts.public_key.curve,
                            domain::ParseCurve(jwk["crv"].get<std::string>()));
  }
  if (parts.type == domain::KeyType::kEc && parts.public_key.curve == domain::Curve::kNone) {
    return Bad("'key.crv' is required for an EC key.");
  }
  COFFER_ASSIGN_OR_RETURN(parts.public_key.n, Binary(jwk, "n", false));
  COFFER_ASSIGN_OR_RETURN(parts.public_key.e, Binary(jwk, "e", false));
  COFFER_ASSIGN_OR_RETURN(parts.public_key.x, Binary(jwk, "x", false));
  COFFER_ASSIGN_OR_RETURN(parts.public_key.y, Binary(jwk, "y", false));
  COFFER_ASSIGN_OR_RETURN(parts.d, SecretBinary(jwk, "d", false));
  COFFER_ASSIGN_OR_RETURN(parts.p, SecretBinary(jwk, "p", false));
  COFFER_ASSIGN_OR_RETURN(parts.q, SecretBinary(jwk, "q", false));
  COFFER_ASSIGN_OR_RETURN(parts.dp, SecretBinary(jwk, "dp", false));
  COFFER_ASSIGN_OR_RETURN(parts.dq, SecretBinary(jwk, "dq", false));
  COFFER_ASSIGN_OR_RETURN(parts.qi, SecretBinary(jwk, "qi", false));
  COFFER_ASSIGN_OR_RETURN(parts.k, SecretBinary(jwk, "k", false));
  if (jwk.contains("key_ops") && !jwk["key_ops"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(out.options.key_ops, KeyOps(jwk["key_ops"]));
  }
  COFFER_RETURN_IF_ERROR(ApplyAttributes(doc, out.options));
  COFFER_RETURN_IF_ERROR(ApplyTags(doc, out.options));
  return out;
}

absl::StatusOr<domain::KeyUpdate> ParseUpdateKey(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(
      OnlyKnownFields(doc, {"key_ops", "attributes", "tags", "release_policy"}, ""));
  COFFER_RETURN_IF_ERROR(NoRelease(doc));
  domain::KeyUpdate out;
  if (doc.contains("key_ops") && !doc["key_ops"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(out.key_ops, KeyOps(doc["key_ops"]));
  }
  if (doc.contains("tags")) {
    COFFER_ASSIGN_OR_RETURN(out.tags,
                            ParseTags(doc["tags"].is_null() ? json::object() : doc["tags"]));
  }
  if (doc.contains("attributes") && !doc["attributes"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(doc["attributes"], kKeyAttributes));
    out.enabled = a.enabled;
    out.not_before = a.not_before;
    out.expires = a.expires;
  }
  return out;
}

absl::StatusOr<domain::KeyOperationRequest> ParseKeyOperation(std::string_view body,
                                                              domain::KeyOperation op) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  WipeOnExit wipe{doc};  // it holds the plaintext too
  const bool verify = op == domain::KeyOperation::kVerify;
  const bool sign = op == domain::KeyOperation::kSign;
  if (verify) {
    COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"alg", "digest", "value"}, ""));
  } else if (sign) {
    COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"alg", "value"}, ""));
  } else {
    COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"alg", "value", "iv", "aad", "tag"}, ""));
  }
  if (!doc.contains("alg") || !doc["alg"].is_string()) {
    return Bad("'alg' is required and must be a string.");
  }
  domain::KeyOperationRequest out;
  out.op = op;
  COFFER_ASSIGN_OR_RETURN(out.alg, domain::ParseAlgorithm(doc["alg"].get<std::string>()));
  if (verify) {
    COFFER_ASSIGN_OR_RETURN(out.data, SecretBinary(doc, "digest", true));
    COFFER_ASSIGN_OR_RETURN(out.signature, Binary(doc, "value", true));
    return out;
  }
  COFFER_ASSIGN_OR_RETURN(out.data, SecretBinary(doc, "value", true));
  if (!sign) {
    COFFER_ASSIGN_OR_RETURN(out.iv, Binary(doc, "iv", false));
    COFFER_ASSIGN_OR_RETURN(out.aad, Binary(doc, "aad", false));
    COFFER_ASSIGN_OR_RETURN(out.tag, Binary(doc, "tag", false));
  }
  return out;
}

absl::StatusOr<domain::RotationPolicy> ParseRotationPolicy(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"id", "lifetimeActions", "attributes"}, ""));
  domain::RotationPolicy out;
  auto duration = [](const json& object, const char* field,
                     const std::string& where) -> absl::StatusOr<std::string> {
    if (!object.contains(field) || object[field].is_null()) return std::string();
    if (!object[field].is_string() || object[field].get_ref<const std::string&>().size() > 32) {
      return Bad("'" + where + field + "' must be an ISO 8601 duration such as P90D.");
    }
    return object[field].get<std::string>();
  };
  if (doc.contains("lifetimeActions") && !doc["lifetimeActions"].is_null()) {
    const json& actions = doc["lifetimeActions"];
    if (!actions.is_array()) return Bad("'lifetimeActions' must be an array.");
    for (const json& a : actions) {
      if (!a.is_object()) return Bad("Each lifetime action must be an object.");
      COFFER_RETURN_IF_ERROR(OnlyKnownFields(a, {"trigger", "action"}, "lifetimeActions[]."));
      if (!a.contains("trigger") || !a["trigger"].is_object() || !a.contains("action") ||
          !a["action"].is_object()) {
        return Bad("Each lifetime action needs a 'trigger' and an 'action' object.");
      }
      const json& trigger = a["trigger"];
      const json& action = a["action"];
      COFFER_RETURN_IF_ERROR(OnlyKnownFields(trigger, {"timeAfterCreate", "timeBeforeExpiry"},
                                             "lifetimeActions[].trigger."));
      COFFER_RETURN_IF_ERROR(OnlyKnownFields(action, {"type"}, "lifetimeActions[].action."));
      domain::LifetimeAction out_action;
      COFFER_ASSIGN_OR_RETURN(out_action.time_after_create,
                              duration(trigger, "timeAfterCreate", "trigger."));
      COFFER_ASSIGN_OR_RETURN(out_action.time_before_expiry,
                              duration(trigger, "timeBeforeExpiry", "trigger."));
      if (!action.contains("type") || !action["type"].is_string()) {
        return Bad("'action.type' must be Rotate or Notify.");
      }
      // The SDKs send "Rotate"/"Notify"; Azure's documents also show lower case.
      std::string type = action["type"].get<std::string>();
      if (type == "rotate") type = "Rotate";
      if (type == "notify") type = "Notify";
      out_action.action = type;
      out.lifetime_actions.push_back(std::move(out_action));
    }
  }
  if (doc.contains("attributes") && !doc["attributes"].is_null()) {
    const json& attributes = doc["attributes"];
    if (!attributes.is_object()) return Bad("'attributes' must be an object.");
    COFFER_RETURN_IF_ERROR(
        OnlyKnownFields(attributes, {"expiryTime", "created", "updated"}, "attributes."));
    COFFER_ASSIGN_OR_RETURN(out.expiry_time, duration(attributes, "expiryTime", "attributes."));
  }
  return out;
}

absl::StatusOr<int> ParseRandomBytes(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"count"}, ""));
  if (!doc.contains("count") || !doc["count"].is_number_integer() ||
      doc["count"].get<std::int64_t>() < 1 || doc["count"].get<std::int64_t>() > 128) {
    return Bad("'count' is required and must be an integer from 1 to 128.");
  }
  return doc["count"].get<int>();
}

void WriteKeyBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                    const domain::Key& key) {
  w.BeginObject();
  WriteBundleMembers(w, base_url, vault, key);
  w.EndObject();
}

void WriteKeyItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                  const domain::KeyProperties& p, bool with_version) {
  w.BeginObject().Key("kid").String(Kid(base_url, p, with_version));
  w.Key("attributes");
  WriteAttributes(w, vault, p.attributes);
  WriteTagsAndManaged(w, p);
  w.EndObject();
}

void WriteDeletedKeyBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                           const domain::DeletedKey& deleted) {
  w.BeginObject();
  WriteDeletedMembers(w, base_url, deleted);
  WriteBundleMembers(w, base_url, vault, deleted.key);
  w.EndObject();
}

void WriteDeletedKeyItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                         const domain::DeletedKey& deleted) {
  w.BeginObject();
  WriteDeletedMembers(w, base_url, deleted);
  const domain::KeyProperties& p = deleted.key.properties;
  w.Key("kid").String(Kid(base_url, p, false));
  w.Key("attributes");
  WriteAttributes(w, vault, p.attributes);
  WriteTagsAndManaged(w, p);
  w.EndObject();
}

void WriteKeyOperationResult(JsonWriter& w, std::string_view kid,
                             const domain::KeyOperationRequest& request,
                             const domain::KeyOperationResult& result) {
  w.BeginObject();
  if (request.op == domain::KeyOperation::kVerify) {
    w.Key("value").Bool(result.verified).EndObject();
    return;
  }
  // A decrypt's or unwrap's plaintext: its encoded copy is wiped once written.
  std::string value = Base64UrlEncode(result.value.reveal());
  w.Key("kid").String(kid).Key("value").String(value);
  internal::ZeroMemory(value.data(), value.size());
  if (!result.iv.empty()) w.Key("iv").String(Base64UrlEncode(result.iv));
  if (!result.tag.empty()) w.Key("tag").String(Base64UrlEncode(result.tag));
  if (request.op == domain::KeyOperation::kEncrypt && !request.aad.empty()) {
    w.Key("aad").String(Base64UrlEncode(request.aad));
  }
  w.EndObject();
}

void WriteRotationPolicy(JsonWriter& w, std::string_view id, const domain::RotationPolicy& p) {
  w.BeginObject().Key("id").String(id).Key("lifetimeActions").BeginArray();
  for (const auto& a : p.lifetime_actions) {
    w.BeginObject().Key("trigger").BeginObject();
    if (!a.time_after_create.empty()) w.Key("timeAfterCreate").String(a.time_after_create);
    if (!a.time_before_expiry.empty()) w.Key("timeBeforeExpiry").String(a.time_before_expiry);
    w.EndObject().Key("action").BeginObject().Key("type").String(a.action).EndObject();
    w.EndObject();
  }
  w.EndArray().Key("attributes").BeginObject();
  if (!p.expiry_time.empty()) w.Key("expiryTime").String(p.expiry_time);
  if (p.created) w.Key("created").Int(absl::ToUnixSeconds(*p.created));
  if (p.updated) w.Key("updated").Int(absl::ToUnixSeconds(*p.updated));
  w.EndObject().EndObject();
}

}  // namespace coffer::api::rest
