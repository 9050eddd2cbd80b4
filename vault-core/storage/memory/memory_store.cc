#include "vault-core/storage/memory/memory_store.h"

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/storage/store_util.h"

namespace coffer::storage {

absl::StatusOr<Entry> MemoryStore::Get(std::string_view key) {
  COFFER_RETURN_IF_ERROR(ValidateKey(key));
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("no such key: ", AsAbsl(key)));
  }
  return it->second;
}

absl::StatusOr<Revision> MemoryStore::Put(std::string_view key, std::string_view value,
                                          std::optional<Revision> expected_revision) {
  return PutViaCommit(*this, key, value, expected_revision);
}

absl::StatusOr<Revision> MemoryStore::Delete(std::string_view key,
                                             std::optional<Revision> expected_revision) {
  return DeleteViaCommit(*this, key, expected_revision);
}

absl::StatusOr<RangeResult> MemoryStore::Range(const RangeRequest& request) {
  COFFER_RETURN_IF_ERROR(CheckContinuation(request));
  absl::MutexLock lock(&mu_);
  auto it = request.continuation.empty() ? entries_.lower_bound(request.prefix)
                                         : entries_.upper_bound(request.continuation);
  RangeResult result;
  for (; it != entries_.end(); ++it) {
    if (it->first.compare(0, request.prefix.size(), request.prefix) != 0) break;
    if (request.limit != 0 && result.entries.size() == request.limit) {
      result.continuation = result.entries.back().key;
      break;
    }
    result.entries.push_back(it->second);
  }
  return result;
}

absl::StatusOr<Revision> MemoryStore::Commit(const std::vector<Precondition>& preconditions,
                                             const std::vector<Write>& writes) {
  COFFER_RETURN_IF_ERROR(ValidateWrites(preconditions, writes));
  std::vector<WatchEvent> events;
  Revision revision;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& p : preconditions) {
      auto it = entries_.find(p.key);
      Revision actual = it == entries_.end() ? kMustNotExist : it->second.revision;
      if (actual != p.expected_revision) {
        return RevisionMismatch(p.key, p.expected_revision, actual);
      }
    }
    revision = ++revision_;
    for (const auto& w : writes) {
      if (w.kind == Write::Kind::kPut) {
        entries_[w.key] = Entry{w.key, w.value, revision};
        events.push_back(WatchEvent{WatchEvent::Kind::kPut, w.key, w.value, revision});
      } else if (entries_.erase(w.key) > 0) {
        events.push_back(WatchEvent{WatchEvent::Kind::kDelete, w.key, {}, revision});
      }
    }
    // Published under the lock so that watchers see commits in revision order.
    hub_.Publish(std::move(events));
  }
  return revision;
}

absl::StatusOr<std::unique_ptr<WatchHandle>> MemoryStore::Watch(
    std::string_view prefix, std::function<void(const WatchEvent&)> on_event) {
  return hub_.Subscribe(std::string(prefix), std::move(on_event));
}

}  // namespace coffer::storage
