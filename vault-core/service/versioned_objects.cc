#include "vault-core/service/versioned_objects.h"

#include <cstdint>
#include <functional>

#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/crypto/random.h"
#include "vault-core/domain/errors.h"
#include "vault-core/domain/names.h"
#include "vault-core/service/retry.h"
#include "vault-core/service/secret_records.h"

namespace coffer::service {
namespace {

using storage::kMustNotExist;
using storage::Precondition;
using storage::Write;
using storage::v1::SecretHeadRecord;

absl::StatusOr<SecretHeadRecord> ParseHead(std::string_view bytes) {
  SecretHeadRecord head;
  if (!head.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("stored object head is not parseable");
  }
  return head;
}

// "Key" -> "key": Azure's messages use both.
std::string Lower(const char* title) { return records::Canonical(title); }

// A new version's id: 32 hex digits as Azure's, of which the first 13 are the time in
// microseconds (enough until the year 2112) and the other 19 random. Versions of one object
// are stored by id, so ids that grow with time put a new version next to the last one
// written: a commit of many new versions of a hot object dirties a page or two, not one page
// per version spread over all its history.
std::string NewVersionId(absl::Time now) {
  const auto micros = static_cast<std::uint64_t>(absl::ToUnixMicros(now));
  return absl::StrCat(absl::Hex(micros & 0xfffffffffffffULL, absl::kZeroPad13),
                      crypto::RandomHex(10).substr(0, 19));
}

std::string DisplayName(const SecretHeadRecord& head, std::string_view requested) {
  return head.name().empty() ? std::string(requested) : head.name();
}

}  // namespace

std::string VersionedObjects::LivePrefix(std::string_view vault_id) const {
  return absl::StrCat("v/", AsAbsl(vault_id), "/", kind_.collection, "/");
}
std::string VersionedObjects::DeletedPrefix(std::string_view vault_id) const {
  return absl::StrCat("v/", AsAbsl(vault_id), "/", kind_.deleted_collection, "/");
}
std::string VersionedObjects::HeadKey(std::string_view vault_id, std::string_view name) const {
  return LivePrefix(vault_id) + records::Canonical(name);
}
std::string VersionedObjects::DeletedKey(std::string_view vault_id, std::string_view name) const {
  return DeletedPrefix(vault_id) + records::Canonical(name);
}
std::string VersionedObjects::CompanionPrefix(std::string_view vault_id) const {
  return absl::StrCat("v/", AsAbsl(vault_id), "/", kind_.companion_collection, "/");
}
std::string VersionedObjects::CompanionKey(std::string_view vault_id,
                                           std::string_view name) const {
  return CompanionPrefix(vault_id) + records::Canonical(name);
}
std::string VersionedObjects::VersionPrefix(std::string_view vault_id,
                                            std::string_view name) const {
  return absl::StrCat("v/", AsAbsl(vault_id), "/", kind_.versions_collection, "/",
                      records::Canonical(name), "/");
}
std::string VersionedObjects::VersionKey(std::string_view vault_id, std::string_view name,
                                         std::string_view version) const {
  return VersionPrefix(vault_id, name) + std::string(version);
}

absl::Status VersionedObjects::NotFound(std::string_view name, std::string_view version) const {
  std::string id =
      version.empty() ? std::string(name) : absl::StrCat(AsAbsl(name), "/", AsAbsl(version));
  return absl::NotFoundError(absl::StrCat("A ", Lower(kind_.title), " with (name/id) ", id,
                                          " was not found in this key vault."));
}

absl::Status VersionedObjects::DeletedNotFound(std::string_view name) const {
  return absl::NotFoundError(absl::StrCat("Deleted ", kind_.title, " not found: ", AsAbsl(name)));
}

absl::Status VersionedObjects::IsDeleted(std::string_view name) const {
  return domain::WithReason(
      absl::AlreadyExistsError(absl::StrCat(
          kind_.title, " ", AsAbsl(name),
          " is currently in a deleted but recoverable state, and its name cannot be reused; in "
          "this state, the ",
          Lower(kind_.title), " can only be recovered or purged.")),
      domain::reason::kObjectIsDeletedButRecoverable);
}

absl::Status VersionedObjects::Managed(const char* operation) const {
  return domain::WithReason(
      absl::PermissionDeniedError(absl::StrCat(
          "Operation \"", operation,
          "\" is not allowed as this object's lifetime is managed by Key Vault. Perform the "
          "operation on the certificate of the same name.")),
      kind_.managed_reason != nullptr ? kind_.managed_reason : "");
}

absl::StatusOr<StoredVersion> VersionedObjects::Get(const domain::Vault& vault,
                                                    std::string_view name,
                                                    std::string_view version) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  if (!version.empty()) COFFER_RETURN_IF_ERROR(domain::ValidateVersion(version));
  auto head_entry = store_.Get(HeadKey(vault.id, name));
  if (absl::IsNotFound(head_entry.status())) return NotFound(name, version);
  if (!head_entry.ok()) return head_entry.status();
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(head_entry->value));
  StoredVersion out;
  out.name = DisplayName(head, name);
  out.version = version.empty() ? head.latest_version() : std::string(version);
  out.head_revision = head_entry->revision;
  out.managed = head.managed();
  auto entry = store_.Get(VersionKey(vault.id, name, out.version));
  if (absl::IsNotFound(entry.status())) return NotFound(name, version);
  if (!entry.ok()) return entry.status();
  out.version_revision = entry->revision;
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  COFFER_ASSIGN_OR_RETURN(
      out.record,
      sealer->Open({vault.id, absl::StrCat(kind_.collection, "/", records::Canonical(name)),
                    out.version},
                   entry->value));
  return out;
}

absl::StatusOr<StoredVersion> VersionedObjects::Latest(const domain::Vault& vault,
                                                       std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto head_entry = store_.Get(HeadKey(vault.id, name));
  if (absl::IsNotFound(head_entry.status())) return NotFound(name);
  if (!head_entry.ok()) return head_entry.status();
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(head_entry->value));
  StoredVersion out;
  out.name = DisplayName(head, name);
  out.version = head.latest_version();
  out.head_revision = head_entry->revision;
  out.managed = head.managed();
  return out;
}

absl::Status VersionedObjects::CheckNotDeleted(const domain::Vault& vault, std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto deleted = store_.Get(DeletedKey(vault.id, name));
  if (deleted.ok()) return IsDeleted(name);
  return absl::IsNotFound(deleted.status()) ? absl::OkStatus() : deleted.status();
}

std::vector<std::string> VersionedObjects::OwnerKeys(std::string_view vault_id,
                                                    std::string_view name) const {
  if (kind_.owner_collection == nullptr) return {};
  const std::string prefix = absl::StrCat("v/", AsAbsl(vault_id), "/");
  return {absl::StrCat(prefix, kind_.owner_collection, "/", records::Canonical(name)),
          absl::StrCat(prefix, kind_.owner_deleted_collection, "/", records::Canonical(name))};
}

absl::Status VersionedObjects::CheckWritable(const domain::Vault& vault, std::string_view name,
                                             const char* operation) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  // A certificate's name first: its key and secret may be soft-deleted with it.
  for (const std::string& owner : OwnerKeys(vault.id, name)) {
    if (store_.Get(owner).ok()) return Managed(operation);
  }
  COFFER_RETURN_IF_ERROR(CheckNotDeleted(vault, name));
  auto head = store_.Get(HeadKey(vault.id, name));
  if (absl::IsNotFound(head.status())) return absl::OkStatus();
  if (!head.ok()) return head.status();
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord parsed, ParseHead(head->value));
  return parsed.managed() ? Managed(operation) : absl::OkStatus();
}

absl::Status VersionedObjects::PlanReserve(const domain::Vault& vault, std::string_view name,
                                           CommitPlan& plan) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  for (const std::string& key : {HeadKey(vault.id, name), DeletedKey(vault.id, name)}) {
    auto entry = store_.Get(key);
    if (absl::IsNotFound(entry.status())) {
      plan.preconditions.push_back({key, kMustNotExist});
      continue;
    }
    if (!entry.ok()) return entry.status();
    COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(entry->value));
    if (!head.managed()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "A ", Lower(kind_.title), " named ", AsAbsl(name),
          " exists (or is soft-deleted) and does not belong to a certificate; a certificate "
          "cannot take its name."));
    }
    plan.preconditions.push_back({key, entry->revision});
  }
  return absl::OkStatus();
}

absl::StatusOr<VersionedObjects::SealedVersion> VersionedObjects::Seal(
    const domain::Vault& vault, std::string_view name, std::string version,
    const SecretBytes& record) {
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  const std::string object = absl::StrCat(kind_.collection, "/", records::Canonical(name));
  COFFER_ASSIGN_OR_RETURN(std::string sealed,
                          sealer->Seal({vault.id, object, version}, record.reveal()));
  return SealedVersion{std::move(version), std::move(sealed)};
}

absl::Status VersionedObjects::PlanAdd(const domain::Vault& vault, std::string_view name,
                                       std::string_view version, const SecretBytes& record,
                                       bool managed, CommitPlan& plan) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  COFFER_RETURN_IF_ERROR(domain::ValidateVersion(version));
  auto head = store_.Get(HeadKey(vault.id, name));
  if (!head.ok() && !absl::IsNotFound(head.status())) return head.status();
  std::optional<SecretHeadRecord> old;
  if (head.ok()) {
    COFFER_ASSIGN_OR_RETURN(old, ParseHead(head->value));
    if (managed && !old->managed()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "A ", Lower(kind_.title), " named ", AsAbsl(name),
          " already exists and does not belong to a certificate; a certificate cannot take "
          "its name."));
    }
  }
  COFFER_ASSIGN_OR_RETURN(SealedVersion sealed, Seal(vault, name, std::string(version), record));
  return PlanAddOver(vault, name, {std::move(sealed)}, managed,
                     head.ok() ? head->revision : kMustNotExist, old ? &*old : nullptr, plan);
}

absl::Status VersionedObjects::PlanAddOver(const domain::Vault& vault, std::string_view name,
                                           const std::vector<SealedVersion>& versions,
                                           bool managed, storage::Revision head_revision,
                                           const SecretHeadRecord* old, CommitPlan& plan) {
  const std::string deleted_key = DeletedKey(vault.id, name);
  if (store_.Get(deleted_key).ok()) return IsDeleted(name);
  SecretHeadRecord head;
  head.set_name(old != nullptr ? DisplayName(*old, name) : std::string(name));
  head.set_latest_version(versions.back().version);
  head.set_managed(managed);
  const std::string head_key = HeadKey(vault.id, name);
  plan.preconditions.push_back({head_key, head_revision});
  plan.preconditions.push_back({deleted_key, kMustNotExist});
  for (const SealedVersion& v : versions) {
    const std::string version_key = VersionKey(vault.id, name, v.version);
    plan.preconditions.push_back({version_key, kMustNotExist});
    plan.writes.push_back(Write::Put(version_key, v.sealed));
  }
  plan.writes.push_back(Write::Put(head_key, head.SerializeAsString()));
  return absl::OkStatus();
}

// One new version waiting for its object's next commit.
struct VersionedObjects::PendingAdd {
  const domain::Vault& vault;
  std::string_view name;
  SealedVersion sealed;
  absl::StatusOr<StoredVersion> result;
};

std::size_t VersionedObjects::AddBytes(const PendingAdd& add) { return add.sealed.sealed.size(); }

absl::StatusOr<StoredVersion> VersionedObjects::Add(const domain::Vault& vault,
                                                    std::string_view name,
                                                    const SecretBytes& record,
                                                    const AddCondition* condition) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  COFFER_ASSIGN_OR_RETURN(SealedVersion sealed,
                          Seal(vault, name, NewVersionId(clock_.Now()), record));
  if (condition != nullptr) {
    return CommitAdds(vault, name, {std::move(sealed)}, condition);
  }
  // New versions of one object queue for it rather than race: racing writers of a hot secret
  // would each pay a commit (over etcd, a round trip through the leader) to learn that another
  // won. Those queued behind one commit go together in the next.
  PendingAdd add{vault, name, std::move(sealed), absl::InternalError("never committed")};
  adds_.Submit(HeadKey(vault.id, name), add);
  return std::move(add.result);
}

void VersionedObjects::RunAdds(const std::vector<PendingAdd*>& batch) {
  const PendingAdd& first = *batch.front();  // all of one object (one head key)
  std::vector<SealedVersion> versions;
  for (const PendingAdd* add : batch) versions.push_back(add->sealed);
  auto committed = RetryOnConflict([&] { return CommitAdds(first.vault, first.name, versions); });
  for (PendingAdd* add : batch) {
    if (!committed.ok()) {
      add->result = committed.status();
      continue;
    }
    StoredVersion out;
    out.name = committed->name;
    out.version = add->sealed.version;
    out.head_revision = committed->head_revision;
    add->result = std::move(out);
  }
}

absl::StatusOr<StoredVersion> VersionedObjects::CommitAdds(
    const domain::Vault& vault, std::string_view name, const std::vector<SealedVersion>& versions,
    const AddCondition* condition) {
  const std::string head_key = HeadKey(vault.id, name);
  const char* operation = std::string_view(kind_.collection) == "secrets" ? "set" : "create";
  auto head = store_.Get(head_key);
  if (!head.ok() && !absl::IsNotFound(head.status())) return head.status();
  const storage::Revision head_revision = head.ok() ? head->revision : kMustNotExist;
  std::optional<SecretHeadRecord> old;
  if (head.ok()) {
    COFFER_ASSIGN_OR_RETURN(old, ParseHead(head->value));
    if (old->managed()) return Managed(operation);
  }
  if (condition != nullptr && condition->head_revision != head_revision) {
    return absl::AbortedError("the object changed meanwhile");
  }
  // Nor may a client take a name a certificate holds.
  std::vector<Precondition> no_owner;
  for (const std::string& owner : OwnerKeys(vault.id, name)) {
    if (store_.Get(owner).ok()) return Managed(operation);
    no_owner.push_back({owner, kMustNotExist});
  }
  CommitPlan plan;
  COFFER_RETURN_IF_ERROR(
      PlanAddOver(vault, name, versions, false, head_revision, old ? &*old : nullptr, plan));
  plan.preconditions.insert(plan.preconditions.end(), no_owner.begin(), no_owner.end());
  if (condition != nullptr) {
    plan.preconditions.insert(plan.preconditions.end(), condition->preconditions.begin(),
                              condition->preconditions.end());
    plan.writes.insert(plan.writes.end(), condition->writes.begin(), condition->writes.end());
  }
  StoredVersion out;
  out.name = old.has_value() ? DisplayName(*old, name) : std::string(name);
  out.version = versions.back().version;
  COFFER_ASSIGN_OR_RETURN(out.head_revision, store_.Commit(plan.preconditions, plan.writes));
  return out;
}

absl::Status VersionedObjects::PlanReplace(const domain::Vault& vault, const StoredVersion& loaded,
                                           const SecretBytes& record, CommitPlan& plan) {
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  const std::string object = absl::StrCat(kind_.collection, "/", records::Canonical(loaded.name));
  COFFER_ASSIGN_OR_RETURN(std::string sealed,
                          sealer->Seal({vault.id, object, loaded.version}, record.reveal()));
  const std::string version_key = VersionKey(vault.id, loaded.name, loaded.version);
  plan.preconditions.push_back({version_key, loaded.version_revision});
  plan.preconditions.push_back({HeadKey(vault.id, loaded.name), loaded.head_revision});
  plan.writes.push_back(Write::Put(version_key, sealed));
  return absl::OkStatus();
}

absl::Status VersionedObjects::Replace(const domain::Vault& vault, const StoredVersion& loaded,
                                       const SecretBytes& record) {
  if (loaded.managed) return Managed("update");
  CommitPlan plan;
  COFFER_RETURN_IF_ERROR(PlanReplace(vault, loaded, record, plan));
  return store_.Commit(plan.preconditions, plan.writes).status();
}

absl::StatusOr<StoredVersion> VersionedObjects::FromHead(const domain::Vault& vault,
                                                         std::string_view name,
                                                         const storage::Entry& head_entry) {
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(head_entry.value));
  COFFER_ASSIGN_OR_RETURN(auto entry,
                          store_.Get(VersionKey(vault.id, name, head.latest_version())));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  StoredVersion out;
  out.name = DisplayName(head, name);
  out.version = head.latest_version();
  out.head_revision = head_entry.revision;
  out.version_revision = entry.revision;
  out.managed = head.managed();
  if (head.deleted() != 0) {
    out.deleted = absl::FromUnixSeconds(head.deleted());
    out.scheduled_purge = absl::FromUnixSeconds(head.scheduled_purge());
  }
  COFFER_ASSIGN_OR_RETURN(
      out.record,
      sealer->Open({vault.id, absl::StrCat(kind_.collection, "/", records::Canonical(name)),
                    out.version},
                   entry.value));
  return out;
}

absl::StatusOr<Page<StoredVersion>> VersionedObjects::ListLatest(const domain::Vault& vault,
                                                                 const std::string& continuation,
                                                                 std::size_t max_results) {
  const std::string prefix = LivePrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, continuation, max_results}));
  Page<StoredVersion> page;
  for (const auto& entry : range.entries) {
    auto latest = FromHead(vault, records::Suffix(entry.key, prefix), entry);
    // An object deleted or rewritten between the range and this read is skipped.
    if (absl::IsNotFound(latest.status())) continue;
    if (!latest.ok()) return latest.status();
    page.items.push_back(std::move(*latest));
  }
  page.continuation = range.continuation;
  return page;
}

absl::StatusOr<Page<StoredVersion>> VersionedObjects::ListVersions(
    const domain::Vault& vault, std::string_view name, const std::string& continuation,
    std::size_t max_results) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  Page<StoredVersion> page;
  auto head_entry = store_.Get(HeadKey(vault.id, name));
  if (absl::IsNotFound(head_entry.status())) return page;
  if (!head_entry.ok()) return head_entry.status();
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(head_entry->value));
  const std::string prefix = VersionPrefix(vault.id, name);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, continuation, max_results}));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  const std::string object = absl::StrCat(kind_.collection, "/", records::Canonical(name));
  for (const auto& entry : range.entries) {
    StoredVersion v;
    v.name = DisplayName(head, name);
    v.version = std::string(records::Suffix(entry.key, prefix));
    v.version_revision = entry.revision;
    COFFER_ASSIGN_OR_RETURN(v.record, sealer->Open({vault.id, object, v.version}, entry.value));
    page.items.push_back(std::move(v));
  }
  page.continuation = range.continuation;
  return page;
}

absl::Status VersionedObjects::PlanMove(const domain::Vault& vault, std::string_view name,
                                        bool to_deleted, Caller caller, CommitPlan& plan,
                                        storage::Entry* moved) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  const std::string head_key = HeadKey(vault.id, name);
  const std::string deleted_key = DeletedKey(vault.id, name);
  const std::string& from = to_deleted ? head_key : deleted_key;
  const std::string& to = to_deleted ? deleted_key : head_key;
  auto entry = store_.Get(from);
  if (absl::IsNotFound(entry.status())) return to_deleted ? NotFound(name) : DeletedNotFound(name);
  if (!entry.ok()) return entry.status();
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(entry->value));
  if (caller == Caller::kClient && head.managed()) {
    return Managed(to_deleted ? "delete" : "recover");
  }
  if (caller == Caller::kOwner && kind_.managed_reason != nullptr && !head.managed()) {
    return to_deleted ? NotFound(name) : DeletedNotFound(name);  // a client's, not ours
  }
  if (to_deleted) {
    absl::Time now = clock_.Now();
    head.set_deleted(absl::ToUnixSeconds(now));
    head.set_scheduled_purge(
        absl::ToUnixSeconds(now + absl::Hours(24) * vault.soft_delete_retention_days));
  } else {
    head.clear_deleted();
    head.clear_scheduled_purge();
  }
  std::string value = head.SerializeAsString();
  plan.preconditions.push_back({from, entry->revision});
  plan.preconditions.push_back({to, kMustNotExist});
  plan.writes.push_back(Write::Delete(from));
  plan.writes.push_back(Write::Put(to, value));
  if (moved != nullptr) *moved = storage::Entry{to, std::move(value), 0};
  return absl::OkStatus();
}

absl::Status VersionedObjects::PlanDelete(const domain::Vault& vault, std::string_view name,
                                          CommitPlan& plan) {
  return PlanMove(vault, name, true, Caller::kOwner, plan, nullptr);
}

absl::Status VersionedObjects::PlanRecover(const domain::Vault& vault, std::string_view name,
                                           CommitPlan& plan) {
  return PlanMove(vault, name, false, Caller::kOwner, plan, nullptr);
}

absl::StatusOr<StoredVersion> VersionedObjects::FromMoved(const domain::Vault& vault,
                                                          std::string_view name,
                                                          absl::StatusOr<storage::Entry> moved) {
  if (!moved.ok()) return moved.status();
  return FromHead(vault, name, *moved);
}

absl::StatusOr<StoredVersion> VersionedObjects::Delete(const domain::Vault& vault,
                                                       std::string_view name) {
  return FromMoved(vault, name, RetryOnConflict([&]() -> absl::StatusOr<storage::Entry> {
                     CommitPlan plan;
                     storage::Entry moved;
                     COFFER_RETURN_IF_ERROR(
                         PlanMove(vault, name, true, Caller::kClient, plan, &moved));
                     COFFER_ASSIGN_OR_RETURN(moved.revision,
                                             store_.Commit(plan.preconditions, plan.writes));
                     return moved;
                   }));
}

absl::StatusOr<StoredVersion> VersionedObjects::GetDeleted(const domain::Vault& vault,
                                                           std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto entry = store_.Get(DeletedKey(vault.id, name));
  if (absl::IsNotFound(entry.status())) return DeletedNotFound(name);
  if (!entry.ok()) return entry.status();
  return FromHead(vault, name, *entry);
}

absl::StatusOr<Page<StoredVersion>> VersionedObjects::ListDeleted(const domain::Vault& vault,
                                                                  const std::string& continuation,
                                                                  std::size_t max_results) {
  const std::string prefix = DeletedPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, continuation, max_results}));
  Page<StoredVersion> page;
  for (const auto& entry : range.entries) {
    auto deleted = FromHead(vault, records::Suffix(entry.key, prefix), entry);
    if (absl::IsNotFound(deleted.status())) continue;  // purged meanwhile
    if (!deleted.ok()) return deleted.status();
    // A deleted certificate's key and secret are listed as the certificate, as on Azure.
    if (deleted->managed) continue;
    page.items.push_back(std::move(*deleted));
  }
  page.continuation = range.continuation;
  return page;
}

absl::StatusOr<StoredVersion> VersionedObjects::Recover(const domain::Vault& vault,
                                                        std::string_view name) {
  return FromMoved(vault, name, RetryOnConflict([&]() -> absl::StatusOr<storage::Entry> {
                     CommitPlan plan;
                     storage::Entry moved;
                     COFFER_RETURN_IF_ERROR(
                         PlanMove(vault, name, false, Caller::kClient, plan, &moved));
                     COFFER_ASSIGN_OR_RETURN(moved.revision,
                                             store_.Commit(plan.preconditions, plan.writes));
                     return moved;
                   }));
}

absl::StatusOr<std::vector<Write>> VersionedObjects::PurgeWrites(const domain::Vault& vault,
                                                                 std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(auto versions, store_.Range({VersionPrefix(vault.id, name), "", 0}));
  std::vector<Write> writes;
  for (const auto& entry : versions.entries) writes.push_back(Write::Delete(entry.key));
  writes.push_back(Write::Delete(DeletedKey(vault.id, name)));
  if (kind_.companion_collection != nullptr) {
    writes.push_back(Write::Delete(CompanionKey(vault.id, name)));
  }
  return writes;
}

absl::Status VersionedObjects::PlanPurgeAs(const domain::Vault& vault, std::string_view name,
                                           Caller caller, bool retention_over,
                                           CommitPlan& plan) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  if (vault.purge_protection && !retention_over) {
    return domain::WithReason(
        absl::FailedPreconditionError(
            "Operation \"purge\" is not allowed because purge protection is enabled for this "
            "vault. Key Vault service will automatically purge it after the retention period "
            "has passed."),
        domain::reason::kPurgeProtected);
  }
  const std::string deleted_key = DeletedKey(vault.id, name);
  auto entry = store_.Get(deleted_key);
  if (absl::IsNotFound(entry.status())) return DeletedNotFound(name);
  if (!entry.ok()) return entry.status();
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(entry->value));
  if (caller == Caller::kClient && head.managed()) return Managed("purge");
  if (caller == Caller::kOwner && kind_.managed_reason != nullptr && !head.managed()) {
    return DeletedNotFound(name);
  }
  if (retention_over && head.scheduled_purge() > absl::ToUnixSeconds(clock_.Now())) {
    return DeletedNotFound(name);  // recovered and deleted again since the job looked
  }
  COFFER_ASSIGN_OR_RETURN(auto writes, PurgeWrites(vault, name));
  plan.preconditions.push_back({deleted_key, entry->revision});
  plan.writes.insert(plan.writes.end(), writes.begin(), writes.end());
  return absl::OkStatus();
}

absl::Status VersionedObjects::PlanPurge(const domain::Vault& vault, std::string_view name,
                                         CommitPlan& plan, bool retention_over) {
  return PlanPurgeAs(vault, name, Caller::kOwner, retention_over, plan);
}

absl::Status VersionedObjects::PlanErase(const domain::Vault& vault, std::string_view name,
                                         CommitPlan& plan) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  for (const std::string& key : {HeadKey(vault.id, name), DeletedKey(vault.id, name)}) {
    auto entry = store_.Get(key);
    if (absl::IsNotFound(entry.status())) continue;
    if (!entry.ok()) return entry.status();
    COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(entry->value));
    if (!head.managed()) return NotFound(name);  // a client's object: not the owner's to erase
    plan.preconditions.push_back({key, entry->revision});
    plan.writes.push_back(Write::Delete(key));
  }
  COFFER_ASSIGN_OR_RETURN(auto versions, store_.Range({VersionPrefix(vault.id, name), "", 0}));
  for (const auto& entry : versions.entries) plan.writes.push_back(Write::Delete(entry.key));
  if (kind_.companion_collection != nullptr) {
    plan.writes.push_back(Write::Delete(CompanionKey(vault.id, name)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> VersionedObjects::DeletedDue(const domain::Vault& vault) {
  const std::string prefix = DeletedPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, "", 0}));
  const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  std::vector<std::string> due;
  for (const auto& entry : range.entries) {
    SecretHeadRecord head;
    if (!head.ParseFromString(entry.value)) continue;  // the purge of it would fail alike
    if (head.scheduled_purge() <= now) due.emplace_back(records::Suffix(entry.key, prefix));
  }
  return due;
}

absl::Status VersionedObjects::Purge(const domain::Vault& vault, std::string_view name) {
  return RetryOnConflict([&]() -> absl::StatusOr<bool> {
           CommitPlan plan;
           COFFER_RETURN_IF_ERROR(PlanPurgeAs(vault, name, Caller::kClient, false, plan));
           COFFER_RETURN_IF_ERROR(store_.Commit(plan.preconditions, plan.writes).status());
           return true;
         })
      .status();
}

absl::StatusOr<int> VersionedObjects::PurgeDue(
    const domain::Vault& vault, const std::function<void(std::string_view name)>& purged_name) {
  const std::string prefix = DeletedPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, "", 0}));
  const std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  int purged = 0;
  for (const auto& entry : range.entries) {
    COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(entry.value));
    // A certificate's key and secret go when the certificate does.
    if (head.scheduled_purge() > now || head.managed()) continue;
    const std::string_view name = records::Suffix(entry.key, prefix);
    COFFER_ASSIGN_OR_RETURN(auto writes, PurgeWrites(vault, name));
    auto committed = store_.Commit({Precondition{entry.key, entry.revision}}, writes);
    if (committed.ok()) {
      ++purged;
      if (purged_name) purged_name(name);
    }
    if (!committed.ok() && !absl::IsAborted(committed.status())) return committed.status();
  }
  return purged;
}

absl::StatusOr<std::vector<StoredVersion>> VersionedObjects::AllVersions(
    const domain::Vault& vault, std::string_view name, std::string* display_name,
    std::string* latest) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto head_entry = store_.Get(HeadKey(vault.id, name));
  if (absl::IsNotFound(head_entry.status())) return NotFound(name);
  if (!head_entry.ok()) return head_entry.status();
  COFFER_ASSIGN_OR_RETURN(SecretHeadRecord head, ParseHead(head_entry->value));
  if (head.managed()) return Managed("backup");
  *display_name = DisplayName(head, name);
  *latest = head.latest_version();
  // The versions themselves, not ListVersions, which answers nothing for a name deleted since.
  const std::string prefix = VersionPrefix(vault.id, name);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, "", kMaxBackupVersions + 1}));
  if (range.entries.size() > kMaxBackupVersions) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", AsAbsl(name), "' has more than ", kMaxBackupVersions,
                     " versions: a backup holds at most that many (as Azure Key Vault's)"));
  }
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  const std::string object = absl::StrCat(kind_.collection, "/", records::Canonical(name));
  std::vector<StoredVersion> versions;
  for (const auto& entry : range.entries) {
    StoredVersion v;
    v.name = *display_name;
    v.version = std::string(records::Suffix(entry.key, prefix));
    COFFER_ASSIGN_OR_RETURN(v.record, sealer->Open({vault.id, object, v.version}, entry.value));
    versions.push_back(std::move(v));
  }
  return versions;
}

absl::Status VersionedObjects::PlanRestore(const domain::Vault& vault, std::string_view name,
                                           std::string_view latest,
                                           const std::vector<StoredVersion>& versions,
                                           bool managed, CommitPlan& plan) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  const std::string head_key = HeadKey(vault.id, name);
  const std::string deleted_key = DeletedKey(vault.id, name);
  if (store_.Get(deleted_key).ok()) return IsDeleted(name);
  if (store_.Get(head_key).ok()) return Exists(name);
  const std::string object = absl::StrCat(kind_.collection, "/", records::Canonical(name));
  bool has_latest = false;
  for (const StoredVersion& v : versions) {
    COFFER_RETURN_IF_ERROR(domain::ValidateVersion(v.version));
    COFFER_ASSIGN_OR_RETURN(std::string sealed,
                            sealer->Seal({vault.id, object, v.version}, v.record.reveal()));
    plan.writes.push_back(Write::Put(VersionKey(vault.id, name, v.version), sealed));
    has_latest = has_latest || v.version == latest;
  }
  if (!has_latest) return absl::InvalidArgumentError("the backup blob has no latest version");
  SecretHeadRecord head;
  head.set_latest_version(std::string(latest));
  head.set_name(std::string(name));
  head.set_managed(managed);
  plan.writes.push_back(Write::Put(head_key, head.SerializeAsString()));
  plan.preconditions.push_back({head_key, kMustNotExist});
  plan.preconditions.push_back({deleted_key, kMustNotExist});
  return absl::OkStatus();
}

absl::Status VersionedObjects::Exists(std::string_view name) const {
  return absl::AlreadyExistsError(absl::StrCat("A ", Lower(kind_.title), " named ", AsAbsl(name),
                                               " already exists in this vault."));
}

absl::Status VersionedObjects::Restore(const domain::Vault& vault, std::string_view name,
                                       std::string_view latest,
                                       const std::vector<StoredVersion>& versions,
                                       const std::vector<Write>& extra_writes) {
  CommitPlan plan;
  plan.writes = extra_writes;
  for (const std::string& owner : OwnerKeys(vault.id, name)) {
    if (store_.Get(owner).ok()) return Managed("restore");  // a certificate holds the name
    plan.preconditions.push_back({owner, kMustNotExist});
  }
  COFFER_RETURN_IF_ERROR(PlanRestore(vault, name, latest, versions, false, plan));
  auto committed = store_.Commit(plan.preconditions, plan.writes);
  if (absl::IsAborted(committed.status())) return Exists(name);
  return committed.status();
}

}  // namespace coffer::service
