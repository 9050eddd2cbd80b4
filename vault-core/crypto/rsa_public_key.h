#ifndef COFFER_VAULT_CORE_CRYPTO_RSA_PUBLIC_KEY_H_
#define COFFER_VAULT_CORE_CRYPTO_RSA_PUBLIC_KEY_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

// OpenSSL's EVP_PKEY, declared here so that this header does not pull in OpenSSL.
typedef struct evp_pkey_st EVP_PKEY;

namespace coffer::crypto {

// The RSA public key of a client certificate, which checks the RS256 and PS256 signatures of
// client assertions (JWS, RFC 7518 3.3 and 3.5). Immutable and thread-safe: each check uses its
// own OpenSSL context.
class RsaPublicKey {
 public:
  // Below this jsonwebtoken (and so @azure/identity) refuses to sign; above it a single
  // verification gets expensive enough to be a lever for a denial of service.
  static constexpr int kMinBits = 2048;
  static constexpr int kMaxBits = 8192;

  // `der` is one DER-encoded X.509 certificate, nothing after it, with an RSA key of kMinBits to
  // kMaxBits. INVALID_ARGUMENT otherwise. The certificate's own validity is not looked at.
  static absl::StatusOr<std::unique_ptr<RsaPublicKey>> FromCertificateDer(std::string_view der);
  // From a JWK's "n" and "e" (big-endian unsigned bytes, already base64url-decoded): the keys a
  // Kubernetes cluster publishes for its service-account tokens. Same size limits.
  static absl::StatusOr<std::unique_ptr<RsaPublicKey>> FromComponents(std::string_view modulus,
                                                                       std::string_view exponent);
  ~RsaPublicKey();

  // Whether `signature` is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
  // Any malformed input (a signature not exactly the key's size included) is false.
  bool VerifyRs256(std::string_view message, std::string_view signature) const;

  // Whether `signature` is this key's RSASSA-PSS signature of `message` with SHA-256, MGF1 with
  // SHA-256 and a 32-byte salt (what jwa and msal produce). Other salt lengths are false: JWS
  // fixes the salt to the digest's length. Any malformed input is false.
  bool VerifyPs256(std::string_view message, std::string_view signature) const;

 private:
  explicit RsaPublicKey(EVP_PKEY* key) : key_(key) {}
  // Takes `key` (an RSA key) when its size is within the limits.
  static absl::StatusOr<std::unique_ptr<RsaPublicKey>> Checked(EVP_PKEY* key);

  bool Verify(std::string_view message, std::string_view signature, bool pss) const;

  EVP_PKEY* const key_;  // owned
};

}  // namespace coffer::crypto

#endif  // COFFER_VAULT_CORE_CRYPTO_RSA_PUBLIC_KEY_H_
