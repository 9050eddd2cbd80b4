#include "vault-core/audit/audit_anchor.h"

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/scoped_fd.h"
#include "vault-core/audit/audit_line.h"

namespace coffer::audit {
namespace {

// The hash of the line whose seq is `seq`, reading the log backwards from its end (the anchor
// lags the log by about a second of lines, so few are read). nullopt when no line has it.
absl::StatusOr<std::optional<std::string>> HashOfLine(const std::string& path, std::int64_t seq) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read audit log ", path));
  }
  off_t at = lseek(fd.get(), 0, SEEK_END);
  std::string tail;  // bytes after `at` not yet split into whole lines
  constexpr off_t kChunk = 64 * 1024;
  while (true) {
    // Whole lines at the end of `tail`, last first.
    std::size_t end = tail.size();
    while (end > 0) {
      std::size_t start = tail.rfind('\n', end - 1);
      if (start == std::string::npos && at > 0) break;  // its start is in an earlier chunk
      start = start == std::string::npos ? 0 : start + 1;
      std::string_view line(tail.data() + start, end - start);
      if (!line.empty()) {
        absl::StatusOr<ParsedAuditLine> parsed = ParseAuditLine(line);
        if (parsed.ok() && parsed->seq == seq) return LineHash(line);
        if (parsed.ok() && parsed->seq < seq) return std::nullopt;
      }
      end = start == 0 ? 0 : start - 1;
    }
    if (at == 0) return std::nullopt;
    tail.resize(end);
    const off_t n = at < kChunk ? at : kChunk;
    at -= n;
    std::string chunk(static_cast<std::size_t>(n), '\0');
    if (pread(fd.get(), chunk.data(), chunk.size(), at) != n) {
      return absl::FailedPreconditionError(absl::StrCat("cannot read audit log ", path));
    }
    tail.insert(0, chunk);
  }
}

// HashOfLine, following the chain back through the files it was rotated from (each log that
// continues one starts with a marker naming it, docs/audit-log.md, "Rotation"): the anchor may
// name a line written just before a rotation. nullopt when no file of the chain has it.
absl::StatusOr<std::optional<std::string>> HashOfLineInChain(const std::string& path,
                                                             std::int64_t seq) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string file = path;
  for (int hops = 0; hops < 1024; ++hops) {
    if (access(file.c_str(), F_OK) != 0) return std::nullopt;  // a rotated file removed
    absl::StatusOr<std::optional<std::string>> hash = HashOfLine(file, seq);
    if (!hash.ok() || hash->has_value()) return hash;
    ScopedFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
    std::optional<ParsedAuditLine> first = FirstAuditLine(fd.get());
    if (!first || !IsRotationMarker(*first) || first->seq <= seq) return std::nullopt;
    file = dir + first->record.object;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ParsedAuditLine> FirstAuditLine(int fd) {
  if (fd < 0) return std::nullopt;
  std::string head(64 * 1024, '\0');
  const ssize_t n = pread(fd, head.data(), head.size(), 0);
  if (n <= 0) return std::nullopt;
  head.resize(static_cast<std::size_t>(n));
  const std::size_t newline = head.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  absl::StatusOr<ParsedAuditLine> parsed = ParseAuditLine(std::string_view(head).substr(0, newline));
  if (!parsed.ok()) return std::nullopt;
  return *std::move(parsed);
}

std::string FormatAnchor(const AuditPosition& position) {
  return absl::StrCat(position.seq, " ", position.hash);
}

absl::StatusOr<AuditPosition> ParseAnchor(std::string_view text) {
  AuditPosition position;
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos ||
      !absl::SimpleAtoi(AsAbsl(text.substr(0, space)), &position.seq) || position.seq < 0) {
    return absl::DataLossError("the stored audit anchor is not \"SEQ HASH\"");
  }
  position.hash = std::string(text.substr(space + 1));
  return position;
}

std::string LossAcceptance(const AuditPosition& anchor) {
  return absl::StrCat(anchor.seq, ":", anchor.hash);
}

absl::Status CheckAnchor(const std::string& path, const AuditPosition& end,
                         const AuditPosition& anchor, std::string_view accepted_loss) {
  if (anchor.seq == 0 || accepted_loss == LossAcceptance(anchor)) return absl::OkStatus();
  std::string problem;
  if (end.seq < anchor.seq) {
    problem = absl::StrCat("it ends at line ", end.seq, ", but line ", anchor.seq,
                           " was written before (the store keeps where the log stood): its "
                           "tail was cut off or the file replaced");
  } else {
    std::optional<std::string> hash;
    if (end.seq == anchor.seq) {
      hash = end.hash;
    } else {
      absl::StatusOr<std::optional<std::string>> found = HashOfLineInChain(path, anchor.seq);
      if (!found.ok()) return found.status();
      hash = *found;
    }
    if (hash == anchor.hash) return absl::OkStatus();
    problem = absl::StrCat("its line ", anchor.seq,
                           hash ? " is not the one written then" : " is missing",
                           ": the file was replaced or edited");
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "audit log ", path, " went backwards: ", problem,
      ". Keep the file as evidence (`coffer audit verify` shows what it holds). To go on "
      "anyway, accepting that the lines up to ", anchor.seq,
      " are lost, start once with --set audit.accepted_lost_through=", LossAcceptance(anchor)));
}

}  // namespace coffer::audit
