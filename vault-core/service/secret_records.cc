#include "vault-core/service/secret_records.h"

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "vault-core/domain/errors.h"

namespace coffer::service::records {

std::string Canonical(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string DisplayName(const storage::v1::SecretHeadRecord& head, std::string_view requested) {
  return head.name().empty() ? std::string(requested) : head.name();
}

std::string SecretsPrefix(std::string_view vault_id) {
  return absl::StrCat("v/", AsAbsl(vault_id), "/secrets/");
}
std::string DeletedPrefix(std::string_view vault_id) {
  return absl::StrCat("v/", AsAbsl(vault_id), "/deletedsecrets/");
}
std::string HeadKey(std::string_view vault_id, std::string_view name) {
  return absl::StrCat(SecretsPrefix(vault_id), Canonical(name));
}
std::string DeletedKey(std::string_view vault_id, std::string_view name) {
  return absl::StrCat(DeletedPrefix(vault_id), Canonical(name));
}
std::string VersionPrefix(std::string_view vault_id, std::string_view name) {
  return absl::StrCat("v/", AsAbsl(vault_id), "/secretversions/", Canonical(name), "/");
}
std::string VersionKey(std::string_view vault_id, std::string_view name, std::string_view version) {
  return absl::StrCat(VersionPrefix(vault_id, name), AsAbsl(version));
}

std::string_view Suffix(std::string_view key, std::string_view prefix) {
  return key.substr(std::min(prefix.size(), key.size()));
}

crypto::RecordAddress Address(std::string_view vault_id, std::string_view name,
                              std::string_view version) {
  return {std::string(vault_id), absl::StrCat("secrets/", Canonical(name)), std::string(version)};
}

std::int64_t ToUnix(std::optional<absl::Time> t) {
  return t.has_value() ? absl::ToUnixSeconds(*t) : 0;
}

std::optional<absl::Time> FromUnix(std::int64_t seconds) {
  if (seconds == 0) return std::nullopt;
  return absl::FromUnixSeconds(seconds);
}

absl::Status SecretNotFound(std::string_view name, std::string_view version) {
  std::string id =
      version.empty() ? std::string(name) : absl::StrCat(AsAbsl(name), "/", AsAbsl(version));
  return absl::NotFoundError(
      absl::StrCat("A secret with (name/id) ", id, " was not found in this key vault."));
}

absl::Status DeletedSecretNotFound(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("Deleted Secret not found: ", AsAbsl(name)));
}

absl::Status SecretIsDeleted(std::string_view name) {
  return domain::WithReason(
      absl::AlreadyExistsError(absl::StrCat(
          "Secret ", AsAbsl(name),
          " is currently in a deleted but recoverable state, and its name cannot be reused; in "
          "this state, the secret can only be recovered or purged.")),
      domain::reason::kObjectIsDeletedButRecoverable);
}

absl::StatusOr<storage::v1::SecretHeadRecord> ParseHead(std::string_view bytes) {
  storage::v1::SecretHeadRecord head;
  if (!head.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("stored secret head is not parseable");
  }
  return head;
}

absl::StatusOr<storage::v1::SecretVersionRecord> OpenVersion(const crypto::RecordSealer& sealer,
                                                             const crypto::RecordAddress& address,
                                                             std::string_view sealed) {
  auto plain = sealer.Open(address, sealed);
  if (!plain.ok()) return plain.status();
  storage::v1::SecretVersionRecord record;
  if (!record.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return absl::DataLossError("stored secret version is not parseable");
  }
  return record;
}

SecretBytes SerializeSecret(const google::protobuf::MessageLite& message) {
  SecretBytes out(message.ByteSizeLong());
  message.SerializeToArray(out.mutable_data(), static_cast<int>(out.size()));
  return out;
}

void ScrubValue(storage::v1::SecretVersionRecord& record) {
  std::string* value = record.mutable_value();
  internal::ZeroMemory(value->data(), value->size());
  value->clear();
}

domain::SecretProperties ToProperties(std::string_view name, std::string_view version,
                                      const storage::v1::SecretVersionRecord& record) {
  domain::SecretProperties p;
  p.name = std::string(name);
  p.version = std::string(version);
  p.content_type = record.content_type();
  p.tags = domain::Tags(record.tags().begin(), record.tags().end());
  p.attributes.enabled = record.enabled();
  p.attributes.not_before = FromUnix(record.not_before());
  p.attributes.expires = FromUnix(record.expires());
  p.attributes.created = absl::FromUnixSeconds(record.created());
  p.attributes.updated = absl::FromUnixSeconds(record.updated());
  return p;
}

}  // namespace coffer::service::records
