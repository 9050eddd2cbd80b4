#ifndef COFFER_LIB_CRD_VAULT_MOUNT_H_
#define COFFER_LIB_CRD_VAULT_MOUNT_H_

// A VaultMount's spec (crds/coffer.dev_vaultmounts.yaml), as the CSI driver mounts it and the
// operator checks it.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"

namespace coffer::crd {

enum class ObjectType { kSecret, kKey, kCertificate };
// "secret", "key" or "certificate", as the VaultMount spells it.
const char* ObjectTypeName(ObjectType type);

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

}  // namespace coffer::crd

#endif  // COFFER_LIB_CRD_VAULT_MOUNT_H_
