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
  // INVALID_ARGUMENT / NOT_FOUND when the kubeconfig or in-cluster configuration is unusable.
  static absl::StatusOr<std::unique_ptr<KubeTokenReviewer>> Create(
      const VaultConfig::Identity::Cluster& cluster);

  // Over a client already made (tests: a fake).
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

// A client of a trusted cluster's API server, from its kubeconfig or in-cluster configuration;
// it owns the certificate files its TLS settings read. Requests time out after 5 s: a token
// request waits for them.
absl::StatusOr<std::unique_ptr<kube::KubeClient>> ConnectToCluster(
    const VaultConfig::Identity::Cluster& cluster);

// The reviewer `cluster.verify` asks for: TokenReview, or JWKS plus lookups.
absl::StatusOr<std::unique_ptr<identity::ServiceAccountTokenReviewer>> NewTokenReviewer(
    const VaultConfig::Identity::Cluster& cluster, Clock& clock);

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_KUBE_TOKEN_REVIEWER_H_
