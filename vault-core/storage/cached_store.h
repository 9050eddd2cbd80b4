#ifndef COFFER_VAULT_CORE_STORAGE_CACHED_STORE_H_
#define COFFER_VAULT_CORE_STORAGE_CACHED_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "vault-core/storage/storage.h"

namespace coffer::storage {

// A read-through cache of point reads in front of another Store: a hot secret's head and sealed
// version are read from memory instead of from SQLite (or etcd) on every request. It holds
// exactly what the store holds (sealed records, never plaintext), and forgets a key when this
// process writes it (before the write returns) or when the store's watch reports a change from
// elsewhere. Range reads and writes go straight through. Thread-safe.
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
      std::string_view prefix, std::function<void(const WatchEvent&)> on_event) override {
    return inner_.Watch(prefix, std::move(on_event));
  }
  absl::Status CheckHealth() override { return inner_.CheckHealth(); }

 private:
  CachedStore(Store& inner, std::size_t capacity) : inner_(inner), capacity_(capacity) {}
  void Forget(std::string_view key);

  Store& inner_;
  const std::size_t capacity_;
  absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  // Bumped by every write and change: a read that raced one is not cached.
  std::uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<WatchHandle> watch_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_CACHED_STORE_H_
