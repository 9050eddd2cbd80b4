#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_LOGS_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_LOGS_H_

// Verifying the logs of several replicas together, behind `coffer audit verify FILE...`
// (docs/audit-log.md, "Replicas"): each log on its own, as VerifyAuditFile does, then every two
// intact logs that name the same replica against each other.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vault-core/audit/audit_verify.h"

namespace coffer::audit {

struct LogVerdict {
  std::string name;     // the path (or the name given with the contents)
  absl::Status read;    // why the file could not be read (NOT_FOUND, FAILED_PRECONDITION)
  VerifyResult result;  // when `read` is OK
};

// Two logs of one replica that cannot both be its true record.
struct LogConflict {
  enum class Kind {
    // The same chain (the same first line) continued two ways: the logs agree up to a line and
    // differ from there (a restored copy written on, or two processes writing as one replica).
    kFork,
    // Two different chains naming the replica, written over the same time: two writers claimed
    // the replica at once (or one log was rewritten).
    kOverlap,
    // A log that continues a rotated one does not continue it where that one ends: lines were
    // cut from the rotated file's end, or the file replaced.
    kGap,
  };
  Kind kind = Kind::kFork;
  std::string replica;
  std::size_t first = 0;  // indexes into LogsVerdict::logs
  std::size_t second = 0;
  std::string problem;  // one line naming both logs, e.g. "fork: replica vault-0: ..."
};

struct LogsVerdict {
  std::vector<LogVerdict> logs;  // in the order given
  std::vector<LogConflict> conflicts;
  // Logs of one replica that agree, said so that a reader knows they were compared: one log
  // holding the first lines of another (a shipped or backed-up copy), or continuing one (a
  // log and the file rotated before it). Not a problem, and neither are different chains of
  // one replica one after another (a log moved aside while the vault was stopped).
  std::vector<std::string> notes;

  // Every log was read and is intact, and no two conflict.
  bool ok() const;
};

// The files `path` names: itself, or for a directory its regular files but the journal and a
// rotation's unfinished file (`*.journal`, `*.new`), by name. NOT_FOUND, FAILED_PRECONDITION.
absl::StatusOr<std::vector<std::string>> AuditFilesAt(const std::string& path);

// Reads and verifies each file, then compares them. Holds one file's contents at a time, and
// the hash of every line of each intact log that names a replica. Thread-compatible.
// With `keys`, checkpoints' signatures are checked (VerifyAuditFile).
LogsVerdict VerifyAuditLogs(const std::vector<std::string>& paths,
                            const CheckpointKeys* keys = nullptr);

// The same on contents: {name, contents} pairs.
LogsVerdict VerifyAuditLogContents(const std::vector<std::pair<std::string, std::string>>& logs);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_VERIFY_LOGS_H_
