#ifndef COFFER_LIB_BASE_BATCHER_H_
#define COFFER_LIB_BASE_BATCHER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace coffer {

// Group commit: jobs that many threads submit under one key run in batches, so that one slow
// step (an fsync, a round trip to a consensus leader) is paid once for everything queued behind
// it. No thread of its own: the first caller in a key's queue runs a batch of the jobs queued
// there (its own first), while later callers queue for the next batch; each caller returns when
// its own job has run. Batches of one key run one at a time and in arrival order; different
// keys run in parallel. Thread-safe.
template <typename Job>
class Batcher {
 public:
  struct Limits {
    std::size_t max_jobs = 64;
    // A batch stops growing before it would pass this (each batch takes at least one job).
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max();
  };
  // Runs a batch: called on one submitter's thread, outside every lock; must complete every
  // job (record its outcome in it). If it throws, the exception reaches the submitter whose
  // thread ran it, and the others return with their jobs as the run left them.
  using Run = std::function<void(std::string_view key, const std::vector<Job*>& batch)>;
  using Bytes = std::function<std::size_t(const Job&)>;

  Batcher(Limits limits, Bytes bytes, Run run)
      : limits_(limits), bytes_(std::move(bytes)), run_(std::move(run)) {}
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Jobs waiting under `key` for a batch to take them (not those running now).
  std::size_t Waiting(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = lanes_.find(std::string(key));
    if (it == lanes_.end()) return 0;
    return it->second.queue.size();
  }

  // Returns when `job` has run, on this thread or another.
  void Submit(std::string_view key, Job& job) ABSL_LOCKS_EXCLUDED(mu_) {
    Waiter me(&job);
    mu_.Lock();
    Lane& lane = lanes_[std::string(key)];  // node-based: stays put while others come and go
    lane.queue.push_back(&me);
    // Each waiter is woken alone (when its job has run, or when it leads the next batch): with
    // one shared condition every unlock would test, and often wake, every waiter.
    while (!me.done && (lane.leading || lane.queue.front() != &me)) me.wake.Wait(&mu_);
    if (me.done) {
      mu_.Unlock();
      return;
    }
    lane.leading = true;
    std::vector<Waiter*> taken;
    std::vector<Job*> batch;
    std::size_t bytes = 0;
    while (!lane.queue.empty() && batch.size() < limits_.max_jobs) {
      Waiter* next = lane.queue.front();
      std::size_t size = bytes_ ? bytes_(*next->job) : 0;
      if (!batch.empty() && (bytes >= limits_.max_bytes || size > limits_.max_bytes - bytes)) {
        break;
      }
      bytes += size;
      taken.push_back(next);
      batch.push_back(next->job);
      lane.queue.pop_front();
    }
    mu_.Unlock();
    try {
      run_(key, batch);
    } catch (...) {
      // The others' jobs did not all run, but the key must not stay led by no one: they are
      // let go with whatever outcome their jobs hold, and the exception goes on up.
      Finish(key, lane, taken, me);
      throw;
    }
    Finish(key, lane, taken, me);
  }

 private:
  struct Waiter {
    explicit Waiter(Job* j) : job(j) {}
    Job* job;
    bool done = false;
    absl::CondVar wake;
  };
  struct Lane {
    std::deque<Waiter*> queue;
    bool leading = false;
  };

  // Lets the waiters of a batch go and hands the key to the next one in its queue.
  void Finish(std::string_view key, Lane& lane, const std::vector<Waiter*>& taken,
              const Waiter& me) ABSL_LOCKS_EXCLUDED(mu_) {
    mu_.Lock();
    for (Waiter* w : taken) {
      w->done = true;
      if (w != &me) w->wake.Signal();
    }
    lane.leading = false;
    if (lane.queue.empty()) {
      lanes_.erase(std::string(key));
    } else {
      lane.queue.front()->wake.Signal();  // leads the next batch
    }
    mu_.Unlock();
  }

  const Limits limits_;
  const Bytes bytes_;
  const Run run_;
  absl::Mutex mu_;
  absl::node_hash_map<std::string, Lane> lanes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_BATCHER_H_
