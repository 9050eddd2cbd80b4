#ifndef COFFER_VAULT_CORE_IDENTITY_JWK_H_
#define COFFER_VAULT_CORE_IDENTITY_JWK_H_

// The token-signing key as JSON Web Key (RFC 7517/7518) and its thumbprint (RFC 7638).

#include <optional>
#include <string>
#include <string_view>

namespace coffer::identity {

// The coordinates of a P-256 public point, 32 raw bytes each.
struct EcPublicKey {
  std::string x;
  std::string y;
};

// Splits an uncompressed point (0x04 || X || Y, 65 bytes); nullopt for anything else. It does
// not check that the point is on the curve (OpenSSL does that when the key is loaded).
std::optional<EcPublicKey> SplitP256Point(std::string_view point);

// RFC 7638: base64url(SHA-256({"crv":"P-256","kty":"EC","x":...,"y":...})), members in that
// order and no whitespace. Used as the "kid".
std::string JwkThumbprint(const EcPublicKey& key);

// {"keys":[{"kty":"EC","crv":"P-256","x":..,"y":..,"kid":..,"use":"sig","alg":"ES256"}]}
std::string JwksJson(const EcPublicKey& key, std::string_view kid);

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_JWK_H_
