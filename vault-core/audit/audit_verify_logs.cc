#include "vault-core/audit/audit_verify_logs.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace coffer::audit {
namespace {

// A verified log and, when it takes part in the comparison, the hash of each of its lines.
struct Checked {
  LogVerdict verdict;
  std::vector<std::string> hashes;
};

// Only intact logs that name a replica are compared; the others need no hashes kept.
Checked Keep(LogVerdict verdict, std::vector<std::string> hashes) {
  if (!verdict.read.ok() || !verdict.result.intact || verdict.result.replica.empty()) {
    hashes.clear();
    hashes.shrink_to_fit();
  }
  return Checked{std::move(verdict), std::move(hashes)};
}

std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string Span(const VerifyResult& r) {
  return absl::StrCat(Time(r.earliest), " to ", Time(r.latest));
}

// The same first line: one chain. Both are intact, so line k is seq k in each, and a line's
// hash covers all before it: the logs agree exactly up to their first differing hash.
void CompareOneChain(const std::vector<Checked>& logs, std::size_t i, std::size_t j,
                     LogsVerdict* out) {
  const std::vector<std::string>& a = logs[i].hashes;
  const std::vector<std::string>& b = logs[j].hashes;
  const std::string& replica = logs[i].verdict.result.replica;
  const std::string& name_a = logs[i].verdict.name;
  const std::string& name_b = logs[j].verdict.name;
  std::size_t common = std::min(a.size(), b.size());
  std::size_t same = static_cast<std::size_t>(
      std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(common), b.begin()).first -
      a.begin());
  if (same < common) {
    out->conflicts.push_back(
        {LogConflict::Kind::kFork, replica, i, j,
         absl::StrCat("fork: replica ", replica, ": ", name_a, " and ", name_b, " share ",
                      same == 1 ? "line 1" : absl::StrCat("lines 1-", same),
                      " and differ from line ", same + 1, ": its chain was continued twice")});
    return;
  }
  if (a.size() == b.size()) {
    out->notes.push_back(absl::StrCat("same: replica ", replica, ": ", name_a, " and ", name_b,
                                      " are identical (", a.size(), " lines)"));
    return;
  }
  bool a_shorter = a.size() < b.size();
  out->notes.push_back(absl::StrCat(
      "copy: replica ", replica, ": ", a_shorter ? name_a : name_b, " holds the first ", common,
      " of the ", std::max(a.size(), b.size()), " lines of ", a_shorter ? name_b : name_a));
}

// Different chains: fine one after another (rotation), not over the same time.
void CompareTwoChains(const std::vector<Checked>& logs, std::size_t i, std::size_t j,
                      LogsVerdict* out) {
  const VerifyResult& a = logs[i].verdict.result;
  const VerifyResult& b = logs[j].verdict.result;
  if (a.earliest > b.latest || b.earliest > a.latest) return;
  out->conflicts.push_back(
      {LogConflict::Kind::kOverlap, a.replica, i, j,
       absl::StrCat("overlap: replica ", a.replica, ": ", logs[i].verdict.name, " (", Span(a),
                    ") and ", logs[j].verdict.name, " (", Span(b),
                    ") are different chains written over the same time: two writers claimed "
                    "the replica")});
}

std::string_view BaseName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Log j begins with a rotation marker naming log i: j must carry on from i's last line.
void CompareRotated(const std::vector<Checked>& logs, std::size_t i, std::size_t j,
                    LogsVerdict* out) {
  const VerifyResult& a = logs[i].verdict.result;
  const VerifyResult& b = logs[j].verdict.result;
  const std::int64_t a_last = a.first_seq + a.lines - 1;
  if (a_last + 1 == b.first_seq && a.last_hash == b.first_prev) {
    out->notes.push_back(absl::StrCat("rotated: replica ", a.replica, ": ", logs[j].verdict.name,
                                      " continues ", logs[i].verdict.name, " from line ", a_last));
    return;
  }
  out->conflicts.push_back(
      {LogConflict::Kind::kGap, a.replica, i, j,
       absl::StrCat("gap: replica ", a.replica, ": ", logs[j].verdict.name, " continues ",
                    logs[i].verdict.name, " after line ", b.first_seq - 1, ", but ",
                    logs[i].verdict.name, " ends at line ", a_last,
                    a_last == b.first_seq - 1 ? " with another hash" : "",
                    ": lines were cut from its end, or it was replaced")});
}

LogsVerdict Compare(std::vector<Checked> logs) {
  LogsVerdict out;
  // Logs linked by rotation are pieces of one chain, one after another: their lines' times may
  // interleave at the seams (a record carries the time its call began), which is no overlap.
  std::vector<std::size_t> chain(logs.size());
  std::iota(chain.begin(), chain.end(), 0);
  auto root = [&](std::size_t k) {
    while (chain[k] != k) k = chain[k] = chain[chain[k]];
    return k;
  };
  for (std::size_t j = 0; j < logs.size(); ++j) {
    const VerifyResult& b = logs[j].verdict.result;
    if (logs[j].hashes.empty() || b.continues.empty()) continue;
    bool found = false;
    for (std::size_t i = 0; i < logs.size() && !found; ++i) {
      if (i == j || logs[i].hashes.empty() || logs[i].verdict.result.replica != b.replica ||
          BaseName(logs[i].verdict.name) != b.continues) {
        continue;
      }
      found = true;
      CompareRotated(logs, i, j, &out);
      chain[root(j)] = root(i);
    }
    if (!found) {
      out.notes.push_back(absl::StrCat("rotated: replica ", b.replica, ": ", logs[j].verdict.name,
                                       " continues ", b.continues, ", which was not given"));
    }
  }
  for (std::size_t i = 0; i < logs.size(); ++i) {
    for (std::size_t j = i + 1; j < logs.size(); ++j) {
      if (logs[i].hashes.empty() || logs[j].hashes.empty()) continue;
      if (logs[i].verdict.result.replica != logs[j].verdict.result.replica) continue;
      if (root(i) == root(j)) continue;
      if (logs[i].hashes.front() == logs[j].hashes.front()) {
        CompareOneChain(logs, i, j, &out);
      } else {
        CompareTwoChains(logs, i, j, &out);
      }
    }
  }
  out.logs.reserve(logs.size());
  for (Checked& log : logs) out.logs.push_back(std::move(log.verdict));
  return out;
}

}  // namespace

bool LogsVerdict::ok() const {
  if (!conflicts.empty()) return false;
  return std::all_of(logs.begin(), logs.end(),
                     [](const LogVerdict& log) { return log.read.ok() && log.result.intact; });
}

absl::StatusOr<std::vector<std::string>> AuditFilesAt(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    std::string message = absl::StrCat("cannot open ", path, ": ", std::strerror(errno));
    if (errno == ENOENT) return absl::NotFoundError(message);
    return absl::FailedPreconditionError(message);
  }
  if (!S_ISDIR(st.st_mode)) return std::vector<std::string>{path};
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read directory ", path, ": ", std::strerror(errno)));
  }
  std::vector<std::string> files;
  const std::string prefix = path.back() == '/' ? path : path + "/";
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == ".." || absl::EndsWith(name, ".journal") ||
        absl::EndsWith(name, ".new")) {
      continue;
    }
    struct stat file;
    if (stat((prefix + name).c_str(), &file) == 0 && S_ISREG(file.st_mode)) {
      files.push_back(prefix + name);
    }
  }
  closedir(dir);
  std::sort(files.begin(), files.end());
  return files;
}

LogsVerdict VerifyAuditLogs(const std::vector<std::string>& paths, const CheckpointKeys* keys) {
  std::vector<Checked> logs;
  logs.reserve(paths.size());
  for (const std::string& path : paths) {
    LogVerdict verdict{path, absl::OkStatus(), {}};
    std::vector<std::string> hashes;
    absl::StatusOr<VerifyResult> result = VerifyAuditFile(path, &hashes, keys);
    if (result.ok()) {
      verdict.result = *std::move(result);
    } else {
      verdict.read = result.status();
    }
    logs.push_back(Keep(std::move(verdict), std::move(hashes)));
  }
  return Compare(std::move(logs));
}

LogsVerdict VerifyAuditLogContents(const std::vector<std::pair<std::string, std::string>>& logs) {
  std::vector<Checked> checked;
  checked.reserve(logs.size());
  for (const auto& [name, contents] : logs) {
    std::vector<std::string> hashes;
    VerifyResult result = VerifyAuditContents(contents, &hashes);
    checked.push_back(Keep({name, absl::OkStatus(), std::move(result)}, std::move(hashes)));
  }
  return Compare(std::move(checked));
}

}  // namespace coffer::audit
