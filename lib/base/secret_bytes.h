#ifndef COFFER_LIB_BASE_SECRET_BYTES_H_
#define COFFER_LIB_BASE_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

namespace coffer {

namespace internal {
// Zeroes every buffer it frees, including those a vector drops when it grows.
template <typename T>
struct ZeroingAllocator {
  using value_type = T;
  ZeroingAllocator() = default;
  template <typename U>
  ZeroingAllocator(const ZeroingAllocator<U>&) {}  // NOLINT: allocator rebinding
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n);
  template <typename U>
  bool operator==(const ZeroingAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const ZeroingAllocator<U>&) const {
    return false;
  }
};
void ZeroMemory(void* p, std::size_t n);
// Zeroes the 16 KiB of this thread's stack below the caller's frame: what the calls it made
// left there (a cipher's or a parser's stack buffers) is gone once their work is done. For
// the I/O threads, after each response.
void ZeroUnusedStack();
template <typename T>
void ZeroingAllocator<T>::deallocate(T* p, std::size_t n) {
  ZeroMemory(p, n * sizeof(T));
  std::allocator<T>().deallocate(p, n);
}
}  // namespace internal

// Bytes that must not leak: key material, secret values, passwords, PINs, tokens.
// The memory is zeroed when freed, the value prints as "[redacted]", and the only way to the
// raw bytes is `reveal()` / `mutable_data()`, so every use can be found with grep.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string_view bytes) : bytes_(bytes.begin(), bytes.end()) {}
  explicit SecretBytes(std::size_t size) : bytes_(size, 0) {}

  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  std::string_view reveal() const {
    return std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  }
  std::uint8_t* mutable_data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  void resize(std::size_t size) { bytes_.resize(size); }

  // Compares in time that depends only on the lengths.
  bool Equals(const SecretBytes& other) const;

 private:
  std::vector<std::uint8_t, internal::ZeroingAllocator<std::uint8_t>> bytes_;
};

inline std::ostream& operator<<(std::ostream& os, const SecretBytes&) { return os << "[redacted]"; }

// Compares two byte strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Reads `fd` to its end, straight into SecretBytes (no copy in an ordinary string), but at most
// `max_bytes` + 1 bytes, so that a caller can tell a file that is too large. nullopt on a read
// error, with errno set. The descriptor stays open.
std::optional<SecretBytes> ReadSecretFd(int fd, std::size_t max_bytes);

}  // namespace coffer

#endif  // COFFER_LIB_BASE_SECRET_BYTES_H_
