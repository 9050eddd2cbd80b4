#ifndef COFFER_VAULT_CORE_DOMAIN_VAULT_H_
#define COFFER_VAULT_CORE_DOMAIN_VAULT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace coffer::domain {

enum class Sku { kStandard, kPremium };  // premium allows HSM-protected keys

struct Vault {
  std::string id;    // random, never reused: binds sealed records and storage keys
  std::string name;  // unique per installation
  std::vector<std::string> hostnames;  // how requests address it (Host header)
  Sku sku = Sku::kStandard;
  int soft_delete_retention_days = 90;  // 7..90
  bool purge_protection = false;
  absl::Time created;
  std::optional<absl::Time> deleted;  // set while the vault is soft-deleted

  // Azure's recoveryLevel for objects in this vault, e.g. "Recoverable+Purgeable".
  std::string RecoveryLevel() const;
};

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_VAULT_H_
