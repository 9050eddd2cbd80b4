#ifndef COFFER_VAULT_CORE_SERVER_AUDIT_ANCHOR_KEEPER_H_
#define COFFER_VAULT_CORE_SERVER_AUDIT_ANCHOR_KEEPER_H_

#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "vault-core/audit/audit_anchor.h"
#include "vault-core/audit/file_audit_log.h"
#include "vault-core/storage/storage.h"

namespace coffer::server {

// The store key of a replica's audit anchor.
std::string AuditAnchorKey(const std::string& replica);

// Whether the log at `path` is anchored: a regular file. A pipe or a device (a log collector
// reading as it is written) has no past here to check.
bool AuditLogIsAnchored(const std::string& path);

// Before the vault serves: checks this replica's audit log against the anchor the store keeps
// (audit::CheckAnchor). A log the store has an anchor for that is no longer a regular file
// (replaced by a pipe, say) is refused the same way; once accepted, its anchor is dropped.
absl::Status CheckAuditAnchor(storage::Store& store, const std::string& replica,
                              const std::string& log_path, const audit::FileAuditLog& log,
                              std::string_view accepted_loss);

// Keeps the store's anchor of an audit log up to date: the log's durable end, written at most
// once per `period` when it moved (a store write per audit batch would double the fsyncs of
// every request), and once more when the keeper stops. So the anchor lags the log by at most a
// period, and a cut that stays within that lag goes unnoticed: docs/audit-log.md says so.
class AuditAnchorKeeper {
 public:
  AuditAnchorKeeper(storage::Store& store, const audit::FileAuditLog& log, std::string key,
                    absl::Duration period = absl::Seconds(1));
  ~AuditAnchorKeeper();
  AuditAnchorKeeper(const AuditAnchorKeeper&) = delete;
  AuditAnchorKeeper& operator=(const AuditAnchorKeeper&) = delete;

 private:
  void Run();
  void WriteIfMoved();

  storage::Store& store_;
  const audit::FileAuditLog& log_;
  const std::string key_;
  const absl::Duration period_;
  audit::AuditPosition written_;  // only the keeper's thread touches it once started
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_AUDIT_ANCHOR_KEEPER_H_
