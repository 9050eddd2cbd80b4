#ifndef COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADER_WATCH_H_
#define COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADER_WATCH_H_

// A follower hands a write to the etcd leader as a raft proposal. When the leader dies (or the
// link to it breaks) first, the proposal is lost, and etcd neither fails nor proposes again the
// write the follower still waits on: the client waits until its deadline. The LeaderWatch asks
// each member which leader and term it follows, a few times a second, and cancels a call still
// waiting on a member that moved to a new leader or term after the call was sent, once the new
// leader has had time to commit what the old one had replicated. The call then fails as it
// would at its deadline (outcome unknown), only sooner: the pause a leader's death causes is
// the election plus that grace, not the request timeout. A member left without a leader keeps
// its calls until their deadline.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"

namespace coffer::storage::etcd {

struct Member;

class LeaderWatch {
 public:
  using Clock = std::chrono::steady_clock;

  // Polls `members` (which must outlive the watch) every `period`; a call waits at least `grace`
  // after its member saw a new leader before it is cancelled.
  LeaderWatch(const std::vector<Member>& members, Clock::duration period, Clock::duration grace);
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
    Clock::time_point started;
    bool cancelled = false;
  };
  struct Leader {
    std::uint64_t id = 0;  // 0: none
    std::uint64_t term = 0;
    bool operator==(const Leader& o) const { return id == o.id && term == o.term; }
  };
  struct Answer {
    Leader leader;
    Clock::time_point asked;  // just before the question: the member had this leader by then
  };
  struct Seen {  // what the polls of one member saw
    bool known = false;
    Leader leader;
    Clock::time_point changed;  // when the poll that saw a new leader or term asked
    bool failing = false;       // its last poll failed (said once in the log)
  };

  void Loop();
  // What each member answered, or nothing for one that is not connected or did not answer.
  std::vector<std::optional<Answer>> Poll();

  const std::vector<Member>& members_;
  const Clock::duration period_;
  const Clock::duration grace_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::uint64_t, Call> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace coffer::storage::etcd

#endif  // COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_LEADER_WATCH_H_
