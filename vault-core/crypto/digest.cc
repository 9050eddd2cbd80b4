#include "vault-core/crypto/digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "vault-core/crypto/openssl_algorithms.h"

namespace coffer::crypto {

std::string Sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &size,
                 Sha256Digest(), nullptr) != 1 ||
      size != out.size()) {
    // Without a working SHA-256 no token or secret can be checked; carrying on would be worse.
    std::abort();
  }
  return out;
}

}  // namespace coffer::crypto
