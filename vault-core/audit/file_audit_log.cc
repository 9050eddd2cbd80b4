#include "vault-core/audit/file_audit_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/logging.h"
#include "lib/base/scoped_fd.h"
#include "lib/base/status.h"
#include "vault-core/audit/audit_journal.h"
#include "vault-core/audit/audit_line.h"

namespace coffer::audit {
namespace {

constexpr std::int64_t kMaxLineBytes = 1 << 20;
// About 3,000 lines: at tens of thousands of requests a second the log is synced a few times a
// second, each sync replacing thousands of size updates.
constexpr std::int64_t kJournalBytes = 1 << 20;

struct Tail {
  std::int64_t next_seq = 1;
  std::string prev_hash{kGenesisHash};
  std::string replica;  // the last line's; "" for none or an empty log
};

std::string ErrnoText() { return std::strerror(errno); }

absl::Status DataLoss(const std::string& path, const std::string& what) {
  return absl::DataLossError(absl::StrCat(
      "audit log ", path, ": ", what, "; run `coffer audit verify ", path,
      "`, then move the file aside (keep it as evidence) so that a new one is started"));
}

// The chain continues from the last line; only the tail of the file is read, backwards.
absl::StatusOr<Tail> ReadTail(int fd, std::int64_t size, const std::string& path) {
  Tail tail;
  if (size == 0) return tail;
  std::string bytes;  // the file from `start` on
  std::int64_t start = size;
  std::size_t before = std::string::npos;  // the newline before the last line
  while (start > 0 && before == std::string::npos) {
    std::int64_t chunk = std::min<std::int64_t>(4096, start);
    start -= chunk;
    std::string buf(static_cast<std::size_t>(chunk), '\0');
    if (pread(fd, buf.data(), buf.size(), start) != chunk) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read audit log ", path, ": ", ErrnoText()));
    }
    bytes.insert(0, buf);
    if (bytes.back() != '\n') {
      return DataLoss(path, "the last line is torn (no trailing newline), as after a crash");
    }
    if (bytes.size() > 1) before = bytes.rfind('\n', bytes.size() - 2);
    if (static_cast<std::int64_t>(bytes.size()) > kMaxLineBytes) {
      return DataLoss(path, "the last line is longer than 1 MiB");
    }
  }
  std::size_t begin = before == std::string::npos ? 0 : before + 1;
  std::string line = bytes.substr(begin, bytes.size() - 1 - begin);
  absl::StatusOr<ParsedAuditLine> parsed = ParseAuditLine(line);
  if (!parsed.ok()) {
    return DataLoss(path,
                    absl::StrCat("the last line does not parse (", parsed.status().message(), ")"));
  }
  tail.next_seq = parsed->seq + 1;
  tail.prev_hash = LineHash(line);
  tail.replica = std::move(parsed->replica);
  return tail;
}

// `*error` (when given) receives the errno of a failed write.
absl::Status WriteAll(int fd, const std::string& bytes, int* error = nullptr) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;  // nothing written, and no reason given
      if (error != nullptr) *error = errno;
      return absl::UnavailableError(absl::StrCat("write failed: ", ErrnoText()));
    }
    done += static_cast<std::size_t>(n);
  }
  return absl::OkStatus();
}

// After a crash: cuts the log back to where the journal's round began (everything before was
// synced) and replays the journal's lines from there. Whatever the crash left after that point
// (lines lost, torn, or zeros in place of some) is replaced by the lines acknowledged. The chain
// continues from the journal's state, not from the log's last line: an edit of that line while
// the vault was stopped stays visible to verify.
absl::StatusOr<Tail> Replay(int fd, const std::string& path, std::int64_t* size,
                            const JournalContents& journal) {
  const JournalRound& start = journal.start;
  if (start.log_offset > *size) {
    return DataLoss(path, absl::StrCat("it is shorter (", *size,
                                       " bytes) than its journal says "
                                       "was synced (",
                                       start.log_offset, " bytes)"));
  }
  Tail tail{start.next_seq, start.prev_hash, ""};
  std::string lines = LinesContinuing(journal.lines, &tail.next_seq, &tail.prev_hash);
  if (ftruncate(fd, start.log_offset) != 0 || !WriteAll(fd, lines).ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot replay the journal into audit log ", path, ": ", ErrnoText()));
  }
  std::int64_t replayed = start.log_offset + static_cast<std::int64_t>(lines.size());
  if (replayed != *size) {
    COFFER_LOG(kAudit, warn, "audit log {}: replayed its journal after a crash ({} bytes, was {})",
               path, replayed, *size);
  }
  *size = replayed;
  return tail;
}

std::string DirectoryOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseNameOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::Status SyncDirectory(const std::string& dir) {
  ScopedFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || fsync(fd.get()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot sync directory ", dir, ": ", ErrnoText()));
  }
  return absl::OkStatus();
}

// The seq of the last line of a rotated file, from its name (`<log>.<YYYYmmddTHHMMSSZ>-<seq>`);
// nullopt for any other name.
std::optional<std::int64_t> RotatedSeq(std::string_view name, std::string_view log_name) {
  if (name.size() <= log_name.size() + 1 || name.substr(0, log_name.size()) != log_name ||
      name[log_name.size()] != '.') {
    return {};
  }
  name.remove_prefix(log_name.size() + 1);
  if (name.size() < 18 || name[8] != 'T' || name[15] != 'Z' || name[16] != '-') return {};
  std::int64_t seq = 0;
  if (!absl::SimpleAtoi(AsAbsl(name.substr(17)), &seq)) return {};
  return seq;
}

// A rotation interrupted by a crash: `<log>.new`, the new log with its first line, is in place
// of the log once the log was renamed aside, and stale otherwise.
absl::Status FinishInterruptedRotation(const std::string& path) {
  const std::string next = path + ".new";
  ScopedFd fd(open(next.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return absl::OkStatus();
  // The writer rotating holds `next` locked: a live rotation, not ours to touch (this process
  // will find the log itself locked).
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return absl::OkStatus();
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    unlink(next.c_str());
    return absl::OkStatus();
  }
  if (rename(next.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot finish the rotation of audit log ", path, " (rename ", next, "): ", ErrnoText()));
  }
  COFFER_LOG(kAudit, warn, "audit log {}: finished a rotation interrupted by a crash", path);
  return SyncDirectory(DirectoryOf(path));
}

// A replica continues only its own chain: a log naming another replica is another replica's
// evidence (a misconfigured name, or a volume mounted on the wrong replica).
absl::Status CheckReplica(const std::string& path, const Tail& tail, const std::string& replica) {
  if (tail.replica.empty() || tail.replica == replica) return absl::OkStatus();
  std::string mine = replica.empty() ? "no replica name is configured"
                                     : absl::StrCat("this replica is named ", replica);
  return absl::FailedPreconditionError(absl::StrCat(
      "audit log ", path, " is replica ", tail.replica, "'s chain, but ", mine,
      ": if this is that replica, configure its name (`replica`) as ", tail.replica,
      "; else move the file aside (keep it as evidence) so that a new one is started"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileAuditLog>> FileAuditLog::Open(
    const std::string& path, Clock& clock, const FileAuditLogOptions& options) {
  if (!options.replica.empty()) {
    absl::Status valid = ValidateReplicaName(options.replica);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("replica name \"", options.replica, "\": ", valid.message()));
    }
  }
  COFFER_RETURN_IF_ERROR(FinishInterruptedRotation(path));
  ScopedFd fd(open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open audit log ", path, ": ", ErrnoText()));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot stat ", path, ": ", ErrnoText()));
  }
  if (S_ISREG(st.st_mode)) {
    // Two writers would fork the chain.
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("audit log ", path, " is locked by another process (", ErrnoText(), ")"));
    }
    if ((st.st_mode & 077) != 0) {
      COFFER_LOG(kAudit, warn, "audit log {} is readable by others (mode {:o})", path,
                 st.st_mode & 0777);
    }
  }
  std::string journal_path = path + ".journal";
  bool journalled = S_ISREG(st.st_mode);  // not for a device or a pipe
  std::optional<JournalContents> journal;
  if (journalled) journal = ReadJournal(journal_path, st.st_ino);
  std::int64_t size = st.st_size;
  Tail tail;
  if (journal) {
    COFFER_ASSIGN_OR_RETURN(tail, Replay(fd.get(), path, &size, *journal));
    // The journal does not record whose chain it is: the log's last line tells.
    COFFER_ASSIGN_OR_RETURN(Tail last, ReadTail(fd.get(), size, path));
    tail.replica = std::move(last.replica);
  } else {
    COFFER_ASSIGN_OR_RETURN(tail, ReadTail(fd.get(), size, path));
  }
  // Before the journal is recreated: a refused log keeps its journal for its own replica.
  COFFER_RETURN_IF_ERROR(CheckReplica(path, tail, options.replica));
  if (size > 0 && tail.replica.empty() && !options.replica.empty()) {
    COFFER_LOG(kAudit, info, "audit log {}: lines from seq {} on name replica {}", path,
               tail.next_seq, options.replica);
  }
  std::unique_ptr<AuditJournal> journal_writer;
  if (journalled) {
    // The log is durable as it stands before the journal is emptied.
    if (fdatasync(fd.get()) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot sync audit log ", path, ": ", ErrnoText()));
    }
    COFFER_ASSIGN_OR_RETURN(journal_writer,
                            AuditJournal::Create(journal_path, kJournalBytes, st.st_ino,
                                                 {size, tail.next_seq, tail.prev_hash}));
  }
  // rotate_every counts from the log's first line (from now for an empty log).
  std::optional<ParsedAuditLine> first = FirstAuditLine(fd.get());
  std::unique_ptr<FileAuditLog> log(new FileAuditLog(path, options, fd.release(),
                                                     std::move(journal_writer), clock,
                                                     tail.next_seq, std::move(tail.prev_hash), size));
  if (first) log->file_started_ = first->record.time;
  log->writer_ = std::thread([raw = log.get()] {
    pthread_setname_np(pthread_self(), "coffer-audit");  // for top -H and perf
    raw->WriterLoop();
  });
  return log;
}

FileAuditLog::FileAuditLog(std::string path, const FileAuditLogOptions& options, int fd,
                           std::unique_ptr<AuditJournal> journal, Clock& clock,
                           std::int64_t next_seq, std::string prev_hash, std::int64_t file_size)
    : path_(std::move(path)),
      replica_(options.replica),
      max_queued_(options.max_queued),
      rotate_bytes_(options.rotate_bytes),
      rotate_every_(options.rotate_every),
      retain_(options.retain),
      signer_(options.signer),
      shipper_(options.shipper),
      checkpoint_every_(options.checkpoint_every),
      clock_(clock),
      fd_(fd),
      journal_(std::move(journal)),
      file_started_(clock.Now()),
      last_checkpoint_(clock.Now()),
      next_seq_(next_seq),
      prev_hash_(std::move(prev_hash)),
      file_size_(file_size) {
  absl::MutexLock lock(&mu_);
  durable_ = {next_seq_ - 1, prev_hash_};
}

AuditPosition FileAuditLog::Durable() const {
  absl::MutexLock lock(&mu_);
  return durable_;
}

FileAuditLog::~FileAuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
  // The log is synced and a new journal round starts at its end: the next start replays
  // nothing. On failure the journal keeps its round and the next start replays it.
  if (journal_ != nullptr) {
    absl::Status closed = fdatasync(fd_) == 0
                              ? journal_->StartRound({file_size_, next_seq_, prev_hash_})
                              : absl::UnavailableError(ErrnoText());
    if (!closed.ok()) {
      COFFER_LOG(kAudit, err, "cannot sync audit log {} at close: {}", path_, closed.ToString());
    }
  }
  close(fd_);
  absl::MutexLock lock(&mu_);
  COFFER_LOG(kAudit, info, "audit log {} closed: {} lines written in {} fsyncs", path_,
             lines_written_, batches_);
}

// Appenders format their record's fields themselves, in parallel; the writer only adds seq
// and prev, and hashes.
std::string FileAuditLog::Fields(const AuditRecord& record) {
  if (record.time != absl::InfinitePast()) return FormatAuditFields(record);
  AuditRecord stamped = record;
  stamped.time = clock_.Now();
  return FormatAuditFields(stamped);
}

absl::Status FileAuditLog::Append(const AuditRecord& record) {
  Pending pending;
  pending.fields = Fields(record);
  absl::MutexLock lock(&mu_);
  COFFER_RETURN_IF_ERROR(Refusal());
  Enqueue(&pending);
  mu_.Await(absl::Condition(&pending.done));
  return pending.status;
}

void FileAuditLog::AppendAsync(AuditRecord record, std::function<void(absl::Status)> done) {
  if (record.time == absl::InfinitePast()) record.time = clock_.Now();
  auto pending = std::make_unique<Pending>();
  pending->fields = FormatAuditFields(record);
  pending->callback = std::move(done);
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    refused = Refusal();
    if (refused.ok()) {
      Enqueue(pending.release());
      return;
    }
  }
  pending->callback(refused);
}

absl::Status FileAuditLog::Refusal() const {
  if (!failed_.ok()) return failed_;
  if (stopping_) return absl::UnavailableError("audit log is shutting down");
  return absl::OkStatus();
}

void FileAuditLog::Enqueue(Pending* pending) {
  queue_.push_back(pending);
  if (queue_.size() >= max_queued_) overloaded_.store(true, std::memory_order_relaxed);
}

bool FileAuditLog::Overloaded() const {
  return overloaded_.load(std::memory_order_relaxed) || refusing_.load(std::memory_order_relaxed);
}

std::int64_t FileAuditLog::rotations() const {
  absl::MutexLock lock(&mu_);
  return rotations_;
}

std::int64_t FileAuditLog::batches() const {
  absl::MutexLock lock(&mu_);
  return batches_;
}

void FileAuditLog::SetMinBatchForTest(std::size_t n) {
  absl::MutexLock lock(&mu_);
  min_batch_ = n;
}

bool FileAuditLog::WriterHasWork() const {
  return stopping_ || (!queue_.empty() && queue_.size() >= min_batch_);
}

void FileAuditLog::WriterLoop() {
  for (;;) {
    std::vector<Pending*> batch;
    absl::Status status;
    bool idle = false;
    bool stopped = false;  // stopping, and everything queued is written
    {
      absl::MutexLock lock(&mu_);
      // While the log is failing, nothing new comes (requests are turned away before they
      // act), so the writer looks for room itself, each second.
      idle = !mu_.AwaitWithTimeout(absl::Condition(this, &FileAuditLog::WriterHasWork),
                                   failing_ ? absl::Seconds(1) : WaitBound());
      stopped = !idle && queue_.empty();
      if (!idle) {
        batch.swap(queue_);
        overloaded_.store(false, std::memory_order_relaxed);
        status = failed_;
      }
    }
    if (stopped) {
      // A clean stop ends with a checkpoint: the log's length at the stop is signed.
      if (status.ok() && !failing_ && signer_ != nullptr && lines_since_checkpoint_) {
        WriteCheckpoint().IgnoreError();
      }
      return;
    }
    if (idle) {
      if (failing_ && RoomAgain()) {
        COFFER_LOG(kAudit, warn, "audit log {} has room again; taking requests", path_);
        failing_ = false;
        refusing_.store(false, std::memory_order_relaxed);
      }
      if (CheckpointDue()) WriteCheckpoint().IgnoreError();
      if (RotationDue()) RotateOrRetryLater();
      continue;
    }
    bool wrote = status.ok();
    bool undone = false;  // the batch failed, and the file is as it was before it
    if (wrote) status = WriteBatch(batch, &undone);
    if (wrote && !status.ok() && undone) {
      // A full disk, say: this batch is refused, the next one tries again.
      int64_t held_back = 0;
      if (failure_log_.Admit("append", &held_back)) {
        COFFER_LOG(kAudit, err,
                   "audit log {} cannot be appended to, refusing requests until it can: {} ({} "
                   "more failed batches since the last line)",
                   path_, status.ToString(), held_back);
      }
      failing_ = true;
    } else if (wrote && !status.ok()) {
      COFFER_LOG(kAudit, err, "audit log {} failed, refusing all requests until restart: {}", path_,
                 status.ToString());
      failing_ = false;  // for good: nothing to look for room for
    } else if (wrote && failing_) {
      COFFER_LOG(kAudit, warn, "audit log {} is written again", path_);
      failing_ = false;
    }
    refusing_.store(!status.ok(), std::memory_order_relaxed);
    std::vector<std::unique_ptr<Pending>> finished_async;
    {
      absl::MutexLock lock(&mu_);
      if (wrote) ++batches_;
      if (wrote && status.ok()) {
        lines_written_ += static_cast<std::int64_t>(batch.size());
        durable_ = {next_seq_ - 1, prev_hash_};
      }
      if (!status.ok() && !undone) failed_ = status;
      for (Pending* pending : batch) {
        if (pending->callback) {
          finished_async.emplace_back(pending);
          continue;
        }
        pending->status = status;
        pending->done = true;
      }
    }
    // Outside the lock: a callback may append again.
    for (auto& pending : finished_async) pending->callback(status);
    if (status.ok()) lines_since_rotation_ = lines_since_checkpoint_ = true;
    if (CheckpointDue()) WriteCheckpoint().IgnoreError();
    if (RotationDue()) RotateOrRetryLater();
  }
}

bool FileAuditLog::RotationDue() const {
  // A device or a pipe is not rotated, nor a log with nothing new since its rotation marker.
  if (journal_ == nullptr || !lines_since_rotation_ || failing_) return false;
  const absl::Time now = clock_.Now();
  if (now < next_rotation_try_) return false;
  if (rotate_bytes_ > 0 && file_size_ >= rotate_bytes_) return true;
  return rotate_every_ > absl::ZeroDuration() && now - file_started_ >= rotate_every_;
}

absl::Duration FileAuditLog::WaitBound() const {
  // Rotation by age, and a checkpoint due, are noticed within a second when nothing is written.
  const bool by_age = journal_ != nullptr && rotate_every_ > absl::ZeroDuration();
  const bool checkpoint = signer_ != nullptr && lines_since_checkpoint_;
  return (by_age && lines_since_rotation_) || checkpoint ? absl::Seconds(1)
                                                        : absl::InfiniteDuration();
}

bool FileAuditLog::CheckpointDue() const {
  return signer_ != nullptr && lines_since_checkpoint_ && !failing_ &&
         clock_.Now() - last_checkpoint_ >= checkpoint_every_;
}

absl::Status FileAuditLog::WriteCheckpoint() {
  const absl::Time now = clock_.Now();
  last_checkpoint_ = now;  // tried: not again before the next period, whatever happens now
  absl::StatusOr<std::string> signature =
      signer_->Sign(CheckpointMessage(replica_, next_seq_, now, prev_hash_));
  int64_t held_back = 0;
  if (!signature.ok()) {
    if (checkpoint_log_.Admit("sign", &held_back)) {
      COFFER_LOG(kAudit, warn, "audit log {}: no checkpoint, the HSM did not sign: {}", path_,
                 signature.status().ToString());
    }
    return absl::OkStatus();
  }
  Pending checkpoint;
  checkpoint.fields = FormatAuditFields(CheckpointRecord(now, signer_->key_id(), *signature));
  bool undone = false;
  absl::Status status = WriteBatch({&checkpoint}, &undone);
  absl::MutexLock lock(&mu_);
  ++batches_;
  if (status.ok()) {
    ++lines_written_;
    durable_ = {next_seq_ - 1, prev_hash_};
    lines_since_checkpoint_ = false;
    return absl::OkStatus();
  }
  if (undone) {  // no room: the next batch finds out and refuses requests until there is
    if (checkpoint_log_.Admit("write", &held_back)) {
      COFFER_LOG(kAudit, warn, "audit log {}: no checkpoint: {}", path_, status.ToString());
    }
    return absl::OkStatus();
  }
  COFFER_LOG(kAudit, err, "audit log {} failed, refusing all requests until restart: {}", path_,
             status.ToString());
  failed_ = status;
  refusing_.store(true, std::memory_order_relaxed);
  return status;
}

void FileAuditLog::RotateOrRetryLater() {
  absl::Status rotated = Rotate();
  if (rotated.ok()) return;
  next_rotation_try_ = clock_.Now() + absl::Minutes(1);
  COFFER_LOG(kAudit, err, "cannot rotate audit log {} (trying again in a minute): {}", path_,
             rotated.ToString());
}

absl::Status FileAuditLog::Rotate() {
  // The old file ends with a checkpoint: its length is signed.
  if (signer_ != nullptr && lines_since_checkpoint_) COFFER_RETURN_IF_ERROR(WriteCheckpoint());
  const absl::Time now = clock_.Now();
  // Everything in the old file is durable before it is renamed: its journal is not replayed
  // into it again (the new journal names the new file).
  if (fdatasync(fd_) != 0) {
    return absl::UnavailableError(absl::StrCat("fdatasync failed: ", ErrnoText()));
  }
  const std::string rotated = absl::StrCat(
      path_, ".", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()), "-",
      next_seq_ - 1);
  AuditRecord marker;
  marker.time = now;
  marker.principal = std::string(kAuditPrincipal);
  marker.operation = std::string(kRotationOperation);
  marker.object = BaseNameOf(rotated);
  marker.result = "OK";
  const std::string line = FormatAuditLine(marker, next_seq_, prev_hash_, replica_);
  // The new log is written whole beside the old one, then renamed in place of it (after the old
  // one is renamed aside): a crash leaves the old log, or the new one with its first line, never
  // a torn or missing first line (Open finishes an interrupted rotation).
  const std::string next = path_ + ".new";
  ScopedFd fd(open(next.c_str(), O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return absl::UnavailableError(absl::StrCat("cannot create ", next, ": ", ErrnoText()));
  }
  struct stat st;
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0 || !WriteAll(fd.get(), line + "\n").ok() ||
      fdatasync(fd.get()) != 0 || fstat(fd.get(), &st) != 0) {
    const std::string why = ErrnoText();
    unlink(next.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", next, ": ", why));
  }
  if (rename(path_.c_str(), rotated.c_str()) != 0) {
    const std::string why = ErrnoText();
    unlink(next.c_str());
    return absl::UnavailableError(absl::StrCat("cannot rename the log to ", rotated, ": ", why));
  }
  if (rename(next.c_str(), path_.c_str()) != 0) {
    // The old log goes on only once it is back in place. If it cannot be, the directory is as
    // a crash mid-rotation leaves it, and nothing more may be written to the old file: the log
    // stops, and the next start finishes the rotation from `next`.
    const std::string why = ErrnoText();
    absl::Status status = absl::UnavailableError(absl::StrCat("cannot rename ", next, ": ", why));
    if (rename(rotated.c_str(), path_.c_str()) != 0) {
      absl::MutexLock lock(&mu_);
      failed_ = status;
      refusing_.store(true, std::memory_order_relaxed);
      return status;
    }
    unlink(next.c_str());
    return status;
  }
  absl::Status synced = SyncDirectory(DirectoryOf(path_));
  if (!synced.ok()) COFFER_LOG(kAudit, warn, "audit log {}: {}", path_, synced.ToString());
  const std::int64_t size = static_cast<std::int64_t>(line.size()) + 1;
  const std::string hash = LineHash(line);
  absl::StatusOr<std::unique_ptr<AuditJournal>> journal = AuditJournal::Create(
      path_ + ".journal", kJournalBytes, st.st_ino, {size, next_seq_ + 1, hash});
  if (!journal.ok()) {
    // Each batch is then synced with the log itself: slower, as durable.
    COFFER_LOG(kAudit, warn, "audit log {}: no journal after rotation, syncing the log itself: {}",
               path_, journal.status().ToString());
  }
  journal_ = journal.ok() ? *std::move(journal) : nullptr;
  close(fd_);
  fd_ = fd.release();
  ++next_seq_;
  prev_hash_ = hash;
  file_size_ = size;
  file_started_ = now;
  lines_since_rotation_ = false;
  {
    absl::MutexLock lock(&mu_);
    durable_ = {next_seq_ - 1, prev_hash_};
    ++lines_written_;
    ++rotations_;
  }
  if (shipper_ != nullptr) shipper_->Ship(line + "\n");
  COFFER_LOG(kAudit, info, "audit log {} rotated: lines up to {} are in {}", path_, next_seq_ - 2,
             rotated);
  RemoveOldRotatedFiles();
  return absl::OkStatus();
}

void FileAuditLog::RemoveOldRotatedFiles() {
  if (retain_ <= 0) return;
  const std::string dir = DirectoryOf(path_);
  const std::string log_name = BaseNameOf(path_);
  DIR* listing = opendir(dir.c_str());
  if (listing == nullptr) return;
  std::vector<std::pair<std::int64_t, std::string>> rotated;  // last seq, name
  while (const dirent* entry = readdir(listing)) {
    if (std::optional<std::int64_t> seq = RotatedSeq(entry->d_name, log_name)) {
      rotated.emplace_back(*seq, entry->d_name);
    }
  }
  closedir(listing);
  if (rotated.size() <= static_cast<std::size_t>(retain_)) return;
  std::sort(rotated.begin(), rotated.end());
  const std::size_t remove = rotated.size() - static_cast<std::size_t>(retain_);
  for (std::size_t i = 0; i < remove; ++i) {
    const std::string file = dir + "/" + rotated[i].second;
    if (unlink(file.c_str()) == 0) {
      COFFER_LOG(kAudit, info, "removed rotated audit log {} (audit.retain)", file);
    } else {
      COFFER_LOG(kAudit, warn, "cannot remove rotated audit log {}: {}", file, ErrnoText());
    }
  }
  SyncDirectory(dir).IgnoreError();
}

bool FileAuditLog::RoomAgain() {
  // Reserving blocks past the end changes neither the file's size nor what it holds, and the
  // next batches use them. A file system that cannot reserve is asked for its free space.
  if (fallocate(fd_, FALLOC_FL_KEEP_SIZE, file_size_, kRoomToResume) == 0) return true;
  if (errno != EOPNOTSUPP) return false;
  struct statvfs fs;
  return fstatvfs(fd_, &fs) == 0 &&
         static_cast<off_t>(fs.f_bavail) * static_cast<off_t>(fs.f_frsize) >= kRoomToResume;
}

absl::Status FileAuditLog::WriteBatch(const std::vector<Pending*>& batch, bool* undone) {
  std::string bytes;
  std::int64_t seq = next_seq_;
  std::string prev = prev_hash_;
  for (const Pending* pending : batch) {
    std::string line = AssembleAuditLine(seq++, pending->fields, prev, replica_);
    prev = LineHash(line);
    bytes += line;
    bytes += '\n';
  }
  int error = 0;
  absl::Status status = WriteAll(fd_, bytes, &error);
  const bool appended = status.ok();
  // Only running out of space is worth trying again; an I/O error stops the log.
  const bool out_of_space = error == ENOSPC || error == EDQUOT || error == EFBIG;
  if (appended) {
    if (journal_ != nullptr) {
      status = journal_->Commit(fd_, bytes,
                                {file_size_ + static_cast<std::int64_t>(bytes.size()), seq, prev});
    } else if (fdatasync(fd_) != 0) {
      status = absl::UnavailableError(absl::StrCat("fdatasync failed: ", ErrnoText()));
    }
  }
  if (!status.ok()) {
    // Cut a partial batch off so the file ends on a line boundary. When only the append failed
    // (no space left, say) and the cut worked, nothing of the batch remains, in the log or its
    // journal: the chain goes on from where it was, with the next batch. A failed sync leaves
    // the device's state unknown: the log then refuses further writes until restarted, and
    // verify flags whatever is left.
    const bool cut = ftruncate(fd_, file_size_) == 0;
    if (!cut && errno != EINVAL) {
      COFFER_LOG(kAudit, warn, "cannot cut the failed batch off {}: {}", path_, ErrnoText());
    }
    *undone = out_of_space && cut;
    return absl::UnavailableError(
        absl::StrCat("audit log ", path_, " not written: ", status.message()));
  }
  next_seq_ = seq;
  prev_hash_ = std::move(prev);
  file_size_ += static_cast<std::int64_t>(bytes.size());
  if (shipper_ != nullptr) shipper_->Ship(std::move(bytes));
  return absl::OkStatus();
}

}  // namespace coffer::audit
