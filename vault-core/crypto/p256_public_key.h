#ifndef COFFER_VAULT_CORE_CRYPTO_P256_PUBLIC_KEY_H_
#define COFFER_VAULT_CORE_CRYPTO_P256_PUBLIC_KEY_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

// OpenSSL's EVP_PKEY, declared here so that this header does not pull in OpenSSL.
typedef struct evp_pkey_st EVP_PKEY;

namespace coffer::crypto {

// A P-256 public key that checks ES256 signatures (JWS: SHA-256, signature r || s, 64 bytes).
// Immutable and thread-safe.
class P256PublicKey {
 public:
  // `point` is uncompressed (0x04 || X || Y); OpenSSL checks it lies on the curve.
  // INVALID_ARGUMENT otherwise.
  static absl::StatusOr<std::unique_ptr<P256PublicKey>> FromPoint(std::string_view point);
  ~P256PublicKey();

  // Whether `signature` is this key's ES256 signature of `message`. Any malformed input is false.
  bool VerifyEs256(std::string_view message, std::string_view signature) const;

 private:
  explicit P256PublicKey(EVP_PKEY* key) : key_(key) {}

  EVP_PKEY* const key_;  // owned
};

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_P256_PUBLIC_KEY_H_
