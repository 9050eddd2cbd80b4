#ifndef COFFER_LIB_VAULTCLIENT_ADMIN_CLIENT_H_
#define COFFER_LIB_VAULTCLIENT_ADMIN_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coffer/admin/v1/admin.pb.h"
#include "lib/vaultclient/admin_api.h"

namespace coffer::vaultclient {

// Where the admin API listens: a unix socket (no TLS: the socket's file mode is the access
// control), or host:port with mutual TLS.
struct AdminTarget {
  std::string unix_socket;  // used when tcp_address is empty
  std::string tcp_address;  // "host:port"
  std::string ca_file;      // PEM: the CA that signed the server's certificate
  std::string cert_file;    // PEM: this client's certificate and key
  std::string key_file;
};

// A client of coffer.admin.v1 (proto/coffer/admin/v1/admin.proto). Thread-safe. Each call has
// a 10 s deadline. Errors are the server's gRPC status, code for code, with its message; a
// server that cannot be reached is UNAVAILABLE "cannot reach the admin API at ...".
class AdminClient : public AdminApi {
 public:
  static constexpr absl::Duration kDeadline = absl::Seconds(10);

  // Sets up the channel; connecting is lazy. INVALID_ARGUMENT for an incomplete target or an
  // unreadable TLS file; UNAVAILABLE when the unix socket does not exist.
  static absl::StatusOr<std::unique_ptr<AdminClient>> Connect(const AdminTarget& target);
  ~AdminClient() override;
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // "unix:PATH" or "host:port".
  const std::string& target() const { return target_; }

  absl::StatusOr<admin::v1::Vault> CreateVault(
      const admin::v1::CreateVaultRequest& request) override;
  absl::StatusOr<admin::v1::Vault> GetVault(const admin::v1::GetVaultRequest& request) override;
  absl::StatusOr<admin::v1::ListVaultsResponse> ListVaults(
      const admin::v1::ListVaultsRequest& request) override;
  absl::StatusOr<admin::v1::Vault> UpdateVault(
      const admin::v1::UpdateVaultRequest& request) override;
  absl::StatusOr<admin::v1::Vault> DeleteVault(
      const admin::v1::DeleteVaultRequest& request) override;
  absl::StatusOr<admin::v1::Vault> RecoverVault(
      const admin::v1::RecoverVaultRequest& request) override;
  absl::StatusOr<admin::v1::PurgeVaultResponse> PurgeVault(
      const admin::v1::PurgeVaultRequest& request) override;
  absl::StatusOr<admin::v1::ResolveObjectsResponse> ResolveObjects(
      const admin::v1::ResolveObjectsRequest& request) override;

  absl::StatusOr<admin::v1::Principal> CreatePrincipal(
      const admin::v1::CreatePrincipalRequest& request) override;
  absl::StatusOr<admin::v1::Principal> CreateManagedIdentity(
      const admin::v1::CreateManagedIdentityRequest& request) override;
  absl::StatusOr<admin::v1::Principal> FindManagedIdentity(
      const admin::v1::FindManagedIdentityRequest& request) override;
  absl::StatusOr<admin::v1::Principal> GetPrincipal(
      const admin::v1::GetPrincipalRequest& request) override;
  absl::StatusOr<admin::v1::ListPrincipalsResponse> ListPrincipals(
      const admin::v1::ListPrincipalsRequest& request) override;
  absl::StatusOr<admin::v1::DeletePrincipalResponse> DeletePrincipal(
      const admin::v1::DeletePrincipalRequest& request) override;
  absl::StatusOr<admin::v1::AddClientSecretResponse> AddClientSecret(
      const admin::v1::AddClientSecretRequest& request) override;
  absl::StatusOr<admin::v1::RemoveClientSecretResponse> RemoveClientSecret(
      const admin::v1::RemoveClientSecretRequest& request) override;
  absl::StatusOr<admin::v1::AddClientCertificateResponse> AddClientCertificate(
      const admin::v1::AddClientCertificateRequest& request) override;
  absl::StatusOr<admin::v1::RemoveClientCertificateResponse> RemoveClientCertificate(
      const admin::v1::RemoveClientCertificateRequest& request) override;

  absl::StatusOr<admin::v1::AccessPolicy> SetAccessPolicy(
      const admin::v1::SetAccessPolicyRequest& request) override;
  absl::StatusOr<admin::v1::RemoveAccessPolicyResponse> RemoveAccessPolicy(
      const admin::v1::RemoveAccessPolicyRequest& request) override;
  absl::StatusOr<admin::v1::ListAccessPoliciesResponse> ListAccessPolicies(
      const admin::v1::ListAccessPoliciesRequest& request) override;

  absl::StatusOr<admin::v1::TrustedCluster> SetTrustedCluster(
      const admin::v1::SetTrustedClusterRequest& request) override;
  absl::StatusOr<admin::v1::ListTrustedClustersResponse> ListTrustedClusters(
      const admin::v1::ListTrustedClustersRequest& request) override;
  absl::StatusOr<admin::v1::RemoveTrustedClusterResponse> RemoveTrustedCluster(
      const admin::v1::RemoveTrustedClusterRequest& request) override;
  absl::StatusOr<admin::v1::Installation> GetInstallation(
      const admin::v1::GetInstallationRequest& request) override;
  absl::StatusOr<admin::v1::ServingCertificate> IssueServingCertificate(
      const admin::v1::IssueServingCertificateRequest& request) override;

 private:
  struct Stubs;  // the gRPC channel and stubs, kept out of this header
  AdminClient(std::string target, std::unique_ptr<Stubs> stubs);

  const std::string target_;
  const std::unique_ptr<Stubs> stubs_;
};

}  // namespace coffer::vaultclient

#endif  // COFFER_LIB_VAULTCLIENT_ADMIN_CLIENT_H_
