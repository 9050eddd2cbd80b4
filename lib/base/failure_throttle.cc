#include "lib/base/failure_throttle.h"

#include <algorithm>

namespace coffer {

absl::Time FailureThrottle::Capped(absl::Time full, absl::Time now) const {
  return std::min(full, now + std::max(options_.burst, 1) * options_.refill);
}

absl::Duration FailureThrottle::WaitFor(absl::Time full, absl::Time now) const {
  // `burst` failures fill the bucket's debt up to burst * refill; one attempt more is allowed
  // while the debt is at most (burst - 1) * refill.
  const absl::Duration allowed = (std::max(options_.burst, 1) - 1) * options_.refill;
  return std::max(full - now - allowed, absl::ZeroDuration());
}

absl::Duration FailureThrottle::Wait(std::string_view key) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = full_at_.find(std::string(key));
  if (it == full_at_.end()) return absl::ZeroDuration();
  it->second = Capped(it->second, now);
  return WaitFor(it->second, now);
}

bool FailureThrottle::Failed(std::string_view key) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = full_at_.find(std::string(key));
  if (it == full_at_.end()) {
    if (options_.max_keys == 0) return false;
    if (full_at_.size() >= options_.max_keys) MakeRoom(now);
    it = full_at_.emplace(std::string(key), now).first;
  }
  it->second = Capped(it->second, now);
  const bool was_free = WaitFor(it->second, now) == absl::ZeroDuration();
  it->second = std::max(it->second, now) + options_.refill;
  return was_free && WaitFor(it->second, now) > absl::ZeroDuration();
}

std::size_t FailureThrottle::size() const {
  absl::MutexLock lock(&mu_);
  return full_at_.size();
}

void FailureThrottle::MakeRoom(absl::Time now) {
  // Keys whose bucket is full again carry nothing; sweeping for them is a pass over the whole
  // table, so at most once a refill period. Between sweeps, or when nothing was owed, an
  // arbitrary key goes.
  if (now - last_sweep_ >= options_.refill || now < last_sweep_) {
    last_sweep_ = now;
    for (auto it = full_at_.begin(); it != full_at_.end();) {
      it = it->second <= now ? full_at_.erase(it) : std::next(it);
    }
  }
  if (full_at_.size() >= options_.max_keys) full_at_.erase(full_at_.begin());
}

}  // namespace coffer
