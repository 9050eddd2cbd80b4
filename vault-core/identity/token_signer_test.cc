#include "vault-core/identity/token_signer.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nlohmann/json.hpp"
#include "vault-core/crypto/digest.h"
#include "vault-core/identity/test_claims.h"
#include "vault-core/keystore/software/software_keystore.h"

namespace coffer::identity {
namespace {

using sample::kAudience;
using sample::kIssuer;

using ::coffer::testing::StatusIs;
using Json = nlohmann::json;

std::vector<std::string> SplitToken(const std::string& token) {
  std::vector<std::string> parts(1);
  for (char c : token) {
    if (c == '.') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

Json DecodePart(const std::string& part) {
  std::optional<std::string> text = Base64UrlDecode(part);
  EXPECT_TRUE(text.has_value());
  return Json::parse(text.value_or("null"));
}

// What a relying party that knows only the JWKS does: rebuild the key from x and y and check the
// ES256 signature with OpenSSL alone.
bool VerifyWithJwk(const Json& jwk, const std::string& token) {
  const std::string point = "\x04" + Base64UrlDecode(jwk["x"].get<std::string>()).value() +
                            Base64UrlDecode(jwk["y"].get<std::string>()).value();
  const size_t dot = token.rfind('.');
  const std::string signing_input = token.substr(0, dot);
  const std::string rs = Base64UrlDecode(token.substr(dot + 1)).value();
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const auto* raw = reinterpret_cast<const unsigned char*>(rs.data());
  ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig, &der);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok = pkey != nullptr && rs.size() == 64 &&
                  EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
                  EVP_DigestVerify(md, der, der_size,
                                   reinterpret_cast<const unsigned char*>(signing_input.data()),
                                   signing_input.size()) == 1;
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return ok;
}

class TokenSignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = keystore::SoftwareKeyStore::Create({dir_.File("master.key"), ""});
    COFFER_ASSERT_OK(store);
    store_ = *std::move(store);
    signer_ = std::make_unique<TokenSigner>(*store_, clock_);
  }

  AccessTokenClaims Claims() const { return sample::ValidClaims(clock_.Now()); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<keystore::KeyStore> store_;
  std::unique_ptr<TokenSigner> signer_;
};

TEST_F(TokenSignerTest, TokenIsCompactJwsWithEs256HeaderAndKid) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::string token, signer_->Issue(Claims()));
  std::vector<std::string> parts = SplitToken(token);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(DecodePart(parts[0]),
            Json({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", signer_->key_id()}}));
  EXPECT_EQ(Base64UrlDecode(parts[2])->size(), 64u);
}

TEST_F(TokenSignerTest, ClaimsCarryEntraNamesAndIntegerUnixTimes) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::string token, signer_->Issue(Claims()));
  const Json claims = DecodePart(SplitToken(token)[1]);
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  EXPECT_EQ(claims["iss"], kIssuer);
  EXPECT_EQ(claims["aud"], kAudience);
  EXPECT_EQ(claims["sub"], "object-1");
  EXPECT_EQ(claims["oid"], "object-1");
  EXPECT_EQ(claims["appid"], "client-1");
  EXPECT_EQ(claims["azp"], "client-1");
  EXPECT_EQ(claims["tid"], "tenant-1");
  ASSERT_TRUE(claims["iat"].is_number_integer());
  EXPECT_EQ(claims["iat"], now);
  EXPECT_EQ(claims["nbf"], now);
  EXPECT_EQ(claims["exp"], now + 3600);
  ASSERT_TRUE(claims["jti"].is_string());
  EXPECT_GE(claims["jti"].get<std::string>().size(), 22u);
}

TEST_F(TokenSignerTest, EachTokenGetsItsOwnRandomId) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::string a, signer_->Issue(Claims()));
  COFFER_ASSERT_OK_AND_ASSIGN(std::string b, signer_->Issue(Claims()));
  EXPECT_NE(DecodePart(SplitToken(a)[1])["jti"], DecodePart(SplitToken(b)[1])["jti"]);
}

TEST_F(TokenSignerTest, JwksPublishesTheKeyThatVerifiesTokens) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::string token, signer_->Issue(Claims()));
  const Json jwks = Json::parse(signer_->JwksJson());
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const Json& jwk = jwks["keys"][0];
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["alg"], "ES256");
  EXPECT_EQ(jwk["kid"], signer_->key_id());
  EXPECT_TRUE(VerifyWithJwk(jwk, token));
  // A character inside the signature (the last one has unused bits, and a change there may not
  // even decode).
  char& c = token[token.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyWithJwk(jwk, token));
}

TEST_F(TokenSignerTest, KeyIdIsTheRfc7638Thumbprint) {
  const Json jwk = Json::parse(signer_->JwksJson())["keys"][0];
  const std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() +
                                R"(","y":")" + jwk["y"].get<std::string>() + R"("})";
  EXPECT_EQ(signer_->key_id(), Base64UrlEncode(crypto::Sha256(canonical)));
  EXPECT_EQ(signer_->key_id().size(), 43u);
}

TEST_F(TokenSignerTest, ClaimsThatAreAlreadyExpiredAreInvalidArgument) {
  AccessTokenClaims claims = Claims();
  claims.expires = clock_.Now() - absl::Seconds(1);
  claims.not_before = claims.expires - absl::Hours(1);
  EXPECT_THAT(signer_->Issue(claims), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TokenSignerTest, ClaimsWithoutAudienceAreInvalidArgument) {
  AccessTokenClaims claims = Claims();
  claims.audience.clear();
  EXPECT_THAT(signer_->Issue(claims), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TokenSignerTest, ClaimThatIsNotUtf8IsInvalidArgument) {
  AccessTokenClaims claims = Claims();
  claims.subject = "\xff\xfe";
  EXPECT_THAT(signer_->Issue(claims), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::identity
