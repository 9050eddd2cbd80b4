#ifndef COFFER_VAULT_CORE_SERVICE_SECRET_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_SECRET_SERVICE_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "vault-core/domain/secret.h"
#include "vault-core/domain/vault.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/service/page.h"
#include "vault-core/service/versioned_objects.h"
#include "vault-core/storage/storage.h"

namespace coffer::service {

// Secrets with Azure Key Vault's semantics: versions, attributes, tags, soft delete with the
// vault's retention, recover, purge, backup and restore. Every version is sealed under the
// vault's data key before it is stored. Callers have already authorised the call.
//
// Thread-safe. Concurrent writes to one secret retry on conflict, so none is lost.
// Errors: NOT_FOUND (no such secret or version), INVALID_ARGUMENT (bad name, version or value),
// PERMISSION_DENIED with reason SecretDisabled (value of a disabled version),
// ALREADY_EXISTS with reason ObjectIsDeletedButRecoverable (name is soft-deleted),
// FAILED_PRECONDITION with reason PurgeProtected, DATA_LOSS (a record does not open), and the
// store's UNAVAILABLE.
class SecretService {
 public:
  SecretService(storage::Store& store, envelope::VaultKeys& keys, Clock& clock)
      : objects_(store, keys, clock, kSecretObjects),
        keys_(keys),
        clock_(clock) {}

  // Adds a new version, which becomes the latest.
  absl::StatusOr<domain::Secret> Set(const domain::Vault& vault, std::string_view name,
                                     const SecretBytes& value,
                                     const domain::SecretSetOptions& options);
  // `version` empty: the latest version.
  absl::StatusOr<domain::Secret> Get(const domain::Vault& vault, std::string_view name,
                                     std::string_view version);
  absl::StatusOr<domain::SecretProperties> Update(const domain::Vault& vault, std::string_view name,
                                                  std::string_view version,
                                                  const domain::SecretUpdate& update);
  // Latest version of each live secret, by name.
  absl::StatusOr<Page<domain::SecretProperties>> List(const domain::Vault& vault,
                                                      const std::string& continuation,
                                                      std::size_t max_results);
  absl::StatusOr<Page<domain::SecretProperties>> ListVersions(const domain::Vault& vault,
                                                              std::string_view name,
                                                              const std::string& continuation,
                                                              std::size_t max_results);

  absl::StatusOr<domain::DeletedSecret> Delete(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<domain::DeletedSecret> GetDeleted(const domain::Vault& vault,
                                                   std::string_view name);
  absl::StatusOr<Page<domain::DeletedSecret>> ListDeleted(const domain::Vault& vault,
                                                          const std::string& continuation,
                                                          std::size_t max_results);
  absl::StatusOr<domain::SecretProperties> Recover(const domain::Vault& vault,
                                                   std::string_view name);
  absl::Status Purge(const domain::Vault& vault, std::string_view name);
  // Purges every deleted secret whose retention has run out, telling `purged` each name;
  // returns how many.
  absl::StatusOr<int> PurgeDue(const domain::Vault& vault,
                               const std::function<void(std::string_view name)>& purged = {});

  // An opaque blob with every version, sealed under the installation's backup key: it restores
  // into any vault of this installation and nowhere else.
  absl::StatusOr<std::string> Backup(const domain::Vault& vault, std::string_view name);
  absl::StatusOr<domain::SecretProperties> Restore(const domain::Vault& vault,
                                                   std::string_view blob);

 private:
  VersionedObjects objects_;
  envelope::VaultKeys& keys_;
  Clock& clock_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_SECRET_SERVICE_H_
