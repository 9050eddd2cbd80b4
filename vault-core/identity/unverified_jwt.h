#ifndef COFFER_VAULT_CORE_IDENTITY_UNVERIFIED_JWT_H_
#define COFFER_VAULT_CORE_IDENTITY_UNVERIFIED_JWT_H_

// Internal to identity/: taking apart the compact JWS serialisation that every JWT Coffer reads
// arrives in (its own access tokens, cluster tokens, client assertions), before or without a
// signature check. Nothing here decides that a token is valid.

#include <optional>
#include <string_view>

#include "nlohmann/json.hpp"
#include "vault-core/identity/federated.h"

namespace coffer::identity {

struct JwsParts {
  std::string_view header;     // base64url
  std::string_view payload;    // base64url
  std::string_view signature;  // base64url
  std::string_view signing_input;
};

// nullopt unless `token` is exactly three parts of the unpadded base64url alphabet joined by
// dots (a part may be empty): no whitespace, padding or other bytes pass on to a decoder, a log
// line or a cluster.
std::optional<JwsParts> SplitJws(std::string_view token);

// The JSON object that the base64url `part` encodes; nullopt when it encodes anything else.
std::optional<nlohmann::json> DecodeJsonObject(std::string_view part);

// iss, sub, aud, exp and nbf of a JWT's decoded claims set; nullopt without a string "iss".
std::optional<UnverifiedClaims> ClaimsOfPayload(const nlohmann::json& claims);

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_UNVERIFIED_JWT_H_
