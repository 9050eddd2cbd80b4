#ifndef COFFER_VAULT_CORE_CRYPTO_AES_KEY_OPS_H_
#define COFFER_VAULT_CORE_CRYPTO_AES_KEY_OPS_H_

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"
#include "vault-core/domain/key.h"

namespace coffer::crypto {

// An oct key's operations in software, with the key size the algorithm names (A128/A192/A256):
// GCM (16-byte tag, the request's 12-byte iv), CBC without padding, CBC with PKCS#7 padding
// (16-byte iv), and RFC 3394 key wrap. The request has been checked (domain::CheckOperationInput). Errors:
// INVALID_ARGUMENT when a ciphertext, tag or wrapped key is not authentic or not well padded.
absl::StatusOr<domain::KeyOperationResult> RunAes(const SecretBytes& key,
                                                  const domain::KeyOperationRequest& request);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_AES_KEY_OPS_H_
