#ifndef COFFER_VAULT_CORE_SERVICE_VERSIONED_OBJECTS_H_
#define COFFER_VAULT_CORE_SERVICE_VERSIONED_OBJECTS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/batcher.h"
#include "lib/base/clock.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/errors.h"
#include "vault-core/domain/vault.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/service/page.h"
#include "vault-core/storage/storage.h"

namespace coffer::storage::v1 {
class SecretHeadRecord;
}

namespace coffer::service {

// One kind of versioned vault object and where it lives:
//   v/<vault id>/<collection>/<name>                 head (SecretHeadRecord shape, in clear)
//   v/<vault id>/<deleted_collection>/<name>         head of a soft-deleted object
//   v/<vault id>/<versions_collection>/<name>/<ver>  the version's record, sealed, bound to
//                                                    "<collection>/<name>" and the version
//   v/<vault id>/<companion_collection>/<name>       optional: the caller's record about the
//                                                    object (a key's rotation policy), in clear,
//                                                    purged with it
struct ObjectKind {
  const char* collection;           // "keys"
  const char* deleted_collection;   // "deletedkeys"
  const char* versions_collection;  // "keyversions"
  const char* title;                // "Key": used in error messages
  const char* companion_collection = nullptr;  // "keypolicies"
  // Kinds whose objects a certificate may own: the inner error code with which a client's own
  // write, delete, recover, purge or backup of such an object is refused, and where the owners'
  // heads are (a name a certificate holds, live or deleted, is not the client's to take).
  const char* managed_reason = nullptr;
  const char* owner_collection = nullptr;          // "certificates"
  const char* owner_deleted_collection = nullptr;  // "deletedcertificates"
};

inline constexpr ObjectKind kSecretObjects{
    "secrets", "deletedsecrets",       "secretversions",     "Secret", nullptr,
    domain::reason::kSecretManagedByKeyVault, "certificates", "deletedcertificates"};
inline constexpr ObjectKind kKeyObjects{
    "keys",        "deletedkeys",  "keyversions", "Key", "keypolicies",
    domain::reason::kKeyManagedByKeyVault, "certificates", "deletedcertificates"};
// A certificate's companion record is its policy and pending operation.
inline constexpr ObjectKind kCertificateObjects{"certificates", "deletedcertificates",
                                                "certificateversions", "Certificate",
                                                "certificatepolicies"};

// Preconditions and writes gathered for one commit: a certificate's version is committed with
// its key's and its secret's, so no reader ever sees one without the others.
struct CommitPlan {
  std::vector<storage::Precondition> preconditions;
  std::vector<storage::Write> writes;
};

// One version as stored: its opened record (a serialized proto, in zeroing memory) and what a
// later conditional write needs.
struct StoredVersion {
  std::string name;  // as first written
  std::string version;
  SecretBytes record;
  storage::Revision version_revision = 0;
  storage::Revision head_revision = 0;
  // Set for a soft-deleted object's latest version.
  std::optional<absl::Time> deleted;
  absl::Time scheduled_purge;
  bool managed = false;  // a certificate's key or secret
};

// Azure's object life cycle, once for every kind: versions with a latest, soft delete with the
// vault's retention, recover, purge, and the raw material of backup and restore. What a record
// holds is the caller's business; this seals and opens it. Callers have authorised the call.
// Thread-safe. Errors: NOT_FOUND (Azure's wording for the kind), INVALID_ARGUMENT (bad name or
// version), ALREADY_EXISTS with reason ObjectIsDeletedButRecoverable (the name is
// soft-deleted) or plain (restore onto a live name), FAILED_PRECONDITION with reason
// PurgeProtected, ABORTED (Replace lost a race: reload and retry), DATA_LOSS, UNAVAILABLE, and
// PERMISSION_DENIED with the kind's managed_reason when a client's call would change (or back
// up) an object a certificate owns; only the Plan calls below change those.
class VersionedObjects {
 public:
  VersionedObjects(storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
                   ObjectKind kind)
      : store_(store),
        keys_(keys),
        clock_(clock),
        kind_(kind),
        // Sized so that a batch stays well inside etcd's default limits on one transaction
        // (128 operations, 1.5 MiB).
        adds_({64, 256 * 1024}, [](const PendingAdd& add) { return AddBytes(add); },
              [this](std::string_view, const std::vector<PendingAdd*>& batch) {
                RunAdds(batch);
              }) {}

  const ObjectKind& kind() const { return kind_; }

  // `version` empty: the latest.
  absl::StatusOr<StoredVersion> Get(const domain::Vault& vault, std::string_view name,
                                    std::string_view version);
  // The latest version's name, id, head revision and managed mark, from the head alone: no
  // record is read or opened. NOT_FOUND as Get.
  absl::StatusOr<StoredVersion> Latest(const domain::Vault& vault, std::string_view name);
  // ALREADY_EXISTS (ObjectIsDeletedButRecoverable) when the name is soft-deleted: for callers
  // that check before costly work (Add checks again).
  absl::Status CheckNotDeleted(const domain::Vault& vault, std::string_view name);
  // CheckNotDeleted, and that a client may write the name (no certificate owns it): for callers
  // that check before costly work (Add checks again). `operation` names the refused call.
  absl::Status CheckWritable(const domain::Vault& vault, std::string_view name,
                             const char* operation);
  // A condition on Add: the head must still be at `head_revision` (else ABORTED, not retried),
  // and `preconditions` hold; `writes` commit with the version.
  struct AddCondition {
    storage::Revision head_revision = 0;
    std::vector<storage::Precondition> preconditions;
    std::vector<storage::Write> writes;
  };
  // Adds a version, which becomes the latest; `record` is sealed with its new version id.
  // Returns the new version (its name and id; `record` left empty). Without a condition a lost
  // race is retried, and the versions that other threads add to the same object meanwhile
  // are committed with it: the latest is then the last of them, and `head_revision` that of
  // the common commit.
  absl::StatusOr<StoredVersion> Add(const domain::Vault& vault, std::string_view name,
                                    const SecretBytes& record,
                                    const AddCondition* condition = nullptr);
  // Rewrites a version got by Get, if neither it nor its head changed since (else ABORTED).
  absl::Status Replace(const domain::Vault& vault, const StoredVersion& loaded,
                       const SecretBytes& record);

  // The latest version of each live object, by name.
  absl::StatusOr<Page<StoredVersion>> ListLatest(const domain::Vault& vault,
                                                 const std::string& continuation,
                                                 std::size_t max_results);
  // An object's versions; an empty page for a name that has none, as Azure answers.
  absl::StatusOr<Page<StoredVersion>> ListVersions(const domain::Vault& vault,
                                                   std::string_view name,
                                                   const std::string& continuation,
                                                   std::size_t max_results);

  // Soft-deletes; returns the latest version with its deletion dates.
  absl::StatusOr<StoredVersion> Delete(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<StoredVersion> GetDeleted(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<Page<StoredVersion>> ListDeleted(const domain::Vault& vault,
                                                  const std::string& continuation,
                                                  std::size_t max_results);
  // Returns the latest version, live again.
  absl::StatusOr<StoredVersion> Recover(const domain::Vault& vault, std::string_view name);
  absl::Status Purge(const domain::Vault& vault, std::string_view name);
  // Purges every soft-deleted object whose retention has run out, telling `purged` each name;
  // returns how many.
  absl::StatusOr<int> PurgeDue(const domain::Vault& vault,
                               const std::function<void(std::string_view name)>& purged = {});

  // As Azure Key Vault: a backup holds at most this many versions (~12 MiB of 25 KiB values,
  // built in memory), not a blob that grows with the object's history.
  static constexpr std::size_t kMaxBackupVersions = 500;

  // Every version of a live object (for a backup), the latest's id in `latest`.
  // FAILED_PRECONDITION past kMaxBackupVersions.
  absl::StatusOr<std::vector<StoredVersion>> AllVersions(const domain::Vault& vault,
                                                         std::string_view name,
                                                         std::string* display_name,
                                                         std::string* latest);
  // Writes a restored object: ALREADY_EXISTS when the name is live or soft-deleted.
  absl::Status Restore(const domain::Vault& vault, std::string_view name,
                       std::string_view latest, const std::vector<StoredVersion>& versions,
                       const std::vector<storage::Write>& extra_writes = {});

  // For the certificate that owns managed objects: the steps above as a plan for one commit
  // across kinds, never refused for an object being managed. Each reads what it needs now and
  // makes the commit conditional on it (ABORTED when it lost a race: plan again).
  // Adds `version` (the caller's id, shared by the certificate, its key and its secret) as the
  // latest; a managed one may not take a name a client's object holds (ALREADY_EXISTS).
  absl::Status PlanAdd(const domain::Vault& vault, std::string_view name, std::string_view version,
                       const SecretBytes& record, bool managed, CommitPlan& plan);
  absl::Status PlanReplace(const domain::Vault& vault, const StoredVersion& loaded,
                           const SecretBytes& record, CommitPlan& plan);
  // NOT_FOUND when there is nothing to move; for the kinds a certificate owns, also when the
  // object is a client's (not managed): a certificate moves only what is its own.
  absl::Status PlanDelete(const domain::Vault& vault, std::string_view name, CommitPlan& plan);
  absl::Status PlanRecover(const domain::Vault& vault, std::string_view name, CommitPlan& plan);
  // `retention_over`: the background job's purge, which purge protection does not stop, of an
  // object whose scheduled purge has come (NOT_FOUND otherwise).
  absl::Status PlanPurge(const domain::Vault& vault, std::string_view name, CommitPlan& plan,
                         bool retention_over = false);
  // Everything of a managed object, wherever its head is (live, deleted, or gone): what its
  // certificate's purge removes. NOT_FOUND when a client's object holds the name.
  absl::Status PlanErase(const domain::Vault& vault, std::string_view name, CommitPlan& plan);
  // Holds the name for a certificate that has no key or secret yet: ALREADY_EXISTS when a
  // client's object, live or deleted, has it; the commit holds to the heads as read.
  absl::Status PlanReserve(const domain::Vault& vault, std::string_view name, CommitPlan& plan);
  // Names of deleted objects whose scheduled purge has come (heads only: nothing is opened).
  absl::StatusOr<std::vector<std::string>> DeletedDue(const domain::Vault& vault);
  absl::Status PlanRestore(const domain::Vault& vault, std::string_view name,
                           std::string_view latest, const std::vector<StoredVersion>& versions,
                           bool managed, CommitPlan& plan);

  // The refusal of a client's `operation` on a managed object (PERMISSION_DENIED).
  absl::Status Managed(const char* operation) const;

  // Where the companion record of an object lives (kind().companion_collection must be set),
  // and the head a write of it is conditioned on.
  std::string CompanionPrefix(std::string_view vault_id) const;
  std::string CompanionKey(std::string_view vault_id, std::string_view name) const;
  std::string HeadKey(std::string_view vault_id, std::string_view name) const;

 private:
  std::string DeletedKey(std::string_view vault_id, std::string_view name) const;
  std::string LivePrefix(std::string_view vault_id) const;
  std::string DeletedPrefix(std::string_view vault_id) const;
  std::string VersionPrefix(std::string_view vault_id, std::string_view name) const;
  std::string VersionKey(std::string_view vault_id, std::string_view name,
                         std::string_view version) const;
  absl::Status NotFound(std::string_view name, std::string_view version = {}) const;
  absl::Status DeletedNotFound(std::string_view name) const;
  absl::Status IsDeleted(std::string_view name) const;
  absl::Status Exists(std::string_view name) const;
  // A version's record sealed under its id.
  struct SealedVersion {
    std::string version;
    std::string sealed;
  };
  struct PendingAdd;
  static std::size_t AddBytes(const PendingAdd& add);
  absl::StatusOr<SealedVersion> Seal(const domain::Vault& vault, std::string_view name,
                                     std::string version, const SecretBytes& record);
  // Adds `versions` over a head read at `head_revision` (`old`, absent for a new name); the
  // last becomes the latest.
  absl::Status PlanAddOver(const domain::Vault& vault, std::string_view name,
                           const std::vector<SealedVersion>& versions, bool managed,
                           storage::Revision head_revision,
                           const storage::v1::SecretHeadRecord* old, CommitPlan& plan);
  // Commits new versions of a client's object in one go; returns the display name, the last
  // version's id and the commit's revision.
  absl::StatusOr<StoredVersion> CommitAdds(const domain::Vault& vault, std::string_view name,
                                           const std::vector<SealedVersion>& versions,
                                           const AddCondition* condition = nullptr);
  // The batch run of adds_: queued versions of one object.
  void RunAdds(const std::vector<PendingAdd*>& batch);
  // A client's calls refuse managed objects; the owner's (the Plan calls) do not.
  enum class Caller { kClient, kOwner };
  // Moves a live head to the deleted collection, or back; `moved` gets the new head.
  absl::Status PlanMove(const domain::Vault& vault, std::string_view name, bool to_deleted,
                        Caller caller, CommitPlan& plan, storage::Entry* moved);
  absl::Status PlanPurgeAs(const domain::Vault& vault, std::string_view name, Caller caller,
                           bool retention_over, CommitPlan& plan);
  // Where a certificate of `name` would have its heads (kinds with an owner only).
  std::vector<std::string> OwnerKeys(std::string_view vault_id, std::string_view name) const;
  // The latest version named by a head record.
  absl::StatusOr<StoredVersion> FromHead(const domain::Vault& vault, std::string_view name,
                                         const storage::Entry& head);
  absl::StatusOr<std::vector<storage::Write>> PurgeWrites(const domain::Vault& vault,
                                                          std::string_view name);
  absl::StatusOr<StoredVersion> FromMoved(const domain::Vault& vault, std::string_view name,
                                          absl::StatusOr<storage::Entry> moved);

  storage::Store& store_;
  envelope::VaultKeys& keys_;
  Clock& clock_;
  const ObjectKind kind_;
  Batcher<PendingAdd> adds_;  // by head key
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_VERSIONED_OBJECTS_H_
