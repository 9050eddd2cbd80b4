#include "vault-core/domain/vault.h"

namespace coffer::domain {

std::string Vault::RecoveryLevel() const {
  std::string level = soft_delete_retention_days < 90 ? "CustomizedRecoverable" : "Recoverable";
  return purge_protection ? level : level + "+Purgeable";
}

}  // namespace coffer::domain
