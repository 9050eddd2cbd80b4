#ifndef COFFER_CSI_DRIVER_PUBLISH_MOUNT_SPEC_H_
#define COFFER_CSI_DRIVER_PUBLISH_MOUNT_SPEC_H_

// A VaultMount's spec (crds/coffer.dev_vaultmounts.yaml), as the driver uses it.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"

namespace coffer::csi {

enum class ObjectType { kSecret, kKey, kCertificate };

struct MountObject {
  std::string name;
  ObjectType type = ObjectType::kSecret;
  std::string version;    // empty: the newest enabled version inside its validity window
  std::string file_name;  // defaults to name
  std::string format;     // certificates only
  mode_t mode = 0644;
  bool optional = false;
};

struct MountSpec {
  std::string vault_namespace;  // the VaultMount's own when vaultRef leaves it out
  std::string vault_name;
  std::vector<MountObject> objects;
  bool rotation_enabled = true;
  absl::Duration rotation_interval = absl::Minutes(2);
};

// Parses a VaultMount object read from the API server in namespace `ns`. The API server has
// checked it against the CRD's schema; this checks again what the files depend on (names, modes,
// distinct file names), since a CRD can be edited. INVALID_ARGUMENT naming the field.
absl::StatusOr<MountSpec> ParseVaultMount(const nlohmann::json& object, const std::string& ns);

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_MOUNT_SPEC_H_
