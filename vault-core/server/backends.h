#ifndef COFFER_VAULT_CORE_SERVER_BACKENDS_H_
#define COFFER_VAULT_CORE_SERVER_BACKENDS_H_

// The one place that names concrete storage and key store implementations.

#include <memory>

#include "absl/status/statusor.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/server/config.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(const VaultConfig::Storage& config);
absl::StatusOr<std::unique_ptr<keystore::KeyStore>> OpenKeyStore(const VaultConfig::Hsm& config);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_BACKENDS_H_
