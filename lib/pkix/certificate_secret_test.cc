// Certificate secrets as the vault stores them (PKCS#12 and PEM, made here with the openssl
// CLI from a throwaway CA and server certificate), read back into a key and a leaf-first chain.
#include "lib/pkix/certificate_secret.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"

namespace coffer::pkix {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  coffer::testing::RunResult result = coffer::testing::Run(args);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return result.output;
}

class CertificateSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = coffer::testing::MakeTestPki(dir_);
    server_ = ReadFileOrDie(pki_.server_cert);
    ca_ = ReadFileOrDie(pki_.ca_cert);
    key_ = ReadFileOrDie(pki_.server_key);
  }

  // A PKCS#12 file with an empty password, as the vault's secret value holds it (base64).
  SecretBytes Pfx(std::vector<std::string> extra = {}, const std::string& password = "") {
    std::vector<std::string> args = {
        "pkcs12",   "-export",          "-in",  pki_.server_cert,    "-certfile", pki_.ca_cert,
        "-passout", "pass:" + password, "-out", dir_.File("out.pfx")};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::find(extra.begin(), extra.end(), "-nokeys") == extra.end()) {
      args.insert(args.end(), {"-inkey", pki_.server_key});
    }
    Openssl(args);
    return SecretBytes(Base64Encode(ReadFileOrDie(dir_.File("out.pfx"))));
  }

  coffer::testing::TempDir dir_;
  coffer::testing::TestPki pki_;
  std::string server_, ca_, key_;
};

TEST_F(CertificateSecretTest, PfxGivesPkcs8KeyAndLeafFirstChainAndItself) {
  SecretBytes pfx = Pfx();
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateSecret secret,
                              ReadCertificateSecret(pfx, kPkcs12ContentType));
  EXPECT_THAT(std::string(secret.private_key_pem.reveal()),
              StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_EQ(secret.chain_pem, server_ + ca_);
  EXPECT_EQ(Base64Encode(secret.pkcs12.reveal()), pfx.reveal());
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes again, Pkcs12Of(secret));
  EXPECT_TRUE(again.Equals(secret.pkcs12));  // handed out as stored
}

TEST_F(CertificateSecretTest, AzureStyleTripleDesPfxReads) {
  SecretBytes pfx = Pfx({"-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1",
                         "-iter", "2000"});
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateSecret secret, ReadCertificateSecret(pfx, ""));
  EXPECT_FALSE(secret.private_key_pem.empty());
  EXPECT_EQ(secret.chain_pem, server_ + ca_);
}

TEST_F(CertificateSecretTest, PemInAnyOrderComesOutKeyAsPkcs8AndLeafFirst) {
  // A SEC1 key ("EC PRIVATE KEY") between the issuer and the leaf.
  Openssl({"ec", "-in", pki_.server_key, "-out", dir_.File("sec1.pem")});
  std::string sec1 = ReadFileOrDie(dir_.File("sec1.pem"));
  ASSERT_THAT(sec1, HasSubstr("BEGIN EC PRIVATE KEY"));
  COFFER_ASSERT_OK_AND_ASSIGN(
      CertificateSecret secret,
      ReadCertificateSecret(SecretBytes(ca_ + sec1 + server_), "application/x-pem-file"));
  EXPECT_EQ(secret.private_key_pem.reveal(), key_);  // openssl req wrote it as PKCS#8
  EXPECT_EQ(secret.chain_pem, server_ + ca_);
  EXPECT_TRUE(secret.pkcs12.empty());
}

TEST_F(CertificateSecretTest, NonExportableSecretsHoldTheChainOnly) {
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateSecret pem,
                              ReadCertificateSecret(SecretBytes(ca_ + server_), kPemContentType));
  EXPECT_TRUE(pem.private_key_pem.empty());
  EXPECT_EQ(pem.chain_pem, server_ + ca_);  // the certificate that issued nothing leads
  EXPECT_THAT(Pkcs12Of(pem), StatusIs(absl::StatusCode::kFailedPrecondition));

  COFFER_ASSERT_OK_AND_ASSIGN(CertificateSecret pfx,
                              ReadCertificateSecret(Pfx({"-nokeys"}), kPkcs12ContentType));
  EXPECT_TRUE(pfx.private_key_pem.empty());
  EXPECT_EQ(pfx.chain_pem, server_ + ca_);
}

TEST_F(CertificateSecretTest, PemMadeIntoPkcs12ReadsBackTheSame) {
  COFFER_ASSERT_OK_AND_ASSIGN(CertificateSecret pem,
                              ReadCertificateSecret(SecretBytes(key_ + server_ + ca_), ""));
  COFFER_ASSERT_OK_AND_ASSIGN(SecretBytes pfx, Pkcs12Of(pem));
  COFFER_ASSERT_OK_AND_ASSIGN(
      CertificateSecret back,
      ReadCertificateSecret(SecretBytes(Base64Encode(pfx.reveal())), kPkcs12ContentType));
  EXPECT_TRUE(back.private_key_pem.Equals(pem.private_key_pem));
  EXPECT_EQ(back.chain_pem, pem.chain_pem);
}

TEST_F(CertificateSecretTest, WhatIsNotACertificateSecretSaysWhy) {
  struct Case {
    std::string value;
    std::string content_type;
    std::string says;
  };
  const std::string other_key = ReadFileOrDie(pki_.client_key);
  std::string corrupt(Pfx().reveal());
  corrupt[corrupt.size() / 2] = corrupt[corrupt.size() / 2] == 'A' ? 'B' : 'A';
  for (const Case& c : std::vector<Case>{
           {"", kPkcs12ContentType, "its secret is empty"},
           {"not base64!", kPkcs12ContentType, "not standard base64"},
           {Base64Encode("garbage"), kPkcs12ContentType, "not a PKCS#12 (PFX) file"},
           {corrupt, kPkcs12ContentType, "PFX"},
           {std::string(Pfx({}, "hunter2").reveal()), kPkcs12ContentType, "has a password"},
           {server_, "text/plain", "content type is 'text/plain'"},
           {other_key + server_, kPemContentType, "belongs to none of its certificates"},
           {key_ + key_ + server_, kPemContentType, "two private keys"},
           {key_, kPemContentType, "holds no certificate"},
           {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", kPemContentType,
            "not a certificate"},
       }) {
    EXPECT_THAT(ReadCertificateSecret(SecretBytes(c.value), c.content_type),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.says)))
        << c.says;
  }
}

TEST_F(CertificateSecretTest, EncryptedPemKeyIsRefused) {
  Openssl({"pkcs8", "-topk8", "-in", pki_.server_key, "-passout", "pass:x", "-out",
           dir_.File("enc.pem")});
  EXPECT_THAT(ReadCertificateSecret(SecretBytes(ReadFileOrDie(dir_.File("enc.pem")) + server_),
                                    kPemContentType),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("encrypted")));
}

}  // namespace
}  // namespace coffer::pkix
