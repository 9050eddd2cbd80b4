#include "vault-core/keystore/pkcs11/transport_key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "absl/strings/escaping.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/openssl_ptr.h"

namespace coffer::keystore {
namespace {

using crypto::OpensslPtr;

absl::Status NotAnRsaKey(std::string_view why) {
  ERR_clear_error();
  return absl::InvalidArgumentError("the transport key is not " + std::string(why));
}

absl::StatusOr<OpensslPtr<EVP_PKEY>> ToPkey(const RsaPublicParts& key) {
  auto bn = [](const std::string& bytes) {
    return OpensslPtr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()), nullptr));
  };
  OpensslPtr<BIGNUM> n = bn(key.modulus), e = bn(key.public_exponent);
  OpensslPtr<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  if (n == nullptr || e == nullptr || build == nullptr ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot build an RSA key");
  }
  OpensslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build.get()));
  OpensslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return NotAnRsaKey("an RSA public key");
  }
  return OpensslPtr<EVP_PKEY>(pkey);
}

std::string BnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return "";
  OpensslPtr<BIGNUM> bn(raw);
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

absl::StatusOr<RsaPublicParts> ParseTransportKeyPem(std::string_view pem) {
  OpensslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError("BIO_new_mem_buf failed");
  OpensslPtr<EVP_PKEY> pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr) return NotAnRsaKey("a public key in PEM (-----BEGIN PUBLIC KEY-----)");
  if (!EVP_PKEY_is_a(pkey.get(), "RSA")) {
    return NotAnRsaKey(std::string("an RSA key but ") + EVP_PKEY_get0_type_name(pkey.get()));
  }
  const int bits = EVP_PKEY_get_bits(pkey.get());
  if (bits < kTransportKeyBits || bits > kMaxTransportKeyBits) {
    return NotAnRsaKey("of " + std::to_string(kTransportKeyBits) + " to " +
                       std::to_string(kMaxTransportKeyBits) + " bits but of " +
                       std::to_string(bits));
  }
  RsaPublicParts parts{BnParam(pkey.get(), OSSL_PKEY_PARAM_RSA_N),
                       BnParam(pkey.get(), OSSL_PKEY_PARAM_RSA_E)};
  if (parts.modulus.empty() || parts.public_exponent.empty()) {
    return NotAnRsaKey("a readable RSA key");
  }
  return parts;
}

absl::StatusOr<std::string> TransportKeyPem(const RsaPublicParts& key) {
  auto pkey = ToPkey(key);
  if (!pkey.ok()) return pkey.status();
  OpensslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey->get()) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot write the transport key as PEM");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> TransportKeyId(const RsaPublicParts& key) {
  auto pkey = ToPkey(key);
  if (!pkey.ok()) return pkey.status();
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(pkey->get(), &der);
  if (size <= 0) {
    ERR_clear_error();
    return absl::InternalError("cannot encode the transport key");
  }
  OpensslPtr<unsigned char> owned(der);
  const std::string digest =
      crypto::Sha256(std::string_view(reinterpret_cast<const char*>(der), size));
  return "sha256:" + absl::BytesToHexString(digest);
}

}  // namespace coffer::keystore
