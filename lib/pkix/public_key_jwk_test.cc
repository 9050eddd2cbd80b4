// JWKs of keys made here with OpenSSL, turned back into the same SubjectPublicKeyInfo.
#include "lib/pkix/public_key_jwk.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace coffer::pkix {
namespace {

using ::coffer::testing::StatusIs;
using nlohmann::json;
using ::testing::HasSubstr;

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string SpkiPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), key), 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string Param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return bytes;
}

// The uncompressed point 04 || x || y.
std::string Point(EVP_PKEY* key) {
  unsigned char buffer[1 + 2 * 66];
  std::size_t size = 0;
  EXPECT_EQ(
      EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buffer, sizeof(buffer), &size),
      1);
  return std::string(reinterpret_cast<char*>(buffer), size);
}

json EcJwk(EVP_PKEY* key, const std::string& crv) {
  std::string point = Point(key);
  std::size_t half = (point.size() - 1) / 2;
  return {{"kid", "https://prod.vault.coffer.test/keys/k/0123"},
          {"kty", "EC-HSM"},
          {"key_ops", {"sign", "verify"}},
          {"crv", crv},
          {"x", Base64UrlEncode(point.substr(1, half))},
          {"y", Base64UrlEncode(point.substr(1 + half))}};
}

TEST(PublicKeyJwkTest, RsaJwkGivesTheKeysSubjectPublicKeyInfo) {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)), EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  json jwk = {{"kty", "RSA"},
              {"n", Base64UrlEncode(Param(key.get(), OSSL_PKEY_PARAM_RSA_N))},
              {"e", Base64UrlEncode(Param(key.get(), OSSL_PKEY_PARAM_RSA_E))}};
  COFFER_ASSERT_OK_AND_ASSIGN(std::string pem, PublicKeyPemFromJwk(jwk.dump()));
  EXPECT_EQ(pem, SpkiPem(key.get()));
  EXPECT_THAT(pem, ::testing::StartsWith("-----BEGIN PUBLIC KEY-----\n"));
}

TEST(PublicKeyJwkTest, EveryAzureCurveGivesTheKeysSubjectPublicKeyInfo) {
  for (const auto& [crv, group] : std::vector<std::pair<std::string, const char*>>{
           {"P-256", "P-256"}, {"P-384", "P-384"}, {"P-521", "P-521"}, {"P-256K", "secp256k1"}}) {
    Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group), EVP_PKEY_free);
    ASSERT_NE(key, nullptr) << crv;
    COFFER_ASSERT_OK_AND_ASSIGN(std::string pem, PublicKeyPemFromJwk(EcJwk(key.get(), crv).dump()));
    EXPECT_EQ(pem, SpkiPem(key.get())) << crv;
  }
}

TEST(PublicKeyJwkTest, WhatHasNoPublicKeySaysWhy) {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  json off_curve = EcJwk(key.get(), "P-256");
  std::string y = *Base64UrlDecode(off_curve["y"].get<std::string>());
  y.back() ^= 1;
  off_curve["y"] = Base64UrlEncode(y);
  json wrong_curve = EcJwk(key.get(), "P-384");
  wrong_curve["crv"] = "P-192";
  json no_e = {{"kty", "RSA"}, {"n", "AQAB"}};
  struct Case {
    std::string jwk;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"kty":"oct-HSM","key_ops":["wrapKey"]})", "symmetric key (oct-HSM)"},
           {off_curve.dump(), "not a valid EC public key"},
           {wrong_curve.dump(), "crv is not P-256, P-384, P-521 or P-256K"},
           {no_e.dump(), "no base64url 'e'"},
           {R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})", "kty 'OKP' is not RSA or EC"},
           {"[1,2]", "not a JSON object"},
       }) {
    EXPECT_THAT(PublicKeyPemFromJwk(c.jwk),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.says)))
        << c.jwk;
  }
}

}  // namespace
}  // namespace coffer::pkix
