// SecretService: versions listing, soft delete, recover, purge, backup and restore.
#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "vault-core/domain/errors.h"
#include "vault-core/domain/names.h"
#include "vault-core/service/retry.h"
#include "vault-core/service/secret_records.h"
#include "vault-core/service/secret_service.h"

namespace coffer::service {
namespace {

using storage::kMustNotExist;
using storage::Precondition;
using storage::Write;
using storage::v1::SecretBackup;
using storage::v1::SecretHeadRecord;
using storage::v1::SecretVersionRecord;
namespace rec = records;

constexpr const char kBackupKeyId[] = "_backup";
const crypto::RecordAddress kBackupAddress{kBackupKeyId, "secretbackup", ""};

}  // namespace

absl::StatusOr<Page<domain::SecretProperties>> SecretService::ListVersions(
    const domain::Vault& vault, std::string_view name, const std::string& continuation,
    std::size_t max_results) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto head_entry = store_.Get(rec::HeadKey(vault.id, name));
  if (absl::IsNotFound(head_entry.status())) return rec::SecretNotFound(name);
  if (!head_entry.ok()) return head_entry.status();
  COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(head_entry->value));
  std::string display_name = rec::DisplayName(head, name);
  std::string prefix = rec::VersionPrefix(vault.id, name);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, continuation, max_results}));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  Page<domain::SecretProperties> page;
  for (const auto& entry : range.entries) {
    std::string version(rec::Suffix(entry.key, prefix));
    COFFER_ASSIGN_OR_RETURN(
        auto record, rec::OpenVersion(*sealer, rec::Address(vault.id, name, version), entry.value));
    page.items.push_back(rec::ToProperties(display_name, version, record));
    rec::ScrubValue(record);
  }
  page.continuation = range.continuation;
  return page;
}

absl::StatusOr<domain::DeletedSecret> SecretService::DeletedFromHead(const domain::Vault& vault,
                                                                     std::string_view name,
                                                                     std::string_view head_value) {
  COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(head_value));
  COFFER_ASSIGN_OR_RETURN(auto entry,
                          store_.Get(rec::VersionKey(vault.id, name, head.latest_version())));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  COFFER_ASSIGN_OR_RETURN(
      auto record,
      rec::OpenVersion(*sealer, rec::Address(vault.id, name, head.latest_version()), entry.value));
  domain::DeletedSecret deleted{
      rec::ToProperties(rec::DisplayName(head, name), head.latest_version(), record),
      absl::FromUnixSeconds(head.deleted()), absl::FromUnixSeconds(head.scheduled_purge())};
  rec::ScrubValue(record);
  return deleted;
}

absl::StatusOr<domain::DeletedSecret> SecretService::Delete(const domain::Vault& vault,
                                                            std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  std::string head_key = rec::HeadKey(vault.id, name);
  std::string deleted_key = rec::DeletedKey(vault.id, name);
  auto deleted_head = RetryOnConflict([&]() -> absl::StatusOr<std::string> {
    auto entry = store_.Get(head_key);
    if (absl::IsNotFound(entry.status())) {
      return rec::SecretNotFound(name);
    }
    if (!entry.ok()) return entry.status();
    COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(entry->value));
    absl::Time now = clock_.Now();
    head.set_deleted(absl::ToUnixSeconds(now));
    head.set_scheduled_purge(
        absl::ToUnixSeconds(now + absl::Hours(24) * vault.soft_delete_retention_days));
    std::string value = head.SerializeAsString();
    COFFER_RETURN_IF_ERROR(store_
                               .Commit({Precondition{head_key, entry->revision},
                                        Precondition{deleted_key, kMustNotExist}},
                                       {Write::Delete(head_key), Write::Put(deleted_key, value)})
                               .status());
    return value;
  });
  if (!deleted_head.ok()) return deleted_head.status();
  return DeletedFromHead(vault, name, *deleted_head);
}

absl::StatusOr<domain::DeletedSecret> SecretService::GetDeleted(const domain::Vault& vault,
                                                                std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto entry = store_.Get(rec::DeletedKey(vault.id, name));
  if (absl::IsNotFound(entry.status())) return rec::DeletedSecretNotFound(name);
  if (!entry.ok()) return entry.status();
  return DeletedFromHead(vault, name, entry->value);
}

absl::StatusOr<Page<domain::DeletedSecret>> SecretService::ListDeleted(
    const domain::Vault& vault, const std::string& continuation, std::size_t max_results) {
  std::string prefix = rec::DeletedPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, continuation, max_results}));
  Page<domain::DeletedSecret> page;
  for (const auto& entry : range.entries) {
    auto deleted = DeletedFromHead(vault, rec::Suffix(entry.key, prefix), entry.value);
    if (absl::IsNotFound(deleted.status())) continue;  // purged meanwhile
    if (!deleted.ok()) return deleted.status();
    page.items.push_back(std::move(*deleted));
  }
  page.continuation = range.continuation;
  return page;
}

absl::StatusOr<domain::SecretProperties> SecretService::Recover(const domain::Vault& vault,
                                                                std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  std::string head_key = rec::HeadKey(vault.id, name);
  std::string deleted_key = rec::DeletedKey(vault.id, name);
  auto live_head = RetryOnConflict([&]() -> absl::StatusOr<std::string> {
    auto entry = store_.Get(deleted_key);
    if (absl::IsNotFound(entry.status())) return rec::DeletedSecretNotFound(name);
    if (!entry.ok()) return entry.status();
    COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(entry->value));
    head.clear_deleted();
    head.clear_scheduled_purge();
    std::string value = head.SerializeAsString();
    COFFER_RETURN_IF_ERROR(store_
                               .Commit({Precondition{deleted_key, entry->revision},
                                        Precondition{head_key, kMustNotExist}},
                                       {Write::Delete(deleted_key), Write::Put(head_key, value)})
                               .status());
    return value;
  });
  if (!live_head.ok()) return live_head.status();
  return LatestProperties(vault, name, *live_head);
}

absl::StatusOr<std::vector<Write>> SecretService::PurgeWrites(const domain::Vault& vault,
                                                              std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(auto versions, store_.Range({rec::VersionPrefix(vault.id, name), "", 0}));
  std::vector<Write> writes;
  for (const auto& entry : versions.entries) writes.push_back(Write::Delete(entry.key));
  writes.push_back(Write::Delete(rec::DeletedKey(vault.id, name)));
  return writes;
}

absl::Status SecretService::Purge(const domain::Vault& vault, std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  if (vault.purge_protection) {
    return domain::WithReason(
        absl::FailedPreconditionError(
            "Operation \"purge\" is not allowed because purge protection is enabled for this "
            "vault. Key Vault service will automatically purge it after the retention period "
            "has passed."),
        domain::reason::kPurgeProtected);
  }
  std::string deleted_key = rec::DeletedKey(vault.id, name);
  return RetryOnConflict([&]() -> absl::StatusOr<bool> {
           auto entry = store_.Get(deleted_key);
           if (absl::IsNotFound(entry.status())) return rec::DeletedSecretNotFound(name);
           if (!entry.ok()) return entry.status();
           COFFER_ASSIGN_OR_RETURN(auto writes, PurgeWrites(vault, name));
           COFFER_RETURN_IF_ERROR(
               store_.Commit({Precondition{deleted_key, entry->revision}}, writes).status());
           return true;
         })
      .status();
}

absl::StatusOr<int> SecretService::PurgeDue(const domain::Vault& vault) {
  std::string prefix = rec::DeletedPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, "", 0}));
  std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  int purged = 0;
  for (const auto& entry : range.entries) {
    COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(entry.value));
    if (head.scheduled_purge() > now) continue;
    std::string name(rec::Suffix(entry.key, prefix));
    COFFER_ASSIGN_OR_RETURN(auto writes, PurgeWrites(vault, name));
    auto committed = store_.Commit({Precondition{entry.key, entry.revision}}, writes);
    if (committed.ok()) ++purged;
    if (!committed.ok() && !absl::IsAborted(committed.status())) return committed.status();
  }
  return purged;
}

absl::StatusOr<std::string> SecretService::Backup(const domain::Vault& vault,
                                                  std::string_view name) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  auto head_entry = store_.Get(rec::HeadKey(vault.id, name));
  if (absl::IsNotFound(head_entry.status())) {
    return rec::SecretNotFound(name);
  }
  if (!head_entry.ok()) return head_entry.status();
  COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(head_entry->value));
  std::string prefix = rec::VersionPrefix(vault.id, name);
  COFFER_ASSIGN_OR_RETURN(auto versions, store_.Range({prefix, "", 0}));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  SecretBackup backup;
  backup.set_name(rec::DisplayName(head, name));
  backup.set_latest_version(head.latest_version());
  for (const auto& entry : versions.entries) {
    std::string version(rec::Suffix(entry.key, prefix));
    auto* out = backup.add_versions();
    out->set_version(version);
    COFFER_ASSIGN_OR_RETURN(
        *out->mutable_record(),
        rec::OpenVersion(*sealer, rec::Address(vault.id, name, version), entry.value));
  }
  SecretBytes plain(backup.ByteSizeLong());
  backup.SerializeToArray(plain.mutable_data(), static_cast<int>(plain.size()));
  for (auto& v : *backup.mutable_versions()) rec::ScrubValue(*v.mutable_record());
  COFFER_ASSIGN_OR_RETURN(auto backup_sealer, keys_.ForVault(kBackupKeyId));
  return backup_sealer->Seal(kBackupAddress, plain.reveal());
}

absl::StatusOr<domain::SecretProperties> SecretService::Restore(const domain::Vault& vault,
                                                                std::string_view blob) {
  COFFER_ASSIGN_OR_RETURN(auto backup_sealer, keys_.ForVault(kBackupKeyId));
  auto plain = backup_sealer->Open(kBackupAddress, blob);
  SecretBackup backup;
  if (!plain.ok() || !backup.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return absl::InvalidArgumentError(
        "the backup blob is malformed or was not made by this installation");
  }
  const std::string& name = backup.name();
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  std::string head_key = rec::HeadKey(vault.id, name);
  std::string deleted_key = rec::DeletedKey(vault.id, name);
  if (store_.Get(deleted_key).ok()) return rec::SecretIsDeleted(name);
  std::vector<Write> writes;
  const SecretVersionRecord* latest = nullptr;
  for (auto& v : *backup.mutable_versions()) {
    COFFER_RETURN_IF_ERROR(domain::ValidateVersion(v.version()));
    SecretBytes record(v.record().ByteSizeLong());
    v.record().SerializeToArray(record.mutable_data(), static_cast<int>(record.size()));
    COFFER_ASSIGN_OR_RETURN(
        std::string sealed,
        sealer->Seal(rec::Address(vault.id, name, v.version()), record.reveal()));
    writes.push_back(Write::Put(rec::VersionKey(vault.id, name, v.version()), sealed));
    if (v.version() == backup.latest_version()) latest = &v.record();
  }
  if (latest == nullptr) return absl::InvalidArgumentError("the backup blob has no latest version");
  SecretHeadRecord head;
  head.set_latest_version(backup.latest_version());
  head.set_name(name);
  writes.push_back(Write::Put(head_key, head.SerializeAsString()));
  auto committed = store_.Commit(
      {Precondition{head_key, kMustNotExist}, Precondition{deleted_key, kMustNotExist}}, writes);
  if (absl::IsAborted(committed.status())) {
    return absl::AlreadyExistsError(
        absl::StrCat("a secret named ", name, " already exists in this vault"));
  }
  if (!committed.ok()) return committed.status();
  domain::SecretProperties properties = rec::ToProperties(name, backup.latest_version(), *latest);
  for (auto& v : *backup.mutable_versions()) rec::ScrubValue(*v.mutable_record());
  return properties;
}

}  // namespace coffer::service
