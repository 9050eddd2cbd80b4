#ifndef COFFER_VAULT_CORE_SERVICE_VAULT_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_VAULT_SERVICE_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "vault-core/domain/vault.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/service/serving_certificates.h"
#include "vault-core/storage/storage.h"
#include "vault-core/storage/watched_cache.h"

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
  // With `certificates`, every hostname a vault gets has a serving certificate before the vault
  // answers to it (issued before the vault is saved, so a failure changes nothing).
  static absl::StatusOr<std::unique_ptr<VaultService>> Create(
      storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
      ServingCertificates* certificates = nullptr);

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

  // Whether `parent` is a parent domain of a live vault's hostname (`vault.coffer.test` of
  // `prod.vault.coffer.test`): what a token request's resource must be. Asked before the client
  // is known, so it is answered from memory (one set of every such domain, made again after a
  // vault changes), not by reading every vault.
  absl::StatusOr<bool> IsParentDomain(std::string_view parent);

 private:
  using HostCache = storage::WatchedCache<domain::Vault>;
  using DomainSet = std::set<std::string, std::less<>>;
  using DomainCache = storage::WatchedCache<DomainSet>;

  VaultService(storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
               ServingCertificates* certificates, std::unique_ptr<HostCache> by_host,
               std::unique_ptr<DomainCache> parent_domains)
      : store_(store),
        keys_(keys),
        clock_(clock),
        certificates_(certificates),
        by_host_(std::move(by_host)),
        parent_domains_(std::move(parent_domains)) {}
  // Both caches forget now, not when the watch gets to it: a deleted vault stops at once.
  void Forget() {
    by_host_->Clear();
    parent_domains_->Clear();
  }
  absl::Status EnsureCertificates(const std::vector<std::string>& hostnames);

  struct Loaded;
  absl::StatusOr<Loaded> Load(std::string_view name);
  absl::Status Save(const Loaded& before, const domain::Vault& after);

  storage::Store& store_;
  envelope::VaultKeys& keys_;
  Clock& clock_;
  ServingCertificates* const certificates_;  // optional
  // Live vaults by hostname; cleared by the store watch, and right after this service's writes
  // so that a deleted vault stops answering at once.
  const std::unique_ptr<HostCache> by_host_;
  const std::unique_ptr<DomainCache> parent_domains_;  // one entry, ""
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_VAULT_SERVICE_H_
