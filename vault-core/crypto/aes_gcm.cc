#include "vault-core/crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "vault-core/crypto/openssl_algorithms.h"
#include "vault-core/crypto/openssl_ptr.h"

namespace coffer::crypto {
namespace {

using CipherCtx = OpensslPtr<EVP_CIPHER_CTX>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status CheckSizes(const SecretBytes& key, std::string_view nonce) {
  if (key.size() != kAesGcmKeySize) return absl::InvalidArgumentError("AES-256-GCM key size");
  if (nonce.size() != kAesGcmNonceSize) {
    return absl::InvalidArgumentError("AES-256-GCM nonce size");
  }
  return absl::OkStatus();
}

// A context with its key schedule, kept per thread and per direction for the last key used:
// the vault opens many records under one data key, and setting a key up costs more than
// sealing a small record. Only the nonce changes between operations.
struct CachedCipher {
  CipherCtx ctx;
  SecretBytes key;  // the key `ctx` holds; zeroed when the thread exits
  std::uint64_t epoch = 0;
};

std::atomic<std::uint64_t> cache_epoch{0};  // bumped by ForgetCachedAesKeys

// Sets up a context for one operation and feeds the associated data.
absl::StatusOr<EVP_CIPHER_CTX*> Start(bool encrypt, const SecretBytes& key, std::string_view nonce,
                                      std::string_view aad) {
  thread_local CachedCipher cached[2];
  CachedCipher& c = cached[encrypt ? 1 : 0];
  std::uint64_t epoch = cache_epoch.load(std::memory_order_acquire);
  if (c.epoch != epoch) {
    c.ctx.reset();
    c.key = SecretBytes();
    c.epoch = epoch;
  }
  bool same_key = c.ctx != nullptr && c.key.Equals(key);
  int ok = 0;
  if (same_key) {
    ok = EVP_CipherInit_ex(c.ctx.get(), nullptr, nullptr, nullptr, Bytes(nonce), encrypt ? 1 : 0);
  } else {
    if (c.ctx == nullptr) c.ctx.reset(EVP_CIPHER_CTX_new());
    c.key = SecretBytes();
    ok = c.ctx != nullptr && EVP_CipherInit_ex(c.ctx.get(), Aes256Gcm(), nullptr, key.data(),
                                               Bytes(nonce), encrypt ? 1 : 0);
    if (ok == 1) c.key = key;
  }
  int len = 0;
  if (ok != 1 || (!aad.empty() && EVP_CipherUpdate(c.ctx.get(), nullptr, &len, Bytes(aad),
                                                   static_cast<int>(aad.size())) != 1)) {
    // The context's state is unknown now: start from scratch next time.
    c.ctx.reset();
    c.key = SecretBytes();
    return absl::InternalError("AES-256-GCM setup failed");
  }
  return c.ctx.get();
}

}  // namespace

void ForgetCachedAesKeys() { cache_epoch.fetch_add(1, std::memory_order_acq_rel); }

absl::StatusOr<std::string> AesGcmSeal(const SecretBytes& key, std::string_view nonce,
                                       std::string_view plaintext, std::string_view aad) {
  if (absl::Status s = CheckSizes(key, nonce); !s.ok()) return s;
  auto ctx = Start(true, key, nonce, aad);
  if (!ctx.ok()) return ctx.status();
  EVP_CIPHER_CTX* c = *ctx;
  std::string out(plaintext.size() + kAesGcmTagSize, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int final_len = 0;
  if (EVP_EncryptUpdate(c, dst, &len, Bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c, dst + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize, dst + plaintext.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return out;
}

absl::StatusOr<SecretBytes> AesGcmOpen(const SecretBytes& key, std::string_view nonce,
                                       std::string_view ciphertext_and_tag, std::string_view aad) {
  if (absl::Status s = CheckSizes(key, nonce); !s.ok()) return s;
  if (ciphertext_and_tag.size() < kAesGcmTagSize) {
    return absl::DataLossError("sealed data is shorter than its authentication tag");
  }
  auto ctx = Start(false, key, nonce, aad);
  if (!ctx.ok()) return ctx.status();
  EVP_CIPHER_CTX* c = *ctx;
  std::size_t size = ciphertext_and_tag.size() - kAesGcmTagSize;
  SecretBytes out(size);
  std::string tag(ciphertext_and_tag.substr(size));
  int len = 0;
  int final_len = 0;
  if (EVP_DecryptUpdate(c, out.mutable_data(), &len, Bytes(ciphertext_and_tag),
                        static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c, out.mutable_data() + len, &final_len) != 1) {
    return absl::DataLossError("sealed data failed its integrity check");
  }
  return out;
}

}  // namespace coffer::crypto
