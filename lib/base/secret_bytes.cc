#include "lib/base/secret_bytes.h"

#include <string.h>
#include <unistd.h>

#include <cerrno>

namespace coffer {
namespace internal {

void ZeroMemory(void* p, std::size_t n) {
  if (p != nullptr && n > 0) explicit_bzero(p, n);
}

// Not inlined, so that its array lies below the caller's frame.
__attribute__((noinline)) void ZeroUnusedStack() {
  char below[16 * 1024];
  explicit_bzero(below, sizeof(below));
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

std::optional<SecretBytes> ReadSecretFd(int fd, std::size_t max_bytes) {
  SecretBytes data(max_bytes + 1);
  std::size_t total = 0;
  while (total < data.size()) {
    const ssize_t n = read(fd, data.mutable_data() + total, data.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  data.resize(total);
  return data;
}

}  // namespace coffer
