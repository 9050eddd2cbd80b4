#ifndef COFFER_VAULT_CORE_SERVER_INSTALLATION_H_
#define COFFER_VAULT_CORE_SERVER_INSTALLATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

// The installation's tenant id (a UUID): created on first start, kept in storage
// ("installation/tenant"), the same for every replica and every restart.
absl::StatusOr<std::string> LoadOrCreateTenant(storage::Store& store);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_INSTALLATION_H_
