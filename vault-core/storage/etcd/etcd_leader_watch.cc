#include "vault-core/storage/etcd/etcd_leader_watch.h"

#include "lib/base/logging.h"
#include "vault-core/storage/etcd/etcd_connection.h"

namespace coffer::storage::etcd {

LeaderWatch::LeaderWatch(const std::vector<Member>& members, Clock::duration period,
                         Clock::duration grace)
    : members_(members), period_(period), grace_(grace), seen_(members.size()) {
  thread_ = std::thread([this] { Loop(); });
}

LeaderWatch::~LeaderWatch() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

std::uint64_t LeaderWatch::Start(std::size_t member, grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  const std::uint64_t id = next_id_++;
  calls_.emplace(id, Call{member, context, Clock::now()});
  return id;
}

bool LeaderWatch::Finish(std::uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto call = calls_.find(id);
  const bool cancelled = call->second.cancelled;
  calls_.erase(call);
  return cancelled;
}

std::vector<std::optional<LeaderWatch::Answer>> LeaderWatch::Poll() {
  std::vector<std::optional<Answer>> answers(members_.size());
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const Member& member = members_[i];
    // A member not connected has no calls waiting on it; asking would start a reconnection.
    if (member.channel->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) continue;
    grpc::ClientContext context;
    const Clock::time_point asked = Clock::now();
    context.set_deadline(std::chrono::system_clock::now() + period_);
    etcdserverpb::StatusRequest request;
    etcdserverpb::StatusResponse response;
    const grpc::Status status = member.maintenance->Status(&context, request, &response);
    absl::MutexLock lock(&mu_);
    if (!status.ok()) {
      if (!seen_[i].failing) {
        COFFER_LOG(kVault, warn,
                   "etcd {} does not answer Status ({}): writes waiting on it after a leader "
                   "change wait for storage.etcd.timeout",
                   member.address, status.error_message());
      }
      seen_[i].failing = true;
      continue;
    }
    seen_[i].failing = false;
    answers[i] = Answer{{response.leader(), response.raftterm()}, asked};
  }
  return answers;
}

void LeaderWatch::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(period_))) return;
    }
    const std::vector<std::optional<Answer>> answers = Poll();
    const Clock::time_point now = Clock::now();
    absl::MutexLock lock(&mu_);
    for (std::size_t i = 0; i < answers.size(); ++i) {
      Seen& seen = seen_[i];
      if (!answers[i].has_value() || (seen.known && seen.leader == answers[i]->leader)) continue;
      if (seen.known) seen.changed = answers[i]->asked;
      seen.known = true;
      seen.leader = answers[i]->leader;
    }
    for (auto& [id, call] : calls_) {
      const Seen& seen = seen_[call.member];
      // Sent before its member was seen with a new leader (or term), which has had its grace.
      if (call.cancelled || call.started >= seen.changed || seen.leader.id == 0 ||
          now - seen.changed < grace_) {
        continue;
      }
      call.cancelled = true;
      call.context->TryCancel();
    }
  }
}

}  // namespace coffer::storage::etcd
