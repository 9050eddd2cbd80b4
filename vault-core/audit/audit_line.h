#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_LINE_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_LINE_H_

// The on-disk line format (docs/audit-log.md): one JSON object per line, keys in a fixed order,
// hash-chained through "prev", the SHA-256 of the previous line's bytes. A replica's lines also
// carry "replica", its name, so that each replica's chain names it and a line cannot move from
// one replica's log into another's unnoticed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vault-core/audit/audit_log.h"

namespace coffer::audit {

// "prev" of the first line of a file.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The first line of a log that continues a rotated one (docs/audit-log.md, "Rotation"): its
// seq and prev carry on from the rotated file's last line, and its object names that file.
inline constexpr std::string_view kAuditPrincipal = "coffer:audit";
inline constexpr std::string_view kRotationOperation = "AuditRotate";

// The longest replica name: a host name's limit (HOST_NAME_MAX), and a Kubernetes pod name's
// in practice.
inline constexpr std::size_t kMaxReplicaBytes = 64;

// OK for 1 to kMaxReplicaBytes of letters, digits, '.', '-' and '_' (any host or pod name);
// INVALID_ARGUMENT otherwise. Names read from a file are held to the same rule, so that one can
// be printed as it is, whoever wrote the file.
absl::Status ValidateReplicaName(std::string_view replica);

// The line's bytes without the trailing newline. Never contains a newline: control characters
// are escaped and invalid UTF-8 becomes U+FFFD. `record.time` must be finite. An empty
// `replica` writes no "replica" member (a log from before replicas were named); otherwise it
// must be valid (ValidateReplicaName).
std::string FormatAuditLine(const AuditRecord& record, std::int64_t seq, std::string_view prev,
                            std::string_view replica = {});

// FormatAuditLine in two steps: the members between "replica" and "prev" depend on the record
// alone, so they can be formatted before the record takes its place in the chain (the file
// log does so on the appending thread, off its single writer's path).
std::string FormatAuditFields(const AuditRecord& record);
std::string AssembleAuditLine(std::int64_t seq, std::string_view fields, std::string_view prev,
                              std::string_view replica = {});

struct ParsedAuditLine {
  std::int64_t seq = 0;
  std::string replica;  // "" when the line names none
  std::string prev;     // 64 lowercase hex digits
  AuditRecord record;
};

// Parses one line (without its newline). INVALID_ARGUMENT, saying what is wrong, when it is not
// a JSON object with every field present and of the right type, or its "replica" (optional) is
// not a valid name. The message never quotes the line.
absl::StatusOr<ParsedAuditLine> ParseAuditLine(std::string_view line);

// Whether `line` is the first line of a log that continues a rotated one: the marker, naming
// the rotated file by a bare name (no directory, nothing but letters, digits, ".-_").
bool IsRotationMarker(const ParsedAuditLine& line);

// Lowercase hex SHA-256 of `bytes`: the "prev" that the next line carries.
std::string LineHash(std::string_view bytes);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_LINE_H_
