#include "vault-core/server/backends.h"

#include "lib/base/status.h"
#include "vault-core/keystore/pin.h"
#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"
#include "vault-core/storage/sqlite/sqlite_store.h"

namespace coffer::server {

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(const VaultConfig::Storage& config) {
  COFFER_ASSIGN_OR_RETURN(auto store, storage::SqliteStore::Open({config.sqlite_path}));
  return std::unique_ptr<storage::Store>(std::move(store));
}

absl::StatusOr<std::unique_ptr<keystore::KeyStore>> OpenKeyStore(const VaultConfig::Hsm& config) {
  keystore::Pkcs11Options options;
  options.module_path = config.module;
  options.token_label = config.token_label;
  options.session_pool_size = static_cast<std::size_t>(config.session_pool_size);
  COFFER_ASSIGN_OR_RETURN(options.pin, keystore::ReadPin(config.pin_file, config.pin_env));
  return keystore::Pkcs11KeyStore::Create(options);
}

}  // namespace coffer::server
