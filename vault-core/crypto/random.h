#ifndef COFFER_VAULT_CORE_CRYPTO_RANDOM_H_
#define COFFER_VAULT_CORE_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

#include "lib/base/secret_bytes.h"

namespace coffer::crypto {

// Bytes from OpenSSL's CSPRNG. Aborts the process if the generator fails: nothing sound can be
// done without randomness.
std::string RandomBytes(std::size_t n);
SecretBytes RandomSecret(std::size_t n);
// n random bytes as 2n lowercase hex characters (object versions, ids).
std::string RandomHex(std::size_t n);
// A random (version 4) UUID in its canonical lower-case form.
std::string RandomUuid();

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_RANDOM_H_
