#ifndef COFFER_VAULT_CORE_API_GRPC_PRINCIPAL_ADMIN_H_
#define COFFER_VAULT_CORE_API_GRPC_PRINCIPAL_ADMIN_H_

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/service/principal_service.h"

namespace coffer::api::admin {

// coffer.admin.v1.PrincipalAdmin over service::PrincipalService. A client secret's value
// leaves only in AddClientSecret's response. See AdminServices.
class PrincipalAdminService final : public ::coffer::admin::v1::PrincipalAdmin::Service {
 public:
  PrincipalAdminService(service::PrincipalService& principals, audit::AuditLog& audit)
      : principals_(principals), audit_(audit) {}

  grpc::Status CreatePrincipal(grpc::ServerContext* context,
                               const ::coffer::admin::v1::CreatePrincipalRequest* request,
                               ::coffer::admin::v1::Principal* response) override;
  grpc::Status CreateManagedIdentity(
      grpc::ServerContext* context,
      const ::coffer::admin::v1::CreateManagedIdentityRequest* request,
      ::coffer::admin::v1::Principal* response) override;
  grpc::Status FindManagedIdentity(grpc::ServerContext* context,
                                   const ::coffer::admin::v1::FindManagedIdentityRequest* request,
                                   ::coffer::admin::v1::Principal* response) override;
  grpc::Status GetPrincipal(grpc::ServerContext* context,
                            const ::coffer::admin::v1::GetPrincipalRequest* request,
                            ::coffer::admin::v1::Principal* response) override;
  grpc::Status ListPrincipals(grpc::ServerContext* context,
                              const ::coffer::admin::v1::ListPrincipalsRequest* request,
                              ::coffer::admin::v1::ListPrincipalsResponse* response) override;
  grpc::Status DeletePrincipal(grpc::ServerContext* context,
                               const ::coffer::admin::v1::DeletePrincipalRequest* request,
                               ::coffer::admin::v1::DeletePrincipalResponse* response) override;
  grpc::Status AddClientSecret(grpc::ServerContext* context,
                               const ::coffer::admin::v1::AddClientSecretRequest* request,
                               ::coffer::admin::v1::AddClientSecretResponse* response) override;
  grpc::Status RemoveClientSecret(
      grpc::ServerContext* context, const ::coffer::admin::v1::RemoveClientSecretRequest* request,
      ::coffer::admin::v1::RemoveClientSecretResponse* response) override;
  grpc::Status AddClientCertificate(
      grpc::ServerContext* context, const ::coffer::admin::v1::AddClientCertificateRequest* request,
      ::coffer::admin::v1::AddClientCertificateResponse* response) override;
  grpc::Status RemoveClientCertificate(
      grpc::ServerContext* context,
      const ::coffer::admin::v1::RemoveClientCertificateRequest* request,
      ::coffer::admin::v1::RemoveClientCertificateResponse* response) override;

 private:
  service::PrincipalService& principals_;
  audit::AuditLog& audit_;
};

}  // namespace coffer::api::admin

#endif  // COFFER_VAULT_CORE_API_GRPC_PRINCIPAL_ADMIN_H_
