#ifndef COFFER_VAULT_CORE_IDENTITY_CLAIMS_JSON_H_
#define COFFER_VAULT_CORE_IDENTITY_CLAIMS_JSON_H_

// The JWT claims set of an access token, to and from JSON. Internal to identity/.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vault-core/identity/access_token.h"

namespace coffer::identity {

// Errors: INVALID_ARGUMENT (a claim is not valid UTF-8).
absl::StatusOr<std::string> ClaimsToJson(const AccessTokenClaims& claims);

// Errors: UNAUTHENTICATED "malformed token" when the JSON is not an object with string
// iss/aud/sub, integer iat/nbf/exp, and (when present) string appid/azp/tid/jti/oid with oid ==
// sub.
absl::StatusOr<AccessTokenClaims> ClaimsFromJson(std::string_view json);

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_CLAIMS_JSON_H_
