#ifndef COFFER_VAULT_CORE_SERVER_VAULT_SERVER_H_
#define COFFER_VAULT_CORE_SERVER_VAULT_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/http/server.h"
#include "lib/metrics/metrics.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/server/config.h"
#include "vault-core/server/ops_handler.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

// coffer-vault assembled: storage and key store opened from the config, the HTTPS front
// started. Every error from Start is meant to be shown to the operator as one line.
class VaultServer {
 public:
  static absl::StatusOr<std::unique_ptr<VaultServer>> Start(const VaultConfig& config);
  ~VaultServer();

  int port() const { return http_->port(); }

  // Stops accepting, drains requests in flight (up to http.drain_timeout), closes the backends.
  void Shutdown();

 private:
  VaultServer() = default;

  VaultConfig config_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<keystore::KeyStore> keystore_;
  metrics::Registry metrics_;
  std::unique_ptr<OpsHandler> handler_;
  std::unique_ptr<http::Server> http_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_VAULT_SERVER_H_
