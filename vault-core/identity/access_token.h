#ifndef COFFER_VAULT_CORE_IDENTITY_ACCESS_TOKEN_H_
#define COFFER_VAULT_CORE_IDENTITY_ACCESS_TOKEN_H_

#include <string>

#include "absl/time/time.h"

namespace coffer::identity {

// What an access token says, in the claim names Entra ID uses so that tools reading Azure
// tokens can read ours. Times travel as integer Unix seconds, so sub-second parts are dropped.
struct AccessTokenClaims {
  std::string issuer;     // "iss": "https://AUTHORITY/TENANT/v2.0"
  std::string audience;   // "aud": the vault resource, e.g. "https://vault.coffer.test"
  std::string subject;    // "sub" and "oid": the principal's object id
  std::string app_id;     // "appid" and "azp": the client id
  std::string tenant_id;  // "tid"
  std::string token_id;   // "jti": random; TokenSigner fills it in when empty
  absl::Time issued_at;   // "iat"
  absl::Time not_before;  // "nbf"
  absl::Time expires;     // "exp"
};

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_ACCESS_TOKEN_H_
