#ifndef COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_CONNECTION_H_
#define COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_CONNECTION_H_

// gRPC channels to the members of one etcd cluster, with fail-over between them. Internal to
// the etcd backend: the only header of it that names gRPC types.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "etcd/v3/etcd.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "vault-core/storage/etcd/etcd_store.h"

namespace coffer::storage::etcd {

struct Member {
  std::string address;  // host:port, as configured (scheme removed)
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
};

// Whether a call may be sent again after a failure that leaves unknown whether it took effect.
enum class Retry { kIdempotent, kOnlyIfNotSent };

class LeaderWatch;

class Connection {
 public:
  // Reads the TLS files and makes one channel per endpoint; connects lazily. INVALID_ARGUMENT
  // for no endpoints, an endpoint with a scheme other than http/https, or unreadable TLS files.
  static absl::StatusOr<std::unique_ptr<Connection>> Create(const EtcdOptions& options);

  // Runs `call` on a member that is connected (trying each in turn, starting with the one that
  // answered last). A call that fails as a member going away is sent to the next member only
  // when `retry` is kIdempotent. Errors name every member tried; etcd's own errors are mapped
  // to the Store's codes (out of space: UNAVAILABLE with the quota named).
  absl::Status Run(Retry retry,
                   const std::function<grpc::Status(Member&, grpc::ClientContext&)>& call);

  // A member to open a stream on: the first, from the one that answered last, that is
  // connected (waiting up to the dial timeout for each).
  Member& Pick(std::size_t* index);
  // A member that is connected now, without waiting (starting to connect the others); nullptr
  // when none is.
  Member* Connected();

  // Joins `thread` when the connection goes: for a watch thread whose handle was destroyed on
  // that very thread.
  void Adopt(std::thread thread);
  ~Connection();
  std::size_t size() const { return members_.size(); }

  // Sets the deadline and the metadata every request carries.
  void Prepare(grpc::ClientContext& context, absl::Duration timeout) const;

  absl::Duration timeout() const { return timeout_; }

 private:
  Connection(std::vector<Member> members, absl::Duration timeout, absl::Duration dial_timeout);

  bool Connected(Member& member);

  std::vector<Member> members_;
  std::atomic<std::size_t> current_{0};
  absl::Mutex orphans_mu_;
  std::vector<std::thread> orphans_ ABSL_GUARDED_BY(orphans_mu_);
  const absl::Duration timeout_;
  const absl::Duration dial_timeout_;
  std::unique_ptr<LeaderWatch> leader_watch_;  // with more than one member; after members_
};

// etcd's answer as the Store reports it: NOT connected / timeouts / a lost leader are
// UNAVAILABLE, out of space is UNAVAILABLE naming the quota, the rest keep their code.
absl::Status FromEtcdStatus(const grpc::Status& status, const std::string& address);

// The first key after every key that starts with `prefix` ("\0" when there is none: etcd's
// "to the end").
std::string PrefixEnd(const std::string& prefix);

}  // namespace coffer::storage::etcd

#endif  // COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_CONNECTION_H_
