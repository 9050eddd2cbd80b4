#ifndef COFFER_VAULT_CORE_SERVER_BACKENDS_H_
#define COFFER_VAULT_CORE_SERVER_BACKENDS_H_

// The one place that names concrete storage and key store implementations.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/server/config.h"
#include "vault-core/storage/leadership.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

struct OpenedStore {
  std::unique_ptr<storage::Store> store;
  // Whether this replica runs the background jobs now: always for SQLite, by election on etcd.
  std::unique_ptr<storage::Leadership> leadership;
};

// `replica` names this replica in the election.
absl::StatusOr<OpenedStore> OpenStore(const VaultConfig::Storage& config,
                                      const std::string& replica);
absl::StatusOr<std::unique_ptr<keystore::KeyStore>> OpenKeyStore(const VaultConfig::Hsm& config);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_BACKENDS_H_
