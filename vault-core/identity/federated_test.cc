#include "vault-core/identity/federated.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"

namespace coffer::identity {
namespace {

using ::testing::ElementsAre;

std::string Jwt(const std::string& payload) {
  return Base64UrlEncode(R"({"alg":"RS256"})") + "." + Base64UrlEncode(payload) + ".c2ln";
}

TEST(ReadUnverifiedClaimsTest, ReadsWhatAServiceAccountTokenSays) {
  std::optional<UnverifiedClaims> claims = ReadUnverifiedClaims(
      Jwt(R"({"iss":"https://k8s","sub":"system:serviceaccount:a:b","aud":["api://coffer","x"],)"
          R"("exp":1800000000,"nbf":1790000000})"));
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->issuer, "https://k8s");
  EXPECT_EQ(claims->subject, "system:serviceaccount:a:b");
  EXPECT_THAT(claims->audiences, ElementsAre("api://coffer", "x"));
  EXPECT_EQ(claims->expiry, 1800000000);
  EXPECT_EQ(claims->not_before, 1790000000);
}

TEST(ReadUnverifiedClaimsTest, AudienceMayBeOneStringAndTimesMayBeMissing) {
  std::optional<UnverifiedClaims> claims =
      ReadUnverifiedClaims(Jwt(R"({"iss":"https://k8s","aud":"api://coffer"})"));
  ASSERT_TRUE(claims.has_value());
  EXPECT_THAT(claims->audiences, ElementsAre("api://coffer"));
  EXPECT_FALSE(claims->expiry.has_value());
  EXPECT_EQ(claims->subject, "");
}

TEST(ReadUnverifiedClaimsTest, AudiencesThatAreNotStringsAreLeftOut) {
  std::optional<UnverifiedClaims> claims =
      ReadUnverifiedClaims(Jwt(R"({"iss":"i","aud":[7,"api://coffer",null,{"a":1}]})"));
  ASSERT_TRUE(claims.has_value());
  EXPECT_THAT(claims->audiences, ElementsAre("api://coffer"));
}

TEST(ReadUnverifiedClaimsTest, AbsurdTimesAreClampedNotUndefined) {
  std::optional<UnverifiedClaims> claims =
      ReadUnverifiedClaims(Jwt(R"({"iss":"i","exp":1e300,"nbf":-1e300})"));
  ASSERT_TRUE(claims.has_value());
  EXPECT_GT(*claims->expiry, int64_t{1} << 40);
  EXPECT_LT(*claims->not_before, -(int64_t{1} << 40));
}

TEST(ReadUnverifiedClaimsTest, AnythingButThreeBase64UrlPartsWithAnIssuerIsRefused) {
  EXPECT_FALSE(ReadUnverifiedClaims("not-a-jwt"));
  EXPECT_FALSE(ReadUnverifiedClaims(Jwt(R"({"iss":"i"})") + "%FF"));
  EXPECT_FALSE(ReadUnverifiedClaims(Jwt(R"({"iss":"i"})") + ".more"));
  EXPECT_FALSE(ReadUnverifiedClaims(Jwt(R"({"iss":7})")));
  EXPECT_FALSE(ReadUnverifiedClaims(Jwt(R"(["iss"])")));
  EXPECT_FALSE(ReadUnverifiedClaims(Jwt("{not json")));
}

}  // namespace
}  // namespace coffer::identity
