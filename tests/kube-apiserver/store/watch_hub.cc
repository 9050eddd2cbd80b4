#include "tests/kube-apiserver/store/watch_hub.h"

#include <utility>

namespace coffer::kube::standin {

void WatchHub::QueueLocked(const std::string& resource, const WatchEvent& event) {
  for (const std::shared_ptr<Watcher>& w : watchers_) {
    if (w->filter(resource, event)) w->queue.push_back(event);
  }
}

void WatchHub::Publish(uint64_t resource_version, const std::string& resource, WatchEvent event) {
  absl::MutexLock lock(&mu_);
  QueueLocked(resource, event);
  history_.push_back({resource_version, resource, std::move(event)});
  while (history_.size() > history_limit_) {
    compacted_ = history_.front().resource_version;
    history_.pop_front();
  }
}

void WatchHub::Broadcast(const std::string& resource, const WatchEvent& event) {
  absl::MutexLock lock(&mu_);
  QueueLocked(resource, event);
}

std::optional<std::vector<WatchHub::Recorded>> WatchHub::Since(uint64_t from,
                                                               uint64_t* compacted) const {
  absl::MutexLock lock(&mu_);
  *compacted = compacted_;
  if (from < compacted_) return std::nullopt;
  std::vector<Recorded> out;
  for (const Recorded& r : history_) {
    if (r.resource_version > from) out.push_back(r);
  }
  return out;
}

uint64_t WatchHub::Add(WatchFilter filter, WatchCallback callback,
                       std::vector<WatchEvent> initial) {
  absl::MutexLock lock(&mu_);
  auto w = std::make_shared<Watcher>();
  w->id = next_id_++;
  w->filter = std::move(filter);
  w->callback = std::move(callback);
  for (WatchEvent& e : initial) w->queue.push_back(std::move(e));
  watchers_.push_back(w);
  return w->id;
}

void WatchHub::Remove(uint64_t id) {
  absl::MutexLock lock(&mu_);
  watchers_.remove_if([id](const std::shared_ptr<Watcher>& w) { return w->id == id; });
  if (draining_ && drain_thread_ == std::this_thread::get_id()) return;
  while (delivering_to_ == id) delivered_.Wait(&mu_);
}

void WatchHub::Drain() {
  absl::MutexLock lock(&mu_);
  if (draining_) return;
  draining_ = true;
  drain_thread_ = std::this_thread::get_id();
  for (;;) {
    std::shared_ptr<Watcher> next;
    for (const std::shared_ptr<Watcher>& w : watchers_) {
      if (!w->queue.empty()) {
        next = w;
        break;
      }
    }
    if (next == nullptr) break;
    WatchEvent event = std::move(next->queue.front());
    next->queue.pop_front();
    delivering_to_ = next->id;
    mu_.Unlock();
    next->callback(event);
    mu_.Lock();
    delivering_to_ = 0;
    delivered_.SignalAll();
  }
  draining_ = false;
}

}  // namespace coffer::kube::standin
