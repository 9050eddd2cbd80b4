#include "operator/runtime/manager.h"

#include <utility>

#include "lib/base/logging.h"
#include "operator/runtime/drift_sweep.h"

namespace coffer::op {
namespace {

using nlohmann::json;

}  // namespace

Manager::Manager(kube::KubeClient& kube, vaultclient::AdminApi& admin, Clock& clock,
                 metrics::Registry& metrics, ManagerOptions options)
    : kube_(kube),
      admin_(admin, metrics),
      clock_(clock),
      options_(std::move(options)),
      events_(kube, clock, "coffer.dev/operator", options_.instance),
      keyvault_reconciler_({kube, admin_, events_, clock, options_.settings},
                           [this](const v1alpha1::ObjectKey& key) { return keyvaults_.Get(key); }),
      policy_reconciler_(
          {kube, admin_, events_, clock, options_.settings},
          [this](const v1alpha1::ObjectKey& key) { return policies_.Get(key); },
          [this](const v1alpha1::ObjectKey& key) { return keyvaults_.Get(key); },
          [this](const std::string& name) { return PoliciesWithSubject(name); }),
      mount_reconciler_(
          {kube, admin_, events_, clock, options_.settings},
          [this](const v1alpha1::ObjectKey& key) { return mounts_.Get(key); },
          [this](const v1alpha1::ObjectKey& key) { return keyvaults_.Get(key); }),
      keyvaults_(
          options_.watch_client != nullptr ? *options_.watch_client : kube, v1alpha1::kKeyVaults,
          clock, metrics,
          {"KeyVault", options_.workers, absl::Milliseconds(200), absl::Minutes(5),
           [this](const json& keyvault) { EnqueuePoliciesOf(keyvault); }},
          [this](const v1alpha1::ObjectKey& key) { return keyvault_reconciler_.Reconcile(key); }),
      policies_(
          options_.watch_client != nullptr ? *options_.watch_client : kube,
          v1alpha1::kAccessPolicies, clock, metrics,
          {"AccessPolicy", options_.workers, absl::Milliseconds(200), absl::Minutes(5),
           [this](const json& policy) { IndexPolicy(policy); }},
          [this](const v1alpha1::ObjectKey& key) { return policy_reconciler_.Reconcile(key); }),
      mounts_(
          options_.watch_client != nullptr ? *options_.watch_client : kube,
          v1alpha1::kVaultMounts, clock, metrics,
          {"VaultMount", options_.workers, absl::Milliseconds(200), absl::Minutes(5),
           [this](const json& mount) { IndexMount(mount); }},
          [this](const v1alpha1::ObjectKey& key) { return mount_reconciler_.Reconcile(key); }) {
  if (options_.vault != nullptr) {
    kube::KubeClient& watch = options_.watch_client != nullptr ? *options_.watch_client : kube;
    sync_reconciler_ = std::make_unique<SecretSyncReconciler>(
        ReconcilerContext{kube, admin_, events_, clock, options_.settings}, *options_.vault,
        [this](const v1alpha1::ObjectKey& key) { return syncs_->Get(key); },
        [this](const v1alpha1::ObjectKey& key) { return keyvaults_.Get(key); },
        [this](const std::string& ns) { return PoliciesIn(ns); }, options_.secret_syncs);
    syncs_ = std::make_unique<Controller>(
        watch, v1alpha1::kSecretSyncs, clock, metrics,
        ControllerOptions{"SecretSync", options_.workers, absl::Milliseconds(200),
                          absl::Minutes(5), [this](const json& sync) { IndexSync(sync); }},
        [this](const v1alpha1::ObjectKey& key) { return ReconcileSync(key); });
    metrics.AddGauge("coffer_operator_secretsync_vault_reads",
                     "Object reads SecretSyncs sent to the vault.",
                     [this] { return double(sync_reconciler_->counters().reads); });
    metrics.AddGauge("coffer_operator_secretsync_shared_reads",
                     "Object reads SecretSyncs took from another's recent read.",
                     [this] { return double(sync_reconciler_->counters().hits); });
  }
  metrics.AddGauge("coffer_operator_leader", "1 while this replica holds the lease.", [this] {
    absl::MutexLock lock(&mu_);
    return leading_ ? 1.0 : 0.0;
  });
}

Manager::~Manager() { Stop(); }

void Manager::EnqueuePoliciesOf(const json& keyvault) {
  std::vector<std::string> policies, mounts;
  {
    absl::MutexLock lock(&index_mu_);
    policies = by_vault_.KeysOf(v1alpha1::ObjectKey::Of(keyvault).String());
    mounts = mounts_by_vault_.KeysOf(v1alpha1::ObjectKey::Of(keyvault).String());
  }
  for (const std::string& key : policies) {
    if (std::optional<v1alpha1::ObjectKey> parsed = v1alpha1::ObjectKey::Parse(key)) {
      policies_.Enqueue(*parsed);
    }
  }
  for (const std::string& key : mounts) {
    if (std::optional<v1alpha1::ObjectKey> parsed = v1alpha1::ObjectKey::Parse(key)) {
      mounts_.Enqueue(*parsed);
    }
  }
  if (syncs_ == nullptr) return;
  std::vector<std::string> syncs;
  {
    absl::MutexLock lock(&index_mu_);
    syncs = syncs_by_vault_.KeysOf(v1alpha1::ObjectKey::Of(keyvault).String());
  }
  for (const std::string& key : syncs) {
    if (std::optional<v1alpha1::ObjectKey> parsed = v1alpha1::ObjectKey::Parse(key)) {
      syncs_->Enqueue(*parsed);
    }
  }
}

void Manager::IndexSync(const json& sync) {
  const v1alpha1::ObjectKey key = v1alpha1::ObjectKey::Of(sync);
  std::optional<std::string> vault, ns;
  if (syncs_->Get(key).has_value()) {  // a delete leaves the cache first
    absl::StatusOr<v1alpha1::SecretSync> parsed = v1alpha1::ParseSecretSync(sync);
    if (parsed.ok()) vault = parsed->spec.vault.String();
    ns = key.ns;
  }
  absl::MutexLock lock(&index_mu_);
  syncs_by_vault_.Set(key.String(), vault);
  syncs_by_namespace_.Set(key.String(), ns);
}

// A grant given or taken away changes what the SecretSyncs of its namespace may read.
void Manager::EnqueueSyncsIn(const std::string& ns) {
  if (syncs_ == nullptr) return;
  std::vector<std::string> syncs;
  {
    absl::MutexLock lock(&index_mu_);
    syncs = syncs_by_namespace_.KeysOf(ns);
  }
  for (const std::string& key : syncs) {
    if (std::optional<v1alpha1::ObjectKey> parsed = v1alpha1::ObjectKey::Parse(key)) {
      syncs_->Enqueue(*parsed);
    }
  }
}

absl::Status Manager::ReconcileSync(const v1alpha1::ObjectKey& key) {
  SecretSyncReconciler::Result result = sync_reconciler_->Reconcile(key);
  if (result.status.ok() && result.requeue_after) syncs_->EnqueueAfter(key, *result.requeue_after);
  return result.status;
}

std::vector<json> Manager::PoliciesIn(const std::string& ns) {
  std::vector<std::string> keys;
  {
    absl::MutexLock lock(&index_mu_);
    keys = policies_by_namespace_.KeysOf(ns);
  }
  return CachedPolicies(keys);
}

std::vector<json> Manager::CachedPolicies(const std::vector<std::string>& keys) {
  std::vector<json> out;
  for (const std::string& key : keys) {
    std::optional<v1alpha1::ObjectKey> parsed = v1alpha1::ObjectKey::Parse(key);
    if (!parsed) continue;
    if (std::optional<json> policy = policies_.Get(*parsed)) out.push_back(*std::move(policy));
  }
  return out;
}

void Manager::IndexMount(const json& mount) {
  const v1alpha1::ObjectKey key = v1alpha1::ObjectKey::Of(mount);
  std::optional<std::string> vault;
  if (mounts_.Get(key).has_value()) {  // a delete leaves the cache first
    absl::StatusOr<v1alpha1::VaultMount> parsed = v1alpha1::ParseVaultMount(mount);
    if (parsed.ok()) {
      vault = v1alpha1::ObjectKey{parsed->spec.vault_namespace, parsed->spec.vault_name}.String();
    }
  }
  absl::MutexLock lock(&index_mu_);
  mounts_by_vault_.Set(key.String(), vault);
}

void Manager::IndexPolicy(const json& policy) {
  const v1alpha1::ObjectKey key = v1alpha1::ObjectKey::Of(policy);
  const bool present = policies_.Get(key).has_value();  // a delete leaves the cache first
  std::optional<std::string> subject, vault;
  if (present) {
    subject = AccessPolicyReconciler::SubjectName(policy);
    absl::StatusOr<v1alpha1::AccessPolicy> parsed = v1alpha1::ParseAccessPolicy(policy);
    if (parsed.ok()) vault = parsed->spec.vault.String();
  }
  {
    absl::MutexLock lock(&index_mu_);
    by_subject_.Set(key.String(), subject);
    by_vault_.Set(key.String(), vault);
    policies_by_namespace_.Set(key.String(),
                               present ? std::optional<std::string>(key.ns) : std::nullopt);
  }
  EnqueueSyncsIn(key.ns);
}

std::vector<json> Manager::PoliciesWithSubject(const std::string& name) {
  std::vector<std::string> keys;
  {
    absl::MutexLock lock(&index_mu_);
    keys = by_subject_.KeysOf(name);
  }
  return CachedPolicies(keys);
}

absl::Status Manager::Run() {
  if (options_.leader_election) {
    kube::LeaderElectionConfig config = *options_.leader_election;
    config.on_started_leading = [this] {
      absl::MutexLock lock(&mu_);
      leading_ = true;
    };
    config.on_stopped_leading = [this] {
      absl::MutexLock lock(&mu_);
      if (leading_ && !stopping_) lost_ = true;  // not when Stop() released the lease
      leading_ = false;
    };
    elector_ = std::make_unique<kube::LeaderElector>(kube_, clock_, std::move(config));
    elector_->Start();
    COFFER_LOG(kOperator, info, "standing for election as {}", options_.leader_election->identity);
    bool stop;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Manager* m)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) { return m->leading_ || m->stopping_; },
          this));
      stop = stopping_;
    }
    if (stop) {
      elector_->Stop();
      return absl::OkStatus();
    }
  } else {
    absl::MutexLock lock(&mu_);
    leading_ = true;
  }
  COFFER_LOG(kOperator, info,
             "leading: starting the KeyVault, AccessPolicy, VaultMount and SecretSync controllers");
  RunControllers();
  if (elector_ != nullptr) elector_->Stop();
  absl::MutexLock lock(&mu_);
  return lost_ ? absl::AbortedError("lost the leader lease") : absl::OkStatus();
}

void Manager::RunControllers() {
  keyvaults_.StartInformer();
  policies_.StartInformer();
  mounts_.StartInformer();
  if (syncs_ != nullptr) syncs_->StartInformer();
  bool synced;
  {
    absl::MutexLock lock(&mu_);
    while (!stopping_ && !lost_ && !(keyvaults_.HasSynced() && policies_.HasSynced())) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(50));
    }
    synced = synced_ = !stopping_ && !lost_;
  }
  std::thread resync;
  if (synced) {
    keyvaults_.StartWorkers();
    policies_.StartWorkers();
    resync = std::thread([this] { Resync(); });
  }
  // VaultMounts and SecretSyncs each wait for their own cache, so that one that cannot sync
  // (say, a role without list on vaultmounts, or a cluster without the SecretSync CRD) holds
  // nothing else up.
  auto start_when_synced = [this, synced](Controller* controller) {
    absl::MutexLock lock(&mu_);
    while (synced && !stopping_ && !lost_ && !controller->HasSynced()) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(50));
    }
    if (synced && !stopping_ && !lost_) controller->StartWorkers();
  };
  std::thread mounts(start_when_synced, &mounts_);
  std::thread syncs;
  if (syncs_ != nullptr) syncs = std::thread(start_when_synced, syncs_.get());
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Manager* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) { return m->stopping_ || m->lost_; },
        this));
    stopping_ = true;  // also when the lease was lost: the resync loop ends
  }
  if (resync.joinable()) resync.join();
  mounts.join();
  if (syncs.joinable()) syncs.join();
  keyvaults_.Stop();
  policies_.Stop();
  mounts_.Stop();
  if (syncs_ != nullptr) syncs_->Stop();
}

void Manager::Resync() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.resync_period)) return;
    }
    absl::StatusOr<int> drifted =
        SweepDrift(admin_, keyvaults_, keyvault_reconciler_, policies_, policy_reconciler_);
    if (!drifted.ok()) {
      COFFER_LOG(kOperator, warn, "drift sweep failed: {}", drifted.status().ToString());
    } else if (*drifted > 0) {
      COFFER_LOG(kOperator, info, "drift sweep: {} objects differ from Coffer", *drifted);
    }
    keyvaults_.EnqueueAll();
    policies_.EnqueueAll();
    mounts_.EnqueueAll();
    if (syncs_ != nullptr) syncs_->EnqueueAll();
  }
}

void Manager::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

bool Manager::Leading() const {
  absl::MutexLock lock(&mu_);
  return leading_;
}

bool Manager::Ready() const {
  absl::MutexLock lock(&mu_);
  return !lost_ && (!leading_ || synced_);
}

}  // namespace coffer::op
