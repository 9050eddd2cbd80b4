#ifndef COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_STORE_H_
#define COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "vault-core/storage/leadership.h"
#include "vault-core/storage/storage.h"

namespace coffer::storage {

namespace etcd {
class Connection;
}

struct EtcdOptions {
  // "host:port", "http://host:port" or "https://host:port"; at least one. Any member serves any
  // request; a member that does not answer is skipped.
  std::vector<std::string> endpoints;
  // Every key of this installation lives under it, so one etcd cluster can hold several. A
  // prefix that does not end in "/" gets one ("/coffer" must not cover "/coffer-staging/").
  std::string prefix = "/coffer/";
  // TLS: the CA that signed the members' certificates (empty: plaintext, for loopback tests),
  // and this client's certificate and key when the members ask for one.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  absl::Duration timeout = absl::Seconds(5);       // one request
  absl::Duration dial_timeout = absl::Seconds(3);  // connecting to one member
};

// The Store over etcd's v3 gRPC API, for several coffer-vault replicas sharing one truth.
// Revisions are etcd's; an expected revision is a Txn comparing the key's mod_revision; a range
// pages with etcd's limit; a watch is an etcd watch stream that resumes from the last revision
// it saw on another member when its member goes away (delivering kReset first, and again when
// the history it needs was compacted away). Writes are durable when etcd acknowledges them (a
// quorum has them on disk). Thread-safe.
class EtcdStore : public Store {
 public:
  // Connects and asks for the cluster's status. UNAVAILABLE naming every endpoint when none
  // answers within the dial timeout; INVALID_ARGUMENT for bad options or TLS files.
  static absl::StatusOr<std::unique_ptr<EtcdStore>> Open(const EtcdOptions& options);
  ~EtcdStore() override;

  absl::StatusOr<Entry> Get(std::string_view key) override;
  absl::StatusOr<Revision> Put(std::string_view key, std::string_view value,
                               std::optional<Revision> expected_revision) override;
  absl::StatusOr<Revision> Delete(std::string_view key,
                                  std::optional<Revision> expected_revision) override;
  absl::StatusOr<RangeResult> Range(const RangeRequest& request) override;
  absl::StatusOr<Revision> Commit(const std::vector<Precondition>& preconditions,
                                  const std::vector<Write>& writes) override;
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(
      std::string_view prefix, std::function<void(const WatchEvent&)> on_event) override;
  absl::Status CheckHealth() override;

  // Campaigns for `key` (under the prefix) with a lease of `ttl`, as `candidate`: at most one
  // replica holds it at a time, and a replica that dies loses it when its lease runs out.
  std::unique_ptr<Leadership> Campaign(std::string key, std::string candidate,
                                       absl::Duration ttl = absl::Seconds(5));

 private:
  EtcdStore(std::string prefix, std::unique_ptr<etcd::Connection> connection);
  absl::StatusOr<Revision> CurrentRevision();

  const std::string prefix_;
  const std::unique_ptr<etcd::Connection> connection_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_ETCD_ETCD_STORE_H_
