#ifndef COFFER_VAULT_CORE_SERVER_AUDIT_SIGNER_H_
#define COFFER_VAULT_CORE_SERVER_AUDIT_SIGNER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vault-core/audit/audit_checkpoint.h"
#include "vault-core/keystore/keystore.h"

namespace coffer::server {

// Signs the audit log's checkpoints with the token-signing key in the HSM, under the key id its
// JWKS publishes (GET /{tenant}/discovery/v2.0/keys), which `coffer audit verify --jwks` reads.
// Borrows the KeyStore, which must outlive it.
class KeyStoreCheckpointSigner : public audit::CheckpointSigner {
 public:
  explicit KeyStoreCheckpointSigner(keystore::KeyStore& keystore);
  std::string key_id() const override { return key_id_; }
  absl::StatusOr<std::string> Sign(std::string_view message) override {
    return keystore_.SignEs256(message);
  }

 private:
  keystore::KeyStore& keystore_;
  const std::string key_id_;
};

}  // namespace coffer::server

#endif  // COFFER_VAULT_CORE_SERVER_AUDIT_SIGNER_H_
