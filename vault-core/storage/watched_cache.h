#ifndef COFFER_VAULT_CORE_STORAGE_WATCHED_CACHE_H_
#define COFFER_VAULT_CORE_STORAGE_WATCHED_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/status.h"
#include "vault-core/storage/storage.h"

namespace coffer::storage {

// Values derived from store contents (a parsed record, a vault's policy set), kept in memory
// and forgotten when the store changes under the watched prefixes: at once when this process's
// writer calls Invalidate after its commit, and when the store's watch reports a change made
// elsewhere (another replica).
//
// The rule that keeps it correct: every invalidation bumps a generation, and a value loaded
// while the generation moved is handed to its caller but not kept, so a load that raced a
// change never leaves the value from before it behind. Errors (NOT_FOUND included) are never
// kept, so keys an outsider makes up cannot fill it (CachedStore keeps absence as a value of its
// own, knowingly: see there). Bounded by `capacity` entries (all are
// dropped when it is reached: crude, rare, and never stale). Thread-safe.
template <typename Value>
class WatchedCache {
 public:
  using Loader = std::function<absl::StatusOr<std::shared_ptr<const Value>>()>;

  // Watches each of `prefixes` ("" for all) for as long as the cache lives, forgetting
  // everything on a change. No prefixes: the owner invalidates by key (CachedStore).
  static absl::StatusOr<std::unique_ptr<WatchedCache>> Create(
      Store& store, const std::vector<std::string>& prefixes, std::size_t capacity = 100000) {
    std::unique_ptr<WatchedCache> cache(new WatchedCache(capacity));
    WatchedCache* self = cache.get();
    for (const std::string& prefix : prefixes) {
      COFFER_ASSIGN_OR_RETURN(auto watch,
                              store.Watch(prefix, [self](const WatchEvent&) { self->Clear(); }));
      cache->watches_.push_back(std::move(watch));
    }
    return cache;
  }

  // The kept value for `key`, else what `load` returns (kept unless an invalidation ran
  // meanwhile). `load` runs without the lock held; concurrent misses may both load.
  absl::StatusOr<std::shared_ptr<const Value>> Get(std::string_view key, const Loader& load) {
    std::uint64_t generation;
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(key);
      if (it != entries_.end()) return it->second;
      generation = generation_;
    }
    COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const Value> value, load());
    absl::MutexLock lock(&mu_);
    if (generation == generation_) {
      if (entries_.size() >= capacity_) {
        entries_.clear();
        ++generation_;  // what was forgotten may have been newer than a load in flight
      }
      entries_.emplace(std::string(key), value);
    }
    return value;
  }

  // The current generation, for Offer.
  std::uint64_t generation() {
    absl::MutexLock lock(&mu_);
    return generation_;
  }

  // Keeps `value` for `key` (what this process just wrote) unless an invalidation ran since
  // `*generation` was read (a newer change may already have been reported and passed by) or
  // the value kept now is one `older` does not call older than `value` (a read of a newer one
  // got there first). On success `*generation` becomes the generation after this, for a
  // following Offer. Returns whether it kept it; when not, the caller must Invalidate(key).
  bool Offer(std::string_view key, std::shared_ptr<const Value> value, std::uint64_t* generation,
             const std::function<bool(const Value&)>& older) {
    absl::MutexLock lock(&mu_);
    if (*generation != generation_) return false;
    auto it = entries_.find(key);
    if (it != entries_.end() && !older(*it->second)) return false;
    *generation = ++generation_;  // a load that began before this write must not replace it
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.insert_or_assign(std::string(key), std::move(value));
    return true;
  }

  // Forgets `key` unless `current` says its kept value is already up to date (then nothing
  // changes: a load of `key` cannot be in flight while it is kept, and an Offer of an older
  // value is refused by its `older` check); otherwise as Invalidate.
  void InvalidateUnless(std::string_view key, const std::function<bool(const Value&)>& current) {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && current(*it->second)) return;
    ++generation_;
    if (it != entries_.end()) entries_.erase(it);
  }

  // Forgets `key`; a load of any key in flight is not kept.
  void Invalidate(std::string_view key) {
    absl::MutexLock lock(&mu_);
    ++generation_;
    auto it = entries_.find(key);
    if (it != entries_.end()) entries_.erase(it);
  }

  // Forgets everything; a load in flight is not kept.
  void Clear() {
    absl::MutexLock lock(&mu_);
    ++generation_;
    entries_.clear();
  }

 private:
  explicit WatchedCache(std::size_t capacity) : capacity_(capacity) {}

  const std::size_t capacity_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const Value>, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  std::uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Last: destroyed first, so no watch callback runs into a half-destroyed cache.
  std::vector<std::unique_ptr<WatchHandle>> watches_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_WATCHED_CACHE_H_
