#ifndef COFFER_CSI_DRIVER_PUBLISH_OBJECT_FILES_H_
#define COFFER_CSI_DRIVER_PUBLISH_OBJECT_FILES_H_

// The files one VaultMount object becomes (docs/using-coffer.md, "Keys and certificates as
// files"): a secret's value byte for byte; a certificate, read from its linked secret, as pem,
// pfx, cert or split; a key's public part as pem or jwk. Pure; thread-safe.

#include <vector>

#include "absl/status/statusor.h"
#include "csi-driver/fs/atomic_writer.h"
#include "lib/crd/vault_mount.h"
#include "lib/vaultclient/workload_vault.h"

namespace coffer::csi {

// Names are crd::FileNamesOf(object), modes the object's; a file holding a private key never
// lets "other" read, whatever the object says. INVALID_ARGUMENT when the object cannot be
// written in its format, saying why: a certificate that is not exportable in a format that
// holds its key, a secret that is not a certificate's PKCS#12 or PEM, a symmetric key, ...
absl::StatusOr<std::vector<FileToWrite>> FilesOf(const crd::MountObject& object,
                                                 const vaultclient::FetchedObject& fetched);

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_OBJECT_FILES_H_
