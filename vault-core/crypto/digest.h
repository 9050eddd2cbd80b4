#ifndef COFFER_VAULT_CORE_CRYPTO_DIGEST_H_
#define COFFER_VAULT_CORE_CRYPTO_DIGEST_H_

#include <string>
#include <string_view>

namespace coffer::crypto {

// SHA-256 of `data`, 32 raw bytes. Thread-safe; aborts only if OpenSSL cannot hash at all.
std::string Sha256(std::string_view data);

// SHA-384 and SHA-512, for signatures over larger digests (RS384, ES512, ...).
std::string Sha384(std::string_view data);
std::string Sha512(std::string_view data);

// SHA-1 of `data`, 20 raw bytes: for X.509 thumbprints only (the "x5t" of a client assertion and
// the thumbprint Entra ID shows), because clients name certificates by it. SHA-1 collisions are
// practical, so nothing may rely on it to tell two inputs apart. Thread-safe, like Sha256.
std::string Sha1(std::string_view data);

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_DIGEST_H_
