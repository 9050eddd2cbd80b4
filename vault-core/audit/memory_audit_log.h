#ifndef COFFER_VAULT_CORE_AUDIT_MEMORY_AUDIT_LOG_H_
#define COFFER_VAULT_CORE_AUDIT_MEMORY_AUDIT_LOG_H_

#include <atomic>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/clock.h"
#include "vault-core/audit/audit_log.h"

namespace coffer::audit {

// The fake beside AuditLog: keeps records in memory, and can be told to fail so that tests can
// check that a failed audit write fails the request. Thread-safe.
class MemoryAuditLog : public AuditLog {
 public:
  explicit MemoryAuditLog(Clock& clock = Clock::Real()) : clock_(clock) {}

  // Records the call (stamping the time if unset) unless FailWith set an error, which is then
  // returned and nothing is recorded.
  absl::Status Append(const AuditRecord& record) override;

  // Every later Append returns `status` (an OK status makes them succeed again).
  void FailWith(absl::Status status);

  std::vector<AuditRecord> records() const;

  bool Overloaded() const override { return overloaded_; }
  void SetOverloaded(bool overloaded) { overloaded_ = overloaded; }

 private:
  Clock& clock_;
  mutable absl::Mutex mu_;
  std::vector<AuditRecord> records_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_with_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> overloaded_{false};
};

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_MEMORY_AUDIT_LOG_H_
