#ifndef COFFER_LIB_KUBE_WORK_QUEUE_H_
#define COFFER_LIB_KUBE_WORK_QUEUE_H_

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"

namespace coffer::kube {

// Per-item exponential backoff, client-go's ItemExponentialFailureRateLimiter: the n-th
// failure of a key waits base * 2^(n-1), capped at max. (client-go's default also mixes in an
// overall 10 qps token bucket; controllers here rely on the per-item part.) Not thread-safe:
// the WorkQueue that owns it guards it.
class RateLimiter {
 public:
  // 5 ms doubling up to 1000 s, as client-go's DefaultControllerRateLimiter.
  RateLimiter() : RateLimiter(absl::Milliseconds(5), absl::Seconds(1000)) {}
  RateLimiter(absl::Duration base, absl::Duration max) : base_(base), max_(max) {}

  // How long `key` waits before its next retry; counts one more failure.
  absl::Duration When(const std::string& key);
  // Forgets the failures of `key` (call after it succeeds).
  void Forget(const std::string& key) { failures_.erase(key); }
  int NumRequeues(const std::string& key) const;

 private:
  absl::Duration base_;
  absl::Duration max_;
  std::map<std::string, int> failures_;
};

// The controller work queue of client-go / controller-runtime. Thread-safe.
//
// A key is queued at most once however often it is added. A key handed out by Get() is
// "processing" until Done(): adding it meanwhile marks it dirty, and Done() queues it again, so
// two workers never hold the same key at once.
//
// Delayed keys (AddAfter, AddRateLimited) become ready when the injected clock reaches their
// time. Get() checks on its own while it waits (good enough for the real clock); with a fake
// clock, tests advance it and call ProcessDelayed(), which also wakes a blocked Get().
class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock, RateLimiter limiter = RateLimiter());
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Adds are ignored after ShutDown().
  void Add(const std::string& key);
  void AddAfter(const std::string& key, absl::Duration delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready and returns it, or returns nullopt once ShutDown() was called
  // and the ready keys are drained. The caller must call Done(key) when finished with it.
  std::optional<std::string> Get();
  void Done(const std::string& key);

  // Stops accepting keys, drops delayed ones and wakes every blocked Get().
  void ShutDown();
  bool ShuttingDown() const;

  // Moves delayed keys whose time has come into the queue.
  void ProcessDelayed();

  // Keys ready to be handed out (not counting delayed or processing ones).
  size_t Len() const;

 private:
  void AddLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddAfterLocked(const std::string& key, absl::Duration delay)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ProcessDelayedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ReadyOrShutDown() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  mutable absl::Mutex mu_;
  RateLimiter limiter_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  // Keys that need processing: queued ones, and processing ones added again.
  std::set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> processing_ ABSL_GUARDED_BY(mu_);
  // Delayed keys by ready time, and each delayed key's time so a key waits only once.
  std::set<std::pair<absl::Time, std::string>> waiting_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> waiting_until_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_WORK_QUEUE_H_
