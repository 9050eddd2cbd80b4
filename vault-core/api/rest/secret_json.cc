#include "vault-core/api/rest/secret_json.h"

#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"
#include "vault-core/api/rest/object_json.h"

namespace coffer::api::rest {
namespace {

using nlohmann::json;

// The members every bundle and item has; the caller opens and closes the object.
void WriteCommon(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                 const domain::SecretProperties& p, bool with_version) {
  w.Key("id");
  WriteId(w, base_url, "secrets", p.name, with_version ? p.version : "");
  w.Key("attributes");
  WriteAttributes(w, vault, p.attributes);
  if (!p.content_type.empty()) w.Key("contentType").String(p.content_type);
  if (p.managed) {
    w.Key("managed").Bool(true);
    if (with_version) {
      w.Key("kid");
      WriteId(w, base_url, "keys", p.name, p.version);
    }
  }
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
  WipeOnExit wipe{doc};  // the parsed value, on every way out (a refused request's too)
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(doc, {"value", "contentType", "tags", "attributes"}, ""));
  if (!doc.contains("value") || !doc["value"].is_string()) {
    return Bad("'value' is required and must be a string.");
  }
  SetSecretRequest out;
  out.value = SecretBytes(doc["value"].get_ref<const std::string&>());
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
