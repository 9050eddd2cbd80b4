#include "vault-core/server/kube_token_reviewer.h"

#include <algorithm>
#include <string>

#include "lib/base/status.h"
#include "lib/http/cpprest/client.h"
#include "lib/kube/http_kube_client.h"
#include "lib/kube/token_calls.h"
#include "vault-core/server/jwks_token_reviewer.h"

namespace coffer::server {

namespace {

absl::StatusOr<kube::KubeConfig> ConfigOf(const VaultConfig::Identity::Cluster& cluster) {
  return kube::LoadConfig(cluster.in_cluster ? "" : cluster.kubeconfig);
}

}  // namespace

absl::StatusOr<std::unique_ptr<identity::ServiceAccountTokenReviewer>> NewTokenReviewer(
    const VaultConfig::Identity::Cluster& cluster, const kube::KubeConfig& kube, Clock& clock) {
  // A token request waits for this cluster: keep it short.
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<kube::KubeClient> client,
                          kube::ConnectKube(kube, absl::Seconds(5), http::cpprest::NewClient));
  if (cluster.verify == "jwks") {
    return std::unique_ptr<identity::ServiceAccountTokenReviewer>(
        std::make_unique<JwksTokenReviewer>(std::move(client), cluster.issuer, clock));
  }
  return std::unique_ptr<identity::ServiceAccountTokenReviewer>(
      KubeTokenReviewer::ForClient(std::move(client)));
}

absl::StatusOr<std::unique_ptr<identity::ServiceAccountTokenReviewer>> NewTokenReviewer(
    const VaultConfig::Identity::Cluster& cluster, Clock& clock) {
  COFFER_ASSIGN_OR_RETURN(kube::KubeConfig config, ConfigOf(cluster));
  return NewTokenReviewer(cluster, config, clock);
}

absl::StatusOr<identity::ReviewedServiceAccount> KubeTokenReviewer::Review(
    std::string_view token, std::string_view audience) {
  absl::StatusOr<kube::TokenReviewResult> review =
      kube::ReviewToken(*client_, token, {std::string(audience)});
  if (!review.ok()) {
    return absl::UnavailableError("TokenReview failed: " + std::string(review.status().message()));
  }
  if (!review->authenticated) {
    return absl::UnauthenticatedError(review->error.empty() ? "the token is not valid"
                                                            : review->error);
  }
  // As the TokenReview API asks of its clients: the audience granted is the one asked for, and
  // the user is a service account (by the authenticator's groups, not only its name).
  if (std::find(review->audiences.begin(), review->audiences.end(), audience) ==
      review->audiences.end()) {
    return absl::UnauthenticatedError("the token is not for audience " + std::string(audience));
  }
  constexpr std::string_view kPrefix = "system:serviceaccount:";
  const std::string& user = review->username;
  const std::size_t colon = user.find(':', kPrefix.size());
  if (user.rfind(kPrefix, 0) != 0 || colon == std::string::npos) {
    return absl::UnauthenticatedError("not a service account's token");
  }
  identity::ReviewedServiceAccount account{user.substr(kPrefix.size(), colon - kPrefix.size()),
                                           user.substr(colon + 1), review->pod_name};
  const auto& groups = review->groups;
  auto in_group = [&](const std::string& group) {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  };
  if (account.ns.empty() || account.name.empty() || !in_group("system:serviceaccounts") ||
      !in_group("system:serviceaccounts:" + account.ns)) {
    return absl::UnauthenticatedError("not a service account's token");
  }
  return account;
}

}  // namespace coffer::server
