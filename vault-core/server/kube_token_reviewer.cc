#include "vault-core/server/kube_token_reviewer.h"

#include <string>

#include "lib/base/status.h"
#include "lib/http/cpprest/client.h"
#include "lib/kube/http_kube_client.h"
#include "lib/kube/token_calls.h"

namespace coffer::server {

absl::StatusOr<std::unique_ptr<KubeTokenReviewer>> KubeTokenReviewer::Create(
    const VaultConfig::Identity::Cluster& cluster) {
  COFFER_ASSIGN_OR_RETURN(kube::KubeConfig config,
                          cluster.in_cluster ? kube::InClusterConfig(kube::ProcessEnvironment())
                                             : kube::LoadKubeconfig(cluster.kubeconfig));
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<kube::TlsFiles> tls, kube::TlsFiles::Create(config));
  http::ClientOptions options = tls->options();
  options.timeout = absl::Seconds(5);  // a token request waits for this; keep it short
  COFFER_ASSIGN_OR_RETURN(auto http, http::cpprest::NewClient(options));
  COFFER_ASSIGN_OR_RETURN(auto client, kube::HttpKubeClient::Create(config, std::move(http)));
  return std::unique_ptr<KubeTokenReviewer>(
      new KubeTokenReviewer(std::move(tls), std::unique_ptr<kube::KubeClient>(std::move(client))));
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
  constexpr std::string_view kPrefix = "system:serviceaccount:";
  const std::string& user = review->username;
  const std::size_t colon = user.find(':', kPrefix.size());
  if (user.rfind(kPrefix, 0) != 0 || colon == std::string::npos) {
    return absl::UnauthenticatedError("not a service account's token");
  }
  return identity::ReviewedServiceAccount{user.substr(kPrefix.size(), colon - kPrefix.size()),
                                          user.substr(colon + 1), review->pod_name};
}

}  // namespace coffer::server
