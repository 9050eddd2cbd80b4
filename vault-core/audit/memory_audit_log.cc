#include "vault-core/audit/memory_audit_log.h"

#include <utility>

namespace coffer::audit {

absl::Status MemoryAuditLog::Append(const AuditRecord& record) {
  AuditRecord stamped = record;
  if (stamped.time == absl::InfinitePast()) stamped.time = clock_.Now();
  absl::MutexLock lock(&mu_);
  if (!fail_with_.ok()) return fail_with_;
  records_.push_back(std::move(stamped));
  return absl::OkStatus();
}

void MemoryAuditLog::FailWith(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_with_ = std::move(status);
}

std::vector<AuditRecord> MemoryAuditLog::records() const {
  absl::MutexLock lock(&mu_);
  return records_;
}

}  // namespace coffer::audit
