#include "vault-core/crypto/random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "lib/base/logging.h"

namespace coffer::crypto {
namespace {

void Fill(unsigned char* out, std::size_t n) {
  if (n > 0 && RAND_bytes(out, static_cast<int>(n)) != 1) {
    COFFER_LOG(kCrypto, critical, "RAND_bytes failed; stopping");
    std::abort();
  }
}

}  // namespace

std::string RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  Fill(reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

SecretBytes RandomSecret(std::size_t n) {
  SecretBytes out(n);
  Fill(out.mutable_data(), n);
  return out;
}

std::string RandomHex(std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string raw = RandomBytes(n);
  std::string out;
  out.reserve(2 * n);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::string RandomUuid() {
  std::string hex = RandomHex(16);
  hex[12] = '4';                                              // version 4
  hex[16] = "89ab"[static_cast<unsigned char>(hex[16]) % 4];  // RFC 4122 variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace coffer::crypto
