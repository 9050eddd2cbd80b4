#ifndef COFFER_VAULT_CORE_API_GRPC_VAULT_ADMIN_H_
#define COFFER_VAULT_CORE_API_GRPC_VAULT_ADMIN_H_

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/service/key_service.h"
#include "vault-core/service/secret_service.h"
#include "vault-core/service/vault_service.h"

namespace coffer::api::admin {

// coffer.admin.v1.VaultAdmin over service::VaultService (and SecretService and KeyService for
// ResolveObjects). See AdminServices.
class VaultAdminService final : public ::coffer::admin::v1::VaultAdmin::Service {
 public:
  VaultAdminService(service::VaultService& vaults, service::SecretService& secrets,
                    service::KeyService& keys, audit::AuditLog& audit, int https_port)
      : vaults_(vaults), secrets_(secrets), keys_(keys), audit_(audit), https_port_(https_port) {}

  grpc::Status CreateVault(grpc::ServerContext* context,
                           const ::coffer::admin::v1::CreateVaultRequest* request,
                           ::coffer::admin::v1::Vault* response) override;
  grpc::Status GetVault(grpc::ServerContext* context,
                        const ::coffer::admin::v1::GetVaultRequest* request,
                        ::coffer::admin::v1::Vault* response) override;
  grpc::Status ListVaults(grpc::ServerContext* context,
                          const ::coffer::admin::v1::ListVaultsRequest* request,
                          ::coffer::admin::v1::ListVaultsResponse* response) override;
  grpc::Status UpdateVault(grpc::ServerContext* context,
                           const ::coffer::admin::v1::UpdateVaultRequest* request,
                           ::coffer::admin::v1::Vault* response) override;
  grpc::Status DeleteVault(grpc::ServerContext* context,
                           const ::coffer::admin::v1::DeleteVaultRequest* request,
                           ::coffer::admin::v1::Vault* response) override;
  grpc::Status RecoverVault(grpc::ServerContext* context,
                            const ::coffer::admin::v1::RecoverVaultRequest* request,
                            ::coffer::admin::v1::Vault* response) override;
  grpc::Status PurgeVault(grpc::ServerContext* context,
                          const ::coffer::admin::v1::PurgeVaultRequest* request,
                          ::coffer::admin::v1::PurgeVaultResponse* response) override;
  grpc::Status ResolveObjects(grpc::ServerContext* context,
                              const ::coffer::admin::v1::ResolveObjectsRequest* request,
                              ::coffer::admin::v1::ResolveObjectsResponse* response) override;

 private:
  // Writes `vault` to `out` when it is OK.
  absl::Status Answer(const absl::StatusOr<domain::Vault>& vault,
                      ::coffer::admin::v1::Vault* out) const;

  service::VaultService& vaults_;
  service::SecretService& secrets_;
  service::KeyService& keys_;
  audit::AuditLog& audit_;
  const int https_port_;
};

}  // namespace coffer::api::admin

#endif  // COFFER_VAULT_CORE_API_GRPC_VAULT_ADMIN_H_
