#ifndef COFFER_CSI_DRIVER_PUBLISH_KEY_BUNDLE_H_
#define COFFER_CSI_DRIVER_PUBLISH_KEY_BUNDLE_H_

// What a mount needs of the data plane's answers about a key (docs/azure-keys-wire.md §1):
// its version, whether it may be used now, and its public JWK. lib/vaultclient speaks keys
// only as raw JSON (CallJson), so the CSI driver reads the little it needs here.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace coffer::csi {

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

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_KEY_BUNDLE_H_
