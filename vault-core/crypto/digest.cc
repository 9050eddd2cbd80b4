#include "vault-core/crypto/digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "vault-core/crypto/openssl_algorithms.h"

namespace coffer::crypto {
namespace {

std::string Digest(const EVP_MD* md, std::size_t size, std::string_view data) {
  std::string out(size, '\0');
  unsigned int written = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &written,
                 md, nullptr) != 1 ||
      written != out.size()) {
    // Without a working digest no token, secret or certificate can be checked; carrying on
    // would be worse.
    std::abort();
  }
  return out;
}

}  // namespace

std::string Sha256(std::string_view data) { return Digest(Sha256Digest(), 32, data); }

std::string Sha384(std::string_view data) { return Digest(EVP_sha384(), 48, data); }

std::string Sha512(std::string_view data) { return Digest(EVP_sha512(), 64, data); }

std::string Sha1(std::string_view data) { return Digest(Sha1Digest(), 20, data); }

}  // namespace coffer::crypto
