#ifndef COFFER_VAULT_CORE_STORAGE_CACHED_STORE_H_
#define COFFER_VAULT_CORE_STORAGE_CACHED_STORE_H_

#include <cstddef>
#include <memory>

#include "vault-core/storage/storage.h"
#include "vault-core/storage/watched_cache.h"

namespace coffer::storage {

// A read-through cache of point reads in front of another Store: a hot secret's head and sealed
// version are read from memory instead of from SQLite (or etcd) on every request, and so is the
// absence of a key (a name a write checks is free). It holds exactly what the store holds
// (sealed records, never plaintext), bounded like every WatchedCache, and forgets a key when this
// process writes it (before the write returns) or when the store's watch reports a change from
// elsewhere. Range reads and writes go straight through.
//
// Caches layered on top of it (WatchedCache in the services) watch through it: each of their
// watch events reaches them only after this cache has forgotten the key, so a service that
// reloads on a change never reads the old record back from here. Such a watch uses this cache,
// so its handle must be destroyed before the CachedStore is. Thread-safe.
class CachedStore : public Store {
 public:
  static absl::StatusOr<std::unique_ptr<CachedStore>> Create(Store& inner,
                                                             std::size_t capacity = 100000);

  absl::StatusOr<Entry> Get(std::string_view key) override;
  absl::StatusOr<Revision> Put(std::string_view key, std::string_view value,
                               std::optional<Revision> expected_revision) override;
  absl::StatusOr<Revision> Delete(std::string_view key,
                                  std::optional<Revision> expected_revision) override;
  absl::StatusOr<RangeResult> Range(const RangeRequest& request) override {
    return inner_.Range(request);
  }
  absl::StatusOr<Revision> Commit(const std::vector<Precondition>& preconditions,
                                  const std::vector<Write>& writes) override;
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(
      std::string_view prefix, std::function<void(const WatchEvent&)> on_event) override;
  absl::Status CheckHealth() override { return inner_.CheckHealth(); }

 private:
  CachedStore(Store& inner, std::unique_ptr<WatchedCache<Entry>> entries)
      : inner_(inner), entries_(std::move(entries)) {}

  Store& inner_;
  // Forgotten by key: by this store's writes, and by the watch below for changes from elsewhere.
  const std::unique_ptr<WatchedCache<Entry>> entries_;
  std::unique_ptr<WatchHandle> watch_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_CACHED_STORE_H_
