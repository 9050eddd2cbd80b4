#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_JOURNAL_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_JOURNAL_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace coffer::audit {

// Where the log stood, durably, when a round of the journal began: its length and the chain
// state there (the next line's seq and the hash its prev must name).
struct JournalRound {
  std::int64_t log_offset = 0;
  std::int64_t next_seq = 1;
  std::string prev_hash;
};

// Makes appended audit lines durable cheaply (docs/audit-log.md, "The journal").
//
// An fdatasync() after an append must also write the file's new size, a second synchronous
// write before the device flush. So lines are appended to the log without syncing it, and the
// same bytes are written into this journal: a file of fixed size, zero-filled when created,
// overwritten in place, whose fdatasync() has no size to write. A header names the log (its
// inode) and the round's start: everything in the log before it is durable. When the journal
// is full, the log itself is synced and a new round starts. After a crash the log is cut back
// to the round's start and its lines are replayed from the journal, so whatever the crash did
// to the log's unsynced end (lost, torn, holes) is replaced by the acknowledged lines.
class AuditJournal {
 public:
  // Creates `path` (mode 0600), or overwrites an existing one, as `size` bytes: the header of a
  // round starting at `start`, then zeros; made durable with its directory, which also makes
  // the entry of a log just created beside it durable.
  static absl::StatusOr<std::unique_ptr<AuditJournal>> Create(const std::string& path,
                                                              std::int64_t size, ino_t log_inode,
                                                              const JournalRound& start);
  ~AuditJournal();
  AuditJournal(const AuditJournal&) = delete;
  AuditJournal& operator=(const AuditJournal&) = delete;

  // `bytes` were just appended to the log open as `log_fd`, which then stands at `after`:
  // returns once they are durable. A batch that does not fit syncs the log and starts a round.
  absl::Status Commit(int log_fd, std::string_view bytes, const JournalRound& after);
  // After the log was synced at a clean stop: a new round starting at `at`, so that the next
  // start replays nothing.
  absl::Status StartRound(const JournalRound& at);

 private:
  AuditJournal(int fd, std::int64_t size, ino_t log_inode)
      : fd_(fd), size_(size), log_inode_(log_inode) {}

  const int fd_;
  const std::int64_t size_;
  const ino_t log_inode_;
  std::int64_t offset_;  // where the next lines go
};

// A journal's round and the bytes after its header.
struct JournalContents {
  JournalRound start;
  std::string lines;
};

// Reads the journal at `path` if it is one of the log whose inode is `log_inode`; nullopt if
// there is none, its header does not parse (a crash while writing it, after the log was synced)
// or it belongs to another file.
std::optional<JournalContents> ReadJournal(const std::string& path, ino_t log_inode);

// Recovery: the complete lines at the start of `journal` that continue a chain whose next line
// is `*next_seq` after the line hashing to `*prev_hash`, joined with newlines; both are advanced
// past them. Older lines (a previous round's) are skipped; the first line that does not parse
// or does not chain (zeros, a fragment, a torn line) ends the scan.
std::string LinesContinuing(std::string_view journal, std::int64_t* next_seq,
                            std::string* prev_hash);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_JOURNAL_H_
