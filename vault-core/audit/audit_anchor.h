#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_ANCHOR_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_ANCHOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vault-core/audit/audit_line.h"

namespace coffer::audit {

// Where a log's chain stands: its last line's seq and that line's hash (the prev of the line
// after it). seq 0 is an empty log.
struct AuditPosition {
  std::int64_t seq = 0;
  std::string hash;

  bool operator==(const AuditPosition& other) const {
    return seq == other.seq && hash == other.hash;
  }
};

// The first line of the log open as `fd` (read from offset 0), if it is within 64 KiB and
// parses: where a rotated log's chain starts (its marker), and when the log began.
std::optional<ParsedAuditLine> FirstAuditLine(int fd);

// The anchor: a position of the log kept outside its directory (in the store), written a
// little after the lines it names are durable (docs/audit-log.md, "The anchor"). "SEQ HASH".
std::string FormatAnchor(const AuditPosition& position);
absl::StatusOr<AuditPosition> ParseAnchor(std::string_view text);

// What audit.accepted_lost_through must say to accept that the log no longer holds `anchor`'s
// line: "SEQ:HASH", that very line, so that a setting left in place excuses no later loss.
std::string LossAcceptance(const AuditPosition& anchor);

// Checks that the log at `path`, whose chain ends at `end`, still holds the line `anchor`
// names, with the same hash: that nobody cut its tail off, or replaced it, while the vault was
// stopped. Lines after the anchor are fine (it lags the log). FAILED_PRECONDITION, saying what
// was lost and how to go on, when it does not; unless `accepted_loss` is LossAcceptance(anchor).
absl::Status CheckAnchor(const std::string& path, const AuditPosition& end,
                         const AuditPosition& anchor, std::string_view accepted_loss);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_ANCHOR_H_
