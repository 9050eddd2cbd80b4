#ifndef COFFER_VAULT_CORE_SERVICE_SECRET_RECORDS_H_
#define COFFER_VAULT_CORE_SERVICE_SECRET_RECORDS_H_

// Where secrets live in the store, and the conversions between records and domain types.
//   v/<vault id>/secrets/<name>                      SecretHeadRecord (live)
//   v/<vault id>/deletedsecrets/<name>               SecretHeadRecord (soft-deleted)
//   v/<vault id>/secretversions/<name>/<version>     sealed SecretVersionRecord

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coffer/storage/v1/records.pb.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/crypto/record_sealer.h"
#include "vault-core/domain/secret.h"

namespace coffer::service::records {

// Object names are case-insensitive: every key and record address uses this form.
std::string Canonical(std::string_view name);
// The name as the secret was first written (for ids), or `requested` for older records.
std::string DisplayName(const storage::v1::SecretHeadRecord& head, std::string_view requested);

std::string SecretsPrefix(std::string_view vault_id);
std::string DeletedPrefix(std::string_view vault_id);
std::string HeadKey(std::string_view vault_id, std::string_view name);
std::string DeletedKey(std::string_view vault_id, std::string_view name);
std::string VersionPrefix(std::string_view vault_id, std::string_view name);
std::string VersionKey(std::string_view vault_id, std::string_view name, std::string_view version);
// The part of `key` after `prefix`.
std::string_view Suffix(std::string_view key, std::string_view prefix);

crypto::RecordAddress Address(std::string_view vault_id, std::string_view name,
                              std::string_view version);

std::int64_t ToUnix(std::optional<absl::Time> t);
std::optional<absl::Time> FromUnix(std::int64_t seconds);

absl::Status SecretNotFound(std::string_view name, std::string_view version = {});
absl::Status DeletedSecretNotFound(std::string_view name);
// The name is soft-deleted: it can be recovered or purged, not reused (Azure's 409).
absl::Status SecretIsDeleted(std::string_view name);

absl::StatusOr<storage::v1::SecretHeadRecord> ParseHead(std::string_view bytes);
absl::StatusOr<storage::v1::SecretVersionRecord> OpenVersion(const crypto::RecordSealer& sealer,
                                                             const crypto::RecordAddress& address,
                                                             std::string_view sealed);
// Serialises into zeroing memory, so a secret value does not linger in a std::string.
SecretBytes SerializeSecret(const google::protobuf::MessageLite& message);
// Zeroes the value held by a record before it is dropped.
void ScrubValue(storage::v1::SecretVersionRecord& record);

domain::SecretProperties ToProperties(std::string_view name, std::string_view version,
                                      const storage::v1::SecretVersionRecord& record);

}  // namespace coffer::service::records

#endif  // COFFER_VAULT_CORE_SERVICE_SECRET_RECORDS_H_
