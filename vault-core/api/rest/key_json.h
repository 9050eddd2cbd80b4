#ifndef COFFER_VAULT_CORE_API_REST_KEY_JSON_H_
#define COFFER_VAULT_CORE_API_REST_KEY_JSON_H_

// Azure Key Vault's JSON for keys (docs/azure-keys-wire.md): request bodies in, bundles, items,
// operation results and rotation policies out. Binary fields are base64url without padding out;
// in, base64url or standard base64, padded or not (what the SDKs send varies). Parsing is
// strict, as for secrets.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/json_writer.h"
#include "vault-core/domain/key.h"
#include "vault-core/domain/vault.h"

namespace coffer::api::rest {

struct CreateKeyRequest {
  domain::KeySpec spec;
  bool hsm = false;
  domain::KeyCreateOptions options;
};

struct ImportKeyRequest {
  domain::PrivateKeyParts parts;
  bool hsm = false;
  domain::KeyCreateOptions options;
};

absl::StatusOr<CreateKeyRequest> ParseCreateKey(std::string_view body);
absl::StatusOr<ImportKeyRequest> ParseImportKey(std::string_view body);
absl::StatusOr<domain::KeyUpdate> ParseUpdateKey(std::string_view body);
// encrypt, decrypt, wrapKey, unwrapKey: {alg, value, iv?, aad?, tag?}; sign: {alg, value};
// verify: {alg, digest, value}.
absl::StatusOr<domain::KeyOperationRequest> ParseKeyOperation(std::string_view body,
                                                              domain::KeyOperation op);
absl::StatusOr<domain::RotationPolicy> ParseRotationPolicy(std::string_view body);
// {"count": N}.
absl::StatusOr<int> ParseRandomBytes(std::string_view body);

// `base_url` is "https://host[:port]" as the client addressed the vault.
void WriteKeyBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                    const domain::Key& key);
void WriteKeyItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                  const domain::KeyProperties& properties, bool with_version);
void WriteDeletedKeyBundle(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                           const domain::DeletedKey& deleted);
void WriteDeletedKeyItem(JsonWriter& w, std::string_view base_url, const domain::Vault& vault,
                         const domain::DeletedKey& deleted);
// {kid, value, iv?, tag?, aad?} or, for verify, {value: bool}.
void WriteKeyOperationResult(JsonWriter& w, std::string_view kid,
                             const domain::KeyOperationRequest& request,
                             const domain::KeyOperationResult& result);
void WriteRotationPolicy(JsonWriter& w, std::string_view id, const domain::RotationPolicy& policy);

}  // namespace coffer::api::rest

#endif  // COFFER_VAULT_CORE_API_REST_KEY_JSON_H_
