#ifndef COFFER_VAULT_CORE_SERVICE_POLICY_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_POLICY_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "vault-core/domain/access_policy.h"
#include "vault-core/storage/storage.h"
#include "vault-core/storage/watched_cache.h"

namespace coffer::service {

// Access policies, per vault: policies/<vault id>/<object id> -> AccessPolicyRecord.
// Deny by default: a principal without a policy, or without the permission, may do nothing.
// Thread-safe. Checks read the one principal's policy in the vault, parsed once and kept in a
// bounded cache that a store watch keeps fresh: memory follows the principals that call, not the
// policies the installation holds (a whole vault's set per vault held 1,000 vaults x 1,000
// policies in 520 MiB).
class PolicyService {
 public:
  static absl::StatusOr<std::unique_ptr<PolicyService>> Create(storage::Store& store);

  static std::string Prefix(std::string_view vault_id);

  // As Azure Key Vault: a vault holds the policies of at most this many principals (listing a
  // vault's policies reads them all).
  static constexpr std::size_t kMaxPoliciesPerVault = 1024;

  // Replaces the principal's policy in the vault. INVALID_ARGUMENT for unknown permissions,
  // RESOURCE_EXHAUSTED for a new principal in a vault that holds kMaxPoliciesPerVault (a few
  // concurrent additions may pass it).
  absl::Status Set(std::string_view vault_id, const domain::AccessPolicy& policy);
  // NOT_FOUND when the principal has no policy there.
  absl::Status Remove(std::string_view vault_id, std::string_view object_id);
  absl::StatusOr<std::vector<domain::AccessPolicy>> List(std::string_view vault_id);

  // Whether the principal's policy grants the permission; deny by default. Errors: the
  // store's (UNAVAILABLE), so that an outage is not mistaken for a denial.
  absl::StatusOr<bool> Allowed(std::string_view vault_id, std::string_view object_id,
                               domain::ObjectKind kind, std::string_view permission);

 private:
  using Cache = storage::WatchedCache<domain::AccessPolicy>;

  PolicyService(storage::Store& store, std::unique_ptr<Cache> cache)
      : store_(store), cache_(std::move(cache)) {}

  storage::Store& store_;
  // By store key; cleared by the store watch, and right after this service's own writes.
  const std::unique_ptr<Cache> cache_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_POLICY_SERVICE_H_
