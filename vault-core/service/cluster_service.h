#ifndef COFFER_VAULT_CORE_SERVICE_CLUSTER_SERVICE_H_
#define COFFER_VAULT_CORE_SERVICE_CLUSTER_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/envelope/vault_keys.h"
#include "vault-core/storage/storage.h"

namespace coffer::service {

// A Kubernetes cluster trusted through the admin API, and how to reach its API server.
struct StoredCluster {
  std::string name;
  std::string issuer;
  std::string audience = "api://coffer";
  std::string verify = "tokenreview";  // or "jwks"
  std::string api_server;              // https://HOST[:PORT]
  std::string ca_certificate_pem;
  SecretBytes token;  // what Coffer presents there; empty in what List(false) returns
  absl::Time created;
};

// Trusted clusters kept in the store (clusters/<name>), their API server tokens sealed under an
// installation data key. Clusters of the configuration file are `reserved`: their names and
// issuers cannot be taken. Thread-safe. Errors: INVALID_ARGUMENT naming the field,
// ALREADY_EXISTS (an issuer trusted under another name), FAILED_PRECONDITION (a configured
// cluster's name or issuer), NOT_FOUND, the store's.
class ClusterService {
 public:
  struct Reserved {
    std::string name;
    std::string issuer;
  };
  ClusterService(storage::Store& store, envelope::VaultKeys& keys, Clock& clock,
                 std::vector<Reserved> reserved)
      : store_(store), keys_(keys), clock_(clock), reserved_(std::move(reserved)) {}

  // Creates or replaces; the result carries no token.
  absl::StatusOr<StoredCluster> Set(StoredCluster cluster);
  // By name; with the tokens only for the token service.
  absl::StatusOr<std::vector<StoredCluster>> List(bool with_tokens);
  absl::Status Remove(std::string_view name);

 private:
  storage::Store& store_;
  envelope::VaultKeys& keys_;
  Clock& clock_;
  const std::vector<Reserved> reserved_;
};

}  // namespace coffer::service

#endif  // COFFER_VAULT_CORE_SERVICE_CLUSTER_SERVICE_H_
