#ifndef COFFER_VAULT_CORE_IDENTITY_FEDERATED_H_
#define COFFER_VAULT_CORE_IDENTITY_FEDERATED_H_

// Managed identities log in with their Kubernetes service-account token as a client assertion
// (what @azure/identity's WorkloadIdentityCredential sends): Coffer trusts named clusters by
// their token issuer and asks the cluster itself whether a token is valid.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace coffer::identity {

// What a cluster's API server said of a valid service-account token.
struct ReviewedServiceAccount {
  std::string ns;
  std::string name;
  std::string pod;  // the pod it is bound to, when it is
};

// Asks one cluster whether a service-account token is valid for an audience: signature,
// expiry, audience, and that the service account (and the pod the token is bound to) still
// exist, as TokenReview does. Thread-safe.
class ServiceAccountTokenReviewer {
 public:
  virtual ~ServiceAccountTokenReviewer() = default;
  // UNAUTHENTICATED with the cluster's reason when it refuses the token (or it is not a
  // service account's); UNAVAILABLE when the cluster cannot be asked.
  virtual absl::StatusOr<ReviewedServiceAccount> Review(std::string_view token,
                                                        std::string_view audience) = 0;
};

// A cluster whose service-account tokens are accepted, and how they are checked.
struct TrustedCluster {
  std::string name;      // the cluster name managed identities carry (coffer identity create)
  std::string issuer;    // the tokens' "iss"
  std::string audience;  // the "aud" they must carry
  ServiceAccountTokenReviewer* reviewer = nullptr;  // not owned
};

// Clusters trusted at run time (through the admin API), looked up by issuer. Thread-safe.
class TrustedClusterSource {
 public:
  virtual ~TrustedClusterSource() = default;
  // Null when no cluster of that issuer is trusted. The result, reviewer included, stays valid
  // while it is held, even if the cluster is changed or removed meanwhile.
  virtual std::shared_ptr<const TrustedCluster> Find(std::string_view issuer) = 0;
};

// What a JWT says of itself, read without checking its signature: to pick the cluster to ask
// and to tell the caller precisely why its assertion cannot work. Never a reason to accept.
struct UnverifiedClaims {
  std::string issuer;                  // "iss"
  std::string subject;                 // "sub", or empty
  std::vector<std::string> audiences;  // "aud", a string or an array of strings
  std::optional<int64_t> expiry;       // "exp", Unix seconds
  std::optional<int64_t> not_before;   // "nbf", Unix seconds
};

// nullopt unless `jwt` is three base64url parts (nothing else: no stray bytes reach a cluster)
// whose payload is an object with a string "iss".
std::optional<UnverifiedClaims> ReadUnverifiedClaims(std::string_view jwt);

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_FEDERATED_H_
