#include "lib/kube/work_queue.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace coffer::kube {
namespace {

// Longest real-time nap of a Get() waiting for a delayed key, so that a clock that jumps is
// noticed without anyone calling ProcessDelayed().
constexpr absl::Duration kMaxNap = absl::Seconds(1);

}  // namespace

absl::Duration RateLimiter::When(const std::string& key) {
  int exponent = failures_[key]++;
  // 2^40 * any sane base is far beyond any sane max; stop before the arithmetic overflows.
  if (exponent >= 40) return max_;
  return std::min(base_ * static_cast<double>(int64_t{1} << exponent), max_);
}

int RateLimiter::NumRequeues(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

WorkQueue::WorkQueue(Clock& clock, RateLimiter limiter)
    : clock_(clock), limiter_(std::move(limiter)) {}

void WorkQueue::Add(const std::string& key) {
  absl::MutexLock lock(&mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || !dirty_.insert(key).second) return;
  if (processing_.count(key) == 0) queue_.push_back(key);
}

void WorkQueue::AddAfter(const std::string& key, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  AddAfterLocked(key, delay);
}

void WorkQueue::AddAfterLocked(const std::string& key, absl::Duration delay) {
  if (shutting_down_) return;
  if (delay <= absl::ZeroDuration()) {
    AddLocked(key);
    return;
  }
  absl::Time ready = clock_.Now() + delay;
  auto it = waiting_until_.find(key);
  if (it != waiting_until_.end()) {
    if (it->second <= ready) return;  // Already due sooner.
    waiting_.erase({it->second, key});
    it->second = ready;
  } else {
    waiting_until_.emplace(key, ready);
  }
  waiting_.emplace(ready, key);
}

void WorkQueue::AddRateLimited(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return;
  AddAfterLocked(key, limiter_.When(key));
}

void WorkQueue::Forget(const std::string& key) {
  absl::MutexLock lock(&mu_);
  limiter_.Forget(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return limiter_.NumRequeues(key);
}

bool WorkQueue::ReadyOrShutDown() const { return !queue_.empty() || shutting_down_; }

std::optional<std::string> WorkQueue::Get() {
  absl::MutexLock lock(&mu_);
  while (true) {
    ProcessDelayedLocked();
    if (!queue_.empty()) {
      std::string key = std::move(queue_.front());
      queue_.pop_front();
      dirty_.erase(key);
      processing_.insert(key);
      return key;
    }
    if (shutting_down_) return std::nullopt;
    absl::Condition ready(this, &WorkQueue::ReadyOrShutDown);
    if (waiting_.empty()) {
      mu_.Await(ready);
    } else {
      absl::Duration until_due = waiting_.begin()->first - clock_.Now();
      mu_.AwaitWithTimeout(ready, std::clamp(until_due, absl::Milliseconds(1), kMaxNap));
    }
  }
}

void WorkQueue::Done(const std::string& key) {
  absl::MutexLock lock(&mu_);
  processing_.erase(key);
  if (dirty_.count(key) != 0) queue_.push_back(key);
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  waiting_.clear();
  waiting_until_.clear();
}

bool WorkQueue::ShuttingDown() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

void WorkQueue::ProcessDelayed() {
  absl::MutexLock lock(&mu_);
  ProcessDelayedLocked();
}

void WorkQueue::ProcessDelayedLocked() {
  absl::Time now = clock_.Now();
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    std::string key = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    waiting_until_.erase(key);
    AddLocked(key);
  }
}

size_t WorkQueue::Len() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

}  // namespace coffer::kube
