#include "vault-core/identity/jwk.h"

#include "lib/base/base64.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/digest.h"

namespace coffer::identity {
namespace {

constexpr size_t kCoordinateSize = 32;

}  // namespace

std::optional<EcPublicKey> SplitP256Point(std::string_view point) {
  if (point.size() != 1 + 2 * kCoordinateSize || point[0] != '\x04') return std::nullopt;
  return EcPublicKey{std::string(point.substr(1, kCoordinateSize)),
                     std::string(point.substr(1 + kCoordinateSize))};
}

std::string JwkThumbprint(const EcPublicKey& key) {
  // Built by hand: RFC 7638 fixes the member order and forbids whitespace, and base64url
  // values need no JSON escaping.
  const std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + Base64UrlEncode(key.x) +
                                R"(","y":")" + Base64UrlEncode(key.y) + R"("})";
  return Base64UrlEncode(crypto::Sha256(canonical));
}

std::string JwksJson(const EcPublicKey& key, std::string_view kid) {
  nlohmann::ordered_json jwk = {
      {"kty", "EC"},
      {"crv", "P-256"},
      {"x", Base64UrlEncode(key.x)},
      {"y", Base64UrlEncode(key.y)},
      {"kid", std::string(kid)},
      {"use", "sig"},
      {"alg", "ES256"},
  };
  nlohmann::ordered_json jwks = {{"keys", nlohmann::ordered_json::array({jwk})}};
  return jwks.dump();
}

}  // namespace coffer::identity
