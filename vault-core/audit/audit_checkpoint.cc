#include "vault-core/audit/audit_checkpoint.h"

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/base64.h"

namespace coffer::audit {
namespace {

constexpr std::string_view kPrefix = "es256:";

}  // namespace

std::string CheckpointMessage(std::string_view replica, std::int64_t seq, absl::Time time,
                              std::string_view prev) {
  return absl::StrCat("coffer-audit-checkpoint:1\n", AsAbsl(replica), "\n", seq, "\n",
                      absl::ToUnixMicros(time), "\n", AsAbsl(prev));
}

AuditRecord CheckpointRecord(absl::Time time, std::string_view key_id,
                             std::string_view signature) {
  AuditRecord record;
  record.time = time;
  record.principal = std::string(kAuditPrincipal);
  record.operation = std::string(kCheckpointOperation);
  record.object = absl::StrCat(AsAbsl(kPrefix), AsAbsl(key_id), ":",
                               Base64UrlEncode(signature));
  record.result = "OK";
  return record;
}

bool IsCheckpoint(const ParsedAuditLine& line) {
  return line.record.principal == kAuditPrincipal &&
         line.record.operation == kCheckpointOperation;
}

std::optional<std::string> CheckpointProblem(const ParsedAuditLine& line,
                                             const CheckpointKeys& keys) {
  std::string_view object = line.record.object;
  const std::size_t colon = object.rfind(':');
  if (object.substr(0, kPrefix.size()) != kPrefix || colon < kPrefix.size()) {
    return "a checkpoint without an es256 signature";
  }
  const std::string_view kid = object.substr(kPrefix.size(), colon - kPrefix.size());
  auto key = keys.find(kid);
  if (key == keys.end()) {
    return "a checkpoint signed by a key not in the key set given (forged, or another vault's)";
  }
  std::optional<std::string> signature = Base64UrlDecode(object.substr(colon + 1));
  const std::string message = CheckpointMessage(line.replica, line.seq, line.record.time, line.prev);
  if (!signature || !key->second->VerifyEs256(message, *signature)) {
    return "a checkpoint whose signature does not verify (it, or the chain before it, was "
           "rewritten)";
  }
  return std::nullopt;
}

}  // namespace coffer::audit
