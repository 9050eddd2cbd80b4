#ifndef COFFER_VAULT_CORE_IDENTITY_TOKEN_VERIFIER_H_
#define COFFER_VAULT_CORE_IDENTITY_TOKEN_VERIFIER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "vault-core/crypto/p256_public_key.h"
#include "vault-core/identity/access_token.h"
#include "vault-core/identity/token_cache.h"

namespace coffer::identity {

// Checks the access tokens that TokenSigner issues. Thread-safe. Borrows the clock.
class TokenVerifier {
 public:
  static constexpr absl::Duration kClockSkew = absl::Seconds(60);
  static constexpr size_t kDefaultCacheCapacity = 10000;
  // Longer input is rejected before any work; our tokens are well under 1 KiB.
  static constexpr size_t kMaxTokenSize = 8192;

  // `public_point` is the signing key's uncompressed P-256 point (KeyStore::signing_public_key);
  // `issuer` the exact "iss" to accept.
  TokenVerifier(std::string public_point, std::string issuer, Clock& clock,
                size_t cache_capacity = kDefaultCacheCapacity);
  ~TokenVerifier();

  // Checks the structure, the header (alg must be ES256: "none", HS256 and everything else are
  // refused; kid must name our key), the signature, iss, aud == expected_audience, and nbf/exp
  // against the clock with kClockSkew of tolerance. The signature and issuer are checked once per
  // token (later calls hit a cache keyed by the token's SHA-256); audience and times on every
  // call.
  // Errors: UNAUTHENTICATED with a short reason that never quotes the token ("malformed token",
  // "unsupported token algorithm", "token signed by an unknown key", "bad signature", "token is
  // from another issuer", "token is for another audience", "token expired", "token not yet
  // valid"); FAILED_PRECONDITION when `public_point` was not a P-256 point.
  absl::StatusOr<AccessTokenClaims> Verify(std::string_view token,
                                           std::string_view expected_audience);
  // The same, accepting either audience: one hash and one cache lookup for both.
  absl::StatusOr<AccessTokenClaims> Verify(std::string_view token,
                                           std::string_view expected_audience,
                                           std::string_view alternative_audience);

  size_t cached_tokens() const { return cache_.size(); }

 private:
  // Everything that depends on the token alone: structure, header, signature, issuer.
  absl::StatusOr<AccessTokenClaims> VerifyUncached(std::string_view token) const;

  const std::unique_ptr<crypto::P256PublicKey> key_;  // null when the point was unusable
  const std::string key_id_;
  const std::string issuer_;
  Clock& clock_;
  VerifiedTokenCache cache_;
};

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_TOKEN_VERIFIER_H_
