#ifndef COFFER_VAULT_CORE_API_GRPC_ADMIN_SERVICES_H_
#define COFFER_VAULT_CORE_API_GRPC_ADMIN_SERVICES_H_

// The admin API (proto/coffer/admin/v1) over the use cases. Serve services() with
// grpcutil::StartGrpcServer; gRPC's headers stay in this folder's sources.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vault-core/audit/audit_log.h"
#include "vault-core/crypto/x509.h"
#include "vault-core/service/cluster_service.h"
#include "vault-core/service/key_service.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/principal_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/vault_service.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace coffer::api::admin {

// What data-plane clients need to know about this installation.
struct Installation {
  std::string tenant_id;
  std::string authority_url;       // AZURE_AUTHORITY_HOST
  std::string version;             // of coffer-vault
  std::string ca_certificate_pem;  // of the vault hostnames' serving certificates
  // Issues a server certificate from that CA for other names (ServingCertificates::IssueFor).
  std::function<absl::StatusOr<crypto::CertificateAndKey>(const std::vector<std::string>&)>
      issue_serving_certificate;
};

class VaultAdminService;
class PrincipalAdminService;
class ClusterAdminService;
class PolicyAdminService;
class InstallationAdminService;

// VaultAdmin, PrincipalAdmin, PolicyAdmin and InstallationAdmin. Every call writes one audit
// record (principal: grpcutil::CallerIdentity; operation "Admin<Noun><Verb>", e.g.
// "AdminVaultCreate"; result: the status code name) before it answers; a call whose record
// cannot be written fails with UNAVAILABLE. Client secret values are never logged or audited.
// Errors are the use cases' codes, plus INVALID_ARGUMENT for malformed requests and
// FAILED_PRECONDITION for policy changes in a soft-deleted vault. Thread-safe. Borrows
// everything it is given; it must outlive the server that serves it.
class AdminServices {
 public:
  // `https_port` is the data plane's, for vault URIs (443 is left out of them).
  AdminServices(service::VaultService& vaults, service::SecretService& secrets,
                service::KeyService& keys,
                service::PrincipalService& principals, service::ClusterService& clusters,
                service::PolicyService& policies, audit::AuditLog& audit, Installation installation,
                int https_port);
  ~AdminServices();
  AdminServices(const AdminServices&) = delete;
  AdminServices& operator=(const AdminServices&) = delete;

  // Owned by this object.
  std::vector<grpc::Service*> services();

 private:
  const std::unique_ptr<VaultAdminService> vault_admin_;
  const std::unique_ptr<PrincipalAdminService> principal_admin_;
  const std::unique_ptr<ClusterAdminService> cluster_admin_;
  const std::unique_ptr<PolicyAdminService> policy_admin_;
  const std::unique_ptr<InstallationAdminService> installation_admin_;
};

}  // namespace coffer::api::admin

#endif  // COFFER_VAULT_CORE_API_GRPC_ADMIN_SERVICES_H_
