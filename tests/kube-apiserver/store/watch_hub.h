#ifndef COFFER_TESTS_KUBE_APISERVER_STORE_WATCH_HUB_H_
#define COFFER_TESTS_KUBE_APISERVER_STORE_WATCH_HUB_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace coffer::kube::standin {

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK
  nlohmann::json object;
};

using WatchCallback = std::function<void(const WatchEvent&)>;
// Which events a watcher wants, given the event's resource.
using WatchFilter = std::function<bool(const std::string& resource, const WatchEvent& event)>;

// A bounded history of store events plus the live watchers. Events reach callbacks in resource
// version order, one at a time, on whichever thread drains the queue (usually the one that made
// the change) and never with a lock held, so a callback may call back into the store.
// Thread-safe.
class WatchHub {
 public:
  struct Recorded {
    uint64_t resource_version;
    std::string resource;
    WatchEvent event;
  };

  explicit WatchHub(size_t history_limit) : history_limit_(history_limit) {}

  // Records an event with the given resource version and queues it for matching watchers.
  void Publish(uint64_t resource_version, const std::string& resource, WatchEvent event);
  // Queues an event for matching watchers without recording it (bookmarks).
  void Broadcast(const std::string& resource, const WatchEvent& event);

  // Events after `from`, or nullopt when some of them were dropped from the history;
  // `compacted` then holds the newest dropped resource version.
  std::optional<std::vector<Recorded>> Since(uint64_t from, uint64_t* compacted) const;

  // Adds a watcher whose queue starts with `initial`. Returns its id.
  uint64_t Add(WatchFilter filter, WatchCallback callback, std::vector<WatchEvent> initial);
  // After Remove returns, the watcher's callback is not running (unless Remove is called from
  // inside that very callback) and will not run again.
  void Remove(uint64_t id);
  // Delivers queued events until none are left, unless another thread is already doing so.
  void Drain();

 private:
  struct Watcher {
    uint64_t id;
    WatchFilter filter;
    WatchCallback callback;
    std::deque<WatchEvent> queue;
  };
  void QueueLocked(const std::string& resource, const WatchEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t history_limit_;
  mutable absl::Mutex mu_;
  std::deque<Recorded> history_ ABSL_GUARDED_BY(mu_);
  uint64_t compacted_ ABSL_GUARDED_BY(mu_) = 0;
  std::list<std::shared_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  std::thread::id drain_thread_ ABSL_GUARDED_BY(mu_);
  uint64_t delivering_to_ ABSL_GUARDED_BY(mu_) = 0;  // watcher id whose callback runs, or 0
  absl::CondVar delivered_;
};

}  // namespace coffer::kube::standin

#endif  // COFFER_TESTS_KUBE_APISERVER_STORE_WATCH_HUB_H_
