#include "vault-core/identity/federated.h"

#include <algorithm>

#include "lib/base/base64.h"
#include "nlohmann/json.hpp"

namespace coffer::identity {

std::optional<UnverifiedClaims> ReadUnverifiedClaims(std::string_view jwt) {
  int dots = 0;
  for (char c : jwt) {
    const bool base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (c == '.') {
      ++dots;
    } else if (!base64url) {
      return std::nullopt;
    }
  }
  if (dots != 2) return std::nullopt;
  const std::size_t first = jwt.find('.');
  const std::size_t second = first == std::string_view::npos ? first : jwt.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::optional<std::string> payload = Base64UrlDecode(jwt.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  nlohmann::json claims = nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object() || !claims.contains("iss") || !claims["iss"].is_string()) {
    return std::nullopt;
  }
  UnverifiedClaims read;
  read.issuer = claims["iss"].get<std::string>();
  if (claims.contains("sub") && claims["sub"].is_string()) read.subject = claims["sub"].get<std::string>();
  const nlohmann::json aud = claims.value("aud", nlohmann::json());
  for (const nlohmann::json& a : aud.is_array() ? aud : nlohmann::json::array({aud})) {
    if (a.is_string()) read.audiences.push_back(a.get<std::string>());
  }
  auto seconds = [&](const char* name) -> std::optional<int64_t> {
    if (!claims.contains(name) || !claims[name].is_number()) return std::nullopt;
    // Clamped: a cast of 1e300 to an integer is undefined.
    return static_cast<int64_t>(std::clamp(claims[name].get<double>(), -1e15, 1e15));
  };
  read.expiry = seconds("exp");
  read.not_before = seconds("nbf");
  return read;
}

}  // namespace coffer::identity
