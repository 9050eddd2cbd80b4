#include "vault-core/api/grpc/admin_services.h"

#include <utility>

#include "coffer/admin/v1/admin.grpc.pb.h"
#include "vault-core/api/grpc/admin_call.h"
#include "vault-core/api/grpc/cluster_admin.h"
#include "vault-core/api/grpc/policy_admin.h"
#include "vault-core/api/grpc/principal_admin.h"
#include "vault-core/api/grpc/vault_admin.h"

namespace coffer::api::admin {

namespace pb = ::coffer::admin::v1;

// coffer.admin.v1.InstallationAdmin: small enough to live beside the assembly.
class InstallationAdminService final : public pb::InstallationAdmin::Service {
 public:
  InstallationAdminService(Installation installation, audit::AuditLog& audit)
      : installation_(std::move(installation)), audit_(audit) {}

  grpc::Status GetInstallation(grpc::ServerContext* context, const pb::GetInstallationRequest*,
                               pb::Installation* response) override {
    AdminCall call(context, audit_, "AdminInstallationGet");
    response->set_tenant_id(installation_.tenant_id);
    response->set_authority_url(installation_.authority_url);
    response->set_version(installation_.version);
    response->set_ca_certificate_pem(installation_.ca_certificate_pem);
    return call.Finish(absl::OkStatus());
  }

 private:
  const Installation installation_;
  audit::AuditLog& audit_;
};

AdminServices::AdminServices(service::VaultService& vaults, service::SecretService& secrets,
                             service::KeyService& keys,
                             service::PrincipalService& principals,
                             service::ClusterService& clusters,
                             service::PolicyService& policies, audit::AuditLog& audit,
                             Installation installation, int https_port)
    : vault_admin_(std::make_unique<VaultAdminService>(vaults, secrets, keys, audit, https_port)),
      principal_admin_(std::make_unique<PrincipalAdminService>(principals, audit)),
      cluster_admin_(std::make_unique<ClusterAdminService>(clusters, audit)),
      policy_admin_(std::make_unique<PolicyAdminService>(vaults, policies, audit)),
      installation_admin_(
          std::make_unique<InstallationAdminService>(std::move(installation), audit)) {}

AdminServices::~AdminServices() = default;

std::vector<grpc::Service*> AdminServices::services() {
  return {vault_admin_.get(), principal_admin_.get(), cluster_admin_.get(), policy_admin_.get(),
          installation_admin_.get()};
}

}  // namespace coffer::api::admin
