#include "csi-driver/publish/object_cache.h"

namespace coffer::csi {

absl::StatusOr<vaultclient::FetchedObject> ObjectCache::Get(const std::string& key,
                                                            const Fetch& fetch) {
  std::shared_ptr<Entry> entry;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    if (now >= next_sweep_) {  // once per TTL, not on every read
      DropExpired(now);
      next_sweep_ = now + ttl_;
    }
    auto it = entries_.find(key);
    if (it != entries_.end() && !it->second->loading && it->second->expires <= now) {
      entries_.erase(it);  // expired, not yet swept
      it = entries_.end();
    }
    if (it != entries_.end()) {
      entry = it->second;
      // Another caller is fetching this key: wait for its answer, good or bad.
      mu_.Await(absl::Condition(
          +[](Entry* e) { return !e->loading; }, entry.get()));
      if (!entry->result.ok()) return entry->result.status();
      return vaultclient::FetchedObject{entry->result->version,
                                        SecretBytes(entry->result->value.reveal()),
                                        entry->result->content_type};
    }
    entry = std::make_shared<Entry>();
    entries_[key] = entry;
    ++fetches_;
  }
  absl::StatusOr<vaultclient::FetchedObject> result = fetch();
  absl::MutexLock lock(&mu_);
  entry->loading = false;
  entry->expires = clock_.Now() + ttl_;
  if (result.ok()) {
    entry->result = vaultclient::FetchedObject{result->version, SecretBytes(result->value.reveal()),
                                               result->content_type};
  } else {
    entry->result = result.status();
    // Waiters already hold the entry; later callers try again.
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second == entry) entries_.erase(it);
  }
  return result;
}

std::uint64_t ObjectCache::fetches() const {
  absl::MutexLock lock(&mu_);
  return fetches_;
}

void ObjectCache::DropExpired(absl::Time now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second->loading && it->second->expires <= now) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace coffer::csi
