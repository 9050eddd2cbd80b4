#include "operator/runtime/controller.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

#include "lib/base/logging.h"

namespace coffer::op {
namespace {

using nlohmann::json;

// An object without what its controller writes itself, to tell a status write from a change.
json WithoutOwnWrites(json object) {
  object.erase("status");
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("resourceVersion");
    object["metadata"].erase("managedFields");
  }
  return object;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Controller::Controller(kube::KubeClient& kube, kube::ResourceRef ref, Clock& clock,
                       metrics::Registry& metrics, ControllerOptions options, Reconcile reconcile)
    : options_(std::move(options)),
      reconcile_(std::move(reconcile)),
      queue_(clock, kube::RateLimiter(options_.min_backoff, options_.max_backoff)),
      succeeded_(metrics.GetCounter("coffer_operator_reconciles_total", "Reconciles by result.",
                                    {{"kind", options_.kind}, {"result", "success"}})),
      failed_(metrics.GetCounter("coffer_operator_reconciles_total", "Reconciles by result.",
                                 {{"kind", options_.kind}, {"result", "error"}})),
      retries_(metrics.GetCounter("coffer_operator_retries_total",
                                  "Keys requeued with backoff after a failed reconcile.",
                                  {{"kind", options_.kind}})),
      seconds_(metrics.GetHistogram("coffer_operator_reconcile_seconds",
                                    "Time to reconcile one object.", metrics::LatencyBounds(),
                                    {{"kind", options_.kind}})) {
  kube::InformerHandlers handlers;
  handlers.on_add = [this](const json& object) { Changed(object); };
  handlers.on_update = [this](const json& before, const json& after) {
    if (WithoutOwnWrites(before) != WithoutOwnWrites(after)) {
      Changed(after);
    } else if (options_.on_change) {
      options_.on_change(after);  // dependents may care about the status
    }
  };
  handlers.on_delete = [this](const json& object) { Changed(object); };
  informer_ = std::make_unique<kube::Informer>(kube, std::move(ref), kube::InformerOptions(),
                                               std::move(handlers));
  metrics.AddGauge("coffer_operator_" + Lower(options_.kind) + "_queue_depth",
                   "Keys waiting for a worker.", [this] { return double(queue_.Len()); });
}

Controller::~Controller() { Stop(); }

void Controller::Changed(const json& object) {
  Enqueue(v1alpha1::ObjectKey::Of(object));
  if (options_.on_change) options_.on_change(object);
}

void Controller::StartInformer() { informer_->Start(); }

void Controller::StartWorkers() {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  stopping_ = true;
  queue_.ShutDown();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  informer_->Stop();
}

std::optional<json> Controller::Get(const v1alpha1::ObjectKey& key) const {
  return informer_->Get(key.ns, key.name);
}

void Controller::EnqueueAll() {
  for (const json& object : informer_->List()) Enqueue(v1alpha1::ObjectKey::Of(object));
}

void Controller::Work() {
  while (std::optional<std::string> key = queue_.Get()) {
    if (stopping_) {
      queue_.Done(*key);
      continue;
    }
    std::optional<v1alpha1::ObjectKey> parsed = v1alpha1::ObjectKey::Parse(*key);
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = parsed ? reconcile_(*parsed) : absl::OkStatus();
    seconds_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (status.ok()) {
      succeeded_.Increment();
      queue_.Forget(*key);
    } else {
      failed_.Increment();
      retries_.Increment();
      if (absl::IsAborted(status)) {  // a write raced another (often our own cache lagging)
        COFFER_LOG(kOperator, debug, "{} {}: {} (retrying)", options_.kind, *key,
                   status.ToString());
      } else {
        COFFER_LOG(kOperator, warn, "{} {}: {} (retrying with backoff)", options_.kind, *key,
                   status.ToString());
      }
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

}  // namespace coffer::op
