#ifndef COFFER_VAULT_CORE_CRYPTO_SCRYPT_H_
#define COFFER_VAULT_CORE_CRYPTO_SCRYPT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/base/secret_bytes.h"

namespace coffer::crypto {

struct ScryptParams {
  int log_n;  // N = 2^log_n
  int r;
  int p;
};

// scrypt (RFC 7914) of `secret` under `salt`, `size` bytes long. Nullopt when OpenSSL refuses:
// parameters that need more than `max_memory` bytes (128 * r * N, plus OpenSSL's overhead, for
// which 1 MiB is added), or memory exhausted. Thread-safe.
std::optional<std::string> Scrypt(const SecretBytes& secret, std::string_view salt,
                                  const ScryptParams& params, std::size_t size,
                                  std::uint64_t max_memory);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_SCRYPT_H_
