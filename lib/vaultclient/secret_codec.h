#ifndef COFFER_LIB_VAULTCLIENT_SECRET_CODEC_H_
#define COFFER_LIB_VAULTCLIENT_SECRET_CODEC_H_

// JSON of the secrets REST API (docs/azure-secrets-wire.md) to and from lib/vaultclient's
// types. Pure functions. Parse errors are INTERNAL: the vault answered something it should not.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "lib/vaultclient/secret.h"

namespace coffer::vaultclient {

// The body of PUT /secrets/{name}. INVALID_ARGUMENT if the value is not UTF-8 (JSON cannot
// carry it). The returned bytes hold the value: they zero themselves when dropped.
absl::StatusOr<SecretBytes> SetSecretBody(const SecretBytes& value,
                                          const SetSecretOptions& options);

// A SecretBundle, DeletedSecretBundle or list item.
absl::StatusOr<Secret> ParseSecret(std::string_view body);

struct SecretPage {
  std::vector<Secret> items;
  std::string next_link;  // "" on the last page
};
absl::StatusOr<SecretPage> ParseSecretPage(std::string_view body);

// {"value": "..."} of backup; and the body of restore.
absl::StatusOr<std::string> ParseBackupBlob(std::string_view body);
std::string RestoreBody(std::string_view blob);

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_SECRET_CODEC_H_
