#ifndef COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADER_WATCH_H_
#define COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADER_WATCH_H_

// A follower hands a write to the etcd leader as a raft proposal. When the leader dies first,
// the proposal dies with it, and etcd neither fails nor proposes again the write the follower
// still waits on: the client waits until its deadline. The LeaderWatch asks each member which
// leader it follows, a few times a second, and cancels a call that is still waiting on a member
// whose leader changed once the new leader has had time to commit what the old one had
// replicated. The call then fails as it would at its deadline (outcome unknown), only sooner:
// the pause a leader's death causes is the election plus that grace, not the request timeout.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace coffer::storage::etcd {

struct Member;

class LeaderWatch {
 public:
  // Polls `members` (which must outlive the watch) every `period`; a call waits at least `grace`
  // after its member saw a new leader before it is cancelled.
  LeaderWatch(const std::vector<Member>& members, absl::Duration period, absl::Duration grace);
  ~LeaderWatch();
  LeaderWatch(const LeaderWatch&) = delete;
  LeaderWatch& operator=(const LeaderWatch&) = delete;

  // Watches `context`, a call on members[member], until Finish(id), which says whether the watch
  // cancelled the call.
  std::uint64_t Start(std::size_t member, grpc::ClientContext* context);
  bool Finish(std::uint64_t id);

 private:
  struct Call {
    std::size_t member;
    grpc::ClientContext* context;
    absl::Time started;
    bool cancelled = false;
  };
  struct Seen {  // what the polls of one member saw
    bool known = false;
    std::uint64_t leader = 0;                         // 0: none
    absl::Time changed = absl::InfinitePast();        // when a poll saw a leader change
    absl::Time leader_since = absl::InfinitePast();   // when a poll first saw `leader`
  };

  void Loop();
  // The leader each member follows (0: none), or nothing for a member that did not answer.
  std::vector<std::optional<std::uint64_t>> Poll() const;

  const std::vector<Member>& members_;
  const absl::Duration period_;
  const absl::Duration grace_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::uint64_t, Call> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace coffer::storage::etcd

#endif  // COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADER_WATCH_H_
