#ifndef COFFER_VAULT_CORE_SERVER_INSTALLATION_H_
#define COFFER_VAULT_CORE_SERVER_INSTALLATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

// Binds this replica to the installation in `store`, or creates the installation: its tenant id
// (a UUID, the same for every replica and restart) and the id of the master key every data key
// in it is wrapped with, written together in one transaction, so replicas starting at the same
// moment on an empty store agree on one of each. Returns the tenant id.
//
// FAILED_PRECONDITION, writing nothing, when the installation's master key is not the one this
// replica's HSM holds (another installation's data, or a replica that has not been through the
// key ceremony), or when the store holds data but no installation.
absl::StatusOr<std::string> BindInstallation(storage::Store& store,
                                             std::string_view master_key_id);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_INSTALLATION_H_
