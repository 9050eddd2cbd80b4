#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_LOG_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_LOG_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace coffer::audit {

// One data-plane, token or admin call. Never put a secret value, token or key in a field.
struct AuditRecord {
  absl::Time time = absl::InfinitePast();  // filled by the log from its Clock if left as is
  std::string request_id;
  std::string principal;  // object id or "anonymous"
  std::string vault;      // vault name or ""
  std::string operation;  // e.g. "SecretGet", "TokenIssue", "AdminVaultCreate"
  std::string object;     // e.g. "secrets/db/0123..." or ""
  std::string result;     // e.g. "200", "403 Forbidden", "OK", "PERMISSION_DENIED"
  absl::Duration latency;
  std::string client_address;
};

// The audit trail: a sink separate from operator logs. A request whose record cannot be
// appended must fail, and must not be acknowledged before Append returns OK. Thread-safe.
class AuditLog {
 public:
  virtual ~AuditLog() = default;

  // Returns once the record is durable. UNAVAILABLE when it could not be written: fail the
  // request.
  virtual absl::Status Append(const AuditRecord& record) = 0;

  // Append without waiting: `done` runs (on any thread) once the record is durable, or with
  // UNAVAILABLE. Lets a server thread serve others meanwhile. The default calls Append.
  virtual void AppendAsync(AuditRecord record, std::function<void(absl::Status)> done) {
    done(Append(record));
  }

  // Whether a new request should be turned away before it acts: the log is so far behind (a
  // disk that does not keep up) that its record would wait in memory behind too many others,
  // or it cannot be written now (a full disk), so that what the request did would go
  // unrecorded. The record of something done is always taken.
  virtual bool Overloaded() const { return false; }

  // Whether the log can be written now: false while it refuses every request (a full disk, a
  // failed fsync), which /readyz then reports. Cheap: asked by every readiness probe.
  virtual bool Writable() const { return true; }
};

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_LOG_H_
