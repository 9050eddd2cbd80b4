#include "vault-core/crypto/aes_gcm.h"

#include <openssl/evp.h>

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

// Sets up a context for one operation and feeds the associated data.
absl::StatusOr<CipherCtx> Start(bool encrypt, const SecretBytes& key, std::string_view nonce,
                                std::string_view aad) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (ctx == nullptr ||
      EVP_CipherInit_ex(ctx.get(), Aes256Gcm(), nullptr, key.data(), Bytes(nonce),
                        encrypt ? 1 : 0) != 1 ||
      (!aad.empty() &&
       EVP_CipherUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1)) {
    return absl::InternalError("AES-256-GCM setup failed");
  }
  return ctx;
}

}  // namespace

absl::StatusOr<std::string> AesGcmSeal(const SecretBytes& key, std::string_view nonce,
                                       std::string_view plaintext, std::string_view aad) {
  if (absl::Status s = CheckSizes(key, nonce); !s.ok()) return s;
  auto ctx = Start(true, key, nonce, aad);
  if (!ctx.ok()) return ctx.status();
  std::string out(plaintext.size() + kAesGcmTagSize, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int final_len = 0;
  if (EVP_EncryptUpdate(ctx->get(), dst, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx->get(), dst + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize,
                          dst + plaintext.size()) != 1) {
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
  std::size_t size = ciphertext_and_tag.size() - kAesGcmTagSize;
  SecretBytes out(size);
  std::string tag(ciphertext_and_tag.substr(size));
  int len = 0;
  int final_len = 0;
  if (EVP_DecryptUpdate(ctx->get(), out.mutable_data(), &len, Bytes(ciphertext_and_tag),
                        static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx->get(), out.mutable_data() + len, &final_len) != 1) {
    return absl::DataLossError("sealed data failed its integrity check");
  }
  return out;
}

}  // namespace coffer::crypto
