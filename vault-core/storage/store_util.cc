#include "vault-core/storage/store_util.h"

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"

namespace coffer::storage {

absl::Status ValidateKey(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("storage key must not be empty");
  return absl::OkStatus();
}

absl::Status ValidateWrites(const std::vector<Precondition>& preconditions,
                            const std::vector<Write>& writes) {
  if (writes.empty()) return absl::InvalidArgumentError("transaction has no writes");
  for (const auto& p : preconditions) COFFER_RETURN_IF_ERROR(ValidateKey(p.key));
  for (const auto& w : writes) COFFER_RETURN_IF_ERROR(ValidateKey(w.key));
  return absl::OkStatus();
}

absl::Status RevisionMismatch(std::string_view key, Revision expected, Revision actual) {
  if (expected == kMustNotExist) {
    return absl::AbortedError(absl::StrCat("key already exists: ", AsAbsl(key)));
  }
  return absl::AbortedError(absl::StrCat("key ", AsAbsl(key), " is at revision ", actual,
                                         ", expected ", expected));
}

absl::Status CheckContinuation(const RangeRequest& request) {
  if (!request.continuation.empty() &&
      request.continuation.compare(0, request.prefix.size(), request.prefix) != 0) {
    return absl::InvalidArgumentError("continuation token does not belong to this prefix");
  }
  return absl::OkStatus();
}

absl::StatusOr<Revision> PutViaCommit(Store& store, std::string_view key, std::string_view value,
                                      std::optional<Revision> expected_revision) {
  std::vector<Precondition> preconditions;
  if (expected_revision.has_value()) {
    preconditions.push_back(Precondition{std::string(key), *expected_revision});
  }
  return store.Commit(preconditions, {Write::Put(std::string(key), std::string(value))});
}

absl::StatusOr<Revision> DeleteViaCommit(Store& store, std::string_view key,
                                         std::optional<Revision> expected_revision) {
  Revision expected = 0;
  if (expected_revision.has_value()) {
    expected = *expected_revision;
  } else {
    COFFER_ASSIGN_OR_RETURN(Entry current, store.Get(key));
    expected = current.revision;
  }
  if (expected == kMustNotExist) {
    return absl::InvalidArgumentError("delete needs an existing revision to compare");
  }
  auto revision =
      store.Commit({Precondition{std::string(key), expected}}, {Write::Delete(std::string(key))});
  // Without an expected revision the caller only cares that the key is gone.
  if (!expected_revision.has_value() && absl::IsAborted(revision.status())) {
    return DeleteViaCommit(store, key, std::nullopt);
  }
  return revision;
}

}  // namespace coffer::storage
