#include "lib/base/zero_on_free.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <cstddef>
#include <new>

// The replacements allocate with malloc (tcmalloc's, in coffer-vault) and free with free, so
// every pair matches whoever defines malloc, AddressSanitizer included.

namespace coffer {
namespace {

// explicit_bzero: a memset before free is a dead store a compiler may remove.
void ZeroAndFree(void* p, std::size_t n) {
  if (p == nullptr) return;
  explicit_bzero(p, n);
  free(p);
}
void ZeroAndFree(void* p) {
  if (p != nullptr) ZeroAndFree(p, malloc_usable_size(p));
}

// `alignment` 0: malloc's own. Any other is honoured exactly (malloc aligns a small block to
// less than 16 under tcmalloc); posix_memalign wants at least a pointer's.
void* AllocateOrThrow(std::size_t n, std::size_t alignment = 0) {
  if (n == 0) n = 1;
  for (;;) {
    void* p = nullptr;
    if (alignment == 0) {
      p = malloc(n);
    } else if (posix_memalign(&p, std::max(alignment, sizeof(void*)), n) != 0) {
      p = nullptr;
    }
    if (p != nullptr) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* AllocateOrNull(std::size_t n, std::size_t alignment = 0) noexcept {
  try {
    return AllocateOrThrow(n, alignment);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

void* OpenSslMalloc(std::size_t n, const char*, int) { return malloc(n); }

// Never shrinks or grows in place: a block that moves is zeroed before it is freed, and one
// that stays keeps its whole size, zeroed at its free.
void* OpenSslRealloc(void* p, std::size_t n, const char*, int) {
  if (p == nullptr) return malloc(n);
  if (n == 0) {
    ZeroAndFree(p);
    return nullptr;
  }
  const std::size_t size = malloc_usable_size(p);
  if (n <= size) return p;
  void* moved = malloc(n);
  if (moved == nullptr) return nullptr;
  memcpy(moved, p, size);
  ZeroAndFree(p, size);
  return moved;
}

void OpenSslFree(void* p, const char*, int) { ZeroAndFree(p); }

}  // namespace

bool ZeroOpenSslMemoryOnFree() {
  return CRYPTO_set_mem_functions(OpenSslMalloc, OpenSslRealloc, OpenSslFree) == 1;
}

}  // namespace coffer

using coffer::AllocateOrNull;
using coffer::AllocateOrThrow;
using coffer::ZeroAndFree;

void* operator new(std::size_t n) { return AllocateOrThrow(n); }
void* operator new[](std::size_t n) { return AllocateOrThrow(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return AllocateOrNull(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return AllocateOrNull(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateOrNull(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateOrNull(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { ZeroAndFree(p); }
void operator delete[](void* p) noexcept { ZeroAndFree(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { ZeroAndFree(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { ZeroAndFree(p); }
// The sized forms zero what the object occupied, without asking the allocator for the size.
void operator delete(void* p, std::size_t n) noexcept { ZeroAndFree(p, n); }
void operator delete[](void* p, std::size_t n) noexcept { ZeroAndFree(p, n); }
void operator delete(void* p, std::align_val_t) noexcept { ZeroAndFree(p); }
void operator delete[](void* p, std::align_val_t) noexcept { ZeroAndFree(p); }
void operator delete(void* p, std::size_t n, std::align_val_t) noexcept { ZeroAndFree(p, n); }
void operator delete[](void* p, std::size_t n, std::align_val_t) noexcept { ZeroAndFree(p, n); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  ZeroAndFree(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  ZeroAndFree(p);
}
