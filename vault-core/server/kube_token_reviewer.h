#ifndef COFFER_VAULT_CORE_SERVER_KUBE_TOKEN_REVIEWER_H_
#define COFFER_VAULT_CORE_SERVER_KUBE_TOKEN_REVIEWER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "lib/kube/kube_client.h"
#include "lib/kube/kube_config.h"
#include "vault-core/identity/federated.h"
#include "vault-core/server/config.h"

namespace coffer::server {

// ServiceAccountTokenReviewer over a cluster's TokenReview API (lib/kube), reached with a
// kubeconfig or the pod's in-cluster configuration. Coffer's own credentials there need only
// `create` on tokenreviews (the system:auth-delegator role). Thread-safe.
class KubeTokenReviewer : public identity::ServiceAccountTokenReviewer {
 public:
  // Over a client of the cluster's API server (NewTokenReviewer makes it; tests pass a fake).
  static std::unique_ptr<KubeTokenReviewer> ForClient(std::unique_ptr<kube::KubeClient> client) {
    return std::unique_ptr<KubeTokenReviewer>(new KubeTokenReviewer(std::move(client)));
  }

  absl::StatusOr<identity::ReviewedServiceAccount> Review(std::string_view token,
                                                          std::string_view audience) override;

 private:
  explicit KubeTokenReviewer(std::unique_ptr<kube::KubeClient> client)
      : client_(std::move(client)) {}

  const std::unique_ptr<kube::KubeClient> client_;
};

// The reviewer `cluster.verify` asks for (TokenReview, or JWKS plus lookups), reaching the
// cluster's API server as `kube` says.
absl::StatusOr<std::unique_ptr<identity::ServiceAccountTokenReviewer>> NewTokenReviewer(
    const VaultConfig::Identity::Cluster& cluster, const kube::KubeConfig& kube, Clock& clock);
// The same, with the kubeconfig or in-cluster configuration that `cluster` names.
absl::StatusOr<std::unique_ptr<identity::ServiceAccountTokenReviewer>> NewTokenReviewer(
    const VaultConfig::Identity::Cluster& cluster, Clock& clock);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_KUBE_TOKEN_REVIEWER_H_
