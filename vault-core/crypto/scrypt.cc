#include "vault-core/crypto/scrypt.h"

#include <openssl/evp.h>

namespace coffer::crypto {

std::optional<std::string> Scrypt(const SecretBytes& secret, std::string_view salt,
                                  const ScryptParams& params, std::size_t size,
                                  std::uint64_t max_memory) {
  std::string out(size, '\0');
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(secret.data()), secret.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     std::uint64_t{1} << params.log_n, static_cast<std::uint64_t>(params.r),
                     static_cast<std::uint64_t>(params.p), max_memory + (std::uint64_t{1} << 20),
                     reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1) {
    return std::nullopt;
  }
  return out;
}

}  // namespace coffer::crypto
