#include "lib/base/recent_keys.h"

namespace coffer {

void RecentKeys::Touch(std::string_view key) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = expires_.find(std::string(key));
  if (it == expires_.end()) {
    if (capacity_ == 0) return;
    if (expires_.size() >= capacity_) {
      // A pass over the whole table, so at most once a minute; between passes, or when
      // nothing had expired, an arbitrary key goes.
      if (now - last_sweep_ >= absl::Minutes(1) || now < last_sweep_) {
        last_sweep_ = now;
        for (auto e = expires_.begin(); e != expires_.end();) {
          e = e->second <= now ? expires_.erase(e) : std::next(e);
        }
      }
      if (expires_.size() >= capacity_) expires_.erase(expires_.begin());
    }
    it = expires_.emplace(std::string(key), now).first;
  }
  it->second = now + ttl_;
}

bool RecentKeys::Contains(std::string_view key) const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = expires_.find(std::string(key));
  // Never longer than the ttl from now: a clock stepped back does not stretch it.
  return it != expires_.end() && it->second > now && it->second <= now + ttl_;
}

std::size_t RecentKeys::size() const {
  absl::MutexLock lock(&mu_);
  return expires_.size();
}

}  // namespace coffer
