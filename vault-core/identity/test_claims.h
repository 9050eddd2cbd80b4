#ifndef COFFER_VAULT_CORE_IDENTITY_TEST_CLAIMS_H_
#define COFFER_VAULT_CORE_IDENTITY_TEST_CLAIMS_H_

// Tests only: valid claims for the token signer and verifier tests.

#include "absl/time/time.h"
#include "vault-core/identity/access_token.h"

namespace coffer::identity::sample {

inline constexpr char kIssuer[] = "https://login.coffer.test/tenant-1/v2.0";
inline constexpr char kAudience[] = "https://vault.coffer.test";

// Claims valid from `now` for an hour.
inline AccessTokenClaims ValidClaims(absl::Time now) {
  AccessTokenClaims claims;
  claims.issuer = kIssuer;
  claims.audience = kAudience;
  claims.subject = "object-1";
  claims.app_id = "client-1";
  claims.tenant_id = "tenant-1";
  claims.issued_at = now;
  claims.not_before = now;
  claims.expires = now + absl::Hours(1);
  return claims;
}

}  // namespace coffer::identity::sample

#endif  // COFFER_VAULT_CORE_IDENTITY_TEST_CLAIMS_H_
