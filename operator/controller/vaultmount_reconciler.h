#ifndef COFFER_OPERATOR_CONTROLLER_VAULTMOUNT_RECONCILER_H_
#define COFFER_OPERATOR_CONTROLLER_VAULTMOUNT_RECONCILER_H_

#include "absl/status/status.h"
#include "operator/api/v1alpha1/types.h"
#include "operator/controller/context.h"

namespace coffer::op {

inline constexpr char kVaultReady[] = "VaultReady";
inline constexpr char kObjectsResolvable[] = "ObjectsResolvable";

// Checks a VaultMount before any pod mounts it, and says what a mount would meet: conditions
// VaultReady (its KeyVault exists and is Ready), ObjectsResolvable (every object exists in the
// vault with a usable version; optional ones that do not are named in the message without
// failing it) and Ready (both). Whether a pod's ServiceAccount may read the objects is decided
// per pod at mount time, so it is not part of this. Owns nothing in Coffer: no finalizer.
//
// One admin call (ResolveObjects) per reconcile of a VaultMount whose KeyVault is Ready;
// KeyVault changes and the resync requeue it, so secrets created later turn it Ready.
// Thread-safe.
class VaultMountReconciler {
 public:
  VaultMountReconciler(ReconcilerContext context, Lister mounts, Lister keyvaults)
      : ctx_(context), mounts_(std::move(mounts)), keyvaults_(std::move(keyvaults)) {}

  absl::Status Reconcile(const v1alpha1::ObjectKey& key);

 private:
  struct Checks;
  Checks Check(const v1alpha1::VaultMount& vm);

  ReconcilerContext ctx_;
  const Lister mounts_;
  const Lister keyvaults_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_VAULTMOUNT_RECONCILER_H_
