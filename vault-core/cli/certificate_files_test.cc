#include "vault-core/cli/certificate_files.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "vault-core/crypto/testing/test_rsa_certificate.h"
#include "vault-core/crypto/vault_certificates.h"

namespace coffer::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CertificateFilesTest, PemWrittenHereReadsBackAsTheSameDer) {
  std::string der(150, '\0');
  for (std::size_t i = 0; i < der.size(); ++i) der[i] = static_cast<char>(i * 7);
  const std::string pem = ToPem(der, "CERTIFICATE");
  EXPECT_THAT(pem, ::testing::StartsWith("-----BEGIN CERTIFICATE-----\n"));
  EXPECT_EQ(pem.find('\n', 28) - 28, 64u);  // 64-column lines, as openssl writes them
  auto read = CertificatesFromFile(pem, "c.pem");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, ElementsAre(der));
}

TEST(CertificateFilesTest, ChainKeepsItsOrderAndSkipsTheKey) {
  const std::string text = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" +
                           ToPem("leaf", "CERTIFICATE") + "\r\n" + ToPem("ca", "CERTIFICATE");
  auto read = CertificatesFromFile(text, "chain.pem");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, ElementsAre("leaf", "ca"));
}

TEST(CertificateFilesTest, DerFileIsSentAsItIs) {
  auto read = CertificatesFromFile(std::string("\x30\x82\x01\x0a", 4), "c.der");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, ElementsAre(std::string("\x30\x82\x01\x0a", 4)));
}

TEST(CertificateFilesTest, BrokenPemNamesTheFile) {
  for (const std::string& text :
       {std::string(""), std::string("-----BEGIN CERTIFICATE-----\nAAAA\n"),
        std::string("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"),
        std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}) {
    auto read = CertificatesFromFile(text, "bad.pem");
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(read.status().message(), HasSubstr("bad.pem"));
  }
}

TEST(CertificateFilesTest, ImportSendsPemAsTextAndPfxAsBase64) {
  EXPECT_EQ(ImportValue("\n-----BEGIN PRIVATE KEY-----\nx\n"), "-----BEGIN PRIVATE KEY-----\nx\n");
  const std::string pfx("\x30\x82\x0a\x38\x02\x01\x03", 7);
  EXPECT_EQ(ImportValue(pfx), Base64Encode(pfx));
  EXPECT_TRUE(IsPem("  -----BEGIN CERTIFICATE-----"));
  EXPECT_FALSE(IsPem(pfx));
}

TEST(CertificateFilesTest, PfxSecretIsWrittenAsItsBytes) {
  const std::string pfx("\x30\x82\x0a\x38\x02\x01\x03", 7);
  auto file = CertificateFileContents(Base64Encode(pfx), /*stored_pem=*/false, "pfx");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->reveal(), pfx);
  EXPECT_EQ(CertificateFileContents("not base64!", false, "pfx").status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(CertificateFileContents(Base64Encode(pfx), false, "pem").status().code(),
            absl::StatusCode::kInternal);
}

TEST(CertificateFilesTest, PemSecretBecomesAPfxWithAnEmptyPassword) {
  crypto::TestRsaCertificate made = crypto::MakeTestRsaCertificate();
  const std::string pem = made.key_pem + made.certificate_pem;
  auto file = CertificateFileContents(pem, /*stored_pem=*/true, "pfx");
  ASSERT_TRUE(file.ok()) << file.status();
  auto read = crypto::ReadPkcs12(file->reveal(), SecretBytes());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->chain, ElementsAre(made.certificate_der));
  auto same = CertificateFileContents(pem, /*stored_pem=*/true, "pem");
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->reveal(), pem);
}

TEST(CertificateFilesTest, PemSecretWithoutAKeyCannotBeAPfx) {
  crypto::TestRsaCertificate made = crypto::MakeTestRsaCertificate();
  auto file = CertificateFileContents(made.certificate_pem, /*stored_pem=*/true, "pfx");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(file.status().message(), HasSubstr("--format pem"));
}

}  // namespace
}  // namespace coffer::cli
