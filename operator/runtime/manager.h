#ifndef COFFER_OPERATOR_RUNTIME_MANAGER_H_
#define COFFER_OPERATOR_RUNTIME_MANAGER_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/kube/event_recorder.h"
#include "lib/kube/kube_client.h"
#include "lib/kube/leader_elector.h"
#include "lib/metrics/metrics.h"
#include "lib/vaultclient/admin_api.h"
#include "lib/vaultclient/workload_vault.h"
#include "operator/controller/accesspolicy_reconciler.h"
#include "operator/controller/context.h"
#include "operator/controller/keyvault_reconciler.h"
#include "operator/controller/secretsync_reconciler.h"
#include "operator/controller/vaultmount_reconciler.h"
#include "operator/runtime/controller.h"
#include "operator/runtime/counting_admin_api.h"
#include "operator/runtime/reverse_index.h"

namespace coffer::op {

struct ManagerOptions {
  OperatorSettings settings;
  int workers = 2;  // per kind
  // How often every object is requeued and Coffer is swept for drift (drift_sweep.h).
  absl::Duration resync_period = absl::Minutes(10);
  // Set: only the holder of this Lease reconciles; others stand by.
  std::optional<kube::LeaderElectionConfig> leader_election;
  std::string instance = "coffer-operator";  // this replica, for Events (the pod name)
  // The client the informers list and watch with, when it must differ from the one for
  // writes and the Lease (a long timeout for quiet watch streams; writes and renewals need a
  // short one, so that a hung request cannot outlast the renew deadline). Null: the same.
  kube::KubeClient* watch_client = nullptr;
  // Where SecretSyncs read, as their ServiceAccounts (vaultclient::DataPlaneVault). Null: no
  // SecretSync controller.
  vaultclient::Vault* vault = nullptr;
  SecretSyncOptions secret_syncs;
};

// The operator's wiring: a controller per kind (KeyVault, AccessPolicy, VaultMount, SecretSync)
// over informers of every namespace, KeyVault changes requeueing the AccessPolicies, VaultMounts
// and SecretSyncs that name them (AccessPolicy changes: the SecretSyncs of their namespace),
// each SecretSync requeued after its refresh interval, the periodic
// resync with its drift sweep, and leader election. Workers start only once both caches have
// synced, so no reconcile ever acts on a half-read cluster (a policy must not be revoked because
// its KeyVault was not listed yet). Thread-safe.
class Manager {
 public:
  Manager(kube::KubeClient& kube, vaultclient::AdminApi& admin, Clock& clock,
          metrics::Registry& metrics, ManagerOptions options);
  ~Manager();

  // Blocks. With leader election, waits for the lease first. Returns OK after Stop(), or
  // ABORTED when leadership was lost: the process should then exit, so that it stands for
  // election afresh with empty caches.
  absl::Status Run();
  void Stop();

  // For /readyz: a standby replica is ready; a leader once its caches have synced.
  bool Ready() const;
  bool Leading() const;

 private:
  void RunControllers();
  void Resync();
  void EnqueuePoliciesOf(const nlohmann::json& keyvault);
  void IndexPolicy(const nlohmann::json& policy);
  void IndexMount(const nlohmann::json& mount);
  void IndexSync(const nlohmann::json& sync);
  void EnqueueSyncsIn(const std::string& ns);
  absl::Status ReconcileSync(const v1alpha1::ObjectKey& key);
  std::vector<nlohmann::json> PoliciesIn(const std::string& ns);
  // The AccessPolicies of the informer's cache under `keys` ("ns/name"), skipping gone ones.
  std::vector<nlohmann::json> CachedPolicies(const std::vector<std::string>& keys);
  std::vector<nlohmann::json> PoliciesWithSubject(const std::string& name);

  kube::KubeClient& kube_;
  CountingAdminApi admin_;
  Clock& clock_;
  const ManagerOptions options_;
  kube::EventRecorder events_;
  KeyVaultReconciler keyvault_reconciler_;
  AccessPolicyReconciler policy_reconciler_;
  VaultMountReconciler mount_reconciler_;
  std::unique_ptr<SecretSyncReconciler> sync_reconciler_;  // with options.vault
  Controller keyvaults_;
  Controller policies_;
  Controller mounts_;
  std::unique_ptr<Controller> syncs_;  // with options.vault
  std::unique_ptr<kube::LeaderElector> elector_;

  mutable absl::Mutex mu_;
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  bool lost_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;

  // AccessPolicy keys by subject name (duplicates found without a scan) and by KeyVault (a
  // KeyVault's change requeues its policies without parsing every policy).
  absl::Mutex index_mu_;
  ReverseIndex by_subject_ ABSL_GUARDED_BY(index_mu_);
  ReverseIndex by_vault_ ABSL_GUARDED_BY(index_mu_);
  ReverseIndex policies_by_namespace_ ABSL_GUARDED_BY(index_mu_);
  ReverseIndex mounts_by_vault_ ABSL_GUARDED_BY(index_mu_);  // VaultMount keys by KeyVault
  ReverseIndex syncs_by_vault_ ABSL_GUARDED_BY(index_mu_);   // SecretSync keys by KeyVault
  ReverseIndex syncs_by_namespace_ ABSL_GUARDED_BY(index_mu_);
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_RUNTIME_MANAGER_H_
