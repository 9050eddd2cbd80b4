#include "vault-core/api/rest/object_json.h"

#include <limits>

#include "lib/base/json_depth.h"
#include "lib/base/secret_bytes.h"
#include "lib/base/status.h"

namespace coffer::api::rest {

using nlohmann::json;

namespace {
constexpr std::size_t kMaxTags = 15;
}  // namespace

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

void WipeOnExit::Wipe(json& value) {
  if (value.is_string()) {
    std::string& text = value.get_ref<std::string&>();
    internal::ZeroMemory(text.data(), text.size());
  } else if (value.is_object() || value.is_array()) {
    for (auto& member : value) Wipe(member);
  }
}

namespace {

// How deeply a body's arrays and objects nest; Azure's bodies need 4 levels. Counted before
// parsing, since walking (wiping, dumping) a parsed document recurses once per level.
constexpr int kMaxDepth = 32;

}  // namespace

absl::StatusOr<json> ParseObject(std::string_view body) {
  if (JsonNestsDeeperThan(body, kMaxDepth)) return Bad("The request body nests more than 32 levels deep.");
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("The request body is not valid JSON.");
  if (!doc.is_object()) return Bad("The request body must be a JSON object.");
  return doc;
}

absl::Status OnlyKnownFields(const json& object, const std::set<std::string>& known,
                             const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (known.count(key) == 0) return Bad("Unknown field '" + where + key.substr(0, 64) + "'.");
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
    if (!v.is_string()) return Bad("Tag '" + key.substr(0, 64) + "' must have a string value.");
    if (key.size() > 512 || v.get_ref<const std::string&>().size() > 256) {
      return Bad("Tag names are limited to 512 characters and values to 256.");
    }
    tags[key] = v.get<std::string>();
  }
  return tags;
}

absl::StatusOr<Attributes> ParseAttributes(const json& value,
                                           const std::set<std::string>& also_known) {
  if (!value.is_object()) return Bad("'attributes' must be an object.");
  std::set<std::string> known = {"enabled",       "nbf",           "exp",
                                 "created",       "updated",       "recoveryLevel",
                                 "recoverableDays"};
  known.insert(also_known.begin(), also_known.end());
  COFFER_RETURN_IF_ERROR(OnlyKnownFields(value, known, "attributes."));
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

}  // namespace coffer::api::rest
