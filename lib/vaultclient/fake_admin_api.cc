#include "lib/vaultclient/fake_admin_api.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "lib/base/status.h"

namespace coffer::vaultclient {
namespace {

namespace v1 = ::coffer::admin::v1;

std::string FakeUuid(int n) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "00000000-0000-4000-8000-%012d", n);
  return buffer;
}

// The server lower-cases permission names and keeps each once; so does the fake ("all" is kept
// as it is rather than expanded).
void Normalize(google::protobuf::RepeatedPtrField<std::string>* names) {
  std::set<std::string> unique;
  for (std::string name : *names) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    unique.insert(name);
  }
  names->Clear();
  for (const std::string& name : unique) *names->Add() = name;
}

bool SameServiceAccount(const v1::ServiceAccountSubject& a, const v1::ServiceAccountSubject& b) {
  return a.cluster() == b.cluster() && a.namespace_() == b.namespace_() && a.name() == b.name();
}

}  // namespace

absl::Status FakeAdminApi::Enter(const std::string& method) {
  ++calls_[method];
  if (unreachable_) return absl::UnavailableError("cannot reach the admin API (fake)");
  return absl::OkStatus();
}

void FakeAdminApi::SetUnreachable(bool unreachable) {
  absl::MutexLock lock(&mu_);
  unreachable_ = unreachable;
}

int FakeAdminApi::calls(const std::string& method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

int FakeAdminApi::total_calls() const {
  absl::MutexLock lock(&mu_);
  int total = 0;
  for (const auto& [method, n] : calls_) total += n;
  return total;
}

void FakeAdminApi::ResetCalls() {
  absl::MutexLock lock(&mu_);
  calls_.clear();
}

absl::StatusOr<v1::Vault> FakeAdminApi::CreateVault(const v1::CreateVaultRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("CreateVault"));
  if (r.name().empty()) return absl::InvalidArgumentError("invalid vault name: ");
  if (vaults_.count(r.name()) > 0) {
    return absl::AlreadyExistsError("vault " + r.name() + " already exists");
  }
  for (const auto& [name, vault] : vaults_) {
    for (const std::string& host : r.hostnames()) {
      if (std::count(vault.hostnames().begin(), vault.hostnames().end(), host) > 0) {
        return absl::AlreadyExistsError("hostname " + host + " is already in use");
      }
    }
  }
  v1::Vault vault;
  vault.set_name(r.name());
  vault.set_id(FakeUuid(next_id_++));
  *vault.mutable_hostnames() = r.hostnames();
  vault.set_sku(r.sku() == v1::SKU_UNSPECIFIED ? v1::SKU_STANDARD : r.sku());
  vault.set_soft_delete_retention_days(
      r.soft_delete_retention_days() == 0 ? 90 : r.soft_delete_retention_days());
  vault.set_purge_protection(r.purge_protection());
  vault.set_created_unix(1767225600);
  if (!r.hostnames().empty()) vault.set_uri("https://" + r.hostnames(0));
  vaults_[r.name()] = vault;
  return vault;
}

absl::StatusOr<v1::Vault> FakeAdminApi::GetVault(const v1::GetVaultRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("GetVault"));
  auto it = vaults_.find(r.name());
  if (it == vaults_.end()) return absl::NotFoundError("vault " + r.name() + " not found");
  return it->second;
}

absl::StatusOr<v1::ListVaultsResponse> FakeAdminApi::ListVaults(const v1::ListVaultsRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("ListVaults"));
  v1::ListVaultsResponse response;
  for (const auto& [name, vault] : vaults_) {
    if (vault.deleted_unix() == 0 || r.include_deleted()) *response.add_vaults() = vault;
  }
  return response;
}

absl::StatusOr<v1::Vault> FakeAdminApi::UpdateVault(const v1::UpdateVaultRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("UpdateVault"));
  auto it = vaults_.find(r.name());
  if (it == vaults_.end() || it->second.deleted_unix() != 0) {
    return absl::NotFoundError("vault " + r.name() + " not found");
  }
  v1::Vault& vault = it->second;
  for (const std::string& field : r.update_mask()) {
    if (field == "hostnames") {
      *vault.mutable_hostnames() = r.hostnames();
      vault.set_uri(r.hostnames().empty() ? "" : "https://" + r.hostnames(0));
    } else if (field == "sku") {
      vault.set_sku(r.sku());
    } else if (field == "purge_protection") {
      if (vault.purge_protection() && !r.purge_protection()) {
        return absl::FailedPreconditionError("purge protection cannot be turned off");
      }
      vault.set_purge_protection(r.purge_protection());
    } else {
      return absl::InvalidArgumentError("unknown update_mask field " + field);
    }
  }
  return vault;
}

absl::StatusOr<v1::Vault> FakeAdminApi::DeleteVault(const v1::DeleteVaultRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("DeleteVault"));
  auto it = vaults_.find(r.name());
  if (it == vaults_.end() || it->second.deleted_unix() != 0) {
    return absl::NotFoundError("vault " + r.name() + " not found");
  }
  it->second.set_deleted_unix(1767225600);
  return it->second;
}

absl::StatusOr<v1::Vault> FakeAdminApi::RecoverVault(const v1::RecoverVaultRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("RecoverVault"));
  auto it = vaults_.find(r.name());
  if (it == vaults_.end()) return absl::NotFoundError("vault " + r.name() + " not found");
  if (it->second.deleted_unix() == 0) {
    return absl::FailedPreconditionError("vault " + r.name() + " is not deleted");
  }
  it->second.set_deleted_unix(0);
  return it->second;
}

absl::StatusOr<v1::PurgeVaultResponse> FakeAdminApi::PurgeVault(const v1::PurgeVaultRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("PurgeVault"));
  auto it = vaults_.find(r.name());
  if (it == vaults_.end() || it->second.deleted_unix() == 0) {
    return absl::NotFoundError("no deleted vault " + r.name());
  }
  vaults_.erase(it);
  policies_.erase(r.name());
  return v1::PurgeVaultResponse();
}

absl::StatusOr<v1::ResolveObjectsResponse> FakeAdminApi::ResolveObjects(
    const v1::ResolveObjectsRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("ResolveObjects"));
  auto vault = vaults_.find(r.vault());
  if (vault == vaults_.end()) return absl::NotFoundError("no vault " + r.vault());
  if (vault->second.deleted_unix() != 0) {
    return absl::FailedPreconditionError("vault " + r.vault() + " is deleted");
  }
  v1::ResolveObjectsResponse response;
  for (const v1::ObjectRef& ref : r.objects()) {
    v1::ObjectResolution* out = response.add_objects();
    *out->mutable_object() = ref;
    auto secret = secrets_[r.vault()].find(ref.name());
    if (ref.type() != "secret" || secret == secrets_[r.vault()].end() ||
        (!ref.version().empty() && ref.version() != secret->second)) {
      out->set_reason(ref.type() + " '" + ref.name() + "' does not exist");
      continue;
    }
    out->set_resolvable(true);
    out->set_version(secret->second);
  }
  return response;
}

void FakeAdminApi::PutSecret(const std::string& vault, const std::string& name,
                             const std::string& version) {
  absl::MutexLock lock(&mu_);
  secrets_[vault][name] = version;
}

absl::StatusOr<v1::Principal> FakeAdminApi::CreatePrincipal(const v1::CreatePrincipalRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("CreatePrincipal"));
  v1::Principal principal;
  principal.set_object_id(FakeUuid(next_id_++));
  principal.set_client_id(FakeUuid(next_id_++));
  principal.set_display_name(r.display_name());
  principal.set_kind(v1::PRINCIPAL_KIND_SERVICE_PRINCIPAL);
  principals_[principal.object_id()] = principal;
  return principal;
}

absl::StatusOr<v1::Principal> FakeAdminApi::CreateManagedIdentity(
    const v1::CreateManagedIdentityRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("CreateManagedIdentity"));
  const v1::ServiceAccountSubject& sa = r.service_account();
  if (sa.cluster().empty() || sa.namespace_().empty() || sa.name().empty()) {
    return absl::InvalidArgumentError("invalid service account");
  }
  for (const auto& [id, principal] : principals_) {
    if (SameServiceAccount(principal.service_account(), sa)) return principal;
  }
  v1::Principal principal;
  principal.set_object_id(FakeUuid(next_id_++));
  principal.set_client_id(FakeUuid(next_id_++));
  principal.set_kind(v1::PRINCIPAL_KIND_MANAGED_IDENTITY);
  principal.set_display_name("system:serviceaccount:" + sa.namespace_() + ":" + sa.name() + "@" +
                             sa.cluster());
  *principal.mutable_service_account() = sa;
  principals_[principal.object_id()] = principal;
  return principal;
}

absl::StatusOr<v1::Principal> FakeAdminApi::FindManagedIdentity(
    const v1::FindManagedIdentityRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("FindManagedIdentity"));
  for (const auto& [id, principal] : principals_) {
    if (SameServiceAccount(principal.service_account(), r.service_account())) return principal;
  }
  return absl::NotFoundError("no managed identity");
}

absl::StatusOr<v1::Principal> FakeAdminApi::GetPrincipal(const v1::GetPrincipalRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("GetPrincipal"));
  auto it = principals_.find(r.object_id());
  if (it == principals_.end()) return absl::NotFoundError("principal " + r.object_id());
  return it->second;
}

absl::StatusOr<v1::ListPrincipalsResponse> FakeAdminApi::ListPrincipals(
    const v1::ListPrincipalsRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("ListPrincipals"));
  v1::ListPrincipalsResponse response;
  for (const auto& [id, principal] : principals_) {
    if (r.kind() == v1::PRINCIPAL_KIND_UNSPECIFIED || r.kind() == principal.kind()) {
      *response.add_principals() = principal;
    }
  }
  return response;
}

absl::StatusOr<v1::DeletePrincipalResponse> FakeAdminApi::DeletePrincipal(
    const v1::DeletePrincipalRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("DeletePrincipal"));
  if (principals_.erase(r.object_id()) == 0) {
    return absl::NotFoundError("principal " + r.object_id());
  }
  return v1::DeletePrincipalResponse();
}

absl::StatusOr<v1::AddClientSecretResponse> FakeAdminApi::AddClientSecret(
    const v1::AddClientSecretRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("AddClientSecret"));
  return absl::UnimplementedError("the fake admin API keeps no client secrets");
}

absl::StatusOr<v1::RemoveClientSecretResponse> FakeAdminApi::RemoveClientSecret(
    const v1::RemoveClientSecretRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("RemoveClientSecret"));
  return absl::UnimplementedError("the fake admin API keeps no client secrets");
}

absl::StatusOr<v1::AddClientCertificateResponse> FakeAdminApi::AddClientCertificate(
    const v1::AddClientCertificateRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("AddClientCertificate"));
  return absl::UnimplementedError("the fake admin API keeps no certificates");
}

absl::StatusOr<v1::RemoveClientCertificateResponse> FakeAdminApi::RemoveClientCertificate(
    const v1::RemoveClientCertificateRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("RemoveClientCertificate"));
  return absl::UnimplementedError("the fake admin API keeps no certificates");
}

absl::StatusOr<v1::AccessPolicy> FakeAdminApi::SetAccessPolicy(
    const v1::SetAccessPolicyRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("SetAccessPolicy"));
  auto vault = vaults_.find(r.vault());
  if (vault == vaults_.end()) return absl::NotFoundError("vault " + r.vault() + " not found");
  if (vault->second.deleted_unix() != 0) {
    return absl::FailedPreconditionError("vault " + r.vault() + " is deleted");
  }
  auto& held = policies_[r.vault()];
  if (held.size() >= 1024 && held.count(r.policy().object_id()) == 0) {  // as the server
    return absl::ResourceExhaustedError("the vault holds the access policies of 1024 principals");
  }
  v1::AccessPolicy policy = r.policy();
  Normalize(policy.mutable_secrets());
  Normalize(policy.mutable_keys());
  Normalize(policy.mutable_certificates());
  policies_[r.vault()][policy.object_id()] = policy;
  return policy;
}

absl::StatusOr<v1::RemoveAccessPolicyResponse> FakeAdminApi::RemoveAccessPolicy(
    const v1::RemoveAccessPolicyRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("RemoveAccessPolicy"));
  if (vaults_.count(r.vault()) == 0) return absl::NotFoundError("vault " + r.vault());
  if (policies_[r.vault()].erase(r.object_id()) == 0) {
    return absl::NotFoundError("no access policy for " + r.object_id());
  }
  return v1::RemoveAccessPolicyResponse();
}

absl::StatusOr<v1::ListAccessPoliciesResponse> FakeAdminApi::ListAccessPolicies(
    const v1::ListAccessPoliciesRequest& r) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("ListAccessPolicies"));
  if (vaults_.count(r.vault()) == 0) return absl::NotFoundError("vault " + r.vault());
  v1::ListAccessPoliciesResponse response;
  for (const auto& [id, policy] : policies_[r.vault()]) *response.add_policies() = policy;
  return response;
}

absl::StatusOr<v1::TrustedCluster> FakeAdminApi::SetTrustedCluster(
    const v1::SetTrustedClusterRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("SetTrustedCluster"));
  return absl::UnimplementedError("the fake admin API keeps no clusters");
}

absl::StatusOr<v1::ListTrustedClustersResponse> FakeAdminApi::ListTrustedClusters(
    const v1::ListTrustedClustersRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("ListTrustedClusters"));
  return v1::ListTrustedClustersResponse();
}

absl::StatusOr<v1::RemoveTrustedClusterResponse> FakeAdminApi::RemoveTrustedCluster(
    const v1::RemoveTrustedClusterRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("RemoveTrustedCluster"));
  return absl::UnimplementedError("the fake admin API keeps no clusters");
}

absl::StatusOr<v1::Installation> FakeAdminApi::GetInstallation(const v1::GetInstallationRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("GetInstallation"));
  v1::Installation installation;
  installation.set_tenant_id(FakeUuid(0));
  installation.set_authority_url("https://login.coffer.test");
  installation.set_version("fake");
  return installation;
}

absl::StatusOr<v1::ServingCertificate> FakeAdminApi::IssueServingCertificate(
    const v1::IssueServingCertificateRequest&) {
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Enter("IssueServingCertificate"));
  return absl::UnimplementedError("the fake admin API issues no certificates");
}

}  // namespace coffer::vaultclient
