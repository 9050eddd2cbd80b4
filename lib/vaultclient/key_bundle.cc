#include "lib/vaultclient/key_bundle.h"

#include "nlohmann/json.hpp"

namespace coffer::vaultclient {
namespace {

using nlohmann::json;

std::optional<absl::Time> Seconds(const json& attributes, const char* name) {
  auto it = attributes.find(name);
  if (it == attributes.end() || !it->is_number()) return std::nullopt;
  return absl::FromUnixSeconds(it->get<std::int64_t>());
}

// "https://HOST/keys/NAME/VERSION" -> VERSION; "" when the id has no version.
std::string VersionOf(const std::string& kid) {
  const std::string marker = "/keys/";
  std::size_t at = kid.find(marker);
  if (at == std::string::npos) return "";
  std::string rest = kid.substr(at + marker.size());  // NAME/VERSION
  std::size_t slash = rest.find('/');
  return slash == std::string::npos ? "" : rest.substr(slash + 1);
}

absl::StatusOr<KeyVersion> FromKid(const json& kid, const json& doc, const char* what) {
  KeyVersion out;
  if (kid.is_string()) out.version = VersionOf(kid.get<std::string>());
  if (out.version.empty() || out.version.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(std::string("the vault's answer is not a ") + what +
                                      " with a versioned kid");
  }
  if (auto attributes = doc.find("attributes");
      attributes != doc.end() && attributes->is_object()) {
    if (auto enabled = attributes->find("enabled");
        enabled != attributes->end() && enabled->is_boolean()) {
      out.enabled = enabled->get<bool>();
    }
    out.not_before = Seconds(*attributes, "nbf");
    out.expires = Seconds(*attributes, "exp");
    out.created = Seconds(*attributes, "created");
  }
  return out;
}

}  // namespace

bool KeyVersion::UsableAt(absl::Time now) const {
  return enabled && (!not_before || *not_before <= now) && (!expires || now < *expires);
}

absl::StatusOr<KeyVersion> ParseKeyBundle(std::string_view json_text) {
  const json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  const json* key = doc.is_object() && doc.contains("key") ? &doc["key"] : nullptr;
  if (key == nullptr || !key->is_object()) {
    return absl::InvalidArgumentError("the vault's answer is not a key bundle");
  }
  absl::StatusOr<KeyVersion> out = FromKid(key->value("kid", json()), doc, "key bundle");
  if (out.ok()) out->jwk = key->dump();
  return out;
}

absl::StatusOr<KeyVersion> ParseKeyItem(std::string_view json_text) {
  const json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (!doc.is_object()) return absl::InvalidArgumentError("the vault's answer is not a key item");
  return FromKid(doc.value("kid", json()), doc, "key item");
}

}  // namespace coffer::vaultclient
