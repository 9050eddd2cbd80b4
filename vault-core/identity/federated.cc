#include "vault-core/identity/federated.h"

#include "vault-core/identity/unverified_jwt.h"

namespace coffer::identity {

std::optional<UnverifiedClaims> ReadUnverifiedClaims(std::string_view jwt) {
  std::optional<JwsParts> parts = SplitJws(jwt);
  if (!parts) return std::nullopt;
  std::optional<nlohmann::json> payload = DecodeJsonObject(parts->payload);
  if (!payload) return std::nullopt;
  return ClaimsOfPayload(*payload);
}

}  // namespace coffer::identity
