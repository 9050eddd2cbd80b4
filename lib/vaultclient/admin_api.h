#ifndef COFFER_LIB_VAULTCLIENT_ADMIN_API_H_
#define COFFER_LIB_VAULTCLIENT_ADMIN_API_H_

#include "absl/status/statusor.h"
#include "coffer/admin/v1/admin.pb.h"

namespace coffer::vaultclient {

// The admin API of coffer-vault (proto/coffer/admin/v1/admin.proto), one method per RPC, as its
// clients (the operator, the CLI) see it. AdminClient speaks it over gRPC; FakeAdminApi
// (coffer_vaultclient_testing) keeps it in memory for unit tests. Implementations are
// thread-safe; errors are the server's status codes with its messages (UNAVAILABLE when it
// cannot be reached).
class AdminApi {
 public:
  virtual ~AdminApi() = default;

  virtual absl::StatusOr<admin::v1::Vault> CreateVault(
      const admin::v1::CreateVaultRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Vault> GetVault(const admin::v1::GetVaultRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::ListVaultsResponse> ListVaults(
      const admin::v1::ListVaultsRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Vault> UpdateVault(
      const admin::v1::UpdateVaultRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Vault> DeleteVault(
      const admin::v1::DeleteVaultRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Vault> RecoverVault(
      const admin::v1::RecoverVaultRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::PurgeVaultResponse> PurgeVault(
      const admin::v1::PurgeVaultRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::ResolveObjectsResponse> ResolveObjects(
      const admin::v1::ResolveObjectsRequest& request) = 0;

  virtual absl::StatusOr<admin::v1::Principal> CreatePrincipal(
      const admin::v1::CreatePrincipalRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Principal> CreateManagedIdentity(
      const admin::v1::CreateManagedIdentityRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Principal> FindManagedIdentity(
      const admin::v1::FindManagedIdentityRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Principal> GetPrincipal(
      const admin::v1::GetPrincipalRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::ListPrincipalsResponse> ListPrincipals(
      const admin::v1::ListPrincipalsRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::DeletePrincipalResponse> DeletePrincipal(
      const admin::v1::DeletePrincipalRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::AddClientSecretResponse> AddClientSecret(
      const admin::v1::AddClientSecretRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::RemoveClientSecretResponse> RemoveClientSecret(
      const admin::v1::RemoveClientSecretRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::AddClientCertificateResponse> AddClientCertificate(
      const admin::v1::AddClientCertificateRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::RemoveClientCertificateResponse> RemoveClientCertificate(
      const admin::v1::RemoveClientCertificateRequest& request) = 0;

  virtual absl::StatusOr<admin::v1::AccessPolicy> SetAccessPolicy(
      const admin::v1::SetAccessPolicyRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::RemoveAccessPolicyResponse> RemoveAccessPolicy(
      const admin::v1::RemoveAccessPolicyRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::ListAccessPoliciesResponse> ListAccessPolicies(
      const admin::v1::ListAccessPoliciesRequest& request) = 0;

  virtual absl::StatusOr<admin::v1::TrustedCluster> SetTrustedCluster(
      const admin::v1::SetTrustedClusterRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::ListTrustedClustersResponse> ListTrustedClusters(
      const admin::v1::ListTrustedClustersRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::RemoveTrustedClusterResponse> RemoveTrustedCluster(
      const admin::v1::RemoveTrustedClusterRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::Installation> GetInstallation(
      const admin::v1::GetInstallationRequest& request) = 0;
  virtual absl::StatusOr<admin::v1::ServingCertificate> IssueServingCertificate(
      const admin::v1::IssueServingCertificateRequest& request) = 0;
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_ADMIN_API_H_
