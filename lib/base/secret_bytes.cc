#include "lib/base/secret_bytes.h"

#include <string.h>

namespace coffer {
namespace internal {

void ZeroMemory(void* p, std::size_t n) {
  if (p != nullptr && n > 0) explicit_bzero(p, n);
}

}  // namespace internal

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

bool SecretBytes::Equals(const SecretBytes& other) const {
  return ConstantTimeEquals(reveal(), other.reveal());
}

}  // namespace coffer
