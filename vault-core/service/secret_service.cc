#include "vault-core/service/secret_service.h"

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
using storage::v1::SecretVersionRecord;
namespace rec = records;

}  // namespace

struct SecretService::Loaded {
  Loaded() = default;
  Loaded(Loaded&&) = default;
  ~Loaded() { rec::ScrubValue(record); }

  std::string version;
  std::string display_name;
  storage::Revision version_revision = 0;
  storage::Revision head_revision = 0;
  SecretVersionRecord record;
};

absl::StatusOr<SecretService::Loaded> SecretService::LoadVersion(const domain::Vault& vault,
                                                                 std::string_view name,
                                                                 std::string_view version) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  if (!version.empty()) COFFER_RETURN_IF_ERROR(domain::ValidateVersion(version));
  auto head_entry = store_.Get(rec::HeadKey(vault.id, name));
  if (absl::IsNotFound(head_entry.status())) return rec::SecretNotFound(name, version);
  if (!head_entry.ok()) return head_entry.status();
  COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(head_entry->value));
  Loaded loaded;
  loaded.version = version.empty() ? head.latest_version() : std::string(version);
  loaded.display_name = rec::DisplayName(head, name);
  loaded.head_revision = head_entry->revision;
  auto entry = store_.Get(rec::VersionKey(vault.id, name, loaded.version));
  if (absl::IsNotFound(entry.status())) return rec::SecretNotFound(name, version);
  if (!entry.ok()) return entry.status();
  loaded.version_revision = entry->revision;
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  COFFER_ASSIGN_OR_RETURN(
      loaded.record,
      rec::OpenVersion(*sealer, rec::Address(vault.id, name, loaded.version), entry->value));
  return loaded;
}

absl::StatusOr<domain::Secret> SecretService::Set(const domain::Vault& vault, std::string_view name,
                                                  const SecretBytes& value,
                                                  const domain::SecretSetOptions& options) {
  COFFER_RETURN_IF_ERROR(domain::ValidateObjectName(name));
  if (value.size() > domain::kMaxSecretValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret value is larger than ", domain::kMaxSecretValueBytes, " bytes"));
  }
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  std::int64_t now = absl::ToUnixSeconds(clock_.Now());
  SecretVersionRecord record;
  record.set_value(std::string(value.reveal()));
  record.set_content_type(options.content_type);
  record.mutable_tags()->insert(options.tags.begin(), options.tags.end());
  record.set_enabled(options.enabled);
  record.set_not_before(rec::ToUnix(options.not_before));
  record.set_expires(rec::ToUnix(options.expires));
  record.set_created(now);
  record.set_updated(now);
  SecretBytes plain = rec::SerializeSecret(record);
  rec::ScrubValue(record);

  std::string head_key = rec::HeadKey(vault.id, name);
  std::string deleted_key = rec::DeletedKey(vault.id, name);
  std::string display_name;
  auto version = RetryOnConflict([&]() -> absl::StatusOr<std::string> {
    if (store_.Get(deleted_key).ok()) return rec::SecretIsDeleted(name);
    auto head = store_.Get(head_key);
    if (!head.ok() && !absl::IsNotFound(head.status())) return head.status();
    SecretHeadRecord new_head;
    new_head.set_name(std::string(name));
    if (head.ok()) {
      COFFER_ASSIGN_OR_RETURN(SecretHeadRecord old, rec::ParseHead(head->value));
      new_head.set_name(rec::DisplayName(old, name));
    }
    std::string version = crypto::RandomHex(16);
    COFFER_ASSIGN_OR_RETURN(std::string sealed,
                            sealer->Seal(rec::Address(vault.id, name, version), plain.reveal()));
    new_head.set_latest_version(version);
    COFFER_RETURN_IF_ERROR(
        store_
            .Commit({Precondition{head_key, head.ok() ? head->revision : kMustNotExist},
                     Precondition{deleted_key, kMustNotExist}},
                    {Write::Put(rec::VersionKey(vault.id, name, version), sealed),
                     Write::Put(head_key, new_head.SerializeAsString())})
            .status());
    display_name = new_head.name();
    return version;
  });
  if (!version.ok()) return version.status();
  return domain::Secret{rec::ToProperties(display_name, *version, record), value};
}

absl::StatusOr<domain::Secret> SecretService::Get(const domain::Vault& vault, std::string_view name,
                                                  std::string_view version) {
  COFFER_ASSIGN_OR_RETURN(Loaded loaded, LoadVersion(vault, name, version));
  if (!loaded.record.enabled()) {
    return domain::WithReason(
        absl::PermissionDeniedError("Operation get is not allowed on a disabled secret."),
        domain::reason::kSecretDisabled);
  }
  return domain::Secret{rec::ToProperties(loaded.display_name, loaded.version, loaded.record),
                        SecretBytes(loaded.record.value())};
}

absl::StatusOr<domain::SecretProperties> SecretService::Update(const domain::Vault& vault,
                                                               std::string_view name,
                                                               std::string_view version,
                                                               const domain::SecretUpdate& update) {
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  return RetryOnConflict([&]() -> absl::StatusOr<domain::SecretProperties> {
    COFFER_ASSIGN_OR_RETURN(Loaded loaded, LoadVersion(vault, name, version));
    SecretVersionRecord& r = loaded.record;
    if (update.content_type) r.set_content_type(*update.content_type);
    if (update.tags) {
      r.clear_tags();
      r.mutable_tags()->insert(update.tags->begin(), update.tags->end());
    }
    if (update.enabled) r.set_enabled(*update.enabled);
    if (update.not_before) r.set_not_before(rec::ToUnix(*update.not_before));
    if (update.expires) r.set_expires(rec::ToUnix(*update.expires));
    r.set_updated(absl::ToUnixSeconds(clock_.Now()));
    SecretBytes plain = rec::SerializeSecret(r);
    std::string version_key = rec::VersionKey(vault.id, name, loaded.version);
    COFFER_ASSIGN_OR_RETURN(
        std::string sealed,
        sealer->Seal(rec::Address(vault.id, name, loaded.version), plain.reveal()));
    COFFER_RETURN_IF_ERROR(
        store_
            .Commit({Precondition{version_key, loaded.version_revision},
                     Precondition{rec::HeadKey(vault.id, name), loaded.head_revision}},
                    {Write::Put(version_key, sealed)})
            .status());
    return rec::ToProperties(loaded.display_name, loaded.version, r);
  });
}

absl::StatusOr<domain::SecretProperties> SecretService::LatestProperties(
    const domain::Vault& vault, std::string_view name, std::string_view head_value) {
  COFFER_ASSIGN_OR_RETURN(auto head, rec::ParseHead(head_value));
  COFFER_ASSIGN_OR_RETURN(auto entry,
                          store_.Get(rec::VersionKey(vault.id, name, head.latest_version())));
  COFFER_ASSIGN_OR_RETURN(auto sealer, keys_.ForVault(vault.id));
  COFFER_ASSIGN_OR_RETURN(
      SecretVersionRecord record,
      rec::OpenVersion(*sealer, rec::Address(vault.id, name, head.latest_version()), entry.value));
  domain::SecretProperties properties =
      rec::ToProperties(rec::DisplayName(head, name), head.latest_version(), record);
  rec::ScrubValue(record);
  return properties;
}

absl::StatusOr<Page<domain::SecretProperties>> SecretService::List(const domain::Vault& vault,
                                                                   const std::string& continuation,
                                                                   std::size_t max_results) {
  std::string prefix = rec::SecretsPrefix(vault.id);
  COFFER_ASSIGN_OR_RETURN(auto range, store_.Range({prefix, continuation, max_results}));
  Page<domain::SecretProperties> page;
  for (const auto& entry : range.entries) {
    auto properties = LatestProperties(vault, rec::Suffix(entry.key, prefix), entry.value);
    // A secret deleted or rewritten between the range and this read is skipped, not an error.
    if (absl::IsNotFound(properties.status())) continue;
    if (!properties.ok()) return properties.status();
    page.items.push_back(std::move(*properties));
  }
  page.continuation = range.continuation;
  return page;
}

}  // namespace coffer::service
