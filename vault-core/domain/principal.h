#ifndef COFFER_VAULT_CORE_DOMAIN_PRINCIPAL_H_
#define COFFER_VAULT_CORE_DOMAIN_PRINCIPAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace coffer::domain {

// A client secret of a service principal, as far as anyone may see it: the secret itself is
// shown once at creation and stored only as a salted slow hash.
struct ClientSecretInfo {
  std::string id;
  std::string hint;  // its first three characters, as Entra ID shows them
  absl::Time created;
  std::optional<absl::Time> expires;
};

struct Principal {
  std::string object_id;  // what access policies name
  std::string client_id;  // what the token endpoint is given (the "application id")
  std::string display_name;
  std::vector<ClientSecretInfo> secrets;
  absl::Time created;
};

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_PRINCIPAL_H_
