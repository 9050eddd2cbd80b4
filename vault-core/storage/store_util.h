#ifndef COFFER_VAULT_CORE_STORAGE_STORE_UTIL_H_
#define COFFER_VAULT_CORE_STORAGE_STORE_UTIL_H_

// Pieces shared by Store implementations.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "vault-core/storage/storage.h"

namespace coffer::storage {

absl::Status ValidateKey(std::string_view key);

// Checks the writes of a transaction (keys valid, at least one write).
absl::Status ValidateWrites(const std::vector<Precondition>& preconditions,
                            const std::vector<Write>& writes);

// The ABORTED status for a failed compare.
absl::Status RevisionMismatch(std::string_view key, Revision expected, Revision actual);

// Where a range starts: the continuation (exclusive) or the prefix (inclusive). INVALID_ARGUMENT
// for a continuation that does not belong to the prefix.
absl::Status CheckContinuation(const RangeRequest& request);

// The key just after `key` in byte order, for exclusive starts.
inline std::string Successor(std::string_view key) {
  std::string next(key);
  next.push_back('\0');
  return next;
}

// Put / Delete written in terms of Get + Commit, for stores whose primitive is the transaction.
absl::StatusOr<Revision> PutViaCommit(Store& store, std::string_view key, std::string_view value,
                                      std::optional<Revision> expected_revision);
absl::StatusOr<Revision> DeleteViaCommit(Store& store, std::string_view key,
                                         std::optional<Revision> expected_revision);

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_STORE_UTIL_H_
