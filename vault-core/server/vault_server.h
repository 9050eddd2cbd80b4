#ifndef COFFER_VAULT_CORE_SERVER_VAULT_SERVER_H_
#define COFFER_VAULT_CORE_SERVER_VAULT_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/http/server.h"
#include "lib/metrics/metrics.h"
#include "vault-core/api/rest/data_plane.h"
#include "vault-core/api/rest/token_api.h"
#include "vault-core/audit/audit_checkpoint.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/audit/line_shipper.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/identity/token_signer.h"
#include "vault-core/identity/token_verifier.h"
#include "vault-core/keystore/keystore.h"
#include "vault-core/server/audit_anchor_keeper.h"
#include "vault-core/server/config.h"
#include "vault-core/server/kube_token_reviewer.h"
#include "vault-core/server/ops_handler.h"
#include "vault-core/server/stored_clusters.h"
#include "vault-core/server/purger.h"
#include "vault-core/server/sni_certificates.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/principal_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/vault_service.h"
#include "vault-core/storage/leadership.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

class AdminServer;

// coffer-vault assembled: the HSM, storage and audit log opened from the config, the services
// over them, the HTTPS front (data plane, token service, health) and the admin API started.
// Every error from Start is meant to be shown to the operator as one line.
class VaultServer {
 public:
  static absl::StatusOr<std::unique_ptr<VaultServer>> Start(const VaultConfig& config);
  ~VaultServer();

  int port() const { return http_->port(); }
  const std::string& tenant_id() const { return authority_.tenant_id; }

  // Stops accepting, drains requests in flight (up to http.drain_timeout), stops the admin API
  // and the purger, closes the backends. Idempotent.
  void Shutdown();

 private:
  VaultServer() = default;
  absl::Status OpenBackends();
  absl::Status BuildServices();
  absl::Status StartFrontends();

  VaultConfig config_;
  api::rest::Authority authority_;
  std::unique_ptr<keystore::KeyStore> keystore_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::Leadership> leadership_;  // uses store_: destroyed before it
  std::unique_ptr<storage::Store> cache_;  // in front of store_: what the services use
  std::unique_ptr<audit::CheckpointSigner> audit_signer_;  // used by audit_: destroyed after it
  std::unique_ptr<audit::LineShipper> audit_shipper_;      // likewise
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<AuditAnchorKeeper> anchor_;  // reads audit_: destroyed before it
  std::unique_ptr<envelope::VaultKeys> keys_;
  std::unique_ptr<service::ServingCertificates> certificates_;
  std::unique_ptr<SniCertificates> sni_;
  std::vector<std::unique_ptr<identity::ServiceAccountTokenReviewer>> reviewers_;  // per cluster
  std::string ca_certificate_pem_;
  std::unique_ptr<service::VaultService> vaults_;
  std::unique_ptr<service::SecretService> secrets_;
  std::unique_ptr<service::KeyService> vault_keys_;  // keys_ is the envelope's VaultKeys
  std::unique_ptr<service::CertificateService> vault_certificates_;
  std::unique_ptr<service::PolicyService> policies_;
  std::unique_ptr<service::PrincipalService> principals_;
  std::unique_ptr<service::ClusterService> clusters_;
  std::unique_ptr<StoredClusters> stored_clusters_;
  std::unique_ptr<identity::TokenSigner> signer_;
  std::unique_ptr<identity::TokenVerifier> verifier_;
  std::unique_ptr<api::rest::TokenApi> tokens_;
  std::unique_ptr<api::rest::DataPlane> data_plane_;
  metrics::Registry metrics_;
  std::unique_ptr<WorkerPool> writers_;  // writes run here (OpsHandler)
  std::unique_ptr<OpsHandler> handler_;
  std::unique_ptr<http::Server> http_;
  std::unique_ptr<AdminServer> admin_;
  std::unique_ptr<Purger> purger_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_VAULT_SERVER_H_
