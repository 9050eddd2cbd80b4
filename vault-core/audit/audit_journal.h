#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_JOURNAL_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace coffer::audit {

// Makes appended audit lines durable cheaply (docs/audit-log.md, "The journal").
//
// An fdatasync() after an append must also write the file's new size, a second synchronous
// write before the device flush. So lines are appended to the log without syncing it, and the
// same bytes are written into this journal: a file of fixed size, zero-filled when created,
// overwritten in place, whose fdatasync() has no size to write. When the journal is full, the
// log itself is synced (everything in the journal is then in the log too) and the journal
// starts again from its beginning. After a crash, the log's chain continues with the journal's
// lines that it lacks (LinesContinuing).
class AuditJournal {
 public:
  // Creates `path` (mode 0600), or empties an existing one, as `size` zero bytes, made durable
  // with its directory entry.
  static absl::StatusOr<std::unique_ptr<AuditJournal>> Create(const std::string& path,
                                                              std::int64_t size);
  ~AuditJournal();
  AuditJournal(const AuditJournal&) = delete;
  AuditJournal& operator=(const AuditJournal&) = delete;

  // `bytes` were just appended to the log open as `log_fd`: returns once they are durable.
  absl::Status Commit(int log_fd, std::string_view bytes);

 private:
  AuditJournal(int fd, std::int64_t size) : fd_(fd), size_(size) {}

  const int fd_;
  const std::int64_t size_;
  std::int64_t offset_ = 0;  // where the next lines go
};

// Recovery: the complete lines at the start of `journal` that continue a chain whose next line
// is `*next_seq` after the line hashing to `*prev_hash`, joined with newlines; both are advanced
// past them. Lines the log already has are skipped; the first line that does not parse or does
// not chain (zeros, a fragment left by a wrap, another log's journal) ends the scan.
std::string LinesContinuing(std::string_view journal, std::int64_t* next_seq,
                            std::string* prev_hash);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_JOURNAL_H_
