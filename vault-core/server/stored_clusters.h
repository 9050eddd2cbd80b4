#ifndef COFFER_VAULT_CORE_SERVER_STORED_CLUSTERS_H_
#define COFFER_VAULT_CORE_SERVER_STORED_CLUSTERS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "vault-core/identity/federated.h"
#include "vault-core/service/cluster_service.h"

namespace coffer::server {

// The clusters trusted through the admin API, for the token service: read from the store at
// most every `reload` (5 s), so a cluster added, changed or removed takes effect within that
// on every replica; each cluster's reviewer (TokenReview or JWKS, with its own API server
// client) is made once and kept while the cluster stays the same. Thread-safe.
class StoredClusters : public identity::TrustedClusterSource {
 public:
  StoredClusters(service::ClusterService& clusters, Clock& clock,
                 absl::Duration reload = absl::Seconds(5))
      : clusters_(clusters), clock_(clock), reload_(reload) {}

  std::shared_ptr<const identity::TrustedCluster> Find(std::string_view issuer) override;

 private:
  struct Entry;
  void Reload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  service::ClusterService& clusters_;
  Clock& clock_;
  const absl::Duration reload_;
  absl::Mutex mu_;
  absl::Time loaded_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::map<std::string, std::shared_ptr<const Entry>> by_name_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_STORED_CLUSTERS_H_
