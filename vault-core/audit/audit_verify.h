#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "vault-core/audit/audit_checkpoint.h"

namespace coffer::audit {

struct VerifyResult {
  bool intact = false;
  std::int64_t lines = 0;
  std::int64_t first_bad_line = 0;  // 1-based; 0 when intact
  // e.g. "line 5: seq jumps from 4 to 6: 1 line removed". At most kMaxProblemBytes of
  // printable ASCII, whatever the file holds.
  std::string problem;
  // SHA-256 of the last line: record it somewhere the host cannot rewrite, since the chain
  // alone cannot tell a truncated or wholly rewritten file (docs/audit-log.md).
  std::string last_hash;
  // The replica whose chain this is, as its lines name it (a valid replica name, safe to
  // print); "" when no line names one (a log from before replicas were named). Lines before
  // `replica_from_line` (1-based; 0 when there is no replica) name none.
  std::string replica;
  std::int64_t replica_from_line = 0;
  // The earliest and latest "time" among the lines that parse (not in file order: a record
  // carries the time its call was made); infinite when none does.
  absl::Time earliest = absl::InfiniteFuture();
  absl::Time latest = absl::InfinitePast();
  // A log that continues a rotated one starts with the rotation marker (docs/audit-log.md,
  // "Rotation"): `continues` is the rotated file it names (a bare file name, safe to print),
  // and the chain starts from the seq and prev of that first line, not from 1 and zeros. Empty
  // for a log that starts a chain.
  std::string continues;
  std::int64_t first_seq = 0;  // the first line's seq and prev, when it parses
  std::string first_prev;
  // Signed checkpoints (audit_checkpoint.h): how many lines are checkpoints, and, when keys were
  // given, the last line (1-based) whose signature was verified: everything up to it was
  // written by the vault. 0 when none.
  std::int64_t checkpoints = 0;
  std::int64_t signed_through = 0;
};

inline constexpr std::size_t kMaxProblemBytes = 300;

// Checks the chain of an audit file: every line parses, seq starts at 1 and increases by
// exactly 1, prev is the SHA-256 of the previous line's bytes (64 zeros for the first; a log
// that continues a rotated one starts where its rotation marker says instead), every
// line names the log's replica (or, only before the first line that names it, none), and the
// file ends with a newline. Reports the first problem and what it looks like: an edited,
// removed, inserted or reordered line, a line of another replica's log, or a torn last line.
// Reads the whole file into memory. If `line_hashes` is not null it receives the hash of every
// line, in order (for comparing logs: audit_verify_logs.h). NOT_FOUND for a missing file,
// FAILED_PRECONDITION if it cannot be read.
//
// With `keys`, every checkpoint's signature is checked too: one that does not verify, or names a
// key not among them, is the file's problem.
absl::StatusOr<VerifyResult> VerifyAuditFile(const std::string& path,
                                             std::vector<std::string>* line_hashes = nullptr,
                                             const CheckpointKeys* keys = nullptr);

// The same check on a file's contents.
VerifyResult VerifyAuditContents(std::string_view contents,
                                 std::vector<std::string>* line_hashes = nullptr,
                                 const CheckpointKeys* keys = nullptr);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_H_
