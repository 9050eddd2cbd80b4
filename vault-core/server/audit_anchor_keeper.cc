#include "vault-core/server/audit_anchor_keeper.h"

#include <pthread.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"

namespace coffer::server {

std::string AuditAnchorKey(const std::string& replica) {
  return "audit/anchor/" + (replica.empty() ? std::string("-") : replica);
}

bool AuditLogIsAnchored(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::Status CheckAuditAnchor(storage::Store& store, const std::string& replica,
                              const std::string& log_path, const audit::FileAuditLog& log,
                              std::string_view accepted_loss) {
  const std::string key = AuditAnchorKey(replica);
  absl::StatusOr<storage::Entry> stored = store.Get(key);
  if (absl::IsNotFound(stored.status())) return absl::OkStatus();  // a first start
  if (!stored.ok()) return stored.status();
  absl::StatusOr<audit::AuditPosition> anchor = audit::ParseAnchor(stored->value);
  if (!anchor.ok()) return anchor.status();
  const bool accepted = accepted_loss == audit::LossAcceptance(*anchor);
  if (anchor->seq == 0) return absl::OkStatus();  // an empty log's: nothing written to lose
  if (!AuditLogIsAnchored(log_path)) {
    // What was written before is not in a pipe: the file holding it was replaced.
    if (!accepted) {
      return absl::FailedPreconditionError(absl::StrCat(
          "audit log ", log_path, " is no longer a regular file, but the store holds line ",
          anchor->seq, " of it: the file was replaced. To log to a pipe or a device from now "
          "on, accepting that the lines up to ", anchor->seq, " are not there, start once with "
          "--set audit.accepted_lost_through=", audit::LossAcceptance(*anchor)));
    }
    COFFER_LOG(kAudit, warn, "audit log {} is not a regular file; its anchor at line {} is "
               "dropped (audit.accepted_lost_through)", log_path, anchor->seq);
    return store.Delete(key, std::nullopt).status();
  }
  const audit::AuditPosition end = log.Durable();
  COFFER_RETURN_IF_ERROR(audit::CheckAnchor(log_path, end, *anchor, accepted_loss));
  if (end.seq < anchor->seq || accepted) {
    // Accepted by the operator: the anchor follows the log from where it is now (none yet for
    // an empty log).
    COFFER_LOG(kAudit, warn,
               "audit log {} ends at line {}, and the store saw line {}; accepted "
               "(audit.accepted_lost_through)",
               log_path, end.seq, anchor->seq);
    COFFER_RETURN_IF_ERROR(end.seq == 0
                               ? store.Delete(key, std::nullopt).status()
                               : store.Put(key, audit::FormatAnchor(end), std::nullopt).status());
  }
  return absl::OkStatus();
}

AuditAnchorKeeper::AuditAnchorKeeper(storage::Store& store, const audit::FileAuditLog& log,
                                     std::string key, absl::Duration period)
    : store_(store), log_(log), key_(std::move(key)), period_(period) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "coffer-anchor");
    Run();
  });
}

AuditAnchorKeeper::~AuditAnchorKeeper() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void AuditAnchorKeeper::Run() {
  while (true) {
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), period_);
      stopping = stopping_;
    }
    WriteIfMoved();
    if (stopping) return;
  }
}

void AuditAnchorKeeper::WriteIfMoved() {
  const audit::AuditPosition now = log_.Durable();
  if (now.seq == 0 || now == written_) return;
  absl::StatusOr<storage::Revision> put = store_.Put(key_, audit::FormatAnchor(now), std::nullopt);
  if (!put.ok()) {
    // Tried again with the next period; the anchor only lags further meanwhile.
    COFFER_LOG(kAudit, warn, "cannot record the audit log's position in the store: {}",
               put.status().ToString());
    return;
  }
  written_ = now;
}

}  // namespace coffer::server
