#ifndef COFFER_LIB_VAULTCLIENT_KEY_BUNDLE_H_
#define COFFER_LIB_VAULTCLIENT_KEY_BUNDLE_H_

// What a workload's read needs of the data plane's answers about a key
// (docs/azure-keys-wire.md §1): its version, whether it may be used now, and its public JWK.
// DataPlaneClient speaks keys only as raw JSON (CallJson); DataPlaneVault reads the little it
// needs through these.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace coffer::vaultclient {

struct KeyVersion {
  std::string version;
  std::string jwk;  // the bundle's `key` member as JSON text; empty for a list item
  bool enabled = true;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> expires;
  std::optional<absl::Time> created;

  // Enabled and inside its not-before/expiry window.
  bool UsableAt(absl::Time now) const;
};

// A KeyBundle (GET /keys/NAME/[VERSION]): {key: {kid, kty, ...}, attributes: {...}}.
// INVALID_ARGUMENT when it is not one, or key.kid names no version.
absl::StatusOr<KeyVersion> ParseKeyBundle(std::string_view json_text);

// An item of GET /keys/NAME/versions: {kid, attributes}; no JWK. INVALID_ARGUMENT as above.
absl::StatusOr<KeyVersion> ParseKeyItem(std::string_view json_text);

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_KEY_BUNDLE_H_
