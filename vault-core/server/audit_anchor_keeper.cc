#include "vault-core/server/audit_anchor_keeper.h"

#include <pthread.h>
#include <sys/stat.h>

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
                              std::int64_t accepted_lost_through) {
  const std::string key = AuditAnchorKey(replica);
  absl::StatusOr<storage::Entry> stored = store.Get(key);
  if (absl::IsNotFound(stored.status())) return absl::OkStatus();  // a first start
  if (!stored.ok()) return stored.status();
  absl::StatusOr<audit::AuditPosition> anchor = audit::ParseAnchor(stored->value);
  if (!anchor.ok()) return anchor.status();
  const audit::AuditPosition end = log.Durable();
  absl::Status checked = audit::CheckAnchor(log_path, end, *anchor, accepted_lost_through);
  if (!checked.ok()) return checked;
  if (end.seq < anchor->seq) {
    // Accepted by the operator: the anchor follows the log from where it is now.
    COFFER_LOG(kAudit, warn,
               "audit log {} ends at line {}, before line {} the store saw; accepted "
               "(audit.accepted_lost_through={})",
               log_path, end.seq, anchor->seq, accepted_lost_through);
    COFFER_RETURN_IF_ERROR(store.Put(key, audit::FormatAnchor(end), std::nullopt).status());
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
