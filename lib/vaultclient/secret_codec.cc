#include "lib/vaultclient/secret_codec.h"

#include <utility>

#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& what) {
  return absl::InternalError("unexpected answer from the vault: " + what);
}

// Overwrites a string's bytes before it is freed.
void Wipe(std::string& s) {
  internal::ZeroMemory(s.data(), s.size());
  s.clear();
}

std::optional<absl::Time> TimeField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  std::int64_t seconds = it->get<std::int64_t>();
  if (seconds == 0) return std::nullopt;  // Azure's "unset"
  return absl::FromUnixSeconds(seconds);
}

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Name and version from an id "https://HOST/secrets/NAME[/VERSION]".
void SplitId(const std::string& id, Secret& out) {
  std::size_t scheme = id.find("://");
  std::size_t path = id.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return;
  std::vector<std::string> segments;
  std::size_t start = path + 1;
  while (start <= id.size()) {
    std::size_t slash = id.find('/', start);
    if (slash == std::string::npos) slash = id.size();
    segments.push_back(id.substr(start, slash - start));
    start = slash + 1;
  }
  if (segments.size() >= 2) out.name = segments[1];
  if (segments.size() >= 3) out.version = segments[2];
}

absl::StatusOr<Secret> FromJson(json& doc) {
  if (!doc.is_object()) return Bad("a secret is not a JSON object");
  Secret out;
  out.id = StringField(doc, "id");
  if (out.id.empty()) return Bad("a secret without an id");
  SplitId(out.id, out);
  auto value = doc.find("value");
  if (value != doc.end() && value->is_string()) {
    std::string& text = value->get_ref<std::string&>();
    out.value = SecretBytes(text);
    Wipe(text);
  }
  out.content_type = StringField(doc, "contentType");
  auto tags = doc.find("tags");
  if (tags != doc.end() && tags->is_object()) {
    for (const auto& [key, tag] : tags->items()) {
      if (tag.is_string()) out.tags[key] = tag.get<std::string>();
    }
  }
  auto attributes = doc.find("attributes");
  if (attributes != doc.end() && attributes->is_object()) {
    const json& a = *attributes;
    if (a.contains("enabled") && a["enabled"].is_boolean()) out.enabled = a["enabled"].get<bool>();
    out.created = TimeField(a, "created");
    out.updated = TimeField(a, "updated");
    out.not_before = TimeField(a, "nbf");
    out.expires = TimeField(a, "exp");
    out.recovery_level = StringField(a, "recoveryLevel");
    if (a.contains("recoverableDays") && a["recoverableDays"].is_number_integer()) {
      out.recoverable_days = a["recoverableDays"].get<std::int64_t>();
    }
  }
  out.recovery_id = StringField(doc, "recoveryId");
  out.deleted = TimeField(doc, "deletedDate");
  out.scheduled_purge = TimeField(doc, "scheduledPurgeDate");
  return out;
}

json Parse(std::string_view body) { return json::parse(body, nullptr, false); }

}  // namespace

absl::StatusOr<SecretBytes> SetSecretBody(const SecretBytes& value,
                                          const SetSecretOptions& options) {
  json doc = json::object();
  doc["value"] = std::string(value.reveal());
  if (!options.content_type.empty()) doc["contentType"] = options.content_type;
  if (!options.tags.empty()) doc["tags"] = options.tags;
  json attributes = json::object();
  if (options.enabled) attributes["enabled"] = *options.enabled;
  if (options.not_before) attributes["nbf"] = absl::ToUnixSeconds(*options.not_before);
  if (options.expires) attributes["exp"] = absl::ToUnixSeconds(*options.expires);
  doc["attributes"] = std::move(attributes);
  std::string text;
  bool utf8 = true;
  try {
    text = doc.dump();
  } catch (const json::exception&) {
    utf8 = false;
  }
  Wipe(doc["value"].get_ref<std::string&>());
  if (!utf8) {
    return absl::InvalidArgumentError(
        "secret values must be UTF-8 text (base64-encode binary data)");
  }
  SecretBytes body(text);
  Wipe(text);
  return body;
}

absl::StatusOr<Secret> ParseSecret(std::string_view body) {
  json doc = Parse(body);
  if (doc.is_discarded()) return Bad("the body is not JSON");
  return FromJson(doc);
}

absl::StatusOr<SecretPage> ParseSecretPage(std::string_view body) {
  json doc = Parse(body);
  if (!doc.is_object() || !doc.contains("value") || !doc["value"].is_array()) {
    return Bad("a list page without a 'value' array");
  }
  SecretPage page;
  for (json& item : doc["value"]) {
    auto secret = FromJson(item);
    if (!secret.ok()) return secret.status();
    page.items.push_back(std::move(*secret));
  }
  page.next_link = StringField(doc, "nextLink");
  return page;
}

absl::StatusOr<std::string> ParseBackupBlob(std::string_view body) {
  json doc = Parse(body);
  std::string blob = doc.is_object() ? StringField(doc, "value") : "";
  if (blob.empty()) return Bad("a backup without a 'value'");
  return blob;
}

std::string RestoreBody(std::string_view blob) { return json{{"value", std::string(blob)}}.dump(); }

}  // namespace coffer::vaultclient
