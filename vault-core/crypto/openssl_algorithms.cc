#include "vault-core/crypto/openssl_algorithms.h"

#include <cstdlib>

namespace coffer::crypto {
namespace {

template <typename T>
T* OrAbort(T* fetched) {
  // Without these nothing the vault stores can be opened; carrying on would be worse.
  if (fetched == nullptr) std::abort();
  return fetched;
}

}  // namespace

const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* cipher = OrAbort(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  return cipher;
}

const EVP_MD* Sha256Digest() {
  static const EVP_MD* md = OrAbort(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return md;
}

const EVP_MD* Sha1Digest() {
  static const EVP_MD* md = OrAbort(EVP_MD_fetch(nullptr, "SHA1", nullptr));
  return md;
}

}  // namespace coffer::crypto
