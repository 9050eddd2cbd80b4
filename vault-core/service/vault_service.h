#ifndef COFFER_VAULT_CORE_SERVICE_VAULT_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_VAULT_SERVICE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "vault-core/domain/vault.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/storage/storage.h"

namespace coffer::service {

struct VaultSpec {
  std::string name;
  std::vector<std::string> hostnames;
  domain::Sku sku = domain::Sku::kStandard;
  int soft_delete_retention_days = 90;
  bool purge_protection = false;
};

struct VaultUpdate {
  std::optional<std::vector<std::string>> hostnames;
  std::optional<domain::Sku> sku;
  std::optional<bool> purge_protection;  // can be turned on, never off (as in Azure)
};

// The vaults of this installation, and which vault a hostname addresses.
//   vaults/<id>          VaultRecord
//   vaultnames/<name>    the id
//   hosts/<hostname>     the id
// A soft-deleted vault keeps its name and hostnames until it is purged, so it can be recovered.
// Thread-safe. Host lookups are served from a cache that a store watch keeps fresh.
// Errors: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS (name or hostname taken),
// FAILED_PRECONDITION (purge protection; recover of a live vault), the store's UNAVAILABLE.
class VaultService {
 public:
  static absl::StatusOr<std::unique_ptr<VaultService>> Create(storage::Store& store,
                                                              envelope::VaultKeys& keys,
                                                              Clock& clock);

  absl::StatusOr<domain::Vault> CreateVault(const VaultSpec& spec);
  // Live or soft-deleted.
  absl::StatusOr<domain::Vault> Get(std::string_view name);
  absl::StatusOr<std::vector<domain::Vault>> List(bool include_deleted);
  absl::StatusOr<domain::Vault> Update(std::string_view name, const VaultUpdate& update);
  absl::StatusOr<domain::Vault> Delete(std::string_view name);
  absl::StatusOr<domain::Vault> Recover(std::string_view name);
  // Removes the vault with every object in it and its data key. Only once soft-deleted.
  absl::Status Purge(std::string_view name);

  // The live vault `host` addresses (lower-cased, port stripped by the caller); NOT_FOUND else.
  absl::StatusOr<std::shared_ptr<const domain::Vault>> ResolveHost(std::string_view host);

 private:
  VaultService(storage::Store& store, envelope::VaultKeys& keys, Clock& clock)
      : store_(store), keys_(keys), clock_(clock) {}

  struct Loaded;
  absl::StatusOr<Loaded> Load(std::string_view name);
  absl::Status Save(const Loaded& before, const domain::Vault& after);
  void InvalidateCache();

  storage::Store& store_;
  envelope::VaultKeys& keys_;
  Clock& clock_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const domain::Vault>, std::less<>> by_host_
      ABSL_GUARDED_BY(mu_);
  std::uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::unique_ptr<storage::WatchHandle>> watches_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_VAULT_SERVICE_H_
