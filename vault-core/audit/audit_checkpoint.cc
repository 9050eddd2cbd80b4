#include "vault-core/audit/audit_checkpoint.h"

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/base64.h"
#include "nlohmann/json.hpp"

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

absl::StatusOr<CheckpointKeys> CheckpointKeysFromJwks(std::string_view jwks) {
  using nlohmann::json;
  const json doc = json::parse(jwks, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return absl::InvalidArgumentError("not a JWKS (a JSON object with \"keys\")");
  }
  CheckpointKeys keys;
  for (const json& jwk : doc["keys"]) {
    if (!jwk.is_object() || jwk.value("kty", "") != "EC" || jwk.value("crv", "") != "P-256" ||
        !jwk.contains("kid") || !jwk["kid"].is_string() || !jwk.contains("x") ||
        !jwk["x"].is_string() || !jwk.contains("y") || !jwk["y"].is_string()) {
      continue;  // not a key that signs checkpoints
    }
    std::optional<std::string> x = Base64UrlDecode(jwk["x"].get<std::string>());
    std::optional<std::string> y = Base64UrlDecode(jwk["y"].get<std::string>());
    if (!x || !y || x->size() != 32 || y->size() != 32) {
      return absl::InvalidArgumentError("a P-256 key whose x or y is not 32 bytes");
    }
    absl::StatusOr<std::unique_ptr<crypto::P256PublicKey>> key =
        crypto::P256PublicKey::FromPoint(absl::StrCat("\x04", *x, *y));
    if (!key.ok()) return absl::InvalidArgumentError("a key that is not on P-256");
    keys[jwk["kid"].get<std::string>()] = *std::move(key);
  }
  if (keys.empty()) return absl::InvalidArgumentError("no EC P-256 key in the JWKS");
  return keys;
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
