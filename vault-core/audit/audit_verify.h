#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace coffer::audit {

struct VerifyResult {
  bool intact = false;
  std::int64_t lines = 0;
  std::int64_t first_bad_line = 0;  // 1-based; 0 when intact
  std::string problem;              // e.g. "line 5: seq jumps from 4 to 6: 1 line removed"
  // SHA-256 of the last line: record it somewhere the host cannot rewrite, since the chain
  // alone cannot tell a truncated or wholly rewritten file (docs/audit-log.md).
  std::string last_hash;
};

// Checks the chain of an audit file: every line parses, seq starts at 1 and increases by
// exactly 1, prev is the SHA-256 of the previous line's bytes (64 zeros for the first), and the
// file ends with a newline. Reports the first problem and what it looks like: an edited,
// removed, inserted or reordered line, or a torn last line. Reads the whole file into memory.
// NOT_FOUND for a missing file, FAILED_PRECONDITION if it cannot be read.
absl::StatusOr<VerifyResult> VerifyAuditFile(const std::string& path);

// The same check on a file's contents.
VerifyResult VerifyAuditContents(std::string_view contents);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_H_
