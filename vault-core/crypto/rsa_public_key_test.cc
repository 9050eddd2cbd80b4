#include "vault-core/crypto/rsa_public_key.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/crypto/testing/test_rsa_certificate.h"
#include "vault-core/crypto/x509.h"

namespace coffer::crypto {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kInput[] = "eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJjbGllbnQtMSJ9";

std::string FlipBit(std::string bytes, std::size_t index) {
  bytes[index] = static_cast<char>(bytes[index] ^ 0x01);
  return bytes;
}

std::string DerOfPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  X509_free(cert);
  BIO_free(bio);
  return out;
}

class RsaPublicKeyTest : public ::testing::Test {
 protected:
  // RSA key generation takes a while: one certificate for the whole suite.
  static void SetUpTestSuite() { certificate_ = new TestRsaCertificate(MakeTestRsaCertificate()); }
  static void TearDownTestSuite() { delete certificate_; }

  void SetUp() override {
    COFFER_ASSERT_OK_AND_ASSIGN(key_,
                                RsaPublicKey::FromCertificateDer(certificate_->certificate_der));
  }

  static TestRsaCertificate* certificate_;
  std::unique_ptr<RsaPublicKey> key_;
};

TestRsaCertificate* RsaPublicKeyTest::certificate_ = nullptr;

TEST_F(RsaPublicKeyTest, SignaturesOfTheCertificatesKeyVerify) {
  EXPECT_TRUE(key_->VerifyRs256(kInput, certificate_->SignRs256(kInput)));
  EXPECT_TRUE(key_->VerifyPs256(kInput, certificate_->SignPs256(kInput)));
}

TEST_F(RsaPublicKeyTest, AnyChangedBitFailsTheCheck) {
  const std::string rs256 = certificate_->SignRs256(kInput);
  const std::string ps256 = certificate_->SignPs256(kInput);
  for (std::size_t index : {std::size_t{0}, rs256.size() / 2, rs256.size() - 1}) {
    EXPECT_FALSE(key_->VerifyRs256(kInput, FlipBit(rs256, index))) << index;
    EXPECT_FALSE(key_->VerifyPs256(kInput, FlipBit(ps256, index))) << index;
  }
  const std::string other_input = FlipBit(kInput, 3);
  EXPECT_FALSE(key_->VerifyRs256(other_input, rs256));
  EXPECT_FALSE(key_->VerifyPs256(other_input, ps256));
}

TEST_F(RsaPublicKeyTest, SignaturesOfTheWrongSizeAreRefused) {
  const std::string rs256 = certificate_->SignRs256(kInput);
  EXPECT_FALSE(key_->VerifyRs256(kInput, rs256.substr(1)));
  EXPECT_FALSE(key_->VerifyRs256(kInput, std::string(1, '\0') + rs256));
  EXPECT_FALSE(key_->VerifyRs256(kInput, ""));
  EXPECT_FALSE(key_->VerifyPs256(kInput, certificate_->SignPs256(kInput).substr(1)));
  EXPECT_FALSE(key_->VerifyPs256(kInput, ""));
}

TEST_F(RsaPublicKeyTest, OneAlgorithmsSignatureIsNotTheOthers) {
  EXPECT_FALSE(key_->VerifyRs256(kInput, certificate_->SignPs256(kInput)));
  EXPECT_FALSE(key_->VerifyPs256(kInput, certificate_->SignRs256(kInput)));
}

TEST_F(RsaPublicKeyTest, PssWithASaltOtherThanTheDigestLengthIsRefused) {
  EXPECT_FALSE(key_->VerifyPs256(kInput, certificate_->SignPs256(kInput, /*salt=*/20)));
  EXPECT_FALSE(key_->VerifyPs256(kInput, certificate_->SignPs256(kInput, /*salt=*/0)));
  EXPECT_TRUE(key_->VerifyPs256(kInput, certificate_->SignPs256(kInput, /*salt=*/32)));
}

TEST_F(RsaPublicKeyTest, AnotherKeysSignatureIsRefused) {
  const TestRsaCertificate other = MakeTestRsaCertificate();
  EXPECT_FALSE(key_->VerifyRs256(kInput, other.SignRs256(kInput)));
  EXPECT_FALSE(key_->VerifyPs256(kInput, other.SignPs256(kInput)));
}

TEST_F(RsaPublicKeyTest, ChecksRunConcurrently) {
  const std::string rs256 = certificate_->SignRs256(kInput);
  const std::string ps256 = certificate_->SignPs256(kInput);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!key_->VerifyRs256(kInput, rs256) || !key_->VerifyPs256(kInput, ps256) ||
            key_->VerifyPs256(kInput, rs256)) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

TEST(RsaPublicKeyFromCertificateTest, OnlyOneCertificateWithAUsableRsaKeyIsAccepted) {
  EXPECT_THAT(RsaPublicKey::FromCertificateDer(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPublicKey::FromCertificateDer("garbage"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const TestRsaCertificate certificate = MakeTestRsaCertificate();
  EXPECT_THAT(RsaPublicKey::FromCertificateDer(certificate.certificate_der + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPublicKey::FromCertificateDer(certificate.certificate_pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey ec,
                              NewCertificateAuthority("EC", absl::Now(), absl::Hours(1)));
  EXPECT_THAT(RsaPublicKey::FromCertificateDer(DerOfPem(ec.certificate_pem)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an RSA key")));
  EXPECT_THAT(RsaPublicKey::FromCertificateDer(MakeTestRsaCertificate(1024).certificate_der),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1024 bits")));
}

// A JWK's "n" and "e", as a cluster's JWKS publishes the key of a certificate's owner.
TEST(RsaPublicKeyFromComponentsTest, JwkModulusAndExponentMakeTheSameKey) {
  const TestRsaCertificate cert = MakeTestRsaCertificate();
  const auto* cursor = reinterpret_cast<const unsigned char*>(cert.certificate_der.data());
  X509* x509 = d2i_X509(nullptr, &cursor, static_cast<long>(cert.certificate_der.size()));
  ASSERT_NE(x509, nullptr);
  EVP_PKEY* pkey = X509_get0_pubkey(x509);
  auto component = [&](const char* name) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  };
  const std::string n = component("n"), e = component("e");
  X509_free(x509);
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RsaPublicKey> key,
                              RsaPublicKey::FromComponents(n, e));
  EXPECT_TRUE(key->VerifyRs256("signed", cert.SignRs256("signed")));
  EXPECT_FALSE(key->VerifyRs256("other", cert.SignRs256("signed")));
  EXPECT_THAT(RsaPublicKey::FromComponents(n.substr(0, 128), e),  // 1024 bits
              coffer::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPublicKey::FromComponents("", e),
              coffer::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::crypto
