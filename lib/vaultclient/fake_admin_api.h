#ifndef COFFER_LIB_VAULTCLIENT_FAKE_ADMIN_API_H_
#define COFFER_LIB_VAULTCLIENT_FAKE_ADMIN_API_H_

// The fake beside AdminApi, for tests only (target coffer_vaultclient_testing): vaults,
// principals and access policies kept in memory with the server's rules for what the operator
// and CLI rely on (names and hostnames unique, live or soft-deleted; soft delete and recover;
// update masks; idempotent managed identities; policies only on live vaults). It counts calls
// by method, and can be made unreachable.

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "lib/vaultclient/admin_api.h"

namespace coffer::vaultclient {

// Thread-safe.
class FakeAdminApi : public AdminApi {
 public:
  absl::StatusOr<admin::v1::Vault> CreateVault(const admin::v1::CreateVaultRequest& r) override;
  absl::StatusOr<admin::v1::Vault> GetVault(const admin::v1::GetVaultRequest& r) override;
  absl::StatusOr<admin::v1::ListVaultsResponse> ListVaults(
      const admin::v1::ListVaultsRequest& r) override;
  absl::StatusOr<admin::v1::Vault> UpdateVault(const admin::v1::UpdateVaultRequest& r) override;
  absl::StatusOr<admin::v1::Vault> DeleteVault(const admin::v1::DeleteVaultRequest& r) override;
  absl::StatusOr<admin::v1::Vault> RecoverVault(const admin::v1::RecoverVaultRequest& r) override;
  absl::StatusOr<admin::v1::PurgeVaultResponse> PurgeVault(
      const admin::v1::PurgeVaultRequest& r) override;
  // Secrets resolve when PutSecret named them; other kinds never do.
  absl::StatusOr<admin::v1::ResolveObjectsResponse> ResolveObjects(
      const admin::v1::ResolveObjectsRequest& r) override;
  absl::StatusOr<admin::v1::Principal> CreatePrincipal(
      const admin::v1::CreatePrincipalRequest& r) override;
  absl::StatusOr<admin::v1::Principal> CreateManagedIdentity(
      const admin::v1::CreateManagedIdentityRequest& r) override;
  absl::StatusOr<admin::v1::Principal> FindManagedIdentity(
      const admin::v1::FindManagedIdentityRequest& r) override;
  absl::StatusOr<admin::v1::Principal> GetPrincipal(
      const admin::v1::GetPrincipalRequest& r) override;
  absl::StatusOr<admin::v1::ListPrincipalsResponse> ListPrincipals(
      const admin::v1::ListPrincipalsRequest& r) override;
  absl::StatusOr<admin::v1::DeletePrincipalResponse> DeletePrincipal(
      const admin::v1::DeletePrincipalRequest& r) override;
  absl::StatusOr<admin::v1::AddClientSecretResponse> AddClientSecret(
      const admin::v1::AddClientSecretRequest& r) override;
  absl::StatusOr<admin::v1::RemoveClientSecretResponse> RemoveClientSecret(
      const admin::v1::RemoveClientSecretRequest& r) override;
  absl::StatusOr<admin::v1::AddClientCertificateResponse> AddClientCertificate(
      const admin::v1::AddClientCertificateRequest& r) override;
  absl::StatusOr<admin::v1::RemoveClientCertificateResponse> RemoveClientCertificate(
      const admin::v1::RemoveClientCertificateRequest& r) override;
  absl::StatusOr<admin::v1::AccessPolicy> SetAccessPolicy(
      const admin::v1::SetAccessPolicyRequest& r) override;
  absl::StatusOr<admin::v1::RemoveAccessPolicyResponse> RemoveAccessPolicy(
      const admin::v1::RemoveAccessPolicyRequest& r) override;
  absl::StatusOr<admin::v1::ListAccessPoliciesResponse> ListAccessPolicies(
      const admin::v1::ListAccessPoliciesRequest& r) override;
  absl::StatusOr<admin::v1::TrustedCluster> SetTrustedCluster(
      const admin::v1::SetTrustedClusterRequest& r) override;
  absl::StatusOr<admin::v1::ListTrustedClustersResponse> ListTrustedClusters(
      const admin::v1::ListTrustedClustersRequest& r) override;
  absl::StatusOr<admin::v1::RemoveTrustedClusterResponse> RemoveTrustedCluster(
      const admin::v1::RemoveTrustedClusterRequest& r) override;
  absl::StatusOr<admin::v1::Installation> GetInstallation(
      const admin::v1::GetInstallationRequest& r) override;
  absl::StatusOr<admin::v1::ServingCertificate> IssueServingCertificate(
      const admin::v1::IssueServingCertificateRequest& r) override;

  // A secret `name` of vault `vault` whose usable version is `version`.
  void PutSecret(const std::string& vault, const std::string& name, const std::string& version);
  // Every call fails with UNAVAILABLE while set.
  void SetUnreachable(bool unreachable);
  // Calls of one method ("SetAccessPolicy"), or of all, failed ones included.
  int calls(const std::string& method) const;
  int total_calls() const;
  void ResetCalls();

 private:
  absl::Status Enter(const std::string& method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  bool unreachable_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, admin::v1::Vault> vaults_ ABSL_GUARDED_BY(mu_);          // by name
  std::map<std::string, admin::v1::Principal> principals_ ABSL_GUARDED_BY(mu_);  // by object id
  // vault name -> object id -> policy
  std::map<std::string, std::map<std::string, admin::v1::AccessPolicy>> policies_
      ABSL_GUARDED_BY(mu_);
  // vault name -> secret name -> version
  std::map<std::string, std::map<std::string, std::string>> secrets_ ABSL_GUARDED_BY(mu_);
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_FAKE_ADMIN_API_H_
