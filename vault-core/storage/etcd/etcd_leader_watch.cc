#include "vault-core/storage/etcd/etcd_leader_watch.h"

#include "absl/time/clock.h"
#include "vault-core/storage/etcd/etcd_connection.h"

namespace coffer::storage::etcd {

LeaderWatch::LeaderWatch(const std::vector<Member>& members, absl::Duration period,
                         absl::Duration grace)
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
  calls_.emplace(id, Call{member, context, absl::Now()});
  return id;
}

bool LeaderWatch::Finish(std::uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto call = calls_.find(id);
  const bool cancelled = call->second.cancelled;
  calls_.erase(call);
  return cancelled;
}

std::vector<std::optional<std::uint64_t>> LeaderWatch::Poll() const {
  std::vector<std::optional<std::uint64_t>> leaders(members_.size());
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const Member& member = members_[i];
    // A member not connected has no calls waiting on it; asking would start a reconnection.
    if (member.channel->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) continue;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + period_));
    etcdserverpb::StatusRequest request;
    etcdserverpb::StatusResponse response;
    if (member.maintenance->Status(&context, request, &response).ok()) {
      leaders[i] = response.leader();
    }
  }
  return leaders;
}

void LeaderWatch::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), period_)) return;
    }
    const std::vector<std::optional<std::uint64_t>> leaders = Poll();
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu_);
    for (std::size_t i = 0; i < leaders.size(); ++i) {
      Seen& seen = seen_[i];
      if (!leaders[i].has_value() || (seen.known && seen.leader == *leaders[i])) continue;
      if (seen.known) seen.changed = now;
      seen.known = true;
      seen.leader = *leaders[i];
      seen.leader_since = now;
    }
    for (auto& [id, call] : calls_) {
      const Seen& seen = seen_[call.member];
      // The member's leader changed after the call was sent (or up to a period before: a call
      // that was fine then has long answered), and the new one had its grace.
      if (call.cancelled || seen.changed < call.started || seen.leader == 0 ||
          now - seen.leader_since < grace_) {
        continue;
      }
      call.cancelled = true;
      call.context->TryCancel();
    }
  }
}

}  // namespace coffer::storage::etcd
