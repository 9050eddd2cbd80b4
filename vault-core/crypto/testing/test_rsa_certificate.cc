#include "vault-core/crypto/testing/test_rsa_certificate.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/time/clock.h"
#include "lib/base/base64.h"
#include "vault-core/crypto/openssl_ptr.h"

namespace coffer::crypto {

struct TestRsaCertificate::Key {
  OpensslPtr<EVP_PKEY> pkey;
};

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "MakeTestRsaCertificate: %s failed\n", what);
  std::abort();
}

OpensslPtr<X509> SelfSigned(EVP_PKEY* key, absl::Duration valid_for) {
  const absl::Time now = absl::Now();
  const absl::Time not_after = now + valid_for;
  const absl::Time not_before =
      (valid_for < absl::ZeroDuration() ? not_after - absl::Hours(24) : now) - absl::Minutes(1);
  OpensslPtr<X509> cert(X509_new());
  X509_NAME* name = cert == nullptr ? nullptr : X509_get_subject_name(cert.get());
  if (name == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), absl::ToTimeT(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), absl::ToTimeT(not_after)) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("coffer-test-client"), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1 ||
      X509_sign(cert.get(), key, EVP_sha256()) == 0) {
    Die("the certificate");
  }
  return cert;
}

OpensslPtr<BIO> NewMemoryBio() {
  OpensslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) Die("BIO_new");
  return bio;
}

std::string TextOf(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string CertificatePem(X509* cert) {
  OpensslPtr<BIO> bio = NewMemoryBio();
  if (PEM_write_bio_X509(bio.get(), cert) != 1) Die("PEM_write_bio_X509");
  return TextOf(bio.get());
}

std::string KeyPem(EVP_PKEY* key) {
  OpensslPtr<BIO> bio = NewMemoryBio();
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    Die("PEM_write_bio_PrivateKey");
  }
  return TextOf(bio.get());
}

std::string CertificateDer(X509* cert) {
  unsigned char* raw = nullptr;
  const int size = i2d_X509(cert, &raw);
  OpensslPtr<unsigned char> der(raw);
  if (size <= 0) Die("i2d_X509");
  return std::string(reinterpret_cast<const char*>(der.get()), static_cast<std::size_t>(size));
}

std::string Sign(EVP_PKEY* key, std::string_view input, bool pss, int salt) {
  OpensslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by `md`
  if (md == nullptr || EVP_DigestSignInit(md.get(), &pctx, EVP_sha256(), nullptr, key) != 1 ||
      (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
               EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
               EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) != 1))) {
    Die("the signing setup");
  }
  std::string signature(static_cast<std::size_t>(EVP_PKEY_get_size(key)), '\0');
  std::size_t size = signature.size();
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    Die("the signature");
  }
  signature.resize(size);
  return signature;
}

}  // namespace

std::string TestRsaCertificate::SignRs256(std::string_view input) const {
  return Sign(key->pkey.get(), input, /*pss=*/false, 0);
}

std::string TestRsaCertificate::SignPs256(std::string_view input, int salt) const {
  return Sign(key->pkey.get(), input, /*pss=*/true, salt);
}

std::string TestRsaCertificate::JwkJson(const std::string& kid) const {
  auto component = [&](const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key->pkey.get(), name, &bn) != 1) std::abort();
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return Base64UrlEncode(bytes);
  };
  return R"({"use":"sig","kty":"RSA","alg":"RS256","kid":")" + kid + R"(","n":")" +
         component("n") + R"(","e":")" + component("e") + R"("})";
}

TestRsaCertificate MakeTestRsaCertificate(int bits, absl::Duration valid_for) {
  auto key = std::make_shared<TestRsaCertificate::Key>();
  key->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  if (key->pkey == nullptr) Die("RSA key generation");
  OpensslPtr<X509> cert = SelfSigned(key->pkey.get(), valid_for);
  TestRsaCertificate out;
  out.certificate_pem = CertificatePem(cert.get());
  out.certificate_der = CertificateDer(cert.get());
  out.key_pem = KeyPem(key->pkey.get());
  out.key = std::move(key);
  return out;
}

}  // namespace coffer::crypto
