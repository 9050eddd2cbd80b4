#ifndef COFFER_OPERATOR_CONTROLLER_SECRETSYNC_RECONCILER_H_
#define COFFER_OPERATOR_CONTROLLER_SECRETSYNC_RECONCILER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"
#include "lib/vaultclient/workload_vault.h"
#include "nlohmann/json.hpp"
#include "operator/api/v1alpha1/types.h"
#include "operator/controller/context.h"
#include "operator/controller/shared_vault_reads.h"

namespace coffer::op {

// Keeps the Secret of a SecretSync current with the vault objects it names, read as the
// SecretSync's ServiceAccount: the operator requests a token for it and signs in to the vault
// with it (SharedVaultReads), so a SecretSync never gets what that ServiceAccount may not read.
//
// A reconcile checks the KeyVault (it exists, allows this namespace, is Ready with a
// status.vaultUri) and the ServiceAccount's client id (status.clientId of an AccessPolicy in
// the namespace naming it, the rule coffer-csi follows), reads every object, and only then
// writes: the Secret is created, or updated in one PUT when its type, data, labels, annotations
// or ownerReferences differ, never half-written. A read that fails leaves the Secret as it was
// and says why in Ready (Forbidden, ObjectNotFound, ...). A Secret of that name that the
// SecretSync did not make is never taken over (SecretExists). deletionPolicy Delete puts an
// ownerReference on the Secret, so the garbage collector deletes it with the SecretSync; Retain
// puts none (and removes one left from Delete). No finalizer.
//
// A SecretSync that is Ready for its generation, not yet at its next refresh instant, with its
// Secret still holding the versions the status records, costs one Secret GET and no vault read:
// resyncs and KeyVault changes do not multiply vault traffic. Status is written when it
// changes (lastSyncTime: at each refresh); Events on every change of Ready's status or reason,
// and when the Secret is created or updated. Thread-safe.
struct SecretSyncOptions {
  SharedVaultReadsOptions reads;
  // How soon a SecretSync waiting for a person (a grant, its ServiceAccount, its KeyVault, a
  // foreign Secret moved away) is looked at again, if its refreshInterval is not sooner.
  absl::Duration recheck_waiting = absl::Minutes(2);
};

class SecretSyncReconciler {
 public:
  // The AccessPolicy objects of a namespace (an informer's cache), where the ServiceAccount's
  // client id is found.
  using PoliciesIn = std::function<std::vector<nlohmann::json>(const std::string& ns)>;

  // What the caller must do next. The runtime's Controller only knows absl::Status, so the
  // manager wraps this: a non-OK `status` is retried with backoff as any reconcile error, and
  // after an OK one the key is requeued with WorkQueue::AddAfter(key, *requeue_after).
  struct Result {
    absl::Status status;
    // Set after an OK reconcile that must run again: the time to its ServiceAccount's next
    // refresh instant after a sync (instants an interval apart, shared by every SecretSync of
    // that ServiceAccount and interval, so they share reads; what picks up rotation); while
    // waiting for a person (a grant, a ServiceAccount, the KeyVault), min(refreshInterval,
    // recheck_waiting), so that the fix is found even when no watched object changes. Unset for
    // an invalid spec (its change requeues it) or an object that is gone.
    std::optional<absl::Duration> requeue_after;
  };

  // `vault` signs in and reads (vaultclient::DataPlaneVault in the binary); tokens are requested
  // through `context.kube` with audience `context.settings.token_audience`, which overrides
  // `options.reads.audience`. Does no I/O.
  SecretSyncReconciler(ReconcilerContext context, vaultclient::Vault& vault, Lister syncs,
                       Lister keyvaults, PoliciesIn policies, SecretSyncOptions options = {});

  Result Reconcile(const v1alpha1::ObjectKey& key);

  // Reads sent to the vault, reads answered from the cache, sign-ins.
  SharedVaultReads::Counters counters() const { return reads_.counters(); }

 private:
  struct Outcome;

  std::optional<absl::Duration> CurrentFor(const v1alpha1::SecretSync& sync, absl::Time now);
  Outcome Sync(const v1alpha1::SecretSync& sync);
  std::optional<ReadIdentity> Identify(const v1alpha1::SecretSync& sync, Outcome& outcome);
  std::optional<std::map<std::string, SecretBytes>> ReadAll(const v1alpha1::SecretSync& sync,
                                                            const ReadIdentity& who,
                                                            Outcome& outcome);
  void Write(const v1alpha1::SecretSync& sync, const std::map<std::string, SecretBytes>& data,
             Outcome& outcome);
  void ReleaseRenamed(const v1alpha1::SecretSync& sync, Outcome& outcome);
  Result Report(const nlohmann::json& object, v1alpha1::SecretSync sync, const Outcome& outcome);

  ReconcilerContext ctx_;
  const Lister syncs_;
  const Lister keyvaults_;
  const PoliciesIn policies_;
  const absl::Duration recheck_waiting_;
  SharedVaultReads reads_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_CONTROLLER_SECRETSYNC_RECONCILER_H_
