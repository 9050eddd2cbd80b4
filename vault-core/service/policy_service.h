#ifndef COFFER_VAULT_CORE_SERVICE_POLICY_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_POLICY_SERVICE_H_

#include <map>
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
// Thread-safe. Checks are served from a per-vault cache that a store watch keeps fresh.
class PolicyService {
 public:
  static absl::StatusOr<std::unique_ptr<PolicyService>> Create(storage::Store& store);

  static std::string Prefix(std::string_view vault_id);

  // Replaces the principal's policy in the vault. INVALID_ARGUMENT for unknown permissions.
  absl::Status Set(std::string_view vault_id, const domain::AccessPolicy& policy);
  // NOT_FOUND when the principal has no policy there.
  absl::Status Remove(std::string_view vault_id, std::string_view object_id);
  absl::StatusOr<std::vector<domain::AccessPolicy>> List(std::string_view vault_id);

  // Whether the principal's policy grants the permission; deny by default. Errors: the
  // store's (UNAVAILABLE), so that an outage is not mistaken for a denial.
  absl::StatusOr<bool> Allowed(std::string_view vault_id, std::string_view object_id,
                               domain::ObjectKind kind, std::string_view permission);

 private:
  using VaultPolicies = std::map<std::string, domain::AccessPolicy, std::less<>>;
  using Cache = storage::WatchedCache<VaultPolicies>;

  PolicyService(storage::Store& store, std::unique_ptr<Cache> cache)
      : store_(store), cache_(std::move(cache)) {}
  absl::StatusOr<std::shared_ptr<const VaultPolicies>> Load(std::string_view vault_id);

  storage::Store& store_;
  // By vault id; cleared by the store watch, and right after this service's own writes.
  const std::unique_ptr<Cache> cache_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_POLICY_SERVICE_H_
