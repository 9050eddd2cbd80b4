#include "vault-core/crypto/rsa_public_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <climits>
#include <cstddef>

#include "vault-core/crypto/openssl_algorithms.h"
#include "vault-core/crypto/openssl_ptr.h"

namespace coffer::crypto {

absl::StatusOr<std::unique_ptr<RsaPublicKey>> RsaPublicKey::FromCertificateDer(
    std::string_view der) {
  if (der.empty() || der.size() > INT_MAX) {
    return absl::InvalidArgumentError("not a DER certificate");
  }
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  OpensslPtr<X509> cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  // Bytes after the certificate mean it is not one certificate: refused, not trimmed.
  if (cert == nullptr ||
      cursor != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return absl::InvalidArgumentError("not a DER certificate");
  }
  OpensslPtr<EVP_PKEY> key(X509_get_pubkey(cert.get()));
  if (key == nullptr || !EVP_PKEY_is_a(key.get(), "RSA")) {
    return absl::InvalidArgumentError("the certificate's key is not an RSA key");
  }
  return Checked(key.release());
}

absl::StatusOr<std::unique_ptr<RsaPublicKey>> RsaPublicKey::FromComponents(
    std::string_view modulus, std::string_view exponent) {
  if (modulus.empty() || exponent.empty() || modulus.size() > kMaxBits / 8 + 1 ||
      exponent.size() > 8) {
    return absl::InvalidArgumentError("not an RSA public key");
  }
  auto bn = [](std::string_view bytes) {
    return OpensslPtr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()), nullptr));
  };
  OpensslPtr<BIGNUM> n = bn(modulus), e = bn(exponent);
  OpensslPtr<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (n == nullptr || e == nullptr || build == nullptr ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return absl::InternalError("cannot build an RSA key");
  }
  OpensslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build.get()));
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError("not an RSA public key");
  }
  return Checked(key);
}

absl::StatusOr<std::unique_ptr<RsaPublicKey>> RsaPublicKey::Checked(EVP_PKEY* owned) {
  OpensslPtr<EVP_PKEY> key(owned);
  const int bits = EVP_PKEY_get_bits(key.get());
  if (bits < kMinBits || bits > kMaxBits) {
    return absl::InvalidArgumentError("the RSA key has " + std::to_string(bits) + " bits; " +
                                      std::to_string(kMinBits) + " to " +
                                      std::to_string(kMaxBits) + " are accepted");
  }
  return std::unique_ptr<RsaPublicKey>(new RsaPublicKey(key.release()));
}

RsaPublicKey::~RsaPublicKey() { EVP_PKEY_free(key_); }

bool RsaPublicKey::VerifyRs256(std::string_view message, std::string_view signature) const {
  return Verify(message, signature, /*pss=*/false);
}

bool RsaPublicKey::VerifyPs256(std::string_view message, std::string_view signature) const {
  return Verify(message, signature, /*pss=*/true);
}

bool RsaPublicKey::Verify(std::string_view message, std::string_view signature, bool pss) const {
  // OpenSSL takes a shorter signature as a number whose leading zero bytes were left off;
  // RFC 8017 8.2.2 wants exactly the modulus' size, and so does every signer we know.
  if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key_))) return false;
  OpensslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by `md`
  if (md == nullptr || EVP_DigestVerifyInit(md.get(), &pctx, Sha256Digest(), nullptr, key_) != 1) {
    return false;
  }
  // RSA_PSS_SALTLEN_DIGEST on a check demands a salt of exactly the digest's length, where
  // OpenSSL's default (auto) would take any.
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, Sha256Digest()) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace coffer::crypto
