#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_LINE_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_LINE_H_

// The on-disk line format (docs/audit-log.md): one JSON object per line, keys in a fixed order,
// hash-chained through "prev", the SHA-256 of the previous line's bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vault-core/audit/audit_log.h"

namespace coffer::audit {

// "prev" of the first line of a file.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The line's bytes without the trailing newline. Never contains a newline: control characters
// are escaped and invalid UTF-8 becomes U+FFFD. `record.time` must be finite.
std::string FormatAuditLine(const AuditRecord& record, std::int64_t seq, std::string_view prev);

// FormatAuditLine in two steps: the members between "seq" and "prev" depend on the record
// alone, so they can be formatted before the record takes its place in the chain (the file
// log does so on the appending thread, off its single writer's path).
std::string FormatAuditFields(const AuditRecord& record);
std::string AssembleAuditLine(std::int64_t seq, std::string_view fields, std::string_view prev);

struct ParsedAuditLine {
  std::int64_t seq = 0;
  std::string prev;  // 64 lowercase hex digits
  AuditRecord record;
};

// Parses one line (without its newline). INVALID_ARGUMENT, saying what is wrong, when it is not
// a JSON object with every field present and of the right type.
absl::StatusOr<ParsedAuditLine> ParseAuditLine(std::string_view line);

// Lowercase hex SHA-256 of `bytes`: the "prev" that the next line carries.
std::string LineHash(std::string_view bytes);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_LINE_H_
