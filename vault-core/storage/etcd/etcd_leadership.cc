#include "vault-core/storage/etcd/etcd_leadership.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/base/logging.h"
#include "vault-core/storage/etcd/etcd_connection.h"

namespace coffer::storage::etcd {
namespace {

class Campaign : public Leadership {
 public:
  Campaign(Connection& connection, std::string key, std::string candidate, absl::Duration ttl)
      : connection_(connection),
        key_(std::move(key)),
        candidate_(std::move(candidate)),
        ttl_seconds_(std::max<std::int64_t>(2, absl::ToInt64Seconds(ttl))) {
    thread_ = std::thread([this] { Run(); });
  }

  ~Campaign() override {
    {
      absl::MutexLock lock(&mu_);
      stopped_ = true;
    }
    thread_.join();
  }

  bool IsLeader() override {
    absl::MutexLock lock(&mu_);
    return Clock::now() < leader_until_;
  }

 private:
  // Sleeps up to `d`; false once stopped.
  bool Sleep(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    auto stopped = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopped_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopped), d);
    return !stopped_;
  }

  // A steady clock: a wall clock set back must not lengthen a leadership.
  using Clock = std::chrono::steady_clock;

  void Lead(Clock::time_point renewed_at, std::int64_t ttl) {
    absl::MutexLock lock(&mu_);
    leader_until_ = renewed_at + std::chrono::seconds(ttl - 1);
  }

  void StepDown() {
    absl::MutexLock lock(&mu_);
    leader_until_ = Clock::time_point::min();
  }

  void Run() {
    const absl::Duration interval = absl::Seconds(ttl_seconds_) / 3;
    while (Sleep(absl::ZeroDuration())) {
      std::int64_t lease = 0;
      Clock::time_point granted_at = Clock::now();
      if (Grant(&lease) && TryToLead(lease)) {
        Lead(granted_at, ttl_seconds_);
        COFFER_LOG(kVault, info, "this replica ({}) now runs the background jobs", candidate_);
        while (Sleep(interval)) {
          Clock::time_point sent_at = Clock::now();
          std::int64_t ttl = KeepAlive(lease);
          if (ttl <= 0 || !StillHeld(lease)) break;
          Lead(sent_at, ttl);
        }
        StepDown();
        COFFER_LOG(kVault, info, "this replica ({}) no longer runs the background jobs",
                   candidate_);
      }
      if (lease != 0) Revoke(lease);
      if (!Sleep(interval)) break;
    }
  }

  bool Grant(std::int64_t* lease) {
    etcdserverpb::LeaseGrantRequest request;
    request.set_ttl(ttl_seconds_);
    etcdserverpb::LeaseGrantResponse response;
    absl::Status status = connection_.Run(Retry::kIdempotent, [&](Member& m, auto& context) {
      return m.lease->LeaseGrant(&context, request, &response);
    });
    if (!status.ok() || !response.error().empty()) return false;
    *lease = response.id();
    return true;
  }

  // Creates the key under `lease` if nobody holds it. A replica restarted under the same name
  // waits, like any other, for its old lease to run out: taking the key over could overlap a
  // process that still runs under that name.
  bool TryToLead(std::int64_t lease) {
    etcdserverpb::TxnRequest request;
    etcdserverpb::Compare* absent = request.add_compare();
    absent->set_result(etcdserverpb::Compare::EQUAL);
    absent->set_target(etcdserverpb::Compare::CREATE);
    absent->set_key(key_);
    absent->set_create_revision(0);
    etcdserverpb::PutRequest* put = request.add_success()->mutable_request_put();
    put->set_key(key_);
    put->set_value(candidate_);
    put->set_lease(lease);
    etcdserverpb::TxnResponse response;
    absl::Status status = connection_.Run(Retry::kOnlyIfNotSent, [&](Member& m, auto& context) {
      return m.kv->Txn(&context, request, &response);
    });
    return status.ok() && response.succeeded();
  }

  // Whether the key is still there under `lease` (an operator may have deleted it).
  bool StillHeld(std::int64_t lease) {
    etcdserverpb::RangeRequest request;
    request.set_key(key_);
    etcdserverpb::RangeResponse response;
    absl::Status status = connection_.Run(Retry::kIdempotent, [&](Member& m, auto& context) {
      return m.kv->Range(&context, request, &response);
    });
    return status.ok() && response.kvs_size() == 1 && response.kvs(0).lease() == lease;
  }

  // The lease's remaining TTL in seconds after a renewal; 0 when it is gone or etcd is not
  // reachable.
  std::int64_t KeepAlive(std::int64_t lease) {
    etcdserverpb::LeaseKeepAliveResponse response;
    absl::Status status = connection_.Run(Retry::kIdempotent, [&](Member& m, auto& context) {
      auto stream = m.lease->LeaseKeepAlive(&context);
      etcdserverpb::LeaseKeepAliveRequest request;
      request.set_id(lease);
      if (!stream->Write(request) || !stream->Read(&response)) {
        context.TryCancel();
        grpc::Status ended = stream->Finish();
        return ended.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream ended") : ended;
      }
      stream->WritesDone();
      return stream->Finish();
    });
    return status.ok() ? response.ttl() : 0;
  }

  void Revoke(std::int64_t lease) {
    etcdserverpb::LeaseRevokeRequest request;
    request.set_id(lease);
    etcdserverpb::LeaseRevokeResponse response;
    (void)connection_.Run(Retry::kIdempotent, [&](Member& m, auto& context) {
      return m.lease->LeaseRevoke(&context, request, &response);
    });
  }

  Connection& connection_;
  const std::string key_;
  const std::string candidate_;
  const std::int64_t ttl_seconds_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  Clock::time_point leader_until_ ABSL_GUARDED_BY(mu_) = Clock::time_point::min();
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Leadership> StartCampaign(Connection& connection, std::string key,
                                          std::string candidate, absl::Duration ttl) {
  return std::make_unique<Campaign>(connection, std::move(key), std::move(candidate), ttl);
}

}  // namespace coffer::storage::etcd
