#ifndef COFFER_OPERATOR_RUNTIME_COUNTING_ADMIN_API_H_
#define COFFER_OPERATOR_RUNTIME_COUNTING_ADMIN_API_H_

// An AdminApi that counts the calls it passes on, by method, in
// coffer_operator_admin_calls_total{method}: how many admin calls the operator makes per
// object (bench/run-operator). Header-only; thread-safe if the inner API is.

#include <string>

#include "lib/metrics/metrics.h"
#include "lib/vaultclient/admin_api.h"

namespace coffer::op {

class CountingAdminApi : public vaultclient::AdminApi {
 public:
  CountingAdminApi(vaultclient::AdminApi& inner, metrics::Registry& metrics)
      : inner_(inner), metrics_(metrics) {}

#define COFFER_COUNTED(Method, Request, Response)                                          \
  absl::StatusOr<admin::v1::Response> Method(const admin::v1::Request& request) override { \
    Count(#Method);                                                                        \
    return inner_.Method(request);                                                         \
  }
  COFFER_COUNTED(CreateVault, CreateVaultRequest, Vault)
  COFFER_COUNTED(GetVault, GetVaultRequest, Vault)
  COFFER_COUNTED(ListVaults, ListVaultsRequest, ListVaultsResponse)
  COFFER_COUNTED(UpdateVault, UpdateVaultRequest, Vault)
  COFFER_COUNTED(DeleteVault, DeleteVaultRequest, Vault)
  COFFER_COUNTED(RecoverVault, RecoverVaultRequest, Vault)
  COFFER_COUNTED(PurgeVault, PurgeVaultRequest, PurgeVaultResponse)
  COFFER_COUNTED(ResolveObjects, ResolveObjectsRequest, ResolveObjectsResponse)
  COFFER_COUNTED(CreatePrincipal, CreatePrincipalRequest, Principal)
  COFFER_COUNTED(CreateManagedIdentity, CreateManagedIdentityRequest, Principal)
  COFFER_COUNTED(FindManagedIdentity, FindManagedIdentityRequest, Principal)
  COFFER_COUNTED(GetPrincipal, GetPrincipalRequest, Principal)
  COFFER_COUNTED(ListPrincipals, ListPrincipalsRequest, ListPrincipalsResponse)
  COFFER_COUNTED(DeletePrincipal, DeletePrincipalRequest, DeletePrincipalResponse)
  COFFER_COUNTED(AddClientSecret, AddClientSecretRequest, AddClientSecretResponse)
  COFFER_COUNTED(RemoveClientSecret, RemoveClientSecretRequest, RemoveClientSecretResponse)
  COFFER_COUNTED(AddClientCertificate, AddClientCertificateRequest, AddClientCertificateResponse)
  COFFER_COUNTED(RemoveClientCertificate, RemoveClientCertificateRequest,
                 RemoveClientCertificateResponse)
  COFFER_COUNTED(SetAccessPolicy, SetAccessPolicyRequest, AccessPolicy)
  COFFER_COUNTED(RemoveAccessPolicy, RemoveAccessPolicyRequest, RemoveAccessPolicyResponse)
  COFFER_COUNTED(ListAccessPolicies, ListAccessPoliciesRequest, ListAccessPoliciesResponse)
  COFFER_COUNTED(SetTrustedCluster, SetTrustedClusterRequest, TrustedCluster)
  COFFER_COUNTED(ListTrustedClusters, ListTrustedClustersRequest, ListTrustedClustersResponse)
  COFFER_COUNTED(RemoveTrustedCluster, RemoveTrustedClusterRequest, RemoveTrustedClusterResponse)
  COFFER_COUNTED(GetInstallation, GetInstallationRequest, Installation)
  COFFER_COUNTED(IssueServingCertificate, IssueServingCertificateRequest, ServingCertificate)
#undef COFFER_COUNTED

 private:
  void Count(const std::string& method) {
    metrics_
        .GetCounter("coffer_operator_admin_calls_total", "Calls to the vault's admin API.",
                    {{"method", method}})
        .Increment();
  }

  vaultclient::AdminApi& inner_;
  metrics::Registry& metrics_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_RUNTIME_COUNTING_ADMIN_API_H_
