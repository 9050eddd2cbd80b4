#ifndef COFFER_VAULT_CORE_API_GRPC_POLICY_ADMIN_H_
#define COFFER_VAULT_CORE_API_GRPC_POLICY_ADMIN_H_

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/service/policy_service.h"
#include "vault-core/service/vault_service.h"

namespace coffer::api::admin {

// coffer.admin.v1.PolicyAdmin over service::PolicyService. Requests name the vault; policies
// are kept by vault id, so each call resolves the name first (NOT_FOUND for an unknown vault).
// Policies of a soft-deleted vault can be listed but not changed (FAILED_PRECONDITION).
// See AdminServices.
class PolicyAdminService final : public ::coffer::admin::v1::PolicyAdmin::Service {
 public:
  PolicyAdminService(service::VaultService& vaults, service::PolicyService& policies,
                     audit::AuditLog& audit)
      : vaults_(vaults), policies_(policies), audit_(audit) {}

  grpc::Status SetAccessPolicy(grpc::ServerContext* context,
                               const ::coffer::admin::v1::SetAccessPolicyRequest* request,
                               ::coffer::admin::v1::AccessPolicy* response) override;
  grpc::Status RemoveAccessPolicy(
      grpc::ServerContext* context, const ::coffer::admin::v1::RemoveAccessPolicyRequest* request,
      ::coffer::admin::v1::RemoveAccessPolicyResponse* response) override;
  grpc::Status ListAccessPolicies(
      grpc::ServerContext* context, const ::coffer::admin::v1::ListAccessPoliciesRequest* request,
      ::coffer::admin::v1::ListAccessPoliciesResponse* response) override;

 private:
  // The id of the vault named `name`; FAILED_PRECONDITION if `live` and it is soft-deleted.
  absl::StatusOr<std::string> VaultId(const std::string& name, bool live);

  service::VaultService& vaults_;
  service::PolicyService& policies_;
  audit::AuditLog& audit_;
};

}  // namespace coffer::api::admin

#endif  // COFFER_VAULT_CORE_API_GRPC_POLICY_ADMIN_H_
