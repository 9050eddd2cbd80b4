#include "vault-core/identity/federated.h"

#include "lib/base/base64.h"
#include "nlohmann/json.hpp"

namespace coffer::identity {

std::optional<std::string> UnverifiedIssuer(std::string_view jwt) {
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
  return claims["iss"].get<std::string>();
}

}  // namespace coffer::identity
