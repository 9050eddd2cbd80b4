#include "vault-core/audit/audit_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "lib/base/scoped_fd.h"
#include "lib/base/status.h"
#include "vault-core/audit/audit_line.h"

namespace coffer::audit {
namespace {

constexpr std::int64_t kHeaderBytes = 512;
constexpr std::string_view kMagic = "coffer-audit-journal-1";

absl::Status Unavailable(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::Status PwriteAll(int fd, std::string_view bytes, std::int64_t offset) {
  while (!bytes.empty()) {
    ssize_t n = pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable("journal write failed");
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += n;
  }
  return absl::OkStatus();
}

// "<magic> <inode> <log offset> <next seq> <prev hash>\n", zero-padded to kHeaderBytes.
std::string Header(ino_t log_inode, const JournalRound& round) {
  std::string header = std::string(kMagic) + " " + std::to_string(log_inode) + " " +
                       std::to_string(round.log_offset) + " " + std::to_string(round.next_seq) +
                       " " + round.prev_hash + "\n";
  header.resize(kHeaderBytes, '\0');
  return header;
}

std::optional<JournalRound> ParseHeader(std::string_view bytes, ino_t log_inode) {
  std::size_t newline = bytes.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  std::istringstream in{std::string(bytes.substr(0, newline))};
  std::string magic;
  unsigned long long inode = 0;
  JournalRound round;
  std::string rest;
  if (!(in >> magic >> inode >> round.log_offset >> round.next_seq >> round.prev_hash) ||
      (in >> rest) || magic != kMagic || inode != static_cast<unsigned long long>(log_inode) ||
      round.log_offset < 0 || round.next_seq < 1 || round.prev_hash.size() != 64) {
    return std::nullopt;
  }
  return round;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditJournal>> AuditJournal::Create(const std::string& path,
                                                                   std::int64_t size,
                                                                   ino_t log_inode,
                                                                   const JournalRound& start) {
  ScopedFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Unavailable("cannot create audit journal " + path);
  // Zeros written, not fallocate()d: the first overwrite of an unwritten extent would change
  // metadata, which is what the journal exists to avoid.
  COFFER_RETURN_IF_ERROR(PwriteAll(fd.get(), Header(log_inode, start), 0));
  const std::string zeros(64 * 1024, '\0');
  for (std::int64_t offset = kHeaderBytes; offset < size;) {
    std::int64_t n = std::min<std::int64_t>(size - offset, static_cast<std::int64_t>(zeros.size()));
    COFFER_RETURN_IF_ERROR(PwriteAll(fd.get(), std::string_view(zeros.data(), n), offset));
    offset += n;
  }
  if (fsync(fd.get()) != 0) return Unavailable("cannot sync audit journal " + path);
  std::size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  ScopedFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || fsync(dir_fd.get()) != 0) {
    return Unavailable("cannot sync the directory of audit journal " + path);
  }
  std::unique_ptr<AuditJournal> journal(new AuditJournal(fd.release(), size, log_inode));
  journal->offset_ = kHeaderBytes;
  return journal;
}

AuditJournal::~AuditJournal() { close(fd_); }

absl::Status AuditJournal::StartRound(const JournalRound& at) {
  // Durable before any line of the round is written: a new line under an old header would
  // chain from nothing, and replay would stop short of lines the old round holds.
  COFFER_RETURN_IF_ERROR(PwriteAll(fd_, Header(log_inode_, at), 0));
  if (fdatasync(fd_) != 0) return Unavailable("journal fdatasync failed");
  offset_ = kHeaderBytes;
  return absl::OkStatus();
}

absl::Status AuditJournal::Commit(int log_fd, std::string_view bytes, const JournalRound& after) {
  std::int64_t n = static_cast<std::int64_t>(bytes.size());
  if (offset_ + n > size_) {
    // Full: sync the log, which then holds this batch and everything the journal does.
    if (fdatasync(log_fd) != 0) return Unavailable("fdatasync failed");
    return StartRound(after);
  }
  COFFER_RETURN_IF_ERROR(PwriteAll(fd_, bytes, offset_));
  if (fdatasync(fd_) != 0) {
    absl::Status failed = Unavailable("journal fdatasync failed");
    // These lines were refused: keep a restart from replaying them, as far as the disk allows.
    std::string zeros(bytes.size(), '\0');
    if (PwriteAll(fd_, zeros, offset_).ok()) (void)fdatasync(fd_);
    return failed;
  }
  offset_ += n;
  return absl::OkStatus();
}

std::optional<JournalContents> ReadJournal(const std::string& path, ino_t log_inode) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string bytes;
  char buf[64 * 1024];
  ssize_t n = 0;
  while ((n = read(fd.get(), buf, sizeof(buf))) > 0) bytes.append(buf, static_cast<std::size_t>(n));
  if (n < 0 || static_cast<std::int64_t>(bytes.size()) < kHeaderBytes) return std::nullopt;
  std::optional<JournalRound> start = ParseHeader(bytes.substr(0, kHeaderBytes), log_inode);
  if (!start) return std::nullopt;
  return JournalContents{*std::move(start), bytes.substr(kHeaderBytes)};
}

std::string LinesContinuing(std::string_view journal, std::int64_t* next_seq,
                            std::string* prev_hash) {
  std::string out;
  while (!journal.empty() && journal.front() == '{') {
    std::size_t newline = journal.find('\n');
    if (newline == std::string_view::npos) break;  // torn by the crash: never acknowledged
    std::string_view line = journal.substr(0, newline);
    journal.remove_prefix(newline + 1);
    absl::StatusOr<ParsedAuditLine> parsed = ParseAuditLine(line);
    if (!parsed.ok()) break;
    if (parsed->seq < *next_seq) continue;  // a previous round's
    if (parsed->seq != *next_seq || parsed->prev != *prev_hash) break;
    out.append(line).append("\n");
    ++*next_seq;
    *prev_hash = LineHash(line);
  }
  return out;
}

}  // namespace coffer::audit
