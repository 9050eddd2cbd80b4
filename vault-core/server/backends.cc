#include "vault-core/server/backends.h"

#include "lib/base/status.h"
#include "vault-core/keystore/pin.h"
#include "vault-core/keystore/pkcs11/pkcs11_keystore.h"
#include "vault-core/storage/etcd/etcd_store.h"
#include "vault-core/storage/sqlite/sqlite_store.h"

namespace coffer::server {

absl::StatusOr<OpenedStore> OpenStore(const VaultConfig::Storage& config,
                                      const std::string& replica) {
  OpenedStore opened;
  if (config.backend == "etcd") {
    storage::EtcdOptions options;
    options.endpoints = config.etcd.endpoints;
    options.prefix = config.etcd.prefix;
    options.ca_file = config.etcd.ca_file;
    options.cert_file = config.etcd.cert_file;
    options.key_file = config.etcd.key_file;
    options.timeout = config.etcd.timeout;
    options.dial_timeout = config.etcd.dial_timeout;
    COFFER_ASSIGN_OR_RETURN(auto store, storage::EtcdStore::Open(options));
    storage::EtcdStore* etcd = store.get();
    opened.elect = [etcd, replica] { return etcd->Campaign("leader/background-jobs", replica); };
    opened.store = std::move(store);
    return opened;
  }
  COFFER_ASSIGN_OR_RETURN(auto store, storage::SqliteStore::Open({config.sqlite_path}));
  opened.store = std::move(store);
  opened.elect = [] { return std::make_unique<storage::SoleReplica>(); };
  return opened;
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
