#include "vault-core/crypto/aes_key_ops.h"

#include <openssl/evp.h>

#include "vault-core/crypto/openssl_ptr.h"

namespace coffer::crypto {
namespace {

using domain::KeyOperation;

using Mode = domain::AlgorithmFamily;

const EVP_CIPHER* CipherOf(Mode mode, std::size_t key_size) {
  switch (mode) {
    case Mode::kGcm:
      return key_size == 16 ? EVP_aes_128_gcm() : key_size == 24 ? EVP_aes_192_gcm()
                                                                 : EVP_aes_256_gcm();
    case Mode::kCbc:
    case Mode::kCbcPad:
      return key_size == 16 ? EVP_aes_128_cbc() : key_size == 24 ? EVP_aes_192_cbc()
                                                                 : EVP_aes_256_cbc();
    case Mode::kKw:
      return key_size == 16 ? EVP_aes_128_wrap() : key_size == 24 ? EVP_aes_192_wrap()
                                                                  : EVP_aes_256_wrap();
    default:
      return nullptr;
  }
}

absl::Status NotAuthentic() {
  return absl::InvalidArgumentError(
      "The ciphertext does not decrypt with this key: it, its iv, tag or aad was altered.");
}

}  // namespace

absl::StatusOr<domain::KeyOperationResult> RunAes(const SecretBytes& key,
                                                  const domain::KeyOperationRequest& r) {
  const Mode mode = domain::FamilyOf(r.alg);
  const bool encrypt = r.op == KeyOperation::kEncrypt || r.op == KeyOperation::kWrapKey;
  // EVP reads the IV length the cipher names; a shorter buffer would be read past its end.
  const std::size_t iv_size = mode == Mode::kGcm ? 12 : mode == Mode::kKw ? 0 : 16;
  if (r.iv.size() != iv_size) return absl::InvalidArgumentError("The iv has the wrong length.");
  OpensslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return absl::InternalError("EVP_CIPHER_CTX_new failed");
  if (mode == Mode::kKw) EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  const auto* iv = reinterpret_cast<const unsigned char*>(r.iv.data());
  if (EVP_CipherInit_ex(ctx.get(), CipherOf(mode, key.size()), nullptr, key.data(),
                        mode == Mode::kKw ? nullptr : iv, encrypt ? 1 : 0) != 1) {
    return absl::InternalError("AES initialisation failed");
  }
  if (mode == Mode::kCbc) EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  int len = 0;
  if (mode == Mode::kGcm && !r.aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(r.aad.data()),
                       static_cast<int>(r.aad.size())) != 1) {
    return absl::InternalError("AES-GCM aad refused");
  }
  domain::KeyOperationResult result;
  result.value = SecretBytes(r.data.size() + 16);
  int total = 0;
  if (EVP_CipherUpdate(ctx.get(), result.value.mutable_data(), &len,
                       reinterpret_cast<const unsigned char*>(r.data.data()),
                       static_cast<int>(r.data.size())) != 1) {
    if (mode == Mode::kKw && !encrypt) return NotAuthentic();
    return absl::InternalError("AES failed");
  }
  total = len;
  if (mode == Mode::kGcm && !encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(r.tag.size()),
                          const_cast<char*>(r.tag.data())) != 1) {
    return NotAuthentic();
  }
  if (EVP_CipherFinal_ex(ctx.get(), result.value.mutable_data() + total, &len) != 1) {
    if (!encrypt) return NotAuthentic();
    return absl::InternalError("AES failed");
  }
  total += len;
  result.value.resize(static_cast<std::size_t>(total));
  if (mode == Mode::kGcm && encrypt) {
    result.tag.assign(16, '\0');
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, result.tag.data()) != 1) {
      return absl::InternalError("AES-GCM tag unavailable");
    }
  }
  if (encrypt && mode != Mode::kKw) result.iv = r.iv;
  return result;
}

}  // namespace coffer::crypto
