#include "vault-core/api/grpc/admin_services.h"

#include <string>
#include <utility>
#include <vector>

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

  grpc::Status IssueServingCertificate(grpc::ServerContext* context,
                                       const pb::IssueServingCertificateRequest* request,
                                       pb::ServingCertificate* response) override {
    AdminCall call(context, audit_, "AdminServingCertificateIssue");
    if (!request->dns_names().empty()) call.set_object(request->dns_names(0).substr(0, 253));
    if (!installation_.issue_serving_certificate) {
      return call.Finish(absl::FailedPreconditionError("this vault issues no certificates"));
    }
    const std::vector<std::string> names(request->dns_names().begin(),
                                         request->dns_names().end());
    absl::StatusOr<crypto::CertificateAndKey> issued =
        installation_.issue_serving_certificate(names);
    if (!issued.ok()) return call.Finish(issued.status());
    absl::StatusOr<absl::Time> not_after = crypto::CertificateNotAfter(issued->certificate_pem);
    if (!not_after.ok()) return call.Finish(not_after.status());
    response->set_certificate_chain_pem(issued->certificate_pem);
    response->set_private_key_pem(std::string(issued->private_key_pem.reveal()));
    response->set_not_after_unix(absl::ToUnixSeconds(*not_after));
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
