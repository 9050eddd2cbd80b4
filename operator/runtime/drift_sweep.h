#ifndef COFFER_OPERATOR_RUNTIME_DRIFT_SWEEP_H_
#define COFFER_OPERATOR_RUNTIME_DRIFT_SWEEP_H_

#include "absl/status/statusor.h"
#include "lib/vaultclient/admin_api.h"
#include "operator/controller/accesspolicy_reconciler.h"
#include "operator/controller/keyvault_reconciler.h"
#include "operator/runtime/controller.h"

namespace coffer::op {

// Finds what changed in Coffer behind the operator's back: vaults deleted, purged or altered,
// grants removed or changed. Compares one ListVaults and one ListAccessPolicies per vault with
// what the Ready KeyVaults and AccessPolicies record, and flags and requeues each object that
// differs (its next reconcile then checks and repairs, or reports). The reconciles of objects
// that did not drift make no admin call, so a resync of N policies over V vaults costs 1 + V
// calls. Returns how many objects it flagged; errors are the admin API's.
absl::StatusOr<int> SweepDrift(vaultclient::AdminApi& admin, Controller& keyvaults,
                               KeyVaultReconciler& keyvault_reconciler, Controller& policies,
                               AccessPolicyReconciler& policy_reconciler);

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_RUNTIME_DRIFT_SWEEP_H_
