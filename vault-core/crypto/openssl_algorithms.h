#ifndef COFFER_VAULT_CORE_CRYPTO_OPENSSL_ALGORITHMS_H_
#define COFFER_VAULT_CORE_CRYPTO_OPENSSL_ALGORITHMS_H_

// OpenSSL 3 looks an algorithm up in its provider tables (under a lock) every time a call names
// it as EVP_aes_256_gcm() or EVP_sha256(); on the request path that costs more than the
// operation itself. These are fetched once and kept for the life of the process.
// Include from .cc files only.

#include <openssl/evp.h>

namespace coffer::crypto {

const EVP_CIPHER* Aes256Gcm();
const EVP_MD* Sha256Digest();
// For X.509 thumbprints only: SHA-1 is broken for anything that must resist collisions.
const EVP_MD* Sha1Digest();

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_OPENSSL_ALGORITHMS_H_
