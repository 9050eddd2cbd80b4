#ifndef COFFER_OPERATOR_CONTROLLER_KEYVAULT_RECONCILER_H_
#define COFFER_OPERATOR_CONTROLLER_KEYVAULT_RECONCILER_H_

#include <string>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "operator/api/v1alpha1/types.h"
#include "operator/controller/context.h"
#include "operator/controller/recheck_set.h"

namespace coffer::op {

inline constexpr char kKeyVaultFinalizer[] = "coffer.dev/keyvault";

// Makes Coffer hold the vault a KeyVault describes, and Kubernetes the Service that addresses
// it (NAME.NAMESPACE.svc, selecting the coffer-vault pods) and the coffer-ca ConfigMap, then
// reports in the KeyVault's status. Level-based and idempotent: a KeyVault whose status already
// describes its generation costs no admin call unless a drift sweep flagged it.
//
// Deleting the KeyVault soft-deletes the vault (finalizer coffer.dev/keyvault), so it can be
// recovered for its retention period. A vault that disappeared behind the operator's back is
// reported (Ready=False VaultMissing), never silently re-created with new keys. A soft-deleted
// vault of the same name is recovered only when spec.recoverIfSoftDeleted says so.
//
// Reconcile returns OK when the KeyVault is as it should be or is waiting for a person (the
// Ready condition says why), and an error when trying again later may help (the vault core is
// unreachable, a write conflicted). Thread-safe; one key is never reconciled twice at once (the
// work queue guarantees it).
class KeyVaultReconciler {
 public:
  KeyVaultReconciler(ReconcilerContext context, Lister keyvaults)
      : ctx_(context), keyvaults_(std::move(keyvaults)) {}

  absl::Status Reconcile(const v1alpha1::ObjectKey& key);

  // Makes the next Reconcile of `key` check the vault even if the status looks current (the
  // drift sweep found a difference).
  void MarkForRecheck(const v1alpha1::ObjectKey& key) { recheck_.Mark(key); }

  // The vault name a KeyVault gets: spec.vaultName, else NAMESPACE-NAME; empty when that is
  // not a valid vault name (too long), which the status then reports.
  static std::string VaultNameFor(const v1alpha1::KeyVault& kv);
  // NAME.NAMESPACE.svc, NAME.NAMESPACE.svc.<cluster domain>, then spec.hostnames.
  std::vector<std::string> HostnamesFor(const v1alpha1::KeyVault& kv) const;
  // What to change in `vault` so that it is what `kv` describes; an empty update mask when it
  // already is (the drift sweep asks the same question).
  admin::v1::UpdateVaultRequest UpdateFor(const v1alpha1::KeyVault& kv,
                                          const admin::v1::Vault& vault) const;

 private:
  struct Outcome;
  absl::Status Finalize(const nlohmann::json& object, const v1alpha1::KeyVault& kv);
  Outcome EnsureVault(const v1alpha1::KeyVault& kv, const std::string& vault_name);
  absl::Status EnsureService(const v1alpha1::KeyVault& kv);
  absl::Status Report(const nlohmann::json& object, v1alpha1::KeyVault kv, const Outcome& outcome);

  ReconcilerContext ctx_;
  const Lister keyvaults_;
  RecheckSet recheck_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_KEYVAULT_RECONCILER_H_
