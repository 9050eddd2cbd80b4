#ifndef COFFER_VAULT_CORE_KEYSTORE_KEYSTORE_H_
#define COFFER_VAULT_CORE_KEYSTORE_KEYSTORE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/key.h"

namespace coffer::keystore {

// A data key in both forms: the plaintext (used in process memory to seal records, zeroed when
// dropped) and the form that may be stored (wrapped by the master key, which never leaves the
// key store).
struct DataKey {
  SecretBytes key;      // 32 bytes, AES-256
  std::string wrapped;  // opaque; give it back to UnwrapDataKey
};

// An HSM-protected vault key as it may be stored: its private key (or AES key) wrapped by the
// master key inside the device (opaque; only the same key store can use it), and its public parts.
struct ProtectedKey {
  std::string wrapped;
  domain::PublicKey public_key;
  int bits = 0;  // RSA modulus or AES key size; 0 for EC
};

// The vault's root of trust: the HSM, or a software stand-in for tests. It holds two long-lived
// keys, created on first start and found again on later starts:
//  - the master wrapping key (AES-256), which wraps every vault's data key; its plaintext never
//    leaves the HSM (the key ceremony copies it to other replicas' HSMs wrapped, HSM to HSM);
//  - the token-signing key (EC P-256), which signs the token service's access tokens.
// Thread-safe. Errors: UNAVAILABLE (the device or its session failed: retry later),
// DATA_LOSS (a wrapped key does not unwrap: corrupt or from another master key),
// INVALID_ARGUMENT (malformed input).
class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // "pkcs11" or "software"; shown in logs and /readyz.
  virtual std::string_view kind() const = 0;

  // Names the master key, so that a wrapped key records which master key wrapped it. Stores that
  // hold the same master key (replicas' HSMs after the key ceremony) give the same id.
  virtual std::string master_key_id() const = 0;
  // Whether a key whose record names master key `id` is worth unwrapping here: master_key_id(),
  // or an older form of id that names a place rather than the key (the unwrap's integrity check
  // then decides). Anything else is refused before the HSM is asked, with a clearer error.
  virtual bool AcceptsMasterKeyId(std::string_view id) const { return id == master_key_id(); }

  // A fresh random AES-256 data key, wrapped under the master key.
  virtual absl::StatusOr<DataKey> NewDataKey() = 0;
  virtual absl::StatusOr<SecretBytes> UnwrapDataKey(std::string_view wrapped) = 0;

  // ES256 over `data` (SHA-256, then ECDSA P-256), as JWS wants it: r || s, 64 bytes.
  virtual absl::StatusOr<std::string> SignEs256(std::string_view data) = 0;
  // The signing key's public point, uncompressed (0x04 || X || Y, 65 bytes), for the JWKS.
  virtual std::string signing_public_key() const = 0;

  // HSM-protected vault keys (kty RSA-HSM, EC-HSM, oct-HSM): generated, or imported from a
  // validated JWK, inside the device, which lets them out only wrapped by the master key.
  virtual absl::StatusOr<ProtectedKey> GenerateKey(const domain::KeySpec& spec) = 0;
  virtual absl::StatusOr<ProtectedKey> ImportKey(const domain::PrivateKeyParts& parts) = 0;
  // Runs a private-key operation (sign, decrypt, unwrapKey; every operation of an oct key) with a
  // wrapped key of `type`, inside the device. The request has passed domain::CheckAlgorithm and
  // domain::CheckOperationInput; an IV an encryption needs is in it. Errors: INVALID_ARGUMENT
  // when a ciphertext, tag or wrapped input is not authentic (Azure's 400), DATA_LOSS when
  // `wrapped` does not unwrap, UNAVAILABLE on a device failure.
  virtual absl::StatusOr<domain::KeyOperationResult> RunKeyOperation(
      domain::KeyType type, std::string_view wrapped,
      const domain::KeyOperationRequest& request) = 0;

  // OK when the device answers and both keys are usable; for /readyz.
  virtual absl::Status CheckHealth() = 0;
};

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_KEYSTORE_H_
