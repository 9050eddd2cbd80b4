#include "vault-core/identity/client_assertion.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/crypto/digest.h"
#include "vault-core/crypto/testing/test_rsa_certificate.h"

namespace coffer::identity {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;

constexpr char kUnsupported[] = "AADSTS50027: Invalid JWT token. Unsupported algorithm or header.";
constexpr char kNoThumbprint[] =
    "AADSTS50027: Invalid JWT token. No certificate thumbprint specified in token header.";
constexpr char kSubjectIsNotClient[] =
    "AADSTS50027: Invalid JWT token. The 'sub' claim must equal the client id.";
constexpr char kClaims[] =
    R"({"aud":"https://login.coffer.test/tenant-1/oauth2/v2.0/token","exp":1800000600,)"
    R"("iss":"client-1","sub":"client-1","nbf":1800000000,)"
    R"("jti":"0b4b7c5e-8a8e-4f4e-9c52-2f0d9a1f7e31","iat":1800000000})";

auto Refused(const char* description) {
  return StatusIs(absl::StatusCode::kUnauthenticated, Eq(description));
}

std::string Unsigned(const std::string& header, const std::string& claims) {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(claims);
}

std::string Jwt(const std::string& header, const std::string& claims = kClaims) {
  return Unsigned(header, claims) + "." + Base64UrlEncode("signature");
}

std::string FlipBit(std::string bytes, size_t index) {
  bytes[index] = static_cast<char>(bytes[index] ^ 0x01);
  return bytes;
}

class ClientAssertionTest : public ::testing::Test {
 protected:
  // RSA key generation takes a while: two certificates for the whole suite.
  static void SetUpTestSuite() {
    certificate_ = new crypto::TestRsaCertificate(crypto::MakeTestRsaCertificate());
    other_ = new crypto::TestRsaCertificate(crypto::MakeTestRsaCertificate());
  }
  static void TearDownTestSuite() {
    delete certificate_;
    delete other_;
  }

  // The header msal-node writes for @azure/identity 4.x (PS256) or older MSALs (RS256).
  static std::string MsalHeader(const crypto::TestRsaCertificate& certificate,
                                const std::string& alg, bool with_x5c = false) {
    const std::string thumbprint =
        alg == "PS256"
            ? R"("x5t#S256":")" + Base64UrlEncode(crypto::Sha256(certificate.certificate_der))
            : R"("x5t":")" + Base64UrlEncode(crypto::Sha1(certificate.certificate_der));
    const std::string x5c =
        with_x5c ? R"(,"x5c":[")" + Base64Encode(certificate.certificate_der) + R"("])" : "";
    return R"({"alg":")" + alg + R"(","typ":"JWT",)" + thumbprint + R"(")" + x5c + "}";
  }

  // An assertion that `signer` signed, naming `named`'s certificate.
  static std::string Signed(const std::string& alg, const crypto::TestRsaCertificate& named,
                            const crypto::TestRsaCertificate& signer) {
    const std::string input = Unsigned(MsalHeader(named, alg), kClaims);
    const std::string signature =
        alg == "PS256" ? signer.SignPs256(input) : signer.SignRs256(input);
    return input + "." + Base64UrlEncode(signature);
  }
  static std::string Signed(const std::string& alg) {
    return Signed(alg, *certificate_, *certificate_);
  }

  static crypto::TestRsaCertificate* certificate_;
  static crypto::TestRsaCertificate* other_;
};

crypto::TestRsaCertificate* ClientAssertionTest::certificate_ = nullptr;
crypto::TestRsaCertificate* ClientAssertionTest::other_ = nullptr;

TEST_F(ClientAssertionTest, ReadsWhatClientCertificateCredentialSends) {
  for (bool with_x5c : {false, true}) {
    const std::string jwt = Jwt(MsalHeader(*certificate_, "PS256", with_x5c));
    COFFER_ASSERT_OK_AND_ASSIGN(CertificateAssertion read, ReadCertificateAssertion(jwt));
    EXPECT_EQ(read.algorithm, "PS256");
    EXPECT_EQ(read.sha256, crypto::Sha256(certificate_->certificate_der));
    EXPECT_FALSE(read.sha1.has_value());
    EXPECT_EQ(read.issuer, "client-1");
    EXPECT_EQ(read.subject, "client-1");
    EXPECT_EQ(read.jti, "0b4b7c5e-8a8e-4f4e-9c52-2f0d9a1f7e31");
    EXPECT_THAT(read.audiences,
                ElementsAre("https://login.coffer.test/tenant-1/oauth2/v2.0/token"));
    EXPECT_EQ(read.expiry, 1800000600);
    EXPECT_EQ(read.not_before, 1800000000);
    EXPECT_EQ(read.signing_input, jwt.substr(0, jwt.rfind('.')));
    EXPECT_EQ(read.signature, "signature");
  }
}

TEST_F(ClientAssertionTest, ReadsAnRs256AssertionWithASha1Thumbprint) {
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAssertion read,
                              ReadCertificateAssertion(Jwt(MsalHeader(*certificate_, "RS256"))));
  EXPECT_EQ(read.algorithm, "RS256");
  EXPECT_EQ(read.sha1, crypto::Sha1(certificate_->certificate_der));
  EXPECT_FALSE(read.sha256.has_value());
}

TEST_F(ClientAssertionTest, ThumbprintIsUpperCaseHexPreferringSha1) {
  std::string sha1, sha256;
  for (int i = 0; i < 32; ++i) {
    if (i < 20) sha1.push_back(static_cast<char>(0xa0 + i));
    sha256.push_back(static_cast<char>(i));
  }
  const std::string both = R"({"alg":"RS256","x5t":")" + Base64UrlEncode(sha1) +
                           R"(","x5t#S256":")" + Base64UrlEncode(sha256) + R"("})";
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAssertion read, ReadCertificateAssertion(Jwt(both)));
  EXPECT_EQ(ThumbprintHex(read), "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3");
  read.sha1.reset();
  EXPECT_EQ(ThumbprintHex(read),
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
}

TEST_F(ClientAssertionTest, OnlyRs256AndPs256WithoutCritAreSupported) {
  const std::string x5t = R"("x5t":")" + Base64UrlEncode(std::string(20, 'x')) + R"(")";
  for (const char* alg : {"none", "HS256", "ES256", "RS384", "PS512", "rs256"}) {
    EXPECT_THAT(
        ReadCertificateAssertion(Jwt(R"({"alg":")" + std::string(alg) + R"(",)" + x5t + "}")),
        Refused(kUnsupported))
        << alg;
  }
  EXPECT_THAT(ReadCertificateAssertion(Jwt("{" + x5t + "}")), Refused(kUnsupported));
  EXPECT_THAT(ReadCertificateAssertion(Jwt(R"({"alg":7,)" + x5t + "}")), Refused(kUnsupported));
  EXPECT_THAT(ReadCertificateAssertion(Jwt(R"({"alg":"PS256","crit":["exp"],)" + x5t + "}")),
              Refused(kUnsupported));
  // alg "none" comes with an empty signature.
  EXPECT_THAT(ReadCertificateAssertion(Unsigned(R"({"alg":"none",)" + x5t + "}", kClaims) + "."),
              Refused(kUnsupported));
}

TEST_F(ClientAssertionTest, AThumbprintOfTheRightSizeIsRequired) {
  const auto with = [](const std::string& members) {
    return ReadCertificateAssertion(Jwt(R"({"alg":"PS256","typ":"JWT")" + members + "}"));
  };
  EXPECT_THAT(with(""), Refused(kNoThumbprint));
  EXPECT_THAT(with(R"(,"kid":"ABCDEF")"), Refused(kNoThumbprint));
  EXPECT_THAT(with(R"(,"x5t":")" + Base64UrlEncode(std::string(19, 'x')) + R"(")"),
              Refused(kNoThumbprint));
  EXPECT_THAT(with(R"(,"x5t":")" + Base64UrlEncode(std::string(32, 'x')) + R"(")"),
              Refused(kNoThumbprint));
  EXPECT_THAT(with(R"(,"x5t#S256":")" + Base64UrlEncode(std::string(31, 'x')) + R"(")"),
              Refused(kNoThumbprint));
  EXPECT_THAT(with(R"(,"x5t":"not base64url!")"), Refused(kNoThumbprint));
  EXPECT_THAT(with(R"(,"x5t":["AAAA"])"), Refused(kNoThumbprint));
  // One good thumbprint does not excuse a bad one.
  EXPECT_THAT(with(R"(,"x5t#S256":")" + Base64UrlEncode(std::string(32, 'x')) + R"(","x5t":"AA")"),
              Refused(kNoThumbprint));
}

TEST_F(ClientAssertionTest, SubjectMustBeTheIssuer) {
  const std::string header = MsalHeader(*certificate_, "PS256");
  EXPECT_THAT(ReadCertificateAssertion(Jwt(header, R"({"iss":"client-1","sub":"client-2"})")),
              Refused(kSubjectIsNotClient));
  EXPECT_THAT(ReadCertificateAssertion(Jwt(header, R"({"iss":"client-1"})")),
              Refused(kSubjectIsNotClient));
  EXPECT_THAT(ReadCertificateAssertion(Jwt(header, R"({"iss":"client-1","sub":7})")),
              Refused(kSubjectIsNotClient));
  EXPECT_THAT(ReadCertificateAssertion(Jwt(header, R"({"iss":"","sub":""})")),
              Refused(kSubjectIsNotClient));
}

TEST_F(ClientAssertionTest, WhatIsNotAJwtIsRefusedAsSuch) {
  const std::string header = MsalHeader(*certificate_, "PS256");
  const std::string good = Jwt(header);
  ASSERT_TRUE(ReadCertificateAssertion(good).ok());
  for (const std::string& jwt :
       {std::string(), std::string("not-a-jwt"), good + ".more", good + "=", good + "%FF",
        " " + good, Jwt("{not json"), Jwt(R"(["alg"])"), Jwt(header, "{not json"),
        Jwt(header, R"({"sub":"client-1"})"), Jwt(header, R"({"iss":7,"sub":7})"),
        Unsigned(header, kClaims) + ".A"}) {
    EXPECT_THAT(ReadCertificateAssertion(jwt), Refused(kNotAValidJwt)) << jwt;
  }
}

TEST_F(ClientAssertionTest, SignaturesOfTheNamedCertificatesKeyVerify) {
  for (const char* alg : {"PS256", "RS256"}) {
    COFFER_ASSERT_OK_AND_ASSIGN(CertificateAssertion read, ReadCertificateAssertion(Signed(alg)));
    EXPECT_TRUE(VerifyAssertionSignature(read, certificate_->certificate_der)) << alg;
  }
}

TEST_F(ClientAssertionTest, TamperedAssertionsDoNotVerify) {
  for (const char* alg : {"PS256", "RS256"}) {
    COFFER_ASSERT_OK_AND_ASSIGN(CertificateAssertion read, ReadCertificateAssertion(Signed(alg)));
    CertificateAssertion tampered = read;
    tampered.signature = FlipBit(read.signature, read.signature.size() / 2);
    EXPECT_FALSE(VerifyAssertionSignature(tampered, certificate_->certificate_der)) << alg;
    tampered = read;
    tampered.signing_input = FlipBit(read.signing_input, read.signing_input.size() - 2);
    EXPECT_FALSE(VerifyAssertionSignature(tampered, certificate_->certificate_der)) << alg;
  }
}

TEST_F(ClientAssertionTest, TheAlgorithmInTheHeaderIsTheOneChecked) {
  // An RS256 signature under a PS256 header (and the reverse) is not accepted.
  const std::string ps256_input = Unsigned(MsalHeader(*certificate_, "PS256"), kClaims);
  COFFER_ASSERT_OK_AND_ASSIGN(
      CertificateAssertion read,
      ReadCertificateAssertion(ps256_input + "." +
                               Base64UrlEncode(certificate_->SignRs256(ps256_input))));
  EXPECT_FALSE(VerifyAssertionSignature(read, certificate_->certificate_der));
  const std::string rs256_input = Unsigned(MsalHeader(*certificate_, "RS256"), kClaims);
  COFFER_ASSERT_OK_AND_ASSIGN(
      read, ReadCertificateAssertion(rs256_input + "." +
                                     Base64UrlEncode(certificate_->SignPs256(rs256_input))));
  EXPECT_FALSE(VerifyAssertionSignature(read, certificate_->certificate_der));
}

TEST_F(ClientAssertionTest, OnlyTheCertificateTheAssertionNamesCanVerifyIt) {
  // Signed with another key while naming this certificate: the named key does not match.
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAssertion read,
                              ReadCertificateAssertion(Signed("PS256", *certificate_, *other_)));
  EXPECT_FALSE(VerifyAssertionSignature(read, certificate_->certificate_der));
  // The signer's own certificate is not the one named: a caller that looked up the wrong
  // certificate does not get a pass either.
  EXPECT_FALSE(VerifyAssertionSignature(read, other_->certificate_der));
  EXPECT_FALSE(VerifyAssertionSignature(read, "not a certificate"));
}

}  // namespace
}  // namespace coffer::identity
