#ifndef COFFER_LIB_KUBE_TOKEN_CALLS_H_
#define COFFER_LIB_KUBE_TOKEN_CALLS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/kube/kube_client.h"

namespace coffer::kube {

// The status of a TokenReview (authentication.k8s.io/v1).
struct TokenReviewResult {
  bool authenticated = false;
  std::string username;  // "system:serviceaccount:NS:NAME"
  std::string uid;
  std::vector<std::string> groups;
  std::vector<std::string> audiences;  // the requested audiences the token is valid for
  // From user.extra authentication.kubernetes.io/pod-name and pod-uid, when bound to a pod.
  std::string pod_name;
  std::string pod_uid;
  std::string error;  // why it is not authenticated
};

// POST /apis/authentication.k8s.io/v1/tokenreviews. An unauthenticated token is not an error:
// the result says so (authenticated false, `error` set). Empty `audiences`: the API server's.
absl::StatusOr<TokenReviewResult> ReviewToken(KubeClient& client, std::string_view token,
                                              const std::vector<std::string>& audiences);

struct BoundPod {
  std::string name;
  std::string uid;  // "" binds by name only
};

struct IssuedToken {
  std::string token;
  absl::Time expiration = absl::InfinitePast();  // status.expirationTimestamp
};

// POST /api/v1/namespaces/{ns}/serviceaccounts/{service_account}/token (TokenRequest).
// `expiration_seconds` 0 leaves the server's default; a set `pod` binds the token to it.
absl::StatusOr<IssuedToken> RequestToken(KubeClient& client, std::string_view ns,
                                         std::string_view service_account,
                                         const std::vector<std::string>& audiences,
                                         std::int64_t expiration_seconds,
                                         const std::optional<BoundPod>& pod);

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_TOKEN_CALLS_H_
