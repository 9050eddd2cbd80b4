#include "vault-core/server/audit_signer.h"

#include <optional>

#include "vault-core/identity/jwk.h"

namespace coffer::server {
namespace {

std::string KeyIdOf(const keystore::KeyStore& keystore) {
  std::optional<identity::EcPublicKey> key = identity::SplitP256Point(keystore.signing_public_key());
  return key ? identity::JwkThumbprint(*key) : std::string();
}

}  // namespace

KeyStoreCheckpointSigner::KeyStoreCheckpointSigner(keystore::KeyStore& keystore)
    : keystore_(keystore), key_id_(KeyIdOf(keystore)) {}

}  // namespace coffer::server
