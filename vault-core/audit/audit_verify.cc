#include "vault-core/audit/audit_verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "vault-core/audit/audit_line.h"

namespace coffer::audit {
namespace {

struct Line {
  std::string_view bytes;
  std::string error;  // empty when it parsed
  std::int64_t seq = 0;
  std::string replica;
  std::string prev;
  std::string hash;
  absl::Time time;
  std::string continues;  // a rotation marker's file name; "" for any other line
  bool checkpoint = false;
  std::optional<std::string> checkpoint_problem;  // only when keys were given
};

struct Problem {
  std::size_t index;  // 0-based; reported 1-based
  std::string what;
};

std::string Plural(std::int64_t n, std::string_view noun) {
  return absl::StrCat(n, " ", std::string(noun), n == 1 ? "" : "s");
}

// The replica most lines name (on a tie, the first line's of those): a few lines copied in
// from another replica's log must not make the log pass for that replica's.
std::string MajorityReplica(const std::vector<Line>& lines) {
  std::unordered_map<std::string, std::size_t> count;
  std::size_t most = 0;
  for (const Line& line : lines) {
    if (!line.replica.empty()) most = std::max(most, ++count[line.replica]);
  }
  for (const Line& line : lines) {
    if (!line.replica.empty() && count[line.replica] == most) return line.replica;
  }
  return "";
}

// What is reported is built from our own words, replica names (printable by construction) and
// numbers; this keeps it so whatever a parser's message might carry.
std::string Printable(std::string text) {
  if (text.size() > kMaxProblemBytes) {
    text.resize(kMaxProblemBytes - 3);
    text += "...";
  }
  for (char& c : text) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return text;
}

// Diagnoses the first break in the chain. Line i's predecessor is line i-1, or for the first
// line a virtual line with seq 0 and the all-zero hash.
class Chain {
 public:
  Chain(std::vector<Line> lines, bool torn)
      : lines_(std::move(lines)), torn_(torn), replica_(MajorityReplica(lines_)) {
    // A log that continues a rotated one: its first line carries on from that file's end.
    if (!lines_.empty() && !lines_[0].continues.empty()) {
      start_seq_ = lines_[0].seq - 1;
      start_hash_ = lines_[0].prev;
    }
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (!lines_[i].error.empty()) continue;
      index_by_hash_.emplace(lines_[i].hash, i);
      referenced_.emplace(lines_[i].prev, i);
      if (first_named_ == kNone && !replica_.empty() && lines_[i].replica == replica_) {
        first_named_ = i;
      }
    }
  }

  const std::vector<Line>& lines() const { return lines_; }
  const std::string& replica() const { return replica_; }
  // 1-based; 0 when no line names a replica.
  std::int64_t replica_from_line() const {
    return first_named_ == kNone ? 0 : static_cast<std::int64_t>(first_named_) + 1;
  }

  std::optional<Problem> FirstProblem() const {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (i + 1 == lines_.size() && torn_) {
        return Problem{i, "torn: no trailing newline, as after a crash mid-write"};
      }
      if (!lines_[i].error.empty()) {
        return Problem{i, "not a valid audit record (" + lines_[i].error + ")"};
      }
      if (std::optional<Problem> problem = ReplicaProblem(i)) return problem;
      bool seq_ok = lines_[i].seq == SeqBefore(i) + 1;
      bool prev_ok = lines_[i].prev == HashBefore(i);
      if (seq_ok && prev_ok && lines_[i].checkpoint_problem) {
        return Problem{i, *lines_[i].checkpoint_problem};
      }
      if (seq_ok && prev_ok) continue;
      if (prev_ok) {
        return Problem{i, absl::StrCat("edited (seq is ", lines_[i].seq, ", expected ",
                                       SeqBefore(i) + 1, ", though its prev matches)")};
      }
      return Diagnose(i);
    }
    return std::nullopt;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // A log is one replica's chain; lines that name none may only come first (those of a log
  // from before replicas were named, which its replica then continued).
  std::optional<Problem> ReplicaProblem(std::size_t i) const {
    const std::string& named = lines_[i].replica;
    if (!named.empty() && named != replica_) {
      return Problem{i, absl::StrCat("names replica ", named, ", but the log is replica ", replica_,
                                     "'s (a line from another replica's log, or an edited one)")};
    }
    if (named.empty() && first_named_ != kNone && i > first_named_) {
      return Problem{
          i, absl::StrCat("names no replica, though line ", first_named_ + 1, " names ", replica_,
                          " (only the lines before a log's first named one lack it)")};
    }
    return std::nullopt;
  }

  std::int64_t SeqBefore(std::size_t i) const { return i == 0 ? start_seq_ : lines_[i - 1].seq; }
  std::string HashBefore(std::size_t i) const { return i == 0 ? start_hash_ : lines_[i - 1].hash; }

  // Line i's prev does not match its predecessor.
  Problem Diagnose(std::size_t i) const {
    const Line& line = lines_[i];
    std::int64_t expected = SeqBefore(i) + 1;
    if (std::optional<std::size_t> j = ContinuationAfter(i)) return Displaced(i, *j);
    if (std::optional<std::size_t> m = EarlierPredecessor(i)) {
      return Problem{
          *m + 1, absl::StrCat("inserted (", Plural(i - *m - 1, "line"), " not in the chain: line ",
                               i + 1, " continues line ", *m + 1, ")")};
    }
    if (line.seq == expected) {
      if (i == 0) return Problem{0, "edited (the first line's prev must be 64 zeros)"};
      return Problem{i - 1,
                     absl::StrCat("edited (its hash does not match line ", i + 1, "'s prev)")};
    }
    if (line.seq > expected) {
      std::string removed = Plural(line.seq - expected, "line");
      if (i == 0) {
        return Problem{0, absl::StrCat("the file starts at seq ", line.seq, ": ", removed,
                                       " removed from the start")};
      }
      return Problem{i, absl::StrCat("seq jumps from ", expected - 1, " to ", line.seq, ": ",
                                     removed, " removed")};
    }
    return Problem{
        i, absl::StrCat("inserted (seq ", line.seq, " after seq ", expected - 1, ")", CopyNote(i))};
  }

  // The first later line that carries on from line i's predecessor.
  std::optional<std::size_t> ContinuationAfter(std::size_t i) const {
    std::int64_t seq = SeqBefore(i) + 1;
    std::string hash = HashBefore(i);
    for (std::size_t j = i + 1; j < lines_.size(); ++j) {
      if (lines_[j].error.empty() && lines_[j].seq == seq && lines_[j].prev == hash) return j;
    }
    return std::nullopt;
  }

  // Lines i..j-1 sit between line i-1 and its true successor j: moved there, or foreign.
  Problem Displaced(std::size_t i, std::size_t j) const {
    auto ref = referenced_.find(lines_[i].hash);
    if (ref != referenced_.end() && ref->second > j) {
      return Problem{i, absl::StrCat("out of order (seq ", lines_[i].seq, " comes before seq ",
                                     lines_[j].seq, " at line ", j + 1, ")")};
    }
    std::string predecessor = i == 0 ? "the start" : absl::StrCat("line ", i);
    return Problem{i, absl::StrCat("inserted (", Plural(j - i, "line"), " not in the chain: line ",
                                   j + 1, " continues ", predecessor, ")", CopyNote(i))};
  }

  // An earlier line m < i-1 whose successor line i claims to be: lines m+1..i-1 are extra.
  std::optional<std::size_t> EarlierPredecessor(std::size_t i) const {
    auto m = index_by_hash_.find(lines_[i].prev);
    if (m == index_by_hash_.end() || m->second + 1 >= i) return std::nullopt;
    if (lines_[m->second].seq + 1 != lines_[i].seq) return std::nullopt;
    return m->second;
  }

  std::string CopyNote(std::size_t i) const {
    auto first = index_by_hash_.find(lines_[i].hash);
    if (first == index_by_hash_.end() || first->second >= i) return "";
    return absl::StrCat(", a copy of line ", first->second + 1);
  }

  std::vector<Line> lines_;
  bool torn_;
  std::string replica_;
  std::int64_t start_seq_ = 0;                   // where the chain stood before the first line
  std::string start_hash_{kGenesisHash};
  std::size_t first_named_ = kNone;                             // the first line naming replica_
  std::unordered_map<std::string, std::size_t> index_by_hash_;  // first line with that hash
  std::unordered_map<std::string, std::size_t> referenced_;     // prev -> first line carrying it
};

Line ParseOne(std::string_view bytes, const CheckpointKeys* keys) {
  Line line;
  line.bytes = bytes;
  line.hash = LineHash(bytes);
  absl::StatusOr<ParsedAuditLine> parsed = ParseAuditLine(bytes);
  if (!parsed.ok()) {
    line.error = std::string(parsed.status().message());
    if (line.error.empty()) line.error = "unparseable";
    return line;
  }
  line.checkpoint = IsCheckpoint(*parsed);
  if (line.checkpoint && keys != nullptr) line.checkpoint_problem = CheckpointProblem(*parsed, *keys);
  line.seq = parsed->seq;
  line.replica = std::move(parsed->replica);
  line.prev = std::move(parsed->prev);
  line.time = parsed->record.time;
  if (IsRotationMarker(*parsed)) {
    line.continues = parsed->record.object;
  }
  return line;
}

}  // namespace

VerifyResult VerifyAuditContents(std::string_view contents, std::vector<std::string>* line_hashes,
                                 const CheckpointKeys* keys) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < contents.size()) {
    std::size_t end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    lines.push_back(ParseOne(contents.substr(start, end - start), keys));
    start = end + 1;
  }
  bool torn = !contents.empty() && contents.back() != '\n';
  Chain chain(std::move(lines), torn);
  VerifyResult result;
  result.lines = static_cast<std::int64_t>(chain.lines().size());
  if (!chain.lines().empty()) result.last_hash = chain.lines().back().hash;
  result.replica = chain.replica();
  result.replica_from_line = chain.replica_from_line();
  if (!chain.lines().empty() && chain.lines()[0].error.empty()) {
    result.continues = chain.lines()[0].continues;
    result.first_seq = chain.lines()[0].seq;
    result.first_prev = chain.lines()[0].prev;
  }
  for (const Line& line : chain.lines()) {
    if (!line.error.empty()) continue;
    result.earliest = std::min(result.earliest, line.time);
    result.latest = std::max(result.latest, line.time);
  }
  std::optional<Problem> problem = chain.FirstProblem();
  result.intact = !problem.has_value();
  const std::size_t checked = problem ? problem->index : chain.lines().size();
  for (std::size_t i = 0; i < chain.lines().size(); ++i) {
    const Line& line = chain.lines()[i];
    if (!line.checkpoint) continue;
    ++result.checkpoints;
    if (keys != nullptr && i < checked) result.signed_through = static_cast<std::int64_t>(i) + 1;
  }
  if (problem) {
    result.first_bad_line = static_cast<std::int64_t>(problem->index) + 1;
    result.problem = Printable(absl::StrCat("line ", result.first_bad_line, ": ", problem->what));
  }
  if (line_hashes != nullptr) {
    line_hashes->clear();
    line_hashes->reserve(chain.lines().size());
    for (const Line& line : chain.lines()) line_hashes->push_back(line.hash);
  }
  return result;
}

absl::StatusOr<VerifyResult> VerifyAuditFile(const std::string& path,
                                             std::vector<std::string>* line_hashes,
                                             const CheckpointKeys* keys) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string message = absl::StrCat("cannot open ", path, ": ", std::strerror(errno));
    if (errno == ENOENT) return absl::NotFoundError(message);
    return absl::FailedPreconditionError(message);
  }
  std::string contents;
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string message = absl::StrCat("cannot read ", path, ": ", std::strerror(errno));
      close(fd);
      return absl::FailedPreconditionError(message);
    }
    contents.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return VerifyAuditContents(contents, line_hashes, keys);
}

}  // namespace coffer::audit
