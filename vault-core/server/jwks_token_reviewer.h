#ifndef COFFER_VAULT_CORE_SERVER_JWKS_TOKEN_REVIEWER_H_
#define COFFER_VAULT_CORE_SERVER_JWKS_TOKEN_REVIEWER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "lib/kube/kube_client.h"
#include "vault-core/identity/cluster_key_set.h"
#include "vault-core/identity/federated.h"

namespace coffer::server {

// ServiceAccountTokenReviewer that checks a token's signature itself, against the keys the
// cluster publishes (its API server's /.well-known/openid-configuration and JWKS), and then
// asks the cluster only what the token cannot say: that its ServiceAccount, and the pod it is
// bound to, still exist with the uids it names. A forged token costs a signature check and no
// call to the cluster; a valid one costs one or two GETs where TokenReview costs one POST, but
// no extra permission beyond reading serviceaccounts and pods.
//
// Keys are fetched at the first token, again after `refresh` (an hour), and at once (at most
// every 30 s) when a token names a key id not yet seen: the cluster rotated its keys.
// Thread-safe.
class JwksTokenReviewer : public identity::ServiceAccountTokenReviewer {
 public:
  JwksTokenReviewer(std::unique_ptr<kube::KubeClient> client, std::string issuer, Clock& clock,
                    absl::Duration refresh = absl::Hours(1));

  absl::StatusOr<identity::ReviewedServiceAccount> Review(std::string_view token,
                                                          std::string_view audience) override;

 private:
  // The key set, fetched when there is none, it is older than `refresh_`, or `stale` (a kid
  // was not found), and the last fetch is 30 s old. UNAVAILABLE while there are no keys.
  absl::StatusOr<std::shared_ptr<const identity::ClusterKeySet>> Keys(bool stale);
  absl::StatusOr<std::shared_ptr<const identity::ClusterKeySet>> Fetch();
  // OK when the object exists with `uid`; UNAUTHENTICATED when it does not.
  absl::Status StillThere(const kube::ResourceRef& ref, const std::string& ns,
                          const std::string& name, const std::string& uid);

  const std::unique_ptr<kube::KubeClient> client_;
  const std::string issuer_;
  Clock& clock_;
  const absl::Duration refresh_;
  absl::Mutex mu_;
  std::shared_ptr<const identity::ClusterKeySet> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time fetched_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();  // the last fetch began
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_JWKS_TOKEN_REVIEWER_H_
