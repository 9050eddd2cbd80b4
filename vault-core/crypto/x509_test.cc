#include "vault-core/crypto/x509.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/crypto/testing/test_rsa_certificate.h"

namespace coffer::crypto {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

X509* Parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

// What a TLS client does: the chain up to the CA, and the host name against the SANs.
bool Verifies(const std::string& ca_pem, const std::string& leaf_pem, const std::string& host) {
  X509* ca = Parse(ca_pem);
  X509* leaf = Parse(leaf_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host.c_str(), host.size());
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca);
  return ok;
}

TEST(X509Test, IssuedServerCertificateVerifiesForItsNamesOnly) {
  const absl::Time now = absl::Now();
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey ca,
                              NewCertificateAuthority("Coffer test CA", now, absl::Hours(24)));
  COFFER_ASSERT_OK_AND_ASSIGN(
      CertificateAndKey leaf,
      IssueServerCertificate(ca, {"prod.team-a.svc", "prod.team-a.svc.cluster.local"}, now,
                             absl::Hours(1)));
  EXPECT_TRUE(Verifies(ca.certificate_pem, leaf.certificate_pem, "prod.team-a.svc"));
  EXPECT_TRUE(Verifies(ca.certificate_pem, leaf.certificate_pem, "prod.team-a.svc.cluster.local"));
  EXPECT_FALSE(Verifies(ca.certificate_pem, leaf.certificate_pem, "other.team-a.svc"));
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey other_ca,
                              NewCertificateAuthority("Another CA", now, absl::Hours(24)));
  EXPECT_FALSE(Verifies(other_ca.certificate_pem, leaf.certificate_pem, "prod.team-a.svc"));
  EXPECT_THAT(std::string(leaf.private_key_pem.reveal()), ::testing::HasSubstr("PRIVATE KEY"));
  COFFER_ASSERT_OK_AND_ASSIGN(absl::Time not_after, CertificateNotAfter(leaf.certificate_pem));
  EXPECT_LE(absl::AbsDuration(not_after - (now + absl::Hours(1))), absl::Seconds(1));
}

TEST(X509Test, NamesLongerThanACommonNameStillGetACertificate) {
  const absl::Time now = absl::Now();
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey ca,
                              NewCertificateAuthority("CA", now, absl::Hours(1)));
  const std::string host = "a-rather-long-keyvault-name.some-team-namespace.svc.cluster.local";
  ASSERT_GT(host.size(), 64u);
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey leaf,
                              IssueServerCertificate(ca, {host}, now, absl::Hours(1)));
  EXPECT_TRUE(Verifies(ca.certificate_pem, leaf.certificate_pem, host));
}

TEST(X509Test, BadInputIsRefused) {
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey ca,
                              NewCertificateAuthority("CA", absl::Now(), absl::Hours(1)));
  EXPECT_THAT(IssueServerCertificate(ca, {}, absl::Now(), absl::Hours(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  CertificateAndKey broken{"garbage", SecretBytes("garbage")};
  EXPECT_THAT(IssueServerCertificate(broken, {"a.b"}, absl::Now(), absl::Hours(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CertificateNotAfter("garbage"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(X509Test, ABroughtCaIsTakenOnlyWithItsOwnKey) {
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey ca,
                              NewCertificateAuthority("Org CA", absl::Now(), absl::Hours(1)));
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey read,
                              ReadCertificateAuthority(ca.certificate_pem, ca.private_key_pem));
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey issued,
                              IssueServerCertificate(read, {"a.b"}, absl::Now(), absl::Hours(1)));
  EXPECT_TRUE(IsIssuedBy(issued.certificate_pem, ca.certificate_pem));

  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey other,
                              NewCertificateAuthority("Org CA", absl::Now(), absl::Hours(1)));
  EXPECT_FALSE(IsIssuedBy(issued.certificate_pem, other.certificate_pem));  // same name
  EXPECT_FALSE(IsIssuedBy("garbage", ca.certificate_pem));
  EXPECT_THAT(ReadCertificateAuthority(ca.certificate_pem, other.private_key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not the CA certificate's")));
  EXPECT_THAT(ReadCertificateAuthority(issued.certificate_pem, issued.private_key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a CA")));
  EXPECT_THAT(ReadCertificateAuthority(ca.certificate_pem, SecretBytes("garbage")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key does not parse")));
  EXPECT_THAT(ReadCertificateAuthority("garbage", ca.private_key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not parse")));
}

// The thumbprint as OpenSSL's own X509_digest computes it (what `openssl x509 -fingerprint` shows).
std::string Thumbprint(const std::string& pem, const EVP_MD* md) {
  X509* cert = Parse(pem);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(cert, md, digest, &size);
  X509_free(cert);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

class ClientCertificateTest : public ::testing::Test {
 protected:
  // RSA key generation takes a while: one certificate for the whole suite.
  static void SetUpTestSuite() {
    certificate_ = new TestRsaCertificate(MakeTestRsaCertificate(2048, absl::Hours(48)));
  }
  static void TearDownTestSuite() { delete certificate_; }

  static TestRsaCertificate* certificate_;
};

TestRsaCertificate* ClientCertificateTest::certificate_ = nullptr;

TEST_F(ClientCertificateTest, ReadsWhatClientsNameTheCertificateBy) {
  const absl::Time now = absl::Now();
  COFFER_ASSERT_OK_AND_ASSIGN(ClientCertificate read,
                              ParseClientCertificate(certificate_->certificate_pem));
  EXPECT_EQ(read.der, certificate_->certificate_der);
  EXPECT_EQ(read.sha1, Thumbprint(certificate_->certificate_pem, EVP_sha1()));
  EXPECT_EQ(read.sha256, Thumbprint(certificate_->certificate_pem, EVP_sha256()));
  EXPECT_EQ(read.sha1.size(), 20u);
  EXPECT_EQ(read.sha256.size(), 32u);
  EXPECT_EQ(read.subject, "CN=coffer-test-client");
  EXPECT_EQ(read.rsa_bits, 2048);
  EXPECT_LE(absl::AbsDuration(read.not_after - (now + absl::Hours(48))), absl::Minutes(1));
  EXPECT_LE(absl::AbsDuration(read.not_before - now), absl::Minutes(2));
  EXPECT_LT(read.not_before, now);
}

TEST_F(ClientCertificateTest, ThePrivateKeyBesideTheCertificateIsIgnored) {
  // @azure/identity's PEM file holds the key and the certificate, in either order.
  COFFER_ASSERT_OK_AND_ASSIGN(ClientCertificate alone,
                              ParseClientCertificate(certificate_->certificate_pem));
  for (const std::string& file : {certificate_->key_pem + certificate_->certificate_pem,
                                  certificate_->certificate_pem + certificate_->key_pem}) {
    COFFER_ASSERT_OK_AND_ASSIGN(ClientCertificate read, ParseClientCertificate(file));
    EXPECT_EQ(read.der, alone.der);
    EXPECT_EQ(read.sha256, alone.sha256);
  }
  // A key block ahead of the certificate is not even read: a broken one changes nothing.
  const std::string broken_key = "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n";
  COFFER_ASSERT_OK_AND_ASSIGN(ClientCertificate read,
                              ParseClientCertificate(broken_key + certificate_->certificate_pem));
  EXPECT_EQ(read.der, alone.der);
}

TEST_F(ClientCertificateTest, OnlyTheFirstCertificateCounts) {
  const TestRsaCertificate other = MakeTestRsaCertificate();
  COFFER_ASSERT_OK_AND_ASSIGN(
      ClientCertificate read,
      ParseClientCertificate(certificate_->certificate_pem + other.certificate_pem));
  EXPECT_EQ(read.der, certificate_->certificate_der);
  COFFER_ASSERT_OK_AND_ASSIGN(
      read, ParseClientCertificate(other.certificate_pem + certificate_->certificate_pem));
  EXPECT_EQ(read.der, other.certificate_der);
}

TEST_F(ClientCertificateTest, ExpiredCertificatesAreReadAndTheirDatesReported) {
  const TestRsaCertificate expired = MakeTestRsaCertificate(2048, -absl::Hours(1));
  COFFER_ASSERT_OK_AND_ASSIGN(ClientCertificate read,
                              ParseClientCertificate(expired.certificate_pem));
  EXPECT_LT(read.not_after, absl::Now());
  EXPECT_LT(read.not_before, read.not_after);
}

TEST_F(ClientCertificateTest, InputWithoutAUsableRsaCertificateIsRefused) {
  EXPECT_THAT(ParseClientCertificate(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no -----BEGIN CERTIFICATE")));
  EXPECT_THAT(ParseClientCertificate("garbage"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no -----BEGIN CERTIFICATE")));
  EXPECT_THAT(ParseClientCertificate(certificate_->key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no -----BEGIN CERTIFICATE")));
  EXPECT_THAT(
      ParseClientCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not parse")));
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateAndKey ec,
                              NewCertificateAuthority("EC", absl::Now(), absl::Hours(1)));
  EXPECT_THAT(ParseClientCertificate(ec.certificate_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an RSA key")));
  EXPECT_THAT(ParseClientCertificate(MakeTestRsaCertificate(1024).certificate_pem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("has 1024 bits; 2048 to 8192 are accepted")));
}

}  // namespace
}  // namespace coffer::crypto
