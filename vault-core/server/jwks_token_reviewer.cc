#include "vault-core/server/jwks_token_reviewer.h"

#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"

namespace coffer::server {
namespace {

using nlohmann::json;

constexpr absl::Duration kMinRefetch = absl::Seconds(30);
const kube::ResourceRef kServiceAccounts{"", "v1", "serviceaccounts", true};
const kube::ResourceRef kPods{"", "v1", "pods", true};

}  // namespace

JwksTokenReviewer::JwksTokenReviewer(std::unique_ptr<kube::KubeClient> client, std::string issuer,
                                     Clock& clock, absl::Duration refresh)
    : client_(std::move(client)), issuer_(std::move(issuer)), clock_(clock), refresh_(refresh) {}

absl::StatusOr<std::shared_ptr<const identity::ClusterKeySet>> JwksTokenReviewer::Fetch() {
  // The API server serves both documents (ServiceAccountIssuerDiscovery) at fixed paths. The
  // jwks_uri its discovery document names may be elsewhere (--service-account-jwks-uri: a
  // bucket, or an address only pods reach), so the keys are read from the API server's own
  // /openid/v1/jwks, which it always serves and the chart's RBAC allows.
  auto config = client_->Raw("GET", "/.well-known/openid-configuration", json());
  if (!config.ok()) {
    return absl::UnavailableError("cannot read the cluster's OIDC discovery document: " +
                                  std::string(config.status().message()));
  }
  if (config->value("issuer", "") != issuer_) {
    return absl::UnavailableError("the cluster's issuer is '" + config->value("issuer", "") +
                                  "', not the configured '" + issuer_ + "'");
  }
  auto jwks = client_->Raw("GET", "/openid/v1/jwks", json());
  if (!jwks.ok()) {
    return absl::UnavailableError("cannot read the cluster's JWKS: " +
                                  std::string(jwks.status().message()));
  }
  auto keys = identity::ClusterKeySet::Parse(*jwks);
  if (!keys.ok()) return absl::UnavailableError(std::string(keys.status().message()));
  COFFER_LOG(kVault, info, "{} signing key(s) of issuer {} fetched", (*keys)->size(), issuer_);
  return std::shared_ptr<const identity::ClusterKeySet>(*std::move(keys));
}

absl::StatusOr<std::shared_ptr<const identity::ClusterKeySet>> JwksTokenReviewer::Keys(bool stale) {
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    // One fetch at a time, none within 30 s of the last (however it went): a stream of tokens
    // with made-up key ids, or a cluster that is down, costs the cluster one call per 30 s.
    const bool wanted = keys_ == nullptr || stale || now >= fetched_ + refresh_;
    if (!wanted || fetching_ || now < fetched_ + kMinRefetch) {
      if (keys_ != nullptr) return keys_;
      return absl::UnavailableError(last_error_.empty() ? "the cluster's keys are being fetched"
                                                        : last_error_);
    }
    fetching_ = true;
    fetched_ = now;
  }
  // Outside the lock: logins go on with the keys at hand while the cluster answers.
  absl::StatusOr<std::shared_ptr<const identity::ClusterKeySet>> fetched = Fetch();
  absl::MutexLock lock(&mu_);
  fetching_ = false;
  if (fetched.ok()) {
    keys_ = *std::move(fetched);
  } else {
    last_error_ = std::string(fetched.status().message());
    if (keys_ == nullptr) return fetched.status();  // keep checking with the keys we had
  }
  return keys_;
}

absl::Status JwksTokenReviewer::StillThere(const kube::ResourceRef& ref, const std::string& ns,
                                           const std::string& name, const std::string& uid) {
  auto object = client_->Get(ref, ns, name);
  if (absl::IsNotFound(object.status())) {
    return absl::UnauthenticatedError(ref.resource + " " + ns + "/" + name + " no longer exists");
  }
  if (!object.ok()) {
    return absl::UnavailableError("cannot read " + ref.resource + " " + ns + "/" + name + ": " +
                                  std::string(object.status().message()));
  }
  if (object->value("/metadata/uid"_json_pointer, std::string()) != uid) {
    return absl::UnauthenticatedError(ref.resource + " " + ns + "/" + name +
                                      " was deleted and created again");
  }
  if (!object->value("/metadata/deletionTimestamp"_json_pointer, json()).is_null()) {
    return absl::UnauthenticatedError(ref.resource + " " + ns + "/" + name + " is being deleted");
  }
  return absl::OkStatus();
}

absl::StatusOr<identity::ReviewedServiceAccount> JwksTokenReviewer::Review(
    std::string_view token, std::string_view audience) {
  COFFER_ASSIGN_OR_RETURN(auto keys, Keys(/*stale=*/false));
  absl::StatusOr<identity::ClusterTokenClaims> claims =
      keys->Verify(token, issuer_, audience, clock_.Now());
  if (absl::IsNotFound(claims.status())) {
    COFFER_ASSIGN_OR_RETURN(keys, Keys(/*stale=*/true));
    claims = keys->Verify(token, issuer_, audience, clock_.Now());
  }
  if (absl::IsNotFound(claims.status())) {
    return absl::UnauthenticatedError(std::string(claims.status().message()));
  }
  if (!claims.ok()) return claims.status();
  COFFER_RETURN_IF_ERROR(StillThere(kServiceAccounts, claims->ns, claims->service_account,
                                    claims->service_account_uid));
  if (!claims->pod.empty()) {
    COFFER_RETURN_IF_ERROR(StillThere(kPods, claims->ns, claims->pod, claims->pod_uid));
  }
  return identity::ReviewedServiceAccount{claims->ns, claims->service_account, claims->pod};
}

}  // namespace coffer::server
