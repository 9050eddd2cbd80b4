#ifndef COFFER_VAULT_CORE_KEYSTORE_PIN_H_
#define COFFER_VAULT_CORE_KEYSTORE_PIN_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"

namespace coffer::keystore {

// Whether a PIN file with this mode and group is readable only by the vault: by its owner, or
// also by the vault's own group (as Kubernetes mounts a Secret for a pod with fsGroup:
// root-owned, mode 0440, the pod's group). Anything else gets a warning at start.
bool PinFileIsPrivate(mode_t mode, gid_t file_group, gid_t process_group);

// The HSM user PIN, from exactly one of: a file (trailing newlines trimmed; a warning is logged
// when group or others may read it) or the environment variable named `pin_env`. Never from the
// YAML config, which is copied around too freely. Errors: INVALID_ARGUMENT (neither or both
// sources given, the PIN is empty), NOT_FOUND (no such file or variable), PERMISSION_DENIED (the
// file is not readable by us), FAILED_PRECONDITION (other read failures). The environment
// variable is wiped and unset once read: a second read of it finds nothing.
absl::StatusOr<SecretBytes> ReadPin(const std::string& pin_file, const std::string& pin_env);

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PIN_H_
