#ifndef COFFER_OPERATOR_WEBHOOK_CLIENT_ID_LOOKUP_H_
#define COFFER_OPERATOR_WEBHOOK_CLIENT_ID_LOOKUP_H_

// Where a pod's AZURE_CLIENT_ID comes from: the client id of its ServiceAccount's managed
// identity in Coffer.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/kube/kube_client.h"

namespace coffer::op {

// Set by hand on a ServiceAccount whose managed identity no AccessPolicy of its namespace
// names (`coffer identity create` prints the client id), or to override what they publish.
inline constexpr char kClientIdAnnotation[] = "coffer.dev/client-id";

// Thread-safe.
class ClientIdLookup {
 public:
  virtual ~ClientIdLookup() = default;

  // The client id for ServiceAccount `name` of namespace `ns`, or "" when none is published
  // (nothing names one, or the ServiceAccount does not exist).
  // Errors: INVALID_ARGUMENT when `ns` or `name` is not a valid Kubernetes name; otherwise
  // whatever kept the answer from being known (UNAVAILABLE, DEADLINE_EXCEEDED,
  // PERMISSION_DENIED, ...): the caller cannot tell whether a client id exists.
  virtual absl::StatusOr<std::string> ClientIdOf(std::string_view ns, std::string_view name) = 0;
};

// Asks the API server: the ServiceAccount's annotation `coffer.dev/client-id` when set, else
// the `status.clientId` of the first AccessPolicy listed in `ns` whose subject is that
// ServiceAccount and that has one (the operator publishes the same client id, that of the
// ServiceAccount's managed identity, on every policy naming it). Needs `get` on serviceaccounts and
// `list` on accesspolicies.coffer.dev. Thread-safe as its KubeClient is.
class KubeClientIdLookup : public ClientIdLookup {
 public:
  explicit KubeClientIdLookup(kube::KubeClient& kube) : kube_(kube) {}

  absl::StatusOr<std::string> ClientIdOf(std::string_view ns, std::string_view name) override;

 private:
  absl::StatusOr<std::string> FromAccessPolicies(std::string_view ns, std::string_view name);

  kube::KubeClient& kube_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_WEBHOOK_CLIENT_ID_LOOKUP_H_
