#include "vault-core/server/installation.h"

#include "vault-core/crypto/random.h"

namespace coffer::server {

absl::StatusOr<std::string> LoadOrCreateTenant(storage::Store& store) {
  constexpr const char kKey[] = "installation/tenant";
  auto existing = store.Get(kKey);
  if (existing.ok()) return existing->value;
  if (!absl::IsNotFound(existing.status())) return existing.status();
  std::string tenant = crypto::RandomUuid();
  auto created = store.Put(kKey, tenant, storage::kMustNotExist);
  if (absl::IsAborted(created.status())) return LoadOrCreateTenant(store);  // another replica won
  if (!created.ok()) return created.status();
  return tenant;
}

}  // namespace coffer::server
