// Every format of a certificate and a key, made from a real PFX, PEM and JWK (openssl CLI, a
// throwaway CA and server certificate), written to a directory as a mount writes them and read
// back with the openssl CLI, as a workload would.
#include "csi-driver/publish/object_files.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/base64.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"
#include "nlohmann/json.hpp"

namespace coffer::csi {
namespace {

using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs openssl; the output, or "FAILED: ..." so that a comparison shows what went wrong.
std::string Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  coffer::testing::RunResult result = coffer::testing::Run(args);
  return result.exit_code == 0 ? result.output : "FAILED: " + result.output;
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 07777;
}

crd::MountObject Certificate(crd::ObjectFormat format, mode_t mode = crd::kDefaultPrivateKeyMode) {
  crd::MountObject object;
  object.name = "web-tls";
  object.type = crd::ObjectType::kCertificate;
  object.file_name = "tls";
  object.format = format;
  object.mode = mode;
  return object;
}

class ObjectFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = coffer::testing::MakeTestPki(keys_);
    Openssl({"pkcs12", "-export", "-inkey", pki_.server_key, "-in", pki_.server_cert, "-certfile",
             pki_.ca_cert, "-passout", "pass:", "-out", keys_.File("web.pfx")});
    pfx_ = vaultclient::FetchedObject{
        "v1", SecretBytes(Base64Encode(ReadFileOrDie(keys_.File("web.pfx")))),
        "application/x-pkcs12"};
    pem_ = vaultclient::FetchedObject{
        "v1",
        SecretBytes(ReadFileOrDie(pki_.server_key) + ReadFileOrDie(pki_.server_cert) +
                    ReadFileOrDie(pki_.ca_cert)),
        "application/x-pem-file"};
    leaf_public_key_ = Openssl({"x509", "-noout", "-pubkey", "-in", pki_.server_cert});
  }

  // Writes the object's files as a publish does and returns their paths.
  std::vector<std::string> Write(const crd::MountObject& object,
                                 const vaultclient::FetchedObject& fetched) {
    absl::StatusOr<std::vector<FileToWrite>> files = FilesOf(object, fetched);
    EXPECT_THAT(files.status(), coffer::testing::IsOk());
    if (!files.ok()) return {};
    EXPECT_THAT(WriteAtomically(out_.path(), *files, absl::Now()), coffer::testing::IsOk());
    std::vector<std::string> paths;
    for (const FileToWrite& file : *files) paths.push_back(out_.File(file.name));
    return paths;
  }

  // The file holds the server certificate first, then the CA's, and nothing secret.
  void ExpectChain(const std::string& path) {
    EXPECT_EQ(Openssl({"x509", "-noout", "-subject", "-in", path}), "subject=CN = localhost\n");
    EXPECT_EQ(Count(ReadFileOrDie(path), "BEGIN CERTIFICATE"), 2) << path;
  }

  // The file holds a PKCS#8 private key, the leaf's.
  void ExpectLeafKey(const std::string& path) {
    EXPECT_THAT(ReadFileOrDie(path), HasSubstr("-----BEGIN PRIVATE KEY-----"));
    EXPECT_EQ(Openssl({"pkey", "-in", path, "-pubout"}), leaf_public_key_);
  }

  coffer::testing::TempDir keys_;
  coffer::testing::TempDir out_;
  coffer::testing::TestPki pki_;
  vaultclient::FetchedObject pfx_, pem_;
  std::string leaf_public_key_;
};

TEST_F(ObjectFilesTest, PemHoldsKeyThenChainFromPfxAndFromPem) {
  for (const vaultclient::FetchedObject* stored : {&pfx_, &pem_}) {
    std::vector<std::string> files = Write(Certificate(crd::ObjectFormat::kPem), *stored);
    ASSERT_EQ(files.size(), 1u);
    const std::string text = ReadFileOrDie(files[0]);
    EXPECT_EQ(text.find("-----BEGIN PRIVATE KEY-----"), 0u) << stored->content_type;
    ExpectLeafKey(files[0]);
    ExpectChain(files[0]);
    EXPECT_EQ(ModeOf(files[0]), 0640u);
  }
}

TEST_F(ObjectFilesTest, PfxOpensWithAnEmptyPasswordFromPfxAndFromPem) {
  for (const vaultclient::FetchedObject* stored : {&pfx_, &pem_}) {
    std::vector<std::string> files = Write(Certificate(crd::ObjectFormat::kPfx), *stored);
    ASSERT_EQ(files.size(), 1u);
    std::string certs = Openssl({"pkcs12", "-in", files[0], "-passin", "pass:", "-nokeys"});
    EXPECT_EQ(Count(certs, "BEGIN CERTIFICATE"), 2) << certs;
    EXPECT_THAT(Openssl({"pkcs12", "-in", files[0], "-passin", "pass:", "-nocerts", "-nodes",
                         "-out", keys_.File("from-pfx.pem")}),
                Not(HasSubstr("FAILED")));
    ExpectLeafKey(keys_.File("from-pfx.pem"));
    EXPECT_EQ(ModeOf(files[0]), 0640u);
  }
  // A stored PFX is handed out byte for byte.
  EXPECT_EQ(ReadFileOrDie(Write(Certificate(crd::ObjectFormat::kPfx), pfx_)[0]),
            ReadFileOrDie(keys_.File("web.pfx")));
}

TEST_F(ObjectFilesTest, CertHoldsTheChainOnlyAndMayBeForEveryone) {
  std::vector<std::string> files = Write(Certificate(crd::ObjectFormat::kCert, 0644), pfx_);
  ASSERT_EQ(files.size(), 1u);
  ExpectChain(files[0]);
  EXPECT_THAT(ReadFileOrDie(files[0]), Not(HasSubstr("PRIVATE KEY")));
  EXPECT_EQ(ModeOf(files[0]), 0644u);
}

TEST_F(ObjectFilesTest, SplitWritesCrtAndKeyLikeKubernetesTls) {
  std::vector<std::string> files = Write(Certificate(crd::ObjectFormat::kSplit, 0440), pem_);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], out_.File("tls.crt"));
  EXPECT_EQ(files[1], out_.File("tls.key"));
  ExpectChain(files[0]);
  EXPECT_THAT(ReadFileOrDie(files[0]), Not(HasSubstr("PRIVATE KEY")));
  ExpectLeafKey(files[1]);
  EXPECT_EQ(Count(ReadFileOrDie(files[1]), "BEGIN"), 1);
  EXPECT_EQ(ModeOf(files[0]), 0440u);
  EXPECT_EQ(ModeOf(files[1]), 0440u);
}

TEST_F(ObjectFilesTest, PrivateKeyFilesAreNeverForOthersWhateverTheMode) {
  std::vector<std::string> files = Write(Certificate(crd::ObjectFormat::kSplit, 0644), pfx_);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(ModeOf(files[1]), 0640u);
  EXPECT_EQ(ModeOf(Write(Certificate(crd::ObjectFormat::kPfx, 0666), pfx_)[0]), 0660u);
}

TEST_F(ObjectFilesTest, NonExportableCertificateMountsOnlyAsCert) {
  vaultclient::FetchedObject chain_only{
      "v1", SecretBytes(ReadFileOrDie(pki_.server_cert) + ReadFileOrDie(pki_.ca_cert)),
      "application/x-pem-file"};
  for (crd::ObjectFormat format :
       {crd::ObjectFormat::kPem, crd::ObjectFormat::kPfx, crd::ObjectFormat::kSplit}) {
    EXPECT_THAT(FilesOf(Certificate(format), chain_only),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("not exportable: its secret holds no private key, so only "
                                   "format cert can mount it")));
  }
  ExpectChain(Write(Certificate(crd::ObjectFormat::kCert), chain_only)[0]);
}

TEST_F(ObjectFilesTest, CorruptPfxSaysSoAndGivesNoFile) {
  std::string der = ReadFileOrDie(keys_.File("web.pfx"));
  der.resize(der.size() / 2);
  vaultclient::FetchedObject corrupt{"v1", SecretBytes(Base64Encode(der)), "application/x-pkcs12"};
  for (crd::ObjectFormat format : {crd::ObjectFormat::kPem, crd::ObjectFormat::kPfx,
                                   crd::ObjectFormat::kCert, crd::ObjectFormat::kSplit}) {
    EXPECT_THAT(FilesOf(Certificate(format), corrupt),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("PKCS#12 (PFX)")));
  }
}

TEST_F(ObjectFilesTest, KeyIsItsPublicPartAsPemOrJwk) {
  // The server key's JWK, as the vault returns a P-256 key: x and y from its SPKI's point.
  Openssl({"pkey", "-in", pki_.server_key, "-pubout", "-outform", "DER", "-out",
           keys_.File("spki.der")});
  const std::string spki = ReadFileOrDie(keys_.File("spki.der"));
  ASSERT_GE(spki.size(), 65u);
  const std::string point = spki.substr(spki.size() - 65);
  const std::string jwk = nlohmann::json{
      {"kid", "https://prod.vault.coffer.test/keys/signer/k1"},
      {"kty", "EC"},
      {"key_ops", {"sign", "verify"}},
      {"crv", "P-256"},
      {"x", Base64UrlEncode(point.substr(1, 32))},
      {"y", Base64UrlEncode(point.substr(
                33, 32))}}.dump();
  crd::MountObject key;
  key.name = "signer";
  key.type = crd::ObjectType::kKey;
  key.file_name = "signer.pem";
  key.format = crd::ObjectFormat::kPem;
  key.mode = 0644;
  std::vector<std::string> pem = Write(key, vaultclient::FetchedObject{"k1", SecretBytes(jwk), ""});
  ASSERT_EQ(pem.size(), 1u);
  EXPECT_EQ(ReadFileOrDie(pem[0]), leaf_public_key_);
  EXPECT_EQ(Openssl({"pkey", "-pubin", "-in", pem[0], "-pubout"}), leaf_public_key_);
  EXPECT_EQ(ModeOf(pem[0]), 0644u);

  key.format = crd::ObjectFormat::kJwk;
  key.file_name = "signer.json";
  EXPECT_EQ(ReadFileOrDie(Write(key, vaultclient::FetchedObject{"k1", SecretBytes(jwk), ""})[0]),
            jwk);

  key.format = crd::ObjectFormat::kPem;
  EXPECT_THAT(
      FilesOf(key, vaultclient::FetchedObject{"k1", SecretBytes(R"({"kty":"oct-HSM"})"), ""}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("symmetric key")));
}

}  // namespace
}  // namespace coffer::csi
