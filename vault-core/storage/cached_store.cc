#include "vault-core/storage/cached_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"

namespace coffer::storage {
namespace {

void Forget(WatchedCache<Entry>& cache, const WatchEvent& event) {
  if (event.kind == WatchEvent::Kind::kReset) {
    cache.Clear();
    return;
  }
  // The report of a write this process has already kept (or of an older one) changes nothing.
  const Revision revision = event.revision;
  cache.InvalidateUnless(event.key, [revision](const Entry& kept) {
    return kept.revision != kMustNotExist && kept.revision >= revision;
  });
}

std::shared_ptr<const Entry> Kept(std::string_view key, std::string_view value,
                                  Revision revision) {
  return std::make_shared<const Entry>(Entry{std::string(key), std::string(value), revision});
}

// Whether a kept entry is older than a write at `revision` (absence always is).
std::function<bool(const Entry&)> OlderThan(Revision revision) {
  return [revision](const Entry& kept) {
    return kept.revision == kMustNotExist || kept.revision < revision;
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<CachedStore>> CachedStore::Create(Store& inner,
                                                                 std::size_t capacity) {
  COFFER_ASSIGN_OR_RETURN(auto entries, WatchedCache<Entry>::Create(inner, {}, capacity));
  std::unique_ptr<CachedStore> store(new CachedStore(inner, std::move(entries)));
  WatchedCache<Entry>* cache = store->entries_.get();
  COFFER_ASSIGN_OR_RETURN(store->watch_, inner.Watch("", [cache](const WatchEvent& event) {
    Forget(*cache, event);
  }));
  return store;
}

absl::StatusOr<Entry> CachedStore::Get(std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const Entry> entry,
                          entries_->Get(key, [&]() -> absl::StatusOr<std::shared_ptr<const Entry>> {
                            auto read = inner_.Get(key);
                            // Absence is kept too (as revision kMustNotExist): a write checks
                            // that names are free, and over etcd each such check would be a
                            // round trip through the cluster's leader.
                            if (absl::IsNotFound(read.status())) {
                              return std::make_shared<const Entry>(
                                  Entry{std::string(key), "", kMustNotExist});
                            }
                            if (!read.ok()) return read.status();
                            return std::make_shared<const Entry>(*std::move(read));
                          }));
  if (entry->revision == kMustNotExist) {
    return absl::NotFoundError(absl::StrCat("no such key: ", AsAbsl(key)));
  }
  return *entry;
}

absl::StatusOr<std::unique_ptr<WatchHandle>> CachedStore::Watch(
    std::string_view prefix, std::function<void(const WatchEvent&)> on_event) {
  WatchedCache<Entry>* cache = entries_.get();
  return inner_.Watch(prefix, [cache, on_event = std::move(on_event)](const WatchEvent& event) {
    Forget(*cache, event);  // before the watcher reloads anything through this store
    on_event(event);
  });
}

absl::StatusOr<Revision> CachedStore::Put(std::string_view key, std::string_view value,
                                          std::optional<Revision> expected_revision) {
  // What is kept stays readable while the write is on its way (it is still the truth until
  // the write is acknowledged); the write replaces it after, or it is forgotten.
  std::uint64_t generation = entries_->generation();
  auto revision = inner_.Put(key, value, expected_revision);
  if (!revision.ok() ||
      !entries_->Offer(key, Kept(key, value, *revision), &generation, OlderThan(*revision))) {
    entries_->Invalidate(key);  // a read that raced the write may have kept the old value
  }
  return revision;
}

absl::StatusOr<Revision> CachedStore::Delete(std::string_view key,
                                             std::optional<Revision> expected_revision) {
  entries_->Invalidate(key);
  auto revision = inner_.Delete(key, expected_revision);
  entries_->Invalidate(key);
  return revision;
}

absl::StatusOr<Revision> CachedStore::Commit(const std::vector<Precondition>& preconditions,
                                             const std::vector<Write>& writes) {
  std::uint64_t generation = entries_->generation();
  auto revision = inner_.Commit(preconditions, writes);
  // What was written is kept, so the writer's next read (a new version over this head) comes
  // from memory. A key written twice in one transaction is only forgotten.
  std::map<std::string_view, int> writes_of;
  for (const auto& w : writes) ++writes_of[w.key];
  for (const auto& w : writes) {
    const bool keep = revision.ok() && w.kind == Write::Kind::kPut && writes_of[w.key] == 1;
    if (!keep || !entries_->Offer(w.key, Kept(w.key, w.value, *revision), &generation,
                                  OlderThan(*revision))) {
      entries_->Invalidate(w.key);
    }
  }
  // A compare that failed may have been made against what is kept here (another replica's
  // write not reported yet): the caller's retry must read the store.
  if (absl::IsAborted(revision.status())) {
    for (const auto& p : preconditions) entries_->Invalidate(p.key);
  }
  return revision;
}

}  // namespace coffer::storage
