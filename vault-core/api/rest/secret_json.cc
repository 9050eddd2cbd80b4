#include "vault-core/api/rest/secret_json.h"

#include <limits>
#include <set>

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"

namespace coffer::api::rest {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTags = 15;

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

absl::StatusOr<json> ParseObject(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("The request body is not valid JSON.");
  if (!doc.is_object()) return Bad("The request body must be a JSON object.");
  return doc;
}

absl::Status OnlyKnownFields(const json& object, const std::set<std::string>& known,
                             const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (known.count(key) == 0) return Bad("Unknown field '" + where + key + "'.");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::Time>> ParseTime(const json& value, const std::string& field) {
  if (value.is_null()) return std::optional<absl::Time>();
  // 0 means "unset" in storage, and unsigned values beyond int64 would wrap: both refused.
  bool in_range = value.is_number_integer() &&
                  !(value.is_number_unsigned() &&
                    value.get<std::uint64_t>() >
                        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) &&
                  value.get<std::int64_t>() > 0;
  if (!in_range) return Bad("'" + field + "' must be a positive integer (Unix seconds).");
  return std::optional<absl::Time>(absl::FromUnixSeconds(value.get<std::int64_t>()));
}

absl::StatusOr<domain::Tags> ParseTags(const json& value) {
  if (!value.is_object()) return Bad("'tags' must be an object of strings.");
  if (value.size() > kMaxTags) return Bad("At most 15 tags are allowed.");
  domain::Tags tags;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) return Bad("Tag '" + key + "' must have a string value.");
    if (key.size() > 512 || v.get_ref<const std::string&>().size() > 256) {
      return Bad("Tag names are limited to 512 characters and values to 256.");
    }
    tags[key] = v.get<std::string>();
  }
  return tags;
}

// The writable attributes; the read-only ones a client may echo back are accepted and ignored.
struct Attributes {
  std::optional<bool> enabled;
  std::optional<std::optional<absl::Time>> not_before;
  std::optional<std::optional<absl::Time>> expires;
};

absl::StatusOr<Attributes> ParseAttributes(const json& value) {
  if (!value.is_object()) return Bad("'attributes' must be an object.");
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(
      value, {"enabled", "nbf", "exp", "created", "updated", "recoveryLevel", "recoverableDays"},
      "attributes."));
  Attributes out;
  if (value.contains("enabled")) {
    if (!value["enabled"].is_boolean()) return Bad("'attributes.enabled' must be a boolean.");
    out.enabled = value["enabled"].get<bool>();
  }
  if (value.contains("nbf")) {
    COFFER_ASSIGN_OR_RETURN(out.not_before, ParseTime(value["nbf"], "attributes.nbf"));
  }
  if (value.contains("exp")) {
    COFFER_ASSIGN_OR_RETURN(out.expires, ParseTime(value["exp"], "attributes.exp"));
  }
  return out;
}

void WriteAttributes(JsonWriter& w, const domain::Vault& vault, const domain::ObjectAttributes& a) {
  w.BeginObject().Key("enabled").Bool(a.enabled);
  if (a.not_before) w.Key("nbf").Int(absl::ToUnixSeconds(*a.not_before));
  if (a.expires) w.Key("exp").Int(absl::ToUnixSeconds(*a.expires));
  w.Key("created")
      .Int(absl::ToUnixSeconds(a.created))
      .Key("updated")
      .Int(absl::ToUnixSeconds(a.updated))
      .Key("recoveryLevel")
      .String(vault.RecoveryLevel())
      .Key("recoverableDays")
      .Int(vault.soft_delete_retention_days)
      .EndObject();
}

void WriteId(JsonWriter& w, std::string_view base_url, std::string_view collection,
             const std::string& name, const std::string& version) {
  std::string id;
  id.reserve(base_url.size() + collection.size() + name.size() + version.size() + 3);
  id.append(base_url).append("/").append(collection).append("/").append(name);
  if (!version.empty()) id.append("/").append(version);
  w.String(id);
}

// The members every bundle and item has; the caller opens and closes the object.
void WriteCommon(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                 const domain::SecretProperties& p, bool with_version) {
  w.Key("id");
  WriteId(w, base_url, "secrets", p.name, with_version ? p.version : "");
  w.Key("attributes");
  WriteAttributes(w, vault, p.attributes);
  if (!p.content_type.empty()) w.Key("contentType").String(p.content_type);
  if (!p.tags.empty()) {
    w.Key("tags").BeginObject();
    for (const auto& [key, value] : p.tags) w.Key(key).String(value);
    w.EndObject();
  }
}

// A deleted secret: where to recover it and when it goes for good, then what every secret has.
void WriteDeleted(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                  const domain::DeletedSecret& deleted, bool with_version) {
  w.BeginObject().Key("recoveryId");
  WriteId(w, base_url, "deletedsecrets", deleted.properties.name, "");
  w.Key("deletedDate")
      .Int(absl::ToUnixSeconds(deleted.deleted))
      .Key("scheduledPurgeDate")
      .Int(absl::ToUnixSeconds(deleted.scheduled_purge));
  WriteCommon(w, base_url, vault, deleted.properties, with_version);
  w.EndObject();
}

}  // namespace

absl::StatusOr<SetSecretRequest> ParseSetSecret(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"value", "contentType", "tags", "attributes"}, ""));
  if (!doc.contains("value") || !doc["value"].is_string()) {
    return Bad("'value' is required and must be a string.");
  }
  SetSecretRequest out;
  std::string& value = doc["value"].get_ref<std::string&>();
  out.value = SecretBytes(value);
  internal::ZeroMemory(value.data(), value.size());
  if (doc.contains("contentType")) {
    if (!doc["contentType"].is_string()) return Bad("'contentType' must be a string.");
    out.options.content_type = doc["contentType"].get<std::string>();
  }
  if (doc.contains("tags") && !doc["tags"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(out.options.tags, ParseTags(doc["tags"]));
  }
  if (doc.contains("attributes") && !doc["attributes"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(doc["attributes"]));
    out.options.enabled = a.enabled.value_or(true);
    if (a.not_before) out.options.not_before = *a.not_before;
    if (a.expires) out.options.expires = *a.expires;
  }
  return out;
}

absl::StatusOr<domain::SecretUpdate> ParseUpdateSecret(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"contentType", "tags", "attributes"}, ""));
  domain::SecretUpdate out;
  if (doc.contains("contentType")) {
    if (!doc["contentType"].is_string()) return Bad("'contentType' must be a string.");
    out.content_type = doc["contentType"].get<std::string>();
  }
  if (doc.contains("tags")) {
    COFFER_ASSIGN_OR_RETURN(out.tags,
                            ParseTags(doc["tags"].is_null() ? json::object() : doc["tags"]));
  }
  if (doc.contains("attributes") && !doc["attributes"].is_null()) {
    COFFER_ASSIGN_OR_RETURN(Attributes a, ParseAttributes(doc["attributes"]));
    out.enabled = a.enabled;
    out.not_before = a.not_before;
    out.expires = a.expires;
  }
  return out;
}

absl::StatusOr<std::string> ParseRestoreSecret(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json doc, ParseObject(body));
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"value"}, ""));
  if (!doc.contains("value") || !doc["value"].is_string()) {
    return Bad("'value' is required and must be a base64url string.");
  }
  auto blob = Base64UrlDecode(doc["value"].get<std::string>());
  if (!blob.has_value()) return Bad("'value' is not valid base64url.");
  return *blob;
}

void WriteSecretBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                       const domain::SecretProperties& properties, const SecretBytes* value) {
  w.BeginObject();
  if (value != nullptr) w.Key("value").String(value->reveal());
  WriteCommon(w, base_url, vault, properties, /*with_version=*/true);
  w.EndObject();
}

void WriteSecretItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                     const domain::SecretProperties& properties, bool with_version) {
  w.BeginObject();
  WriteCommon(w, base_url, vault, properties, with_version);
  w.EndObject();
}

void WriteDeletedSecretBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                              const domain::DeletedSecret& deleted) {
  WriteDeleted(w, base_url, vault, deleted, /*with_version=*/true);
}

void WriteDeletedSecretItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                            const domain::DeletedSecret& deleted) {
  WriteDeleted(w, base_url, vault, deleted, /*with_version=*/false);
}

}  // namespace coffer::api::rest
