#include "vault-core/identity/claims_json.h"

#include <cstdint>
#include <optional>

#include "nlohmann/json.hpp"

namespace coffer::identity {
namespace {

using Json = nlohmann::json;

absl::Status Malformed() { return absl::UnauthenticatedError("malformed token"); }

// nullopt when the member is present but not a string; "" when absent and optional.
std::optional<std::string> StringMember(const Json& object, const char* name, bool required) {
  auto it = object.find(name);
  if (it == object.end()) {
    return required ? std::nullopt : std::optional<std::string>("");
  }
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<absl::Time> TimeMember(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return absl::FromUnixSeconds(it->get<int64_t>());
}

}  // namespace

absl::StatusOr<std::string> ClaimsToJson(const AccessTokenClaims& claims) {
  nlohmann::ordered_json json = {
      {"aud", claims.audience},
      {"iss", claims.issuer},
      {"iat", absl::ToUnixSeconds(claims.issued_at)},
      {"nbf", absl::ToUnixSeconds(claims.not_before)},
      {"exp", absl::ToUnixSeconds(claims.expires)},
      {"appid", claims.app_id},
      {"azp", claims.app_id},
      {"oid", claims.subject},
      {"sub", claims.subject},
      {"tid", claims.tenant_id},
      {"jti", claims.token_id},
  };
  try {
    return json.dump();
  } catch (const Json::exception&) {
    return absl::InvalidArgumentError("a token claim is not valid UTF-8");
  }
}

absl::StatusOr<AccessTokenClaims> ClaimsFromJson(std::string_view text) {
  const Json json = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Malformed();
  std::optional<std::string> iss = StringMember(json, "iss", true);
  std::optional<std::string> aud = StringMember(json, "aud", true);
  std::optional<std::string> sub = StringMember(json, "sub", true);
  std::optional<std::string> oid = StringMember(json, "oid", false);
  std::optional<std::string> appid = StringMember(json, "appid", false);
  std::optional<std::string> azp = StringMember(json, "azp", false);
  std::optional<std::string> tid = StringMember(json, "tid", false);
  std::optional<std::string> jti = StringMember(json, "jti", false);
  std::optional<absl::Time> iat = TimeMember(json, "iat");
  std::optional<absl::Time> nbf = TimeMember(json, "nbf");
  std::optional<absl::Time> exp = TimeMember(json, "exp");
  if (!iss || !aud || !sub || !oid || !appid || !azp || !tid || !jti || !iat || !nbf || !exp) {
    return Malformed();
  }
  if (!oid->empty() && *oid != *sub) return Malformed();
  if (!appid->empty() && !azp->empty() && *appid != *azp) return Malformed();
  AccessTokenClaims claims;
  claims.issuer = *std::move(iss);
  claims.audience = *std::move(aud);
  claims.subject = *std::move(sub);
  claims.app_id = appid->empty() ? *std::move(azp) : *std::move(appid);
  claims.tenant_id = *std::move(tid);
  claims.token_id = *std::move(jti);
  claims.issued_at = *iat;
  claims.not_before = *nbf;
  claims.expires = *exp;
  return claims;
}

}  // namespace coffer::identity
