#ifndef COFFER_VAULT_CORE_IDENTITY_DIGEST_H_
#define COFFER_VAULT_CORE_IDENTITY_DIGEST_H_

#include <string>
#include <string_view>

namespace coffer::identity {

// SHA-256 of `data`, 32 raw bytes. Thread-safe; aborts only if OpenSSL cannot hash at all.
std::string Sha256(std::string_view data);

}  // namespace coffer::identity

#endif  // COFFER_VAULT_CORE_IDENTITY_DIGEST_H_
