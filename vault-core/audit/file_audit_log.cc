#include "vault-core/audit/file_audit_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
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
  std::int64_t end = 0;  // the file's length through its last newline
};

std::string ErrnoText() { return std::strerror(errno); }

absl::Status DataLoss(const std::string& path, const std::string& what) {
  return absl::DataLossError(absl::StrCat(
      "audit log ", path, ": ", what, "; run `coffer audit verify ", path,
      "`, then move the file aside (keep it as evidence) so that a new one is started"));
}

// The chain continues from the last complete line; only the tail of the file is read,
// backwards. Bytes after the last newline are a line torn by a crash: an error unless
// `torn_ok` (the journal holds every acknowledged line, so the torn one was not).
absl::StatusOr<Tail> ReadTail(int fd, std::int64_t size, const std::string& path, bool torn_ok) {
  Tail tail;
  std::string bytes;  // the file from `start` on
  std::int64_t start = size;
  std::size_t last = std::string::npos;    // the final newline in `bytes`
  std::size_t before = std::string::npos;  // the newline before it
  while (start > 0) {
    std::int64_t chunk = std::min<std::int64_t>(4096, start);
    start -= chunk;
    std::string buf(static_cast<std::size_t>(chunk), '\0');
    if (pread(fd, buf.data(), buf.size(), start) != chunk) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read audit log ", path, ": ", ErrnoText()));
    }
    bytes.insert(0, buf);
    last = bytes.rfind('\n');
    if (last != std::string::npos && last > 0) before = bytes.rfind('\n', last - 1);
    if (before != std::string::npos) break;
    if (static_cast<std::int64_t>(bytes.size()) > 2 * kMaxLineBytes) {
      return DataLoss(path, "the last line is longer than 1 MiB");
    }
  }
  std::int64_t end = last == std::string::npos ? 0 : start + static_cast<std::int64_t>(last) + 1;
  if (end != size && !torn_ok) {
    return DataLoss(path, "the last line is torn (no trailing newline), as after a crash");
  }
  tail.end = end;
  if (end == 0) return tail;
  std::size_t begin = before == std::string::npos ? 0 : before + 1;
  std::string line = bytes.substr(begin, last - begin);
  absl::StatusOr<ParsedAuditLine> parsed = ParseAuditLine(line);
  if (!parsed.ok()) {
    return DataLoss(path,
                    absl::StrCat("the last line does not parse (", parsed.status().message(), ")"));
  }
  tail.next_seq = parsed->seq + 1;
  tail.prev_hash = LineHash(line);
  return tail;
}

// Makes a newly created file's directory entry durable too.
void SyncParentDirectory(const std::string& path) {
  std::size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  ScopedFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || fsync(dir_fd.get()) != 0) {
    COFFER_LOG(kAudit, warn, "cannot fsync directory {} of audit log: {}", dir, ErrnoText());
  }
}

absl::Status WriteAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("write failed: ", ErrnoText()));
    done += static_cast<std::size_t>(n);
  }
  return absl::OkStatus();
}

// After a crash: cuts a torn last line off the log, then appends the journal's lines that the
// log lacks, and syncs it; `*size` becomes the log's new length.
absl::Status Recover(int fd, const std::string& path, const std::string& journal_path, Tail& tail,
                     std::int64_t* size) {
  if (tail.end != *size) {
    COFFER_LOG(kAudit, warn, "audit log {}: cutting off {} bytes of a line torn by a crash", path,
               *size - tail.end);
    if (ftruncate(fd, tail.end) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot cut the torn line off audit log ", path, ": ", ErrnoText()));
    }
    *size = tail.end;
  }
  std::string journal;
  {
    ScopedFd jfd(open(journal_path.c_str(), O_RDONLY | O_CLOEXEC));
    char buf[64 * 1024];
    ssize_t n = 0;
    while (jfd.get() >= 0 && (n = read(jfd.get(), buf, sizeof(buf))) > 0) {
      journal.append(buf, static_cast<std::size_t>(n));
    }
    if (jfd.get() < 0 || n < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read audit journal ", journal_path, ": ", ErrnoText()));
    }
  }
  std::string missing = LinesContinuing(journal, &tail.next_seq, &tail.prev_hash);
  if (missing.empty()) return absl::OkStatus();
  if (!WriteAll(fd, missing).ok() || fdatasync(fd) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot restore journalled lines to audit log ", path, ": ", ErrnoText()));
  }
  *size += static_cast<std::int64_t>(missing.size());
  COFFER_LOG(kAudit, warn, "audit log {}: restored {} bytes of acknowledged lines from its journal",
             path, missing.size());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileAuditLog>> FileAuditLog::Open(const std::string& path,
                                                                 Clock& clock) {
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
    if (st.st_size == 0) SyncParentDirectory(path);
  }
  std::string journal_path = path + ".journal";
  bool journalled = S_ISREG(st.st_mode);  // not for a device or a pipe
  bool had_journal = journalled && access(journal_path.c_str(), F_OK) == 0;
  COFFER_ASSIGN_OR_RETURN(Tail tail, ReadTail(fd.get(), st.st_size, path, had_journal));
  std::int64_t size = st.st_size;
  if (had_journal) {
    COFFER_RETURN_IF_ERROR(Recover(fd.get(), path, journal_path, tail, &size));
  }
  std::unique_ptr<AuditJournal> journal;
  if (journalled) {
    COFFER_ASSIGN_OR_RETURN(journal, AuditJournal::Create(journal_path, kJournalBytes));
  }
  std::unique_ptr<FileAuditLog> log(new FileAuditLog(path, fd.release(), std::move(journal), clock,
                                                     tail.next_seq, std::move(tail.prev_hash),
                                                     size));
  log->writer_ = std::thread([raw = log.get()] {
    pthread_setname_np(pthread_self(), "coffer-audit");  // for top -H and perf
    raw->WriterLoop();
  });
  return log;
}

FileAuditLog::FileAuditLog(std::string path, int fd, std::unique_ptr<AuditJournal> journal,
                           Clock& clock, std::int64_t next_seq, std::string prev_hash,
                           std::int64_t file_size)
    : path_(std::move(path)),
      fd_(fd),
      journal_(std::move(journal)),
      clock_(clock),
      next_seq_(next_seq),
      prev_hash_(std::move(prev_hash)),
      file_size_(file_size) {}

FileAuditLog::~FileAuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
  // What the journal holds goes into the log for good, so a clean stop needs no recovery.
  if (journal_ != nullptr && fdatasync(fd_) != 0) {
    COFFER_LOG(kAudit, err, "cannot sync audit log {} at close: {}", path_, ErrnoText());
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
  if (!failed_.ok()) return failed_;
  if (stopping_) return absl::UnavailableError("audit log is shutting down");
  queue_.push_back(&pending);
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
    refused = !failed_.ok() ? failed_
              : stopping_   ? absl::UnavailableError("audit log is shutting down")
                            : absl::OkStatus();
    if (refused.ok()) {
      queue_.push_back(pending.release());
      return;
    }
  }
  pending->callback(refused);
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
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &FileAuditLog::WriterHasWork));
      if (queue_.empty()) return;  // stopping, and everything queued is written
      batch.swap(queue_);
      status = failed_;
    }
    bool wrote = status.ok();
    if (wrote) status = WriteBatch(batch);
    if (wrote && !status.ok()) {
      COFFER_LOG(kAudit, err, "audit log {} failed, refusing all requests until restart: {}", path_,
                 status.ToString());
    }
    std::vector<std::unique_ptr<Pending>> finished_async;
    {
      absl::MutexLock lock(&mu_);
      if (wrote) ++batches_;
      if (wrote && status.ok()) lines_written_ += static_cast<std::int64_t>(batch.size());
      if (!status.ok()) failed_ = status;
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
  }
}

absl::Status FileAuditLog::WriteBatch(const std::vector<Pending*>& batch) {
  std::string bytes;
  std::int64_t seq = next_seq_;
  std::string prev = prev_hash_;
  for (const Pending* pending : batch) {
    std::string line = AssembleAuditLine(seq++, pending->fields, prev);
    prev = LineHash(line);
    bytes += line;
    bytes += '\n';
  }
  absl::Status status = WriteAll(fd_, bytes);
  if (status.ok()) {
    if (journal_ != nullptr) {
      status = journal_->Commit(fd_, bytes);
    } else if (fdatasync(fd_) != 0) {
      status = absl::UnavailableError(absl::StrCat("fdatasync failed: ", ErrnoText()));
    }
  }
  if (!status.ok()) {
    // Cut a partial batch off so the file ends on a line boundary; best effort, since the
    // log refuses further writes anyway and verify flags whatever is left.
    if (ftruncate(fd_, file_size_) != 0 && errno != EINVAL) {
      COFFER_LOG(kAudit, warn, "cannot cut the failed batch off {}: {}", path_, ErrnoText());
    }
    return absl::UnavailableError(
        absl::StrCat("audit log ", path_, " not written: ", status.message()));
  }
  next_seq_ = seq;
  prev_hash_ = std::move(prev);
  file_size_ += static_cast<std::int64_t>(bytes.size());
  return absl::OkStatus();
}

}  // namespace coffer::audit
