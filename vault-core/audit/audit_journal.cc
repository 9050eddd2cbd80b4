#include "vault-core/audit/audit_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/base/scoped_fd.h"
#include "lib/base/status.h"
#include "vault-core/audit/audit_line.h"

namespace coffer::audit {
namespace {

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

}  // namespace

absl::StatusOr<std::unique_ptr<AuditJournal>> AuditJournal::Create(const std::string& path,
                                                                   std::int64_t size) {
  ScopedFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Unavailable("cannot create audit journal " + path);
  // Zeros written, not fallocate()d: the first overwrite of an unwritten extent would change
  // metadata, which is what the journal exists to avoid.
  const std::string zeros(64 * 1024, '\0');
  for (std::int64_t offset = 0; offset < size;) {
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
  return std::unique_ptr<AuditJournal>(new AuditJournal(fd.release(), size));
}

AuditJournal::~AuditJournal() { close(fd_); }

absl::Status AuditJournal::Commit(int log_fd, std::string_view bytes) {
  std::int64_t n = static_cast<std::int64_t>(bytes.size());
  if (offset_ + n > size_) {
    // Full: sync the log, which then holds everything the journal does, and start over.
    if (fdatasync(log_fd) != 0) return Unavailable("fdatasync failed");
    offset_ = 0;
    if (n > size_) return absl::OkStatus();  // a batch larger than the journal: synced above
  }
  COFFER_RETURN_IF_ERROR(PwriteAll(fd_, bytes, offset_));
  if (fdatasync(fd_) != 0) return Unavailable("journal fdatasync failed");
  offset_ += n;
  return absl::OkStatus();
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
    if (parsed->seq < *next_seq) continue;  // the log has it
    if (parsed->seq != *next_seq || parsed->prev != *prev_hash) break;
    out.append(line).append("\n");
    ++*next_seq;
    *prev_hash = LineHash(line);
  }
  return out;
}

}  // namespace coffer::audit
