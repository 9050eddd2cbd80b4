#ifndef COFFER_VAULT_CORE_IDENTITY_CLUSTER_KEY_SET_H_
#define COFFER_VAULT_CORE_IDENTITY_CLUSTER_KEY_SET_H_

// A Kubernetes cluster's service-account tokens checked against the keys it publishes (its
// OIDC discovery document's JWKS), without asking the cluster: signature, issuer, audience and
// time. What only the cluster knows (the ServiceAccount and the pod still exist) is the
// caller's to look up.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"

namespace coffer::crypto {
class RsaPublicKey;
class P256PublicKey;
}  // namespace coffer::crypto

namespace coffer::identity {

// What a verified service-account token says of itself (its "kubernetes.io" claim).
struct ClusterTokenClaims {
  std::string ns;
  std::string service_account;
  std::string service_account_uid;
  std::string pod;      // empty unless the token is bound to a pod
  std::string pod_uid;
};

// Immutable and thread-safe once made.
class ClusterKeySet {
 public:
  // The RS256 (RSA, 2048 bits or more) and ES256 (P-256) signing keys of a JWKS document, by
  // "kid"; keys of other kinds or uses are left out. INVALID_ARGUMENT when none is usable.
  static absl::StatusOr<std::unique_ptr<ClusterKeySet>> Parse(const nlohmann::json& jwks);
  ~ClusterKeySet();

  // UNAUTHENTICATED, saying why, for a token that is malformed, badly signed, from another
  // issuer, for another audience, outside its time (one minute of leeway) or without a
  // service account; NOT_FOUND when its "kid" is not among these keys (the cluster may have
  // rotated them: fetch again and retry).
  absl::StatusOr<ClusterTokenClaims> Verify(std::string_view token, std::string_view issuer,
                                            std::string_view audience, absl::Time now) const;

  std::size_t size() const { return rsa_.size() + ec_.size(); }

 private:
  ClusterKeySet() = default;
  std::map<std::string, std::unique_ptr<crypto::RsaPublicKey>> rsa_;
  std::map<std::string, std::unique_ptr<crypto::P256PublicKey>> ec_;
};

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_CLUSTER_KEY_SET_H_
