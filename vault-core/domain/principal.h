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

// A certificate whose private key signs a service principal's client assertions. Public
// material only: the key never reaches the vault.
struct ClientCertificateInfo {
  std::string id;
  std::string thumbprint;         // upper-case hex SHA-1 of the DER (x5t)
  std::string thumbprint_sha256;  // upper-case hex SHA-256 (x5t#S256)
  std::string subject;
  absl::Time not_before;
  absl::Time not_after;
  absl::Time created;
};

// A Kubernetes ServiceAccount of a named cluster: the identity its pods prove with their own
// projected service-account tokens.
struct ServiceAccountSubject {
  std::string cluster;
  std::string ns;
  std::string name;

  // "system:serviceaccount:NAMESPACE:NAME", as the cluster's tokens name it.
  std::string Subject() const { return "system:serviceaccount:" + ns + ":" + name; }
  bool operator==(const ServiceAccountSubject& o) const {
    return cluster == o.cluster && ns == o.ns && name == o.name;
  }
};

// A service principal (logs in with client secrets or certificates) or, when `service_account` is set, a
// managed identity (logs in only with that ServiceAccount's tokens; it has no secrets).
struct Principal {
  std::string object_id;  // what access policies name
  std::string client_id;  // what the token endpoint is given (the "application id")
  std::string display_name;
  std::vector<ClientSecretInfo> secrets;
  std::vector<ClientCertificateInfo> certificates;
  absl::Time created;
  std::optional<ServiceAccountSubject> service_account;

  bool managed() const { return service_account.has_value(); }
};

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_PRINCIPAL_H_
