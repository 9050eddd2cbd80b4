#include "vault-core/server/installation.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "vault-core/crypto/random.h"

namespace coffer::server {
namespace {

constexpr const char kTenant[] = "installation/tenant";
constexpr const char kMasterKey[] = "installation/master-key";
// Written by the replicas' election (which starts once a replica is bound; a leftover of an
// earlier start may be there).
constexpr const char kElection[] = "leader/";

absl::Status WrongMasterKey(std::string_view installed, std::string_view held) {
  return absl::FailedPreconditionError(absl::StrCat(
      "this store holds an installation whose master key is ", std::string(installed),
      ", but this replica's HSM holds ", std::string(held),
      ": a replica joins an installation through the key ceremony (coffer hsm transport-key, "
      "export, import; docs/operations.md), or point it at its own storage prefix or file"));
}

// True when nothing but election keys is stored.
absl::StatusOr<bool> Empty(storage::Store& store) {
  COFFER_ASSIGN_OR_RETURN(storage::RangeResult some, store.Range({"", "", 10}));
  for (const storage::Entry& entry : some.entries) {
    if (!absl::StartsWith(entry.key, kElection)) return false;
  }
  return some.continuation.empty() || some.entries.empty();
}

}  // namespace

absl::StatusOr<std::string> BindInstallation(storage::Store& store,
                                             std::string_view master_key_id) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto tenant = store.Get(kTenant);
    if (tenant.ok()) {
      auto installed = store.Get(kMasterKey);
      if (installed.ok()) {
        if (installed->value != master_key_id) {
          return WrongMasterKey(installed->value, master_key_id);
        }
        return tenant->value;
      }
      if (!absl::IsNotFound(installed.status())) return installed.status();
      // Made before installations named their master key: this replica's HSM is the one whose
      // key wrapped its data keys (they name it), so record it.
      auto recorded = store.Put(kMasterKey, master_key_id, storage::kMustNotExist);
      if (recorded.ok()) return tenant->value;
      if (!absl::IsAborted(recorded.status())) return recorded.status();
      continue;  // another replica recorded one meanwhile: compare with it
    }
    if (!absl::IsNotFound(tenant.status())) return tenant.status();
    COFFER_ASSIGN_OR_RETURN(bool empty, Empty(store));
    if (!empty) {
      return absl::FailedPreconditionError(
          "this store holds data but no Coffer installation: refusing to write into it (give "
          "this installation a storage prefix or file of its own)");
    }
    std::string created = crypto::RandomUuid();
    auto committed = store.Commit(
        {storage::Precondition{kTenant, storage::kMustNotExist}},
        {storage::Write::Put(kTenant, created),
         storage::Write::Put(kMasterKey, std::string(master_key_id))});
    if (committed.ok()) return created;
    if (!absl::IsAborted(committed.status())) return committed.status();
    // Another replica created it first: bind to theirs.
  }
  return absl::UnavailableError("the installation record keeps changing; try again");
}

}  // namespace coffer::server
