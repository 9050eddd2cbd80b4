#include "vault-core/storage/etcd/etcd_connection.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "lib/grpcutil/pem_file.h"
#include "vault-core/storage/etcd/etcd_leader_watch.h"
#include "vault-core/domain/errors.h"

namespace coffer::storage::etcd {
namespace {

std::chrono::system_clock::time_point Deadline(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Create(const EtcdOptions& options) {
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError("etcd needs at least one endpoint");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    auto ca = grpcutil::ReadPemFile(options.ca_file, "etcd CA");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    if (options.cert_file.empty() != options.key_file.empty()) {
      return absl::InvalidArgumentError("etcd client certificate and key go together");
    }
    if (!options.cert_file.empty()) {
      auto cert = grpcutil::ReadPemFile(options.cert_file, "etcd client certificate");
      if (!cert.ok()) return cert.status();
      auto key = grpcutil::ReadPemFile(options.key_file, "etcd client key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
  } else if (!options.cert_file.empty() || !options.key_file.empty()) {
    return absl::InvalidArgumentError("an etcd client certificate needs the CA file too");
  }

  grpc::ChannelArguments args;
  // A member that went away is tried again soon, not after gRPC's default two minutes. (Not
  // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC also takes it as the connect timeout, and a
  // restarted member may take longer than that to say hello.)
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Notice a member that stopped answering on an idle watch stream.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // etcd answers up to its request limit (1.5 MiB by default) and a page of 1000 records.
  args.SetMaxReceiveMessageSize(64 << 20);

  std::vector<Member> members;
  for (std::string endpoint : options.endpoints) {
    const bool tls = !options.ca_file.empty();
    if (absl::StartsWith(endpoint, "https://")) {
      if (!tls) {
        return absl::InvalidArgumentError(
            absl::StrCat("etcd endpoint ", endpoint, " is https but no CA file is configured"));
      }
      endpoint.erase(0, 8);
    } else if (absl::StartsWith(endpoint, "http://")) {
      if (tls) {
        return absl::InvalidArgumentError(
            absl::StrCat("etcd endpoint ", endpoint, " is http but TLS is configured"));
      }
      endpoint.erase(0, 7);
    } else if (absl::StrContains(endpoint, "://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoint ", endpoint, " must be host:port, http:// or https://"));
    }
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    if (endpoint.empty() || endpoint.find(':') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoint '", endpoint, "' must name a host and a port"));
    }
    Member member;
    member.address = endpoint;
    member.channel = grpc::CreateCustomChannel(endpoint, credentials, args);
    member.kv = etcdserverpb::KV::NewStub(member.channel);
    member.watch = etcdserverpb::Watch::NewStub(member.channel);
    member.lease = etcdserverpb::Lease::NewStub(member.channel);
    member.maintenance = etcdserverpb::Maintenance::NewStub(member.channel);
    members.push_back(std::move(member));
  }
  return std::unique_ptr<Connection>(
      new Connection(std::move(members), options.timeout, options.dial_timeout));
}

void Connection::Prepare(grpc::ClientContext& context, absl::Duration timeout) const {
  context.set_deadline(Deadline(timeout));
  // Without a leader a member cannot serve linearizable requests or watches; it says so at once
  // instead of leaving the call waiting (what etcd's own client asks for).
  context.AddMetadata("hasleader", "true");
}

bool Connection::Connected(Member& member) {
  grpc_connectivity_state state = member.channel->GetState(/*try_to_connect=*/true);
  if (state == GRPC_CHANNEL_READY) return true;
  if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) return false;
  return member.channel->WaitForConnected(Deadline(dial_timeout_));
}

Connection::Connection(std::vector<Member> members, absl::Duration timeout,
                       absl::Duration dial_timeout)
    : members_(std::move(members)), timeout_(timeout), dial_timeout_(dial_timeout) {
  // Polled about five times a second; a call waits half a second after its member was seen
  // with a new leader, which commits what the old one had replicated in a few heartbeats (100 ms
  // each by default). One member (etcd behind one address) has no one to ask about it.
  if (members_.size() > 1) {
    leader_watch_ = std::make_unique<LeaderWatch>(members_, std::chrono::milliseconds(200),
                                                  std::chrono::milliseconds(500));
  }
}

Connection::~Connection() {
  absl::MutexLock lock(&orphans_mu_);
  for (std::thread& thread : orphans_) thread.join();
}

void Connection::Adopt(std::thread thread) {
  absl::MutexLock lock(&orphans_mu_);
  orphans_.push_back(std::move(thread));
}

Member* Connection::Connected() {
  const std::size_t start = current_.load();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    Member& member = members_[(start + i) % members_.size()];
    if (member.channel->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY) return &member;
  }
  return nullptr;
}

Member& Connection::Pick(std::size_t* index) {
  const std::size_t start = current_.load();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    std::size_t candidate = (start + i) % members_.size();
    if (Connected(members_[candidate])) {
      current_.store(candidate);
      *index = candidate;
      return members_[candidate];
    }
  }
  *index = start % members_.size();
  return members_[*index];
}

absl::Status Connection::Run(
    Retry retry, const std::function<grpc::Status(Member&, grpc::ClientContext&)>& call) {
  std::vector<std::string> failures;
  const std::size_t start = current_.load();
  // Twice around: a member in its reconnect back-off on the first pass may be back on the
  // second, which waits for it (each member's transient failure lasts at most a second).
  for (std::size_t i = 0; i < 2 * members_.size(); ++i) {
    const std::size_t index = (start + i) % members_.size();
    Member& member = members_[index];
    const bool first_pass = i < members_.size();
    if (first_pass ? !Connected(member)
                   : !member.channel->WaitForConnected(Deadline(dial_timeout_))) {
      if (!first_pass) failures.push_back(absl::StrCat(member.address, ": not reachable"));
      continue;
    }
    grpc::ClientContext context;
    Prepare(context, timeout_);
    const std::uint64_t watched = leader_watch_ ? leader_watch_->Start(index, &context) : 0;
    grpc::Status status = call(member, context);
    if (leader_watch_ != nullptr && leader_watch_->Finish(watched) &&
        status.error_code() == grpc::StatusCode::CANCELLED) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the etcd leader changed while this request waited on it (a write "
                            "may or may not have taken effect)");
    }
    if (status.ok()) {
      current_.store(index);
      return absl::OkStatus();
    }
    const bool transient = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (!transient || retry == Retry::kOnlyIfNotSent) {
      if (transient) current_.store((index + 1) % members_.size());  // the next call goes elsewhere
      return FromEtcdStatus(status, member.address);
    }
    failures.push_back(absl::StrCat(member.address, ": ", status.error_message()));
    if (!first_pass) break;
  }
  if (failures.empty()) failures.push_back("no member is reachable");
  return absl::UnavailableError(
      absl::StrCat("etcd: no endpoint answered (", absl::StrJoin(failures, "; "), ")"));
}

absl::Status FromEtcdStatus(const grpc::Status& status, const std::string& address) {
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      if (absl::StrContains(message, "space exceeded")) {
        return domain::WithReason(absl::UnavailableError(absl::StrCat(
            "etcd is out of space (its database reached its quota): writes are refused until an "
            "operator compacts and defragments it and disarms the NOSPACE alarm; reads go on (",
            address, ": ", message, ")")),
            domain::reason::kStorageFull);
      }
      return absl::UnavailableError(absl::StrCat("etcd ", address, ": ", message));
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    // A page of a range read at a revision compacted meanwhile: reading again starts afresh.
    case grpc::StatusCode::OUT_OF_RANGE:
      return absl::UnavailableError(absl::StrCat("etcd ", address, ": ", message));
    case grpc::StatusCode::INVALID_ARGUMENT:
      if (absl::StrContains(message, "too many operations")) {
        return absl::FailedPreconditionError(absl::StrCat(
            "etcd ", address, " refused a transaction for its number of operations (", message,
            "): run etcd with --max-txn-ops 10000 (docs/operations.md)"));
      }
      [[fallthrough]];
    case grpc::StatusCode::FAILED_PRECONDITION:
      // A request etcd refuses (too large, too many operations): a bug or a limit to raise.
      return absl::FailedPreconditionError(absl::StrCat("etcd ", address, ": ", message));
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::FailedPreconditionError(
          absl::StrCat("etcd ", address, " refused this client: ", message));
    default:
      return absl::InternalError(absl::StrCat("etcd ", address, ": ", message));
  }
}

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) != 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

}  // namespace coffer::storage::etcd
