#include "vault-core/server/vault_server.h"

#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/server/backends.h"

namespace coffer::server {

absl::StatusOr<std::unique_ptr<VaultServer>> VaultServer::Start(const VaultConfig& config) {
  std::unique_ptr<VaultServer> server(new VaultServer());
  server->config_ = config;
  // The HSM first: a wrong PIN or missing token must not leave a new database file behind.
  COFFER_ASSIGN_OR_RETURN(server->keystore_, OpenKeyStore(config.hsm));
  COFFER_ASSIGN_OR_RETURN(server->store_, OpenStore(config.storage));
  server->handler_ =
      std::make_unique<OpsHandler>(*server->store_, *server->keystore_, server->metrics_);

  http::ServerOptions options;
  options.host = config.http.host;
  options.port = config.http.port;
  options.threads = config.http.threads;
  if (!config.http.plaintext) {
    options.tls = http::TlsFiles{config.http.cert_file, config.http.key_file};
  }
  options.max_header_bytes = static_cast<std::size_t>(config.http.max_header_bytes);
  options.max_body_bytes = static_cast<std::size_t>(config.http.max_body_bytes);
  COFFER_ASSIGN_OR_RETURN(server->http_, http::StartServer(options, *server->handler_));
  COFFER_LOG(kVault, info, "serving {} on {}:{} (storage: {}, hsm: {})",
             config.http.plaintext ? "HTTP" : "HTTPS", config.http.host, server->port(),
             config.storage.backend, server->keystore_->kind());
  return server;
}

VaultServer::~VaultServer() { Shutdown(); }

void VaultServer::Shutdown() {
  if (http_ == nullptr) return;
  COFFER_LOG(kVault, info, "shutting down: draining for up to {}",
             absl::FormatDuration(config_.http.drain_timeout));
  http_->Shutdown(config_.http.drain_timeout);
  http_.reset();
  handler_.reset();
  keystore_.reset();
  store_.reset();
  COFFER_LOG(kVault, info, "stopped");
}

}  // namespace coffer::server
