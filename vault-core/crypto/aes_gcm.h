#ifndef COFFER_VAULT_CORE_CRYPTO_AES_GCM_H_
#define COFFER_VAULT_CORE_CRYPTO_AES_GCM_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/base/secret_bytes.h"

namespace coffer::crypto {

inline constexpr std::size_t kAesGcmKeySize = 32;
inline constexpr std::size_t kAesGcmNonceSize = 12;
inline constexpr std::size_t kAesGcmTagSize = 16;

// AES-256-GCM. Seal returns ciphertext || tag. The caller supplies a unique nonce per key
// (random 96-bit nonces: keep a key under ~2^32 messages).
// Errors: INVALID_ARGUMENT (key or nonce size), DATA_LOSS (Open: the tag does not verify, i.e.
// the ciphertext, nonce, associated data or key is not the one sealed with).
absl::StatusOr<std::string> AesGcmSeal(const SecretBytes& key, std::string_view nonce,
                                       std::string_view plaintext, std::string_view aad);
absl::StatusOr<SecretBytes> AesGcmOpen(const SecretBytes& key, std::string_view nonce,
                                       std::string_view ciphertext_and_tag, std::string_view aad);

// Each thread keeps the context of the last key it used (its key schedule). After a key is
// destroyed (a vault purged), this makes every thread drop its context at its next AES call.
void ForgetCachedAesKeys();

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_AES_GCM_H_
