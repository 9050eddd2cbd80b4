#include "vault-core/identity/token_verifier.h"

#include <openssl/hmac.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "vault-core/identity/test_claims.h"
#include "vault-core/identity/token_signer.h"
#include "vault-core/keystore/software/software_keystore.h"

namespace coffer::identity {
namespace {

using sample::kAudience;
using sample::kIssuer;

using ::coffer::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;

auto Rejected(const char* reason) {
  return StatusIs(absl::StatusCode::kUnauthenticated, Eq(reason));
}

std::unique_ptr<keystore::KeyStore> NewStore(const std::string& file) {
  auto store = keystore::SoftwareKeyStore::Create({file, ""});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

class TokenVerifierTest : public ::testing::Test {
 protected:
  TokenVerifierTest()
      : store_(NewStore(dir_.File("master.key"))),
        signer_(*store_, clock_),
        verifier_(store_->signing_public_key(), kIssuer, clock_) {}

  AccessTokenClaims Claims() const { return sample::ValidClaims(clock_.Now()); }
  std::string Issue() { return Issue(Claims()); }
  std::string Issue(const AccessTokenClaims& claims) {
    absl::StatusOr<std::string> token = signer_.Issue(claims);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }
  // A token with the given header and claims JSON, signed by `store`'s key.
  std::string SignRaw(keystore::KeyStore& store, const std::string& header,
                      const std::string& claims) {
    std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(claims);
    absl::StatusOr<std::string> sig = store.SignEs256(input);
    EXPECT_TRUE(sig.ok()) << sig.status();
    return input + "." + Base64UrlEncode(sig.value_or(""));
  }
  std::string ClaimsJsonOf(const std::string& token) {
    const size_t a = token.find('.'), b = token.rfind('.');
    return Base64UrlDecode(token.substr(a + 1, b - a - 1)).value_or("");
  }
  std::string Header(const std::string& alg) {
    return R"({"alg":")" + alg + R"(","typ":"JWT","kid":")" + signer_.key_id() + R"("})";
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<keystore::KeyStore> store_;
  TokenSigner signer_;
  TokenVerifier verifier_;
};

TEST_F(TokenVerifierTest, IssuedTokenVerifiesWithItsClaims) {
  const AccessTokenClaims issued = Claims();
  COFFER_ASSERT_OK_AND_ASSIGN(AccessTokenClaims claims, verifier_.Verify(Issue(), kAudience));
  EXPECT_EQ(claims.issuer, kIssuer);
  EXPECT_EQ(claims.audience, kAudience);
  EXPECT_EQ(claims.subject, "object-1");
  EXPECT_EQ(claims.app_id, "client-1");
  EXPECT_EQ(claims.tenant_id, "tenant-1");
  EXPECT_FALSE(claims.token_id.empty());
  EXPECT_EQ(claims.issued_at, issued.issued_at);
  EXPECT_EQ(claims.not_before, issued.not_before);
  EXPECT_EQ(claims.expires, issued.expires);
}

TEST_F(TokenVerifierTest, TamperedClaimsAreBadSignature) {
  const std::string token = Issue();
  std::string claims = ClaimsJsonOf(token);
  claims.replace(claims.find("object-1"), 8, "object-2");
  const size_t a = token.find('.'), b = token.rfind('.');
  const std::string forged = token.substr(0, a + 1) + Base64UrlEncode(claims) + token.substr(b);
  EXPECT_THAT(verifier_.Verify(forged, kAudience), Rejected("bad signature"));
}

TEST_F(TokenVerifierTest, TamperedHeaderIsBadSignature) {
  const std::string token = Issue();
  const std::string header =
      Base64UrlEncode(R"({"alg":"ES256","typ":"at+jwt","kid":")" + signer_.key_id() + R"("})");
  const std::string forged = header + token.substr(token.find('.'));
  EXPECT_THAT(verifier_.Verify(forged, kAudience), Rejected("bad signature"));
}

TEST_F(TokenVerifierTest, TamperedSignatureIsBadSignature) {
  const std::string token = Issue();
  const size_t b = token.rfind('.');
  std::string sig = Base64UrlDecode(token.substr(b + 1)).value();
  sig[10] ^= 1;
  EXPECT_THAT(verifier_.Verify(token.substr(0, b + 1) + Base64UrlEncode(sig), kAudience),
              Rejected("bad signature"));
  EXPECT_THAT(verifier_.Verify(token.substr(0, b + 1), kAudience), Rejected("bad signature"));
}

TEST_F(TokenVerifierTest, AlgNoneIsRejected) {
  const std::string claims = ClaimsJsonOf(Issue());
  const std::string unsigned_token =
      Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + Base64UrlEncode(claims) + ".";
  EXPECT_THAT(verifier_.Verify(unsigned_token, kAudience), Rejected("unsupported token algorithm"));
}

TEST_F(TokenVerifierTest, Hs256KeyedWithThePublicKeyIsRejected) {
  // The classic key-confusion forgery: HMAC with the published public key as the secret.
  const std::string input =
      Base64UrlEncode(Header("HS256")) + "." + Base64UrlEncode(ClaimsJsonOf(Issue()));
  const std::string key = store_->signing_public_key();
  unsigned char mac[32];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_size);
  const std::string forged =
      input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), mac_size));
  EXPECT_THAT(verifier_.Verify(forged, kAudience), Rejected("unsupported token algorithm"));
}

TEST_F(TokenVerifierTest, TokenOfAnotherKeyStoreIsRejected) {
  std::unique_ptr<keystore::KeyStore> other = NewStore(dir_.File("other.key"));
  TokenSigner other_signer(*other, clock_);
  COFFER_ASSERT_OK_AND_ASSIGN(std::string token, other_signer.Issue(Claims()));
  EXPECT_THAT(verifier_.Verify(token, kAudience), Rejected("token signed by an unknown key"));
  // Claiming our kid does not help: the signature is checked against our key.
  const std::string forged = SignRaw(*other, Header("ES256"), ClaimsJsonOf(token));
  EXPECT_THAT(verifier_.Verify(forged, kAudience), Rejected("bad signature"));
}

TEST_F(TokenVerifierTest, WrongAudienceIsRejected) {
  EXPECT_THAT(verifier_.Verify(Issue(), "https://other.coffer.test"),
              Rejected("token is for another audience"));
}

TEST_F(TokenVerifierTest, WrongIssuerIsRejected) {
  AccessTokenClaims claims = Claims();
  claims.issuer = "https://login.coffer.test/tenant-2/v2.0";
  EXPECT_THAT(verifier_.Verify(Issue(claims), kAudience), Rejected("token is from another issuer"));
}

TEST_F(TokenVerifierTest, ExpiredTokenIsRejectedAfterTheSkew) {
  const std::string token = Issue();
  clock_.Advance(absl::Hours(1) + absl::Seconds(59));
  COFFER_EXPECT_OK(verifier_.Verify(token, kAudience));
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(verifier_.Verify(token, kAudience), Rejected("token expired"));
}

TEST_F(TokenVerifierTest, ExpiredTokenNeverSeenBeforeIsRejected) {
  const std::string token = Issue();
  clock_.Advance(absl::Hours(2));
  EXPECT_THAT(verifier_.Verify(token, kAudience), Rejected("token expired"));
  EXPECT_EQ(verifier_.cached_tokens(), 0u);
}

TEST_F(TokenVerifierTest, NotYetValidTokenIsRejectedBeyondTheSkew) {
  AccessTokenClaims claims = Claims();
  claims.not_before = clock_.Now() + absl::Seconds(61);
  const std::string token = Issue(claims);
  EXPECT_THAT(verifier_.Verify(token, kAudience), Rejected("token not yet valid"));
  clock_.Advance(absl::Seconds(1));
  COFFER_EXPECT_OK(verifier_.Verify(token, kAudience));
}

TEST_F(TokenVerifierTest, CachedTokenIsStillRejectedAfterExpiryAndForOtherAudiences) {
  const std::string token = Issue();
  COFFER_ASSERT_OK(verifier_.Verify(token, kAudience));
  ASSERT_EQ(verifier_.cached_tokens(), 1u);
  EXPECT_THAT(verifier_.Verify(token, "https://other.coffer.test"),
              Rejected("token is for another audience"));
  clock_.Advance(absl::Hours(2));
  EXPECT_THAT(verifier_.Verify(token, kAudience), Rejected("token expired"));
}

TEST_F(TokenVerifierTest, MalformedTokensAreRejectedWithoutEchoingThem) {
  const std::string token = Issue();
  for (const std::string& bad :
       {std::string(), std::string("abc"), std::string("a.b"), token + ".extra",
        std::string("!!!.e30.AAAA"), std::string(TokenVerifier::kMaxTokenSize + 1, 'a'),
        Base64UrlEncode("[1]") + ".e30.AAAA"}) {
    absl::StatusOr<AccessTokenClaims> result = verifier_.Verify(bad, kAudience);
    EXPECT_THAT(result, Rejected("malformed token")) << bad.size();
  }
  const std::string claims_not_object = SignRaw(*store_, Header("ES256"), "[]");
  EXPECT_THAT(verifier_.Verify(claims_not_object, kAudience), Rejected("malformed token"));
  const std::string part = token.substr(token.find('.') + 1, 20);
  EXPECT_THAT(verifier_.Verify(token + "x", kAudience),
              StatusIs(absl::StatusCode::kUnauthenticated, Not(HasSubstr(part))));
}

TEST_F(TokenVerifierTest, CacheStaysWithinItsCapacity) {
  TokenVerifier small(store_->signing_public_key(), kIssuer, clock_, /*cache_capacity=*/3);
  for (int i = 0; i < 10; ++i) {
    AccessTokenClaims claims = Claims();
    claims.expires += absl::Seconds(i);
    COFFER_ASSERT_OK(small.Verify(Issue(claims), kAudience));
  }
  EXPECT_EQ(small.cached_tokens(), 3u);
}

TEST_F(TokenVerifierTest, VerifierWithAnUnusableKeyIsFailedPrecondition) {
  TokenVerifier broken(std::string(65, '\x04'), kIssuer, clock_);
  EXPECT_THAT(broken.Verify(Issue(), kAudience), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Not a benchmark: a rough figure for the report, logged, with correctness asserted.
TEST_F(TokenVerifierTest, CachedVerifyIsCheaperThanAFullCheck) {
  constexpr int kTokens = 300;
  std::vector<std::string> tokens;
  for (int i = 0; i < kTokens; ++i) tokens.push_back(Issue());
  using Steady = std::chrono::steady_clock;
  auto start = Steady::now();
  for (const std::string& token : tokens) ASSERT_TRUE(verifier_.Verify(token, kAudience).ok());
  const double uncached_s = std::chrono::duration<double>(Steady::now() - start).count();
  constexpr int kCachedCalls = 20000;
  start = Steady::now();
  for (int i = 0; i < kCachedCalls; ++i) {
    ASSERT_TRUE(verifier_.Verify(tokens[i % kTokens], kAudience).ok());
  }
  const double cached_s = std::chrono::duration<double>(Steady::now() - start).count();
  std::cout << "[ MEASURED ] Verify: uncached " << static_cast<int>(kTokens / uncached_s)
            << "/s, cached " << static_cast<int>(kCachedCalls / cached_s) << "/s\n";
}

}  // namespace
}  // namespace coffer::identity
