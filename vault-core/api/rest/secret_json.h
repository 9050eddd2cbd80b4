#ifndef COFFER_VAULT_CORE_API_REST_SECRET_JSON_H_
#define COFFER_VAULT_CORE_API_REST_SECRET_JSON_H_

// Azure Key Vault's JSON for secrets (docs/azure-secrets-wire.md): request bodies in, bundles,
// items and pages out. Parsing is strict: malformed JSON, wrong types and unknown fields are
// INVALID_ARGUMENT naming the field.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/json_writer.h"
#include "vault-core/domain/secret.h"
#include "vault-core/domain/vault.h"

namespace coffer::api::rest {

struct SetSecretRequest {
  SecretBytes value;
  domain::SecretSetOptions options;
};

absl::StatusOr<SetSecretRequest> ParseSetSecret(std::string_view body);
absl::StatusOr<domain::SecretUpdate> ParseUpdateSecret(std::string_view body);
// The blob of {"value": "<base64url>"}, decoded.
absl::StatusOr<std::string> ParseRestoreSecret(std::string_view body);

// Bundles, items and pages are written straight into the response body: a secret's value is
// copied only there. `base_url` is "https://host[:port]" as the client addressed the vault; ids
// are built from it.
void WriteSecretBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                       const domain::SecretProperties& properties, const SecretBytes* value);
// A list entry; `with_version` for version listings.
void WriteSecretItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                     const domain::SecretProperties& properties, bool with_version);
void WriteDeletedSecretBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                              const domain::DeletedSecret& deleted);
void WriteDeletedSecretItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                            const domain::DeletedSecret& deleted);

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_SECRET_JSON_H_
