#ifndef COFFER_VAULT_CORE_DOMAIN_ACCESS_POLICY_H_
#define COFFER_VAULT_CORE_DOMAIN_ACCESS_POLICY_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace coffer::domain {

enum class ObjectKind { kSecrets, kKeys, kCertificates };

// Azure's access-policy model: per vault, per principal (object id), a set of permission names
// for each object kind. Names are Azure's, stored in lower case ("get", "wrapkey").
struct AccessPolicy {
  std::string object_id;
  std::set<std::string> secrets;
  std::set<std::string> keys;
  std::set<std::string> certificates;

  bool Allows(ObjectKind kind, std::string_view permission) const;
};

// Lower-cases, checks against Azure's names for that kind and expands "all".
// Errors: INVALID_ARGUMENT naming the unknown permission.
absl::StatusOr<std::set<std::string>> NormalizePermissions(ObjectKind kind,
                                                           const std::vector<std::string>& names);

const char* ObjectKindName(ObjectKind kind);  // "secrets", "keys", "certificates"

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_ACCESS_POLICY_H_
