#ifndef COFFER_VAULT_CORE_AUDIT_FILE_AUDIT_LOG_H_
#define COFFER_VAULT_CORE_AUDIT_FILE_AUDIT_LOG_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/base/log_throttle.h"
#include "vault-core/audit/audit_anchor.h"
#include "vault-core/audit/audit_checkpoint.h"
#include "vault-core/audit/audit_journal.h"
#include "vault-core/audit/audit_log.h"
#include "vault-core/audit/line_shipper.h"

namespace coffer::audit {

struct FileAuditLogOptions {
  // The name of the replica writing the log (config `replica`), carried by every line it
  // writes so that its chain names it (docs/audit-log.md, "Replicas"). Empty: no name, as a
  // single server's log before replicas were named; only for a log that names none yet.
  std::string replica;
  // Past this many lines waiting for the writer (a disk that stalls under load) the log says it
  // is Overloaded, and new requests are turned away (503 with Retry-After) before they act.
  std::size_t max_queued = 65536;
  // Online rotation (docs/audit-log.md, "Rotation"): once the log holds `rotate_bytes`, or
  // its first line is `rotate_every` old, it is renamed `<log>.<UTC time>-<its last seq>` and
  // a new log continues the chain, starting with a rotation marker that names the old file.
  // 0: never. Of the rotated files, the newest `retain` are kept (0: all).
  std::int64_t rotate_bytes = 0;
  absl::Duration rotate_every = absl::ZeroDuration();
  int retain = 0;
  // Signed checkpoints (audit_checkpoint.h): with a signer, the log writes one once lines were
  // written and `checkpoint_every` passed since the last, as the last line of a file about to
  // be rotated, and as the last line at a clean stop. Borrowed; must outlive the log.
  CheckpointSigner* signer = nullptr;
  absl::Duration checkpoint_every = absl::Minutes(1);
  // Where durable lines are also sent as they are written (a log collector). Borrowed; must
  // outlive the log.
  LineShipper* shipper = nullptr;
};

// An AuditLog appending hash-chained JSON lines to one file (docs/audit-log.md).
//
// Group commit: Append queues its record and waits; one writer thread owns the file, takes
// everything queued, appends it with one write(), makes it durable with one fdatasync() of the
// journal beside the log (AuditJournal), then wakes that batch. So each Append costs a share of
// an fsync rather than a whole one, and returns only after the fsync that covers its line.
//
// A batch whose append fails (no space left on the device, a quota) and can be cut off again
// gets UNAVAILABLE, and the next batch tries again from the same place in the chain: a full
// disk refuses requests while it lasts, not until a restart. Meanwhile the log says it is
// Overloaded, so that requests are turned away before they act, and checks each second
// whether there is room again (kRoomToResume, reserved at the file's end). After a failed fsync, or an append
// that cannot be undone, the log stops writing for good (so the chain on disk never has a
// silent gap): that batch and every later Append get UNAVAILABLE until the process is
// restarted with a working file. Thread-safe. The destructor writes what is queued, then joins.
class FileAuditLog : public AuditLog {
 public:
  // Opens `path` for appending, creating it with mode 0600, recovers what a crash left in its
  // journal (`path`.journal), and continues the chain from its last line. FAILED_PRECONDITION
  // if it cannot be opened or another process holds it; DATA_LOSS if the last line does not
  // parse, or is torn (no trailing newline) with no journal to explain it: the operator runs
  // `coffer audit verify` and moves the file aside. INVALID_ARGUMENT for a replica name that
  // ValidateReplicaName refuses; FAILED_PRECONDITION if the log's last line names another
  // replica (or any replica, when `options.replica` is empty): a replica continues only its own
  // chain. A log whose lines name no replica is continued with named lines.
  static absl::StatusOr<std::unique_ptr<FileAuditLog>> Open(
      const std::string& path, Clock& clock, const FileAuditLogOptions& options = {});
  ~FileAuditLog() override;
  FileAuditLog(const FileAuditLog&) = delete;
  FileAuditLog& operator=(const FileAuditLog&) = delete;

  absl::Status Append(const AuditRecord& record) override;
  void AppendAsync(AuditRecord record, std::function<void(absl::Status)> done) override;
  bool Overloaded() const override;
  bool Writable() const override { return !refusing_.load(std::memory_order_relaxed); }

  // The space that must be free again for a log that ran out of it to take requests again.
  static constexpr off_t kRoomToResume = 256 * 1024;

  // The last durable line: what the store's anchor records (AuditAnchorKeeper).
  AuditPosition Durable() const;

  // How many times the log was rotated since it was opened.
  std::int64_t rotations() const;

  // How many write+fdatasync rounds have run (successful or not).
  std::int64_t batches() const;

  // Test-only: the writer waits until `n` records are queued (or shutdown) before each batch,
  // which makes grouping deterministic. Callers must make sure that many will come.
  void SetMinBatchForTest(std::size_t n);

 private:
  struct Pending {
    std::string fields;  // FormatAuditFields of the record
    bool done = false;
    absl::Status status;
    // Set for AppendAsync: the writer owns the Pending and runs this instead of waking anyone.
    std::function<void(absl::Status)> callback;
  };

  FileAuditLog(std::string path, const FileAuditLogOptions& options, int fd,
               std::unique_ptr<AuditJournal> journal, Clock& clock, std::int64_t next_seq,
               std::string prev_hash, std::int64_t file_size);
  std::string Fields(const AuditRecord& record);
  // Why an append is refused now (the log failed or is stopping), or OK.
  absl::Status Refusal() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Enqueue(Pending* pending) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriterLoop();
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes and syncs `batch`. On failure, *undone says whether the file is as it was before.
  absl::Status WriteBatch(const std::vector<Pending*>& batch, bool* undone);
  // Whether a log that ran out of space may take requests again: kRoomToResume could be
  // reserved past its end (or, where a file system cannot reserve, is free).
  bool RoomAgain();
  // Whether the log is due for rotation, and how long the writer may wait before asking again.
  bool RotationDue() const;
  absl::Duration WaitBound() const;
  // Renames the log aside and continues the chain in a new one (the writer, between batches).
  // On failure the log goes on in the old file, and rotation is tried again a minute later.
  absl::Status Rotate();
  void RotateOrRetryLater();
  // Removes the oldest rotated files past `retain_`.
  void RemoveOldRotatedFiles();
  bool CheckpointDue() const;
  // Signs and writes a checkpoint line. A signing failure or a full disk skips it (logged); the
  // status is not OK only when the log failed for good (it then refuses everything).
  absl::Status WriteCheckpoint();

  const std::string path_;
  const std::string replica_;  // "" writes no "replica" member
  const std::size_t max_queued_;
  const std::int64_t rotate_bytes_;
  const absl::Duration rotate_every_;
  const int retain_;
  CheckpointSigner* const signer_;
  LineShipper* const shipper_;
  const absl::Duration checkpoint_every_;
  Clock& clock_;

  // Only the writer thread touches these once it has started.
  int fd_;
  std::unique_ptr<AuditJournal> journal_;  // null for a device or pipe: fsync per batch
  absl::Time file_started_;  // when the current file was opened or rotated in
  bool lines_since_rotation_ = false;
  absl::Time next_rotation_try_ = absl::InfinitePast();  // after a failed rotation
  bool lines_since_checkpoint_ = false;
  absl::Time last_checkpoint_;  // the last one tried
  std::int64_t next_seq_;
  std::string prev_hash_;
  std::int64_t file_size_;
  bool failing_ = false;  // the last batch failed and was undone
  LogThrottle failure_log_{Clock::Real(), absl::Seconds(10)};
  LogThrottle checkpoint_log_{Clock::Real(), absl::Minutes(10)};

  mutable absl::Mutex mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  // Whether queue_ holds max_queued_: set and cleared under mu_, read without it, since every
  // request asks (Overloaded) and the lock is the appenders' and the writer's.
  std::atomic<bool> overloaded_{false};
  // Whether the log cannot be written now (failing_, or failed_ for good); read as overloaded_.
  std::atomic<bool> refusing_{false};
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t lines_written_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t rotations_ ABSL_GUARDED_BY(mu_) = 0;
  AuditPosition durable_ ABSL_GUARDED_BY(mu_);
  std::size_t min_batch_ ABSL_GUARDED_BY(mu_) = 1;

  std::thread writer_;
};

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_FILE_AUDIT_LOG_H_
