#ifndef COFFER_LIB_KUBE_LEADER_ELECTOR_H_
#define COFFER_LIB_KUBE_LEADER_ELECTOR_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/kube/kube_client.h"
#include "nlohmann/json.hpp"

namespace coffer::kube {

inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per candidate, e.g. the pod name
  // client-go's defaults: others wait lease_duration after the last renewal they saw before
  // taking over; the leader gives up once it could not renew for renew_deadline (shorter, so it
  // stops before anyone else can start); candidates try every retry_period.
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
};

// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection package.
// Every write carries the resourceVersion it read, so two candidates racing for the lease
// cannot both win (the loser gets ABORTED). Expiry is judged by when this candidate last saw
// the lease change on its own clock, not by the holder's renewTime, so clock skew between
// nodes does not matter. Thread-safe; callbacks run on the thread that calls TryAcquireOrRenew
// (the elector's own after Start()) and must not call Stop().
class LeaderElector {
 public:
  LeaderElector(KubeClient& client, Clock& clock, LeaderElectionConfig config);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;
  ~LeaderElector();  // Stop()s

  // One round: creates, takes over or renews the lease. Returns OK when this candidate holds
  // it afterwards; FAILED_PRECONDITION when another holder's lease is still valid; ABORTED when
  // another candidate wrote first; other client errors as they come. Leadership is lost (and
  // on_stopped_leading called) when the lease is seen taken by another, or renewals have failed
  // for renew_deadline.
  absl::Status TryAcquireOrRenew();
  bool IsLeader() const;

  // Runs TryAcquireOrRenew every retry_period (real time) on a thread of its own.
  void Start();
  // Joins the thread; a leader steps down (on_stopped_leading) and releases the lease by
  // clearing holderIdentity, so the next candidate need not wait for it to expire.
  void Stop();

 private:
  absl::Status Attempt(absl::Time now);
  absl::Status Release();
  nlohmann::json NewLease(absl::Time now) const;

  KubeClient& client_;
  Clock& clock_;
  const LeaderElectionConfig config_;

  absl::Mutex round_mu_;  // one round at a time
  mutable absl::Mutex mu_;
  bool leader_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_renew_ ABSL_GUARDED_BY(mu_);
  nlohmann::json observed_spec_ ABSL_GUARDED_BY(mu_);
  absl::Time observed_time_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // touched only by Start() and Stop()
};

}  // namespace coffer::kube

#endif  // COFFER_LIB_KUBE_LEADER_ELECTOR_H_
