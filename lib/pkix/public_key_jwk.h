#ifndef COFFER_LIB_PKIX_PUBLIC_KEY_JWK_H_
#define COFFER_LIB_PKIX_PUBLIC_KEY_JWK_H_

// A vault key's public part, from the JSON Web Key the data plane returns (RFC 7517/7518), as
// PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"): the form OpenSSL, Go, Java and .NET read,
// for a workload that verifies a vault key's signatures or encrypts to it. Over OpenSSL;
// thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace coffer::pkix {

// `jwk_json` is the key's JWK object: kty RSA or RSA-HSM (n, e), or EC or EC-HSM (crv P-256,
// P-384, P-521 or P-256K; x, y). Members it does not need (kid, key_ops, ...) are ignored.
// INVALID_ARGUMENT for a symmetric key (oct, oct-HSM: it has no public part), another kty or
// curve, a member missing or not base64url, or a point that is not on the curve.
absl::StatusOr<std::string> PublicKeyPemFromJwk(std::string_view jwk_json);

}  // namespace coffer::pkix

#endif  // COFFER_LIB_PKIX_PUBLIC_KEY_JWK_H_
