#ifndef COFFER_VAULT_CORE_DOMAIN_ERRORS_H_
#define COFFER_VAULT_CORE_DOMAIN_ERRORS_H_

// A status code says what the caller should do; some answers also need to say which of several
// same-coded situations happened (Azure's inner error codes). The reason travels as a status
// payload so that the service stays free of protocol types; the API layers map it.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace coffer::domain {

namespace reason {
inline constexpr const char kSecretDisabled[] = "SecretDisabled";
inline constexpr const char kKeyDisabled[] = "KeyDisabled";
inline constexpr const char kObjectIsDeletedButRecoverable[] = "ObjectIsDeletedButRecoverable";
inline constexpr const char kPurgeProtected[] = "PurgeProtected";
inline constexpr const char kAccessDenied[] = "AccessDenied";
inline constexpr const char kSecretManagedByKeyVault[] = "SecretManagedByKeyVault";
inline constexpr const char kKeyManagedByKeyVault[] = "KeyManagedByKeyVault";
inline constexpr const char kCertificateOperationInProgress[] = "CertificateOperationInProgress";
// The store refuses writes for want of space (etcd's quota): reads go on.
inline constexpr const char kStorageFull[] = "StorageFull";
}  // namespace reason

absl::Status WithReason(absl::Status status, std::string_view reason);
std::optional<std::string> ReasonOf(const absl::Status& status);

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_ERRORS_H_
