#ifndef COFFER_VAULT_CORE_SERVER_ADMIN_SERVER_H_
#define COFFER_VAULT_CORE_SERVER_ADMIN_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "vault-core/api/rest/token_api.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/server/config.h"
#include "vault-core/service/cluster_service.h"
#include "vault-core/service/key_service.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/principal_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/serving_certificates.h"
#include "vault-core/service/vault_service.h"

namespace coffer::server {

// The admin gRPC API on a unix socket (mode 0600) and, when configured, on TCP with mutual
// TLS. Keeps gRPC's headers out of the rest of the server. Stops on destruction.
class AdminServer {
 public:
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(
      const VaultConfig::Admin& config, service::VaultService& vaults,
      service::SecretService& secrets, service::KeyService& keys,
      service::PrincipalService& principals,
      service::ClusterService& clusters, service::PolicyService& policies,
      audit::AuditLog& audit, const api::rest::Authority& authority, int https_port,
      service::ServingCertificates& certificates, std::string ca_certificate_pem);
  ~AdminServer();

  int tcp_port() const;

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_ADMIN_SERVER_H_
