#include "vault-core/crypto/x509.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::crypto {
namespace {

using ::coffer::testing::StatusIs;

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

}  // namespace
}  // namespace coffer::crypto
