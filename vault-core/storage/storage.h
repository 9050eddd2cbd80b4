#ifndef COFFER_VAULT_CORE_STORAGE_STORAGE_H_
#define COFFER_VAULT_CORE_STORAGE_STORAGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace coffer::storage {

// Every committed change advances the store's revision by one; an entry remembers the revision
// that last wrote it (etcd's mod_revision), which is what optimistic concurrency compares.
using Revision = std::int64_t;

// Expected revision meaning "the key must not exist yet".
inline constexpr Revision kMustNotExist = 0;

struct Entry {
  std::string key;
  std::string value;
  Revision revision = 0;
};

struct RangeRequest {
  std::string prefix;
  // Opaque; from a previous RangeResult. Empty starts at the first key of the prefix.
  std::string continuation;
  std::size_t limit = 1000;  // 0 means no limit
};

struct RangeResult {
  std::vector<Entry> entries;  // in key order
  std::string continuation;    // empty when there is nothing more
};

// A compare that a transaction checks before it writes.
struct Precondition {
  std::string key;
  Revision expected_revision = kMustNotExist;
};

struct Write {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // kPut only

  static Write Put(std::string key, std::string value) {
    return Write{Kind::kPut, std::move(key), std::move(value)};
  }
  static Write Delete(std::string key) { return Write{Kind::kDelete, std::move(key), {}}; }
};

struct WatchEvent {
  // kReset: changes under the watched prefix (`key`) may have been missed, or may arrive late
  // (a backend's watch stream broke, or the history it needed was compacted): forget everything
  // derived from it. Stores in this process never send it.
  enum class Kind { kPut, kDelete, kReset };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // kPut only
  Revision revision = 0;
};

// Ends a watch when destroyed. Destruction waits for a callback that is running (unless it is
// called from inside that callback), and after it the callback is not called again: an owner
// may free what its callback touches right after destroying the handle.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

// The vault's key-value store: keys and values are bytes; keys sort bytewise.
//
// Thread-safe. Every successful write is durable when the call returns. Errors:
//  NOT_FOUND          the key does not exist (Get, Delete)
//  ABORTED            an expected revision did not match: re-read and retry
//  INVALID_ARGUMENT   empty key, bad continuation token
//  UNAVAILABLE        the backend cannot be reached now: back off and retry
//  DATA_LOSS          the backend's files are corrupt
class Store {
 public:
  virtual ~Store() = default;

  virtual absl::StatusOr<Entry> Get(std::string_view key) = 0;

  // Writes `value`. With `expected_revision`, only if the key's revision equals it
  // (kMustNotExist: only if the key is absent). Returns the new revision.
  virtual absl::StatusOr<Revision> Put(std::string_view key, std::string_view value,
                                       std::optional<Revision> expected_revision) = 0;

  // Deletes the key; with `expected_revision`, only if it still has that revision.
  virtual absl::StatusOr<Revision> Delete(std::string_view key,
                                          std::optional<Revision> expected_revision) = 0;

  // Keys starting with `prefix`, in order, at most `limit` at a time.
  virtual absl::StatusOr<RangeResult> Range(const RangeRequest& request) = 0;

  // Checks every precondition, then applies every write, all or nothing. A delete of a missing
  // key is not an error inside a transaction. Returns the new revision.
  virtual absl::StatusOr<Revision> Commit(const std::vector<Precondition>& preconditions,
                                          const std::vector<Write>& writes) = 0;

  // Calls `on_event` for every change under `prefix` committed after Watch returns, in commit
  // order, on a thread owned by the store (never inside a caller's write).
  virtual absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(
      std::string_view prefix, std::function<void(const WatchEvent&)> on_event) = 0;

  // OK when the store answers; for /readyz.
  virtual absl::Status CheckHealth() = 0;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_STORAGE_H_
