#include "vault-core/service/secret_service.h"

#include "absl/strings/str_cat.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/status.h"
#include "vault-core/domain/errors.h"
#include "vault-core/domain/names.h"
#include "vault-core/service/retry.h"
#include "vault-core/service/secret_records.h"

namespace coffer::service {
namespace {

using storage::v1::SecretBackup;
using storage::v1::SecretVersionRecord;
namespace rec = records;

constexpr const char kBackupKeyId[] = "_backup";
const crypto::RecordAddress kBackupAddress{kBackupKeyId, "secretbackup", ""};

// A version's record, its value zeroed when it goes.
using Record = rec::Scrubbed<SecretVersionRecord>;

absl::StatusOr<Record> Parse(const SecretBytes& bytes) {
  return rec::Parse<SecretVersionRecord>(bytes.reveal(), "secret version");
}

absl::StatusOr<domain::SecretProperties> Properties(const StoredVersion& stored) {
  COFFER_ASSIGN_OR_RETURN(Record record, Parse(stored.record));
  return rec::ToProperties(stored.name, stored.version, record.r);
}

absl::StatusOr<domain::DeletedSecret> Deleted(const StoredVersion& stored) {
  COFFER_ASSIGN_OR_RETURN(domain::SecretProperties properties, Properties(stored));
  return domain::DeletedSecret{std::move(properties), stored.deleted.value_or(absl::UnixEpoch()),
                               stored.scheduled_purge};
}

// Zeroes every version's value in a backup on every way out of the scope that holds it.
struct ScrubBackup {
  SecretBackup& backup;
  ~ScrubBackup() {
    for (auto& v : *backup.mutable_versions()) rec::ScrubValue(*v.mutable_record());
  }
};

}  // namespace

absl::StatusOr<domain::Secret> SecretService::Set(const domain::Vault& vault, std::string_view name,
                                                  const SecretBytes& value,
                                                  const domain::SecretSetOptions& options) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  if (value.size() > domain::kMaxSecretValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret value is larger than ", domain::kMaxSecretValueBytes, " bytes"));
  }
  std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  Record record;
  SecretVersionRecord& r = record.r;
  r.set_value(std::string(value.reveal()));
  r.set_content_type(options.content_type);
  r.mutable_tags()->insert(options.tags.begin(), options.tags.end());
  r.set_enabled(options.enabled);
  r.set_not_before(rec::ToUnix(options.not_before));
  r.set_expires(rec::ToUnix(options.expires));
  r.set_created(now);
  r.set_updated(now);
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored,
                          objects_.Add(vault, name, rec::SerializeSecret(r)));
  return domain::Secret{rec::ToProperties(stored.name, stored.version, r), value};
}

absl::StatusOr<domain::Secret> SecretService::Get(const domain::Vault& vault, std::string_view name,
                                                  std::string_view version) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Get(vault, name, version));
  COFFER_ASSIGN_OR_RETURN(Record record, Parse(stored.record));
  if (!record.r.enabled()) {
    return domain::WithReason(
        absl::PermissionDeniedError("Operation get is not allowed on a disabled secret."),
        domain::reason::kSecretDisabled);
  }
  return domain::Secret{rec::ToProperties(stored.name, stored.version, record.r),
                        SecretBytes(record.r.value())};
}

absl::StatusOr<domain::SecretProperties> SecretService::Update(const domain::Vault& vault,
                                                               std::string_view name,
                                                               std::string_view version,
                                                               const domain::SecretUpdate& update) {
  return RetryOnConflict([&]() -> absl::StatusOr<domain::SecretProperties> {
    COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Get(vault, name, version));
    COFFER_ASSIGN_OR_RETURN(Record record, Parse(stored.record));
    SecretVersionRecord& r = record.r;
    if (update.content_type) r.set_content_type(*update.content_type);
    if (update.tags) {
      r.clear_tags();
      r.mutable_tags()->insert(update.tags->begin(), update.tags->end());
    }
    if (update.enabled) r.set_enabled(*update.enabled);
    if (update.not_before) r.set_not_before(rec::ToUnix(*update.not_before));
    if (update.expires) r.set_expires(rec::ToUnix(*update.expires));
    r.set_updated(absl::ToUnixSeconds(clock_.Now()));
    COFFER_RETURN_IF_ERROR(objects_.Replace(vault, stored, rec::SerializeSecret(r)));
    return rec::ToProperties(stored.name, stored.version, r);
  });
}

absl::StatusOr<Page<domain::SecretProperties>> SecretService::List(const domain::Vault& vault,
                                                                   const std::string& continuation,
                                                                   std::size_t max_results) {
  return ConvertPage<domain::SecretProperties>(
      objects_.ListLatest(vault, continuation, max_results), Properties);
}

absl::StatusOr<Page<domain::SecretProperties>> SecretService::ListVersions(
    const domain::Vault& vault, std::string_view name, const std::string& continuation,
    std::size_t max_results) {
  return ConvertPage<domain::SecretProperties>(
      objects_.ListVersions(vault, name, continuation, max_results), Properties);
}

absl::StatusOr<domain::DeletedSecret> SecretService::Delete(const domain::Vault& vault,
                                                            std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Delete(vault, name));
  return Deleted(stored);
}

absl::StatusOr<domain::DeletedSecret> SecretService::GetDeleted(const domain::Vault& vault,
                                                                std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.GetDeleted(vault, name));
  return Deleted(stored);
}

absl::StatusOr<Page<domain::DeletedSecret>> SecretService::ListDeleted(
    const domain::Vault& vault, const std::string& continuation, std::size_t max_results) {
  return ConvertPage<domain::DeletedSecret>(objects_.ListDeleted(vault, continuation, max_results),
                                        Deleted);
}

absl::StatusOr<domain::SecretProperties> SecretService::Recover(const domain::Vault& vault,
                                                                std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(StoredVersion stored, objects_.Recover(vault, name));
  return Properties(stored);
}

absl::Status SecretService::Purge(const domain::Vault& vault, std::string_view name) {
  return objects_.Purge(vault, name);
}

absl::StatusOr<int> SecretService::PurgeDue(
    const domain::Vault& vault, const std::function<void(std::string_view name)>& purged) {
  return objects_.PurgeDue(vault, purged);
}

absl::StatusOr<std::string> SecretService::Backup(const domain::Vault& vault,
                                                  std::string_view name) {
  std::string display_name;
  std::string latest;
  COFFER_ASSIGN_OR_RETURN(std::vector<StoredVersion> versions,
                          objects_.AllVersions(vault, name, &display_name, &latest));
  SecretBackup backup;
  ScrubBackup scrub{backup};
  backup.set_name(display_name);
  backup.set_latest_version(latest);
  for (const StoredVersion& v : versions) {
    auto* out = backup.add_versions();
    out->set_version(v.version);
    if (!out->mutable_record()->ParseFromArray(v.record.data(),
                                               static_cast<int>(v.record.size()))) {
      return absl::DataLossError("stored secret version is not parseable");
    }
  }
  SecretBytes plain = rec::SerializeSecret(backup);
  COFFER_ASSIGN_OR_RETURN(auto backup_sealer, keys_.ForVault(kBackupKeyId));
  return backup_sealer->Seal(kBackupAddress, plain.reveal());
}

absl::StatusOr<domain::SecretProperties> SecretService::Restore(const domain::Vault& vault,
                                                                std::string_view blob) {
  COFFER_ASSIGN_OR_RETURN(auto backup_sealer, keys_.ForVault(kBackupKeyId));
  auto plain = backup_sealer->Open(kBackupAddress, blob);
  SecretBackup backup;
  ScrubBackup scrub{backup};  // a half-parsed backup too
  if (!plain.ok() || !backup.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return absl::InvalidArgumentError(
        "the backup blob is malformed or was not made by this installation");
  }
  std::vector<StoredVersion> versions;
  std::optional<domain::SecretProperties> latest;
  for (auto& v : *backup.mutable_versions()) {
    StoredVersion stored;
    stored.version = v.version();
    stored.record = rec::SerializeSecret(v.record());
    versions.push_back(std::move(stored));
    if (v.version() == backup.latest_version()) {
      latest = rec::ToProperties(backup.name(), v.version(), v.record());
    }
  }
  COFFER_RETURN_IF_ERROR(
      objects_.Restore(vault, backup.name(), backup.latest_version(), versions));
  if (!latest.has_value()) return absl::InternalError("restored secret has no latest version");
  return *latest;
}

}  // namespace coffer::service
