#ifndef COFFER_VAULT_CORE_DOMAIN_NAMES_H_
#define COFFER_VAULT_CORE_DOMAIN_NAMES_H_

#include <string_view>

#include "absl/status/status.h"

namespace coffer::domain {

// Object names as Azure Key Vault allows them: [0-9a-zA-Z-]{1,127}.
// Errors: INVALID_ARGUMENT naming the bad value.
absl::Status ValidateObjectName(std::string_view name);

// Object versions: 32 lowercase hex characters.
absl::Status ValidateVersion(std::string_view version);

// Vault names as Azure allows them: 3-24 characters, letters, digits and dashes, starting with a
// letter, no consecutive dashes, not ending with one.
absl::Status ValidateVaultName(std::string_view name);

// A DNS hostname (what a vault is addressed by): labels of [a-z0-9-], 1-63 characters each,
// at least two labels, 253 characters at most, lower case.
absl::Status ValidateHostname(std::string_view host);

// Kubernetes names: a DNS-1123 label ([a-z0-9-], 1-63, no dash at either end: namespaces,
// cluster names) and a DNS-1123 subdomain (such labels joined by dots, 253 at most:
// ServiceAccounts). `what` names the field in the error.
absl::Status ValidateDnsLabel(std::string_view what, std::string_view value);
absl::Status ValidateDnsSubdomain(std::string_view what, std::string_view value);

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_NAMES_H_
