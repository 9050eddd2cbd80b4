#include "vault-core/crypto/p256_public_key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstddef>

#include "vault-core/crypto/openssl_algorithms.h"
#include "vault-core/crypto/openssl_ptr.h"

namespace coffer::crypto {
namespace {

constexpr std::size_t kCoordinateSize = 32;

}  // namespace

absl::StatusOr<std::unique_ptr<P256PublicKey>> P256PublicKey::FromPoint(std::string_view point) {
  const absl::Status not_a_point = absl::InvalidArgumentError("not an uncompressed P-256 point");
  if (point.size() != 1 + 2 * kCoordinateSize || point[0] != 0x04) return not_a_point;
  OpensslPtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return not_a_point;
  }
  OpensslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return not_a_point;
  }
  return std::unique_ptr<P256PublicKey>(new P256PublicKey(pkey));
}

P256PublicKey::~P256PublicKey() { EVP_PKEY_free(key_); }

bool P256PublicKey::VerifyEs256(std::string_view message, std::string_view signature) const {
  if (signature.size() != 2 * kCoordinateSize) return false;
  // JWS carries r || s; OpenSSL wants the DER SEQUENCE of two INTEGERs.
  OpensslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  const auto* rs = reinterpret_cast<const unsigned char*>(signature.data());
  BIGNUM* r = BN_bin2bn(rs, kCoordinateSize, nullptr);
  BIGNUM* s = BN_bin2bn(rs + kCoordinateSize, kCoordinateSize, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der_raw = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der_raw);
  OpensslPtr<unsigned char> der(der_raw);
  OpensslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  return der_size > 0 && md != nullptr &&
         EVP_DigestVerifyInit(md.get(), nullptr, Sha256Digest(), nullptr, key_) == 1 &&
         EVP_DigestVerify(md.get(), der.get(), static_cast<std::size_t>(der_size),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace coffer::crypto
