#ifndef COFFER_VAULT_CORE_KEYSTORE_SOFTWARE_SOFTWARE_KEYSTORE_H_
#define COFFER_VAULT_CORE_KEYSTORE_SOFTWARE_SOFTWARE_KEYSTORE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/keystore/keystore.h"

// OpenSSL's EVP_PKEY, declared here so that this header does not pull in OpenSSL.
typedef struct evp_pkey_st EVP_PKEY;

namespace coffer::crypto {
struct SoftwareKey;
}  // namespace coffer::crypto

namespace coffer::keystore {

struct SoftwareOptions {
  // 32 raw bytes; created (mode 0600, random) when absent.
  std::string master_key_file;
  // PEM EC P-256 private key; created (mode 0600) when absent. Empty: master_key_file +
  // ".signing.pem".
  std::string signing_key_file;
};

// The KeyStore in plain process memory, over OpenSSL. FOR TESTS ONLY: the master key sits in a
// file and in RAM, which is exactly what an HSM is there to prevent. It produces the same kind of
// output as the PKCS#11 store (AES-KWP blobs of RFC 5649, raw r || s ES256 signatures), so code
// above the KeyStore cannot tell them apart. Thread-safe (the keys are immutable).
class SoftwareKeyStore : public KeyStore {
 public:
  // Errors: INVALID_ARGUMENT (no master key file given), FAILED_PRECONDITION (a key file exists
  // but is malformed, or cannot be read or written).
  static absl::StatusOr<std::unique_ptr<KeyStore>> Create(const SoftwareOptions& options);

  ~SoftwareKeyStore() override;

  std::string_view kind() const override { return "software"; }
  // "software:<master key file>".
  std::string master_key_id() const override { return master_key_id_; }
  absl::StatusOr<DataKey> NewDataKey() override;
  absl::StatusOr<SecretBytes> UnwrapDataKey(std::string_view wrapped) override;
  absl::StatusOr<std::string> SignEs256(std::string_view data) override;
  std::string signing_public_key() const override { return signing_public_key_; }
  // Vault keys are crypto::SoftwareKey material, AES-KWP-wrapped under the master key.
  absl::StatusOr<ProtectedKey> GenerateKey(const domain::KeySpec& spec) override;
  absl::StatusOr<ProtectedKey> ImportKey(const domain::PrivateKeyParts& parts) override;
  absl::StatusOr<domain::KeyOperationResult> RunKeyOperation(
      domain::KeyType type, std::string_view wrapped,
      const domain::KeyOperationRequest& request) override;
  absl::Status CheckHealth() override { return absl::OkStatus(); }

 private:
  struct PkeyFree {
    void operator()(EVP_PKEY* pkey) const;
  };
  using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

  absl::StatusOr<ProtectedKey> Protect(const crypto::SoftwareKey& key);

  SoftwareKeyStore(SecretBytes master_key, PkeyPtr signing_key, std::string master_key_id,
                   std::string signing_public_key)
      : master_key_(std::move(master_key)),
        signing_key_(std::move(signing_key)),
        master_key_id_(std::move(master_key_id)),
        signing_public_key_(std::move(signing_public_key)) {}

  const SecretBytes master_key_;
  const PkeyPtr signing_key_;
  const std::string master_key_id_;
  const std::string signing_public_key_;
};

}  // namespace coffer::keystore

#endif  // COFFER_VAULT_CORE_KEYSTORE_SOFTWARE_SOFTWARE_KEYSTORE_H_
