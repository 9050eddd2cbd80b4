#ifndef COFFER_VAULT_CORE_KEYSTORE_PKCS11_PKCS11_KEYSTORE_H_
#define COFFER_VAULT_CORE_KEYSTORE_PKCS11_PKCS11_KEYSTORE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/keystore/keystore.h"

namespace coffer::keystore {

struct Pkcs11Options {
  std::string module_path;  // e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token_label;
  SecretBytes pin;  // the user PIN; see ReadPin
  std::string master_key_label = "coffer-master-v1";
  std::string signing_key_label = "coffer-token-signing-v1";
  // Sessions opened at most, i.e. HSM operations in flight at once; more callers wait.
  std::size_t session_pool_size = 4;
};

class KeyHandles;
class SessionPool;

// The KeyStore over a PKCS#11 HSM. The master key wraps data keys inside the HSM with
// CKM_AES_KEY_WRAP_PAD (RFC 5649) and leaves it only wrapped, for another replica's HSM
// (key_ceremony.h); signing is raw CKM_ECDSA over a SHA-256 digest computed here. Thread-safe:
// each call leases its own session.
class Pkcs11KeyStore : public KeyStore {
 public:
  // Loads the module, logs in to the token and finds the two keys by label, creating them on
  // first start. Errors: INVALID_ARGUMENT (options incomplete), FAILED_PRECONDITION (module
  // cannot be loaded, token lacks a needed mechanism, key labels ambiguous), NOT_FOUND (no token
  // with that label), PERMISSION_DENIED (wrong or locked PIN), UNAVAILABLE (device failure).
  static absl::StatusOr<std::unique_ptr<KeyStore>> Create(const Pkcs11Options& options);
  // INVALID_ARGUMENT naming what is missing from `options`.
  static absl::Status Validate(const Pkcs11Options& options);

  ~Pkcs11KeyStore() override;

  std::string_view kind() const override { return "pkcs11"; }
  // The master key's fingerprint, "kcv:<16 hex digits>" (MasterKeyFingerprint in
  // key_objects.h): the same on every HSM holding the same key.
  std::string master_key_id() const override { return master_key_id_; }
  // Also the id data keys recorded before the fingerprint,
  // "pkcs11:token=<label>;serial=<serial>;object=<master key label>", whichever HSM it names: a
  // replica reads data keys that the first replica stored before it ever had a second.
  bool AcceptsMasterKeyId(std::string_view id) const override;
  absl::StatusOr<DataKey> NewDataKey() override;
  absl::StatusOr<SecretBytes> UnwrapDataKey(std::string_view wrapped) override;
  absl::StatusOr<std::string> SignEs256(std::string_view data) override;
  std::string signing_public_key() const override { return signing_public_key_; }
  absl::StatusOr<ProtectedKey> GenerateKey(const domain::KeySpec& spec) override;
  absl::StatusOr<ProtectedKey> ImportKey(const domain::PrivateKeyParts& parts) override;
  absl::StatusOr<domain::KeyOperationResult> RunKeyOperation(
      domain::KeyType type, std::string_view wrapped,
      const domain::KeyOperationRequest& request) override;
  absl::Status CheckHealth() override;

 private:
  Pkcs11KeyStore(std::shared_ptr<KeyHandles> keys, std::unique_ptr<SessionPool> pool,
                 std::string master_key_id, std::string signing_public_key);

  // Shared with the pool, which refreshes the handles whenever it opens a session.
  const std::shared_ptr<KeyHandles> keys_;
  const std::unique_ptr<SessionPool> pool_;
  const std::string master_key_id_;
  const std::string signing_public_key_;
};

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_PKCS11_PKCS11_KEYSTORE_H_
