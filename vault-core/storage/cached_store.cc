#include "vault-core/storage/cached_store.h"

#include "lib/base/status.h"

namespace coffer::storage {

absl::StatusOr<std::unique_ptr<CachedStore>> CachedStore::Create(Store& inner,
                                                                 std::size_t capacity) {
  std::unique_ptr<CachedStore> store(new CachedStore(inner, capacity));
  CachedStore* self = store.get();
  COFFER_ASSIGN_OR_RETURN(
      store->watch_, inner.Watch("", [self](const WatchEvent& event) { self->Forget(event.key); }));
  return store;
}

void CachedStore::Forget(std::string_view key) {
  absl::MutexLock lock(&mu_);
  ++generation_;
  auto it = entries_.find(key);
  if (it != entries_.end()) entries_.erase(it);
}

absl::StatusOr<Entry> CachedStore::Get(std::string_view key) {
  std::uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) return it->second;
    generation = generation_;
  }
  COFFER_ASSIGN_OR_RETURN(Entry entry, inner_.Get(key));
  absl::MutexLock lock(&mu_);
  if (generation == generation_) {
    if (entries_.size() >= capacity_) entries_.clear();  // crude, but bounded and rare
    entries_.emplace(entry.key, entry);
  }
  return entry;
}

absl::StatusOr<Revision> CachedStore::Put(std::string_view key, std::string_view value,
                                          std::optional<Revision> expected_revision) {
  Forget(key);
  auto revision = inner_.Put(key, value, expected_revision);
  Forget(key);
  return revision;
}

absl::StatusOr<Revision> CachedStore::Delete(std::string_view key,
                                             std::optional<Revision> expected_revision) {
  Forget(key);
  auto revision = inner_.Delete(key, expected_revision);
  Forget(key);
  return revision;
}

absl::StatusOr<Revision> CachedStore::Commit(const std::vector<Precondition>& preconditions,
                                             const std::vector<Write>& writes) {
  for (const auto& w : writes) Forget(w.key);
  auto revision = inner_.Commit(preconditions, writes);
  for (const auto& w : writes) Forget(w.key);
  return revision;
}

}  // namespace coffer::storage
