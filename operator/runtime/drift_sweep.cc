#include "operator/runtime/drift_sweep.h"

#include <map>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "operator/controller/conditions.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;

bool VaultDrifted(const KeyVaultReconciler& reconciler, const v1alpha1::KeyVault& kv,
                  const v1::Vault* vault) {
  return vault == nullptr || vault->deleted_unix() != 0 || vault->id() != kv.status.vault_id ||
         reconciler.UpdateFor(kv, *vault).update_mask_size() > 0;
}

bool GrantDrifted(const v1alpha1::AccessPolicyStatus& status, const v1::AccessPolicy* granted) {
  return granted == nullptr || !(AccessPolicyReconciler::GrantedBy(*granted) == status.granted);
}

}  // namespace

absl::StatusOr<int> SweepDrift(vaultclient::AdminApi& admin, Controller& keyvaults,
                               KeyVaultReconciler& keyvault_reconciler, Controller& policies,
                               AccessPolicyReconciler& policy_reconciler) {
  v1::ListVaultsRequest list;
  list.set_include_deleted(true);
  COFFER_ASSIGN_OR_RETURN(v1::ListVaultsResponse listed, admin.ListVaults(list));
  std::map<std::string, v1::Vault> by_name;
  for (const v1::Vault& vault : listed.vaults()) by_name[vault.name()] = vault;

  int flagged = 0;
  std::vector<std::string> live_vaults;  // of Ready KeyVaults, whose grants are checked next
  for (const nlohmann::json& object : keyvaults.List()) {
    absl::StatusOr<v1alpha1::KeyVault> kv = v1alpha1::ParseKeyVault(object);
    if (!kv.ok() || kv->meta.deleting || !ReadyAt(kv->status.conditions, kv->meta.generation) ||
        kv->status.vault_id.empty()) {
      continue;
    }
    auto found = by_name.find(kv->status.vault_name);
    if (VaultDrifted(keyvault_reconciler, *kv, found == by_name.end() ? nullptr : &found->second)) {
      keyvault_reconciler.MarkForRecheck(kv->meta.key);
      keyvaults.Enqueue(kv->meta.key);
      ++flagged;
    } else {
      live_vaults.push_back(kv->status.vault_name);
    }
  }

  std::vector<v1alpha1::AccessPolicy> ready;
  for (const nlohmann::json& object : policies.List()) {
    absl::StatusOr<v1alpha1::AccessPolicy> ap = v1alpha1::ParseAccessPolicy(object);
    if (ap.ok() && !ap->meta.deleting && ReadyAt(ap->status.conditions, ap->meta.generation)) {
      ready.push_back(*std::move(ap));
    }
  }
  for (const std::string& vault : live_vaults) {
    v1::ListAccessPoliciesRequest request;
    request.set_vault(vault);
    COFFER_ASSIGN_OR_RETURN(v1::ListAccessPoliciesResponse grants,
                            admin.ListAccessPolicies(request));
    std::map<std::string, v1::AccessPolicy> by_principal;
    for (const v1::AccessPolicy& grant : grants.policies()) by_principal[grant.object_id()] = grant;
    for (const v1alpha1::AccessPolicy& ap : ready) {
      if (ap.status.vault_name != vault) continue;
      auto found = by_principal.find(ap.status.principal_object_id);
      if (GrantDrifted(ap.status, found == by_principal.end() ? nullptr : &found->second)) {
        policy_reconciler.MarkForRecheck(ap.meta.key);
        policies.Enqueue(ap.meta.key);
        ++flagged;
      }
    }
  }
  return flagged;
}

}  // namespace coffer::op
