#ifndef COFFER_OPERATOR_RUNTIME_CONTROLLER_H_
#define COFFER_OPERATOR_RUNTIME_CONTROLLER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/kube/informer.h"
#include "lib/kube/kube_client.h"
#include "lib/kube/work_queue.h"
#include "lib/metrics/metrics.h"
#include "nlohmann/json.hpp"
#include "operator/api/v1alpha1/types.h"

namespace coffer::op {

struct ControllerOptions {
  std::string kind;  // "KeyVault": names metrics and logs
  int workers = 2;
  // Per-key backoff after a failed reconcile: base doubling up to max.
  absl::Duration min_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Minutes(5);
  // Called (on the informer's thread) for every change of an object of this kind, after the
  // cache holds it: how other controllers requeue what depends on it.
  std::function<void(const nlohmann::json& object)> on_change;
};

// One kind's control loop, as controller-runtime's: an informer over every namespace feeds
// keys into a work queue; workers hand each key to `reconcile`, forget its failures when it
// succeeds and requeue it with per-key exponential backoff when it fails. Status-only updates
// (the controller's own writes) are not requeued. Metrics: coffer_operator_reconciles_total
// {kind,result}, coffer_operator_reconcile_seconds{kind}, coffer_operator_retries_total{kind}
// and coffer_operator_<kind>_queue_depth. Thread-safe.
class Controller {
 public:
  using Reconcile = std::function<absl::Status(const v1alpha1::ObjectKey& key)>;

  Controller(kube::KubeClient& kube, kube::ResourceRef ref, Clock& clock,
             metrics::Registry& metrics, ControllerOptions options, Reconcile reconcile);
  ~Controller();  // Stop()s

  void StartInformer();
  bool HasSynced() const { return informer_->HasSynced(); }
  void StartWorkers();
  // Stops the workers (after their current key) and the informer. Idempotent.
  void Stop();

  // The informer's cache.
  std::optional<nlohmann::json> Get(const v1alpha1::ObjectKey& key) const;
  std::vector<nlohmann::json> List() const { return informer_->List(); }

  void Enqueue(const v1alpha1::ObjectKey& key) { queue_.Add(key.String()); }
  // Reconciles `key` again after `delay` (or sooner, if it is already due sooner).
  void EnqueueAfter(const v1alpha1::ObjectKey& key, absl::Duration delay) {
    queue_.AddAfter(key.String(), delay);
  }
  void EnqueueAll();

 private:
  void Work();
  void Changed(const nlohmann::json& object);

  const ControllerOptions options_;
  const Reconcile reconcile_;
  kube::WorkQueue queue_;
  std::unique_ptr<kube::Informer> informer_;
  metrics::Counter& succeeded_;
  metrics::Counter& failed_;
  metrics::Counter& retries_;
  metrics::Histogram& seconds_;
  std::vector<std::thread> workers_;
  // Set by Stop(): keys still queued are dropped, not reconciled (after a lost lease the new
  // leader does that work).
  std::atomic<bool> stopping_{false};
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_RUNTIME_CONTROLLER_H_
