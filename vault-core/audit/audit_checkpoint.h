#ifndef COFFER_VAULT_CORE_AUDIT_AUDIT_CHECKPOINT_H_
#define COFFER_VAULT_CORE_AUDIT_AUDIT_CHECKPOINT_H_

// Signed checkpoints (docs/audit-log.md, "Signed checkpoints"): a line the log writes now and
// then, signed ES256 by the vault's token-signing key in the HSM, that attests where its chain
// stood. The chain alone proves the lines present belong together; a checkpoint proves offline,
// to anyone with the vault's public key, that the vault wrote the log up to that line, so a
// rewritten file or a cut beyond the last checkpoint no longer passes.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "vault-core/audit/audit_line.h"
#include "vault-core/crypto/p256_public_key.h"

namespace coffer::audit {

inline constexpr std::string_view kCheckpointOperation = "AuditCheckpoint";

// Signs checkpoints; the server's adapts its KeyStore. Called from the audit writer's thread.
class CheckpointSigner {
 public:
  virtual ~CheckpointSigner() = default;
  // The key's id as its JWKS publishes it ("kid").
  virtual std::string key_id() const = 0;
  // ES256 over `message`: r || s, 64 bytes.
  virtual absl::StatusOr<std::string> Sign(std::string_view message) = 0;
};

// What a checkpoint's signature covers: the replica, the checkpoint line's seq and time, and its
// prev, the hash of the line before it, which covers every line before that.
std::string CheckpointMessage(std::string_view replica, std::int64_t seq, absl::Time time,
                              std::string_view prev);

// The checkpoint's record; its object carries the signature: "es256:KID:SIGNATURE" (base64url).
AuditRecord CheckpointRecord(absl::Time time, std::string_view key_id,
                             std::string_view signature);

bool IsCheckpoint(const ParsedAuditLine& line);

// Public keys by kid, from the vault's JWKS (`coffer audit verify --jwks`).
using CheckpointKeys = std::map<std::string, std::unique_ptr<crypto::P256PublicKey>, std::less<>>;

// The EC P-256 keys of a JWKS (the vault's, GET /{tenant}/discovery/v2.0/keys), by kid; other
// keys are skipped. INVALID_ARGUMENT when it is not a JWKS, a P-256 key is malformed, or none is
// there.
absl::StatusOr<CheckpointKeys> CheckpointKeysFromJwks(std::string_view jwks);

// Whether a checkpoint line's signature is one of `keys`' over what it attests. nullopt when it
// is; otherwise why not (an unknown key, a malformed or wrong signature), in our own words.
std::optional<std::string> CheckpointProblem(const ParsedAuditLine& line,
                                             const CheckpointKeys& keys);

}  // namespace coffer::audit

#endif  // COFFER_VAULT_CORE_AUDIT_AUDIT_CHECKPOINT_H_
