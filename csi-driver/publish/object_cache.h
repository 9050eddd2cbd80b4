#ifndef COFFER_CSI_DRIVER_PUBLISH_OBJECT_CACHE_H_
#define COFFER_CSI_DRIVER_PUBLISH_OBJECT_CACHE_H_

// Keeps what the vault answered for (vault, identity, object, version) for a short time, so
// that a hundred pods of one ServiceAccount starting on a node cost one read of each object,
// not a hundred. Concurrent misses of one key wait for a single fetch. Failures are not kept.
// Values are wiped when they leave the cache.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/vaultclient/workload_vault.h"

namespace coffer::csi {

class ObjectCache {
 public:
  ObjectCache(Clock& clock, absl::Duration ttl) : clock_(clock), ttl_(ttl) {}

  using Fetch = std::function<absl::StatusOr<vaultclient::FetchedObject>()>;
  // The cached answer for `key`, or `fetch`'s (kept for the TTL when OK).
  absl::StatusOr<vaultclient::FetchedObject> Get(const std::string& key, const Fetch& fetch);

  // How many times a fetch ran (reads of the vault).
  std::uint64_t fetches() const;

 private:
  struct Entry {
    bool loading = true;
    absl::Time expires;
    absl::StatusOr<vaultclient::FetchedObject> result;
  };
  void DropExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  std::uint64_t fetches_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace coffer::csi

#endif  // COFFER_CSI_DRIVER_PUBLISH_OBJECT_CACHE_H_
