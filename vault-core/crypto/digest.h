#ifndef COFFER_VAULT_CORE_CRYPTO_DIGEST_H_
#define COFFER_VAULT_CORE_CRYPTO_DIGEST_H_

#include <string>
#include <string_view>

namespace coffer::crypto {

// SHA-256 of `data`, 32 raw bytes. Thread-safe; aborts only if OpenSSL cannot hash at all.
std::string Sha256(std::string_view data);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_DIGEST_H_
