#ifndef COFFER_VAULT_CORE_IDENTITY_TOKEN_SIGNER_H_
#define COFFER_VAULT_CORE_IDENTITY_TOKEN_SIGNER_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "vault-core/identity/access_token.h"
#include "vault-core/keystore/keystore.h"

namespace coffer::identity {

// Issues access tokens as compact JWS (RFC 7515) signed ES256 by the KeyStore's token-signing
// key, which never leaves the KeyStore. Thread-safe (all members are fixed at construction and
// the KeyStore is thread-safe). Borrows the KeyStore and the clock, which must outlive it.
class TokenSigner {
 public:
  TokenSigner(keystore::KeyStore& keystore, Clock& clock);

  // The RFC 7638 thumbprint of the signing key; the "kid" of every token and of the JWKS.
  // Empty when the KeyStore's public key is not an uncompressed P-256 point.
  std::string key_id() const { return key_id_; }

  // Header {"alg":"ES256","typ":"JWT","kid":...}; claims as in claims_json.h. An empty
  // token_id is replaced by 128 random bits.
  // Errors: INVALID_ARGUMENT (issuer, audience or subject empty, expires not after not_before,
  // already expired by the clock, or a claim is not UTF-8), FAILED_PRECONDITION (the KeyStore's
  // public key is unusable), and the KeyStore's own errors (UNAVAILABLE: retry later).
  absl::StatusOr<std::string> Issue(const AccessTokenClaims& claims);

  // The JWK set to publish at the OpenID configuration's jwks_uri.
  std::string JwksJson() const { return jwks_json_; }

 private:
  keystore::KeyStore& keystore_;
  Clock& clock_;
  const std::string key_id_;
  const std::string jwks_json_;
  const std::string encoded_header_;  // base64url of the JSON header
};

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_TOKEN_SIGNER_H_
