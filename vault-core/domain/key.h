#ifndef COFFER_VAULT_CORE_DOMAIN_KEY_H_
#define COFFER_VAULT_CORE_DOMAIN_KEY_H_

// Keys as Azure Key Vault models them: JSON Web Key types, curves, operations and algorithms,
// and the records a key version is made of. Pure types and rules: no crypto library here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/secret.h"

namespace coffer::domain {

enum class KeyType { kRsa, kEc, kOct };
enum class Curve { kNone, kP256, kP384, kP521, kP256K };

// JOSE algorithm names, as Azure's REST API spells them.
enum class Algorithm {
  kRsa15,       // RSA1_5
  kRsaOaep,     // RSA-OAEP (SHA-1, MGF1-SHA-1)
  kRsaOaep256,  // RSA-OAEP-256
  kA128Gcm, kA192Gcm, kA256Gcm,
  kA128Cbc, kA192Cbc, kA256Cbc,
  kA128CbcPad, kA192CbcPad, kA256CbcPad,
  kA128Kw, kA192Kw, kA256Kw,
  kRs256, kRs384, kRs512,
  kPs256, kPs384, kPs512,
  kEs256, kEs256K, kEs384, kEs512,
};

// Algorithms by how they work; decides which keys and operations take them.
enum class AlgorithmFamily { kRsaCipher, kGcm, kCbc, kCbcPad, kKw, kRsaSign, kEcdsa };
AlgorithmFamily FamilyOf(Algorithm alg);
// The AES key size an AES algorithm names (A128..., A192..., A256...), in bits.
int AesKeyBits(Algorithm alg);

// What a caller asks a key to do; each has the key_ops name of the same spelling.
enum class KeyOperation { kEncrypt, kDecrypt, kWrapKey, kUnwrapKey, kSign, kVerify };

const char* KeyTypeName(KeyType type, bool hsm);  // "RSA", "EC-HSM", ...
// Parses a kty: INVALID_ARGUMENT for anything but RSA, EC, oct and their -HSM forms.
absl::StatusOr<KeyType> ParseKeyType(std::string_view kty, bool* hsm);
const char* CurveName(Curve curve);  // "P-256", ...; "" for kNone
absl::StatusOr<Curve> ParseCurve(std::string_view crv);
// Bytes of one coordinate (and of the private scalar): 32, 48, 66, 32.
std::size_t CurveFieldSize(Curve curve);

const char* AlgorithmName(Algorithm alg);
absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name);
const char* KeyOperationName(KeyOperation op);  // "encrypt", "wrapKey", ...

// Whether `alg` can do `op` on a key of `type` (and `curve` for ECDSA). INVALID_ARGUMENT with
// Azure's wording when not, e.g. ES256 on an RSA key, RS256 for encrypt, ES384 on P-256.
absl::Status CheckAlgorithm(KeyType type, Curve curve, std::size_t key_bits, KeyOperation op,
                            Algorithm alg);
// The digest length a signature algorithm signs (32, 48 or 64 bytes).
std::size_t DigestSize(Algorithm alg);

// The operations a key gets when its creator names none: all its type can do.
std::vector<std::string> DefaultKeyOps(KeyType type);
// Checks key_ops names (Azure's spelling, case-sensitive as the SDKs send them).
absl::Status ValidateKeyOps(const std::vector<std::string>& ops);

// Public parts as JWK fields, unsigned big-endian bytes (not base64).
struct PublicKey {
  std::string n, e;   // RSA
  Curve curve = Curve::kNone;
  std::string x, y;   // EC, each CurveFieldSize bytes
};

// A key's private parts as a JWK carries them on import; every field is secret but the public
// ones, which are kept beside them.
struct PrivateKeyParts {
  KeyType type = KeyType::kRsa;
  PublicKey public_key;
  SecretBytes d, p, q, dp, dq, qi;  // RSA (d is also EC's scalar)
  SecretBytes k;                    // oct
};

// What to generate.
struct KeySpec {
  KeyType type = KeyType::kRsa;
  int bits = 0;                 // RSA 2048/3072/4096, oct 128/192/256; EC: from the curve
  Curve curve = Curve::kNone;
  std::string public_exponent;  // RSA, big-endian; empty: 65537
};

// Validates and fills in Azure's defaults (RSA 2048, EC P-256, oct 256).
absl::Status NormalizeKeySpec(KeySpec& spec);

// One cryptographic call on a key. `data` is the plaintext, ciphertext, digest or key to wrap.
struct KeyOperationRequest {
  KeyOperation op = KeyOperation::kSign;
  Algorithm alg = Algorithm::kRs256;
  SecretBytes data;  // a plaintext or a key to wrap is secret; digests and ciphertexts are not
  std::string iv, aad, tag;  // AES modes only
  std::string signature;     // verify only
};

// Checks the sizes `request` must have for its algorithm (already checked against the key) on
// a key of `bits` (the RSA modulus or AES key; 0 for EC): digest lengths, RSA plaintext room and
// ciphertext size, IVs, tags and block multiples. INVALID_ARGUMENT (Azure's 400) naming what.
absl::Status CheckOperationInput(int bits, const KeyOperationRequest& request);

// Its answer: `value` is the ciphertext, plaintext, signature or wrapped/unwrapped key.
struct KeyOperationResult {
  std::string name, version;  // the key version that did the work (the latest, if none was named)
  SecretBytes value;
  std::string iv, tag;  // what encryption chose (GCM, CBC)
  bool verified = false;
};

// A key version without its private material: what every answer shows.
struct KeyProperties {
  std::string name;
  std::string version;
  KeyType type = KeyType::kRsa;
  bool hsm = false;
  int bits = 0;  // RSA modulus or oct key size; 0 for EC
  std::vector<std::string> key_ops;
  Tags tags;
  ObjectAttributes attributes;
  bool managed = false;  // backs a certificate
};

struct Key {
  KeyProperties properties;
  PublicKey public_key;
};

struct DeletedKey {
  Key key;
  absl::Time deleted;
  absl::Time scheduled_purge;
};

struct KeyCreateOptions {
  std::optional<std::vector<std::string>> key_ops;
  Tags tags;
  bool enabled = true;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> expires;
};

struct KeyUpdate {
  std::optional<std::vector<std::string>> key_ops;
  std::optional<Tags> tags;
  std::optional<bool> enabled;
  std::optional<std::optional<absl::Time>> not_before;
  std::optional<std::optional<absl::Time>> expires;
};

// A rotation policy (Azure's shape). Durations stay ISO 8601 strings as the client wrote them.
struct LifetimeAction {
  std::string time_after_create;   // e.g. "P90D"; one of the two triggers is set
  std::string time_before_expiry;  // e.g. "P30D"
  std::string action;              // "Rotate" or "Notify"
};

struct RotationPolicy {
  std::vector<LifetimeAction> lifetime_actions;
  std::string expiry_time;  // e.g. "P1Y"; empty: rotated versions get no exp
  std::optional<absl::Time> created;
  std::optional<absl::Time> updated;
};

// Parses an ISO 8601 duration of days or longer as Azure accepts them (P1Y, P3M, P2W, P90D, and
// a time part such as PT12H); a year counts 365 days, a month 30. INVALID_ARGUMENT otherwise.
absl::StatusOr<absl::Duration> ParseIsoDuration(std::string_view text);
// Checks Azure's rules: at most one Rotate and one Notify action, each with exactly one trigger,
// Notify by timeBeforeExpiry only; every duration at least 7 days; expiryTime at least 28 days
// and longer than timeBeforeExpiry.
absl::Status ValidateRotationPolicy(const RotationPolicy& policy);

}  // namespace coffer::domain

#endif  // COFFER_VAULT_CORE_DOMAIN_KEY_H_
