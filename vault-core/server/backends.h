#ifndef COFFER_VAULT_CORE_SERVER_BACKENDS_H_
#define COFFER_VAULT_CORE_SERVER_BACKENDS_H_

// The one place that names concrete storage and key store implementations.

#include <functional>
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
  // Starts deciding whether this replica runs the background jobs: always for SQLite, by an
  // election on etcd. Called once the replica is bound to the installation, so a replica that
  // is refused writes nothing.
  std::function<std::unique_ptr<storage::Leadership>()> elect;
};

// `replica` names this replica in the election.
absl::StatusOr<OpenedStore> OpenStore(const VaultConfig::Storage& config,
                                      const std::string& replica);
absl::StatusOr<std::unique_ptr<keystore::KeyStore>> OpenKeyStore(const VaultConfig::Hsm& config);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_BACKENDS_H_
