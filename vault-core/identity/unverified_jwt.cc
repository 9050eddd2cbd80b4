#include "vault-core/identity/unverified_jwt.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "lib/base/base64.h"

namespace coffer::identity {
namespace {

bool IsBase64UrlOrDot(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

}  // namespace

std::optional<JwsParts> SplitJws(std::string_view token) {
  if (!std::all_of(token.begin(), token.end(), IsBase64UrlOrDot)) return std::nullopt;
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return JwsParts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1), token.substr(0, second)};
}

std::optional<nlohmann::json> DecodeJsonObject(std::string_view part) {
  std::optional<std::string> text = Base64UrlDecode(part);
  if (!text) return std::nullopt;
  nlohmann::json object = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return std::nullopt;
  return object;
}

std::optional<UnverifiedClaims> ClaimsOfPayload(const nlohmann::json& claims) {
  if (!claims.contains("iss") || !claims["iss"].is_string()) return std::nullopt;
  UnverifiedClaims read;
  read.issuer = claims["iss"].get<std::string>();
  if (claims.contains("sub") && claims["sub"].is_string()) {
    read.subject = claims["sub"].get<std::string>();
  }
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
