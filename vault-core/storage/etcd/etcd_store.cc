#include "vault-core/storage/etcd/etcd_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "vault-core/storage/etcd/etcd_connection.h"
#include "vault-core/storage/etcd/etcd_leadership.h"
#include "vault-core/storage/etcd/etcd_watch.h"
#include "vault-core/storage/store_util.h"

namespace coffer::storage {

using etcd::Connection;
using etcd::Member;
using etcd::Retry;

namespace {

// The page size when a caller asks for everything (limit 0): pages are read at one revision,
// so together they are one consistent snapshot.
constexpr std::int64_t kPage = 1000;

etcdserverpb::Compare ModRevisionIs(const std::string& key, Revision revision) {
  etcdserverpb::Compare compare;
  compare.set_result(etcdserverpb::Compare::EQUAL);
  compare.set_target(etcdserverpb::Compare::MOD);
  compare.set_key(key);
  compare.set_mod_revision(revision);  // 0 for an absent key: kMustNotExist compares as is
  return compare;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdStore>> EtcdStore::Open(const EtcdOptions& options) {
  if (options.prefix.empty()) {
    return absl::InvalidArgumentError("etcd prefix must not be empty (e.g. /coffer/)");
  }
  COFFER_ASSIGN_OR_RETURN(auto connection, Connection::Create(options));
  // "/coffer" would also cover "/coffer-staging/...": a prefix is a directory.
  std::string prefix = options.prefix.back() == '/' ? options.prefix : options.prefix + "/";
  std::unique_ptr<EtcdStore> store(new EtcdStore(std::move(prefix), std::move(connection)));
  COFFER_RETURN_IF_ERROR(store->CheckHealth());
  return store;
}

EtcdStore::EtcdStore(std::string prefix, std::unique_ptr<Connection> connection)
    : prefix_(std::move(prefix)), connection_(std::move(connection)) {}

EtcdStore::~EtcdStore() = default;

absl::StatusOr<Entry> EtcdStore::Get(std::string_view key) {
  COFFER_RETURN_IF_ERROR(ValidateKey(key));
  etcdserverpb::RangeRequest request;
  request.set_key(prefix_ + std::string(key));
  etcdserverpb::RangeResponse response;
  COFFER_RETURN_IF_ERROR(
      connection_->Run(Retry::kIdempotent, [&](Member& member, grpc::ClientContext& context) {
        return member.kv->Range(&context, request, &response);
      }));
  if (response.kvs_size() == 0) {
    return absl::NotFoundError(absl::StrCat("no such key: ", std::string(key)));
  }
  const etcdserverpb::KeyValue& kv = response.kvs(0);
  return Entry{std::string(key), kv.value(), kv.mod_revision()};
}

absl::StatusOr<Revision> EtcdStore::Put(std::string_view key, std::string_view value,
                                        std::optional<Revision> expected_revision) {
  COFFER_RETURN_IF_ERROR(ValidateKey(key));
  if (expected_revision.has_value()) return PutViaCommit(*this, key, value, expected_revision);
  etcdserverpb::PutRequest request;
  request.set_key(prefix_ + std::string(key));
  request.set_value(std::string(value));
  etcdserverpb::PutResponse response;
  // Not sent again after an unknown outcome: another replica may have written since.
  COFFER_RETURN_IF_ERROR(
      connection_->Run(Retry::kOnlyIfNotSent, [&](Member& member, grpc::ClientContext& context) {
        return member.kv->Put(&context, request, &response);
      }));
  return response.header().revision();
}

absl::StatusOr<Revision> EtcdStore::Delete(std::string_view key,
                                           std::optional<Revision> expected_revision) {
  COFFER_RETURN_IF_ERROR(ValidateKey(key));
  if (expected_revision.has_value()) return DeleteViaCommit(*this, key, expected_revision);
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(prefix_ + std::string(key));
  etcdserverpb::DeleteRangeResponse response;
  // Not sent again after an unknown outcome: a second try would find nothing and say NOT_FOUND.
  COFFER_RETURN_IF_ERROR(
      connection_->Run(Retry::kOnlyIfNotSent, [&](Member& member, grpc::ClientContext& context) {
        return member.kv->DeleteRange(&context, request, &response);
      }));
  if (response.deleted() == 0) {
    return absl::NotFoundError(absl::StrCat("no such key: ", std::string(key)));
  }
  return response.header().revision();
}

absl::StatusOr<RangeResult> EtcdStore::Range(const RangeRequest& request) {
  COFFER_RETURN_IF_ERROR(CheckContinuation(request));
  const std::string end = etcd::PrefixEnd(prefix_ + request.prefix);
  std::string start = request.continuation.empty()
                          ? prefix_ + request.prefix
                          : Successor(prefix_ + request.continuation);
  const std::int64_t wanted = static_cast<std::int64_t>(request.limit);
  RangeResult result;
  Revision pinned = 0;
  while (true) {
    etcdserverpb::RangeRequest page;
    page.set_key(start);
    page.set_range_end(end);
    page.set_limit(wanted == 0 ? kPage : wanted);
    page.set_revision(pinned);
    etcdserverpb::RangeResponse response;
    COFFER_RETURN_IF_ERROR(
        connection_->Run(Retry::kIdempotent, [&](Member& member, grpc::ClientContext& context) {
          response.Clear();
          return member.kv->Range(&context, page, &response);
        }));
    for (const etcdserverpb::KeyValue& kv : response.kvs()) {
      result.entries.push_back(Entry{kv.key().substr(prefix_.size()), kv.value(),
                                     kv.mod_revision()});
    }
    if (!response.more() || response.kvs_size() == 0) break;
    if (wanted != 0) {
      result.continuation = result.entries.back().key;
      break;
    }
    pinned = response.header().revision();
    start = Successor(response.kvs(response.kvs_size() - 1).key());
  }
  return result;
}

absl::StatusOr<Revision> EtcdStore::Commit(const std::vector<Precondition>& preconditions,
                                           const std::vector<Write>& writes) {
  COFFER_RETURN_IF_ERROR(ValidateWrites(preconditions, writes));
  etcdserverpb::TxnRequest request;
  std::map<std::string, Revision> expected;  // etcd refuses one key compared twice; so do we
  for (const Precondition& precondition : preconditions) {
    auto [it, inserted] = expected.emplace(precondition.key, precondition.expected_revision);
    if (!inserted && it->second != precondition.expected_revision) {
      return RevisionMismatch(precondition.key, precondition.expected_revision, it->second);
    }
  }
  for (const auto& [key, revision] : expected) {
    *request.add_compare() = ModRevisionIs(prefix_ + key, revision);
  }
  // etcd refuses a transaction that writes one key twice; the last write is the one that counts.
  std::map<std::string, const Write*> last;
  for (const Write& write : writes) last[write.key] = &write;
  for (const auto& [key, write] : last) {
    etcdserverpb::RequestOp* op = request.add_success();
    if (write->kind == Write::Kind::kPut) {
      op->mutable_request_put()->set_key(prefix_ + key);
      op->mutable_request_put()->set_value(write->value);
    } else {
      op->mutable_request_delete_range()->set_key(prefix_ + key);
    }
  }
  // When the compares fail, read the keys back so the error can say which one moved.
  for (const auto& [key, revision] : expected) {
    request.add_failure()->mutable_request_range()->set_key(prefix_ + key);
  }
  etcdserverpb::TxnResponse response;
  COFFER_RETURN_IF_ERROR(
      connection_->Run(Retry::kOnlyIfNotSent, [&](Member& member, grpc::ClientContext& context) {
        return member.kv->Txn(&context, request, &response);
      }));
  if (!response.succeeded()) {
    int i = 0;
    for (const auto& [key, revision] : expected) {
      const auto& kvs = response.responses(i++).response_range().kvs();
      Revision actual = kvs.empty() ? kMustNotExist : kvs[0].mod_revision();
      if (actual != revision) return RevisionMismatch(key, revision, actual);
    }
    return absl::AbortedError("a precondition of the transaction no longer holds");
  }
  return response.header().revision();
}

absl::StatusOr<Revision> EtcdStore::CurrentRevision() {
  // One key's lookup: every answer's header carries the store's revision (a count over the
  // prefix would cost a walk of every key, on each /readyz).
  etcdserverpb::RangeRequest request;
  request.set_key(prefix_);
  request.set_keys_only(true);
  etcdserverpb::RangeResponse response;
  COFFER_RETURN_IF_ERROR(
      connection_->Run(Retry::kIdempotent, [&](Member& member, grpc::ClientContext& context) {
        return member.kv->Range(&context, request, &response);
      }));
  return response.header().revision();
}

absl::StatusOr<std::unique_ptr<WatchHandle>> EtcdStore::Watch(
    std::string_view prefix, std::function<void(const WatchEvent&)> on_event) {
  // Everything after the revision read now reaches the watcher, however long the stream takes
  // to open: so every change committed after Watch returns does.
  COFFER_ASSIGN_OR_RETURN(Revision now, CurrentRevision());
  return etcd::StartWatch(*connection_, prefix_, std::string(prefix), now, std::move(on_event));
}

absl::Status EtcdStore::CheckHealth() {
  // A linearizable read goes through the leader: it fails when the cluster has lost quorum.
  return CurrentRevision().status();
}

std::unique_ptr<Leadership> EtcdStore::Campaign(std::string key, std::string candidate,
                                                absl::Duration ttl) {
  return etcd::StartCampaign(*connection_, prefix_ + key, std::move(candidate), ttl);
}

}  // namespace coffer::storage
