#ifndef COFFER_VAULT_CORE_KEYSTORE_SOFTWARE_KEY_FILES_H_
#define COFFER_VAULT_CORE_KEYSTORE_SOFTWARE_KEY_FILES_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"

namespace coffer::keystore {

struct KeyFile {
  SecretBytes contents;
  bool created = false;
};

// Reads the key file at `path`; when there is none, first writes `make()`'s bytes there with
// mode 0600. The file appears whole or not at all (written aside, then linked into place), so
// two stores starting together agree on one key. FAILED_PRECONDITION on I/O errors.
absl::StatusOr<KeyFile> ReadOrCreateKeyFile(
    const std::string& path, const std::function<absl::StatusOr<SecretBytes>()>& make);

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_SOFTWARE_KEY_FILES_H_
