// Software-only behaviour: the key files. The KeyStore contract itself is covered by
// keystore_conformance_test.cc.

#include "vault-core/keystore/software/software_keystore.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "lib/testing/temp_dir.h"

namespace coffer::keystore {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

mode_t FileMode(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class SoftwareKeyStoreTest : public ::testing::Test {
 protected:
  std::string master_file() const { return dir_.File("master.key"); }
  testing::TempDir dir_;
};

TEST_F(SoftwareKeyStoreTest, CreatesKeyFilesReadableOnlyByOwner) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> store,
                              SoftwareKeyStore::Create({master_file(), ""}));
  EXPECT_EQ(FileMode(master_file()), 0600u);
  EXPECT_EQ(FileMode(master_file() + ".signing.pem"), 0600u);
  EXPECT_EQ(testing::ReadFileOrDie(master_file()).size(), 32u);
  EXPECT_THAT(testing::ReadFileOrDie(master_file() + ".signing.pem"),
              HasSubstr("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(store->master_key_id(), "software:" + master_file());
}

TEST_F(SoftwareKeyStoreTest, WrappedKeyIsRfc5649UnderTheFileKey) {
  COFFER_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyStore> store,
                              SoftwareKeyStore::Create({master_file(), ""}));
  COFFER_ASSERT_OK_AND_ASSIGN(DataKey key, store->NewDataKey());
  const std::string kek = testing::ReadFileOrDie(master_file());

  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  unsigned char out[64];
  int len = 0;
  ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_wrap_pad(), nullptr,
                               reinterpret_cast<const unsigned char*>(kek.data()), nullptr),
            1);
  EXPECT_EQ(
      EVP_DecryptUpdate(ctx, out, &len, reinterpret_cast<const unsigned char*>(key.wrapped.data()),
                        static_cast<int>(key.wrapped.size())),
      1);
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), len), key.key.reveal());
}

TEST_F(SoftwareKeyStoreTest, MasterKeyFileOfWrongSizeIsFailedPrecondition) {
  testing::WriteFileOrDie(master_file(), "too short");
  EXPECT_THAT(SoftwareKeyStore::Create({master_file(), ""}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("9 bytes, expected 32")));
}

TEST_F(SoftwareKeyStoreTest, SigningKeyThatIsNotP256IsFailedPrecondition) {
  const std::string signing_file = dir_.File("p384.pem");
  testing::RunResult r = testing::Run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                                       "ec_paramgen_curve:P-384", "-out", signing_file});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(SoftwareKeyStore::Create({master_file(), signing_file}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a PEM EC P-256")));
}

TEST_F(SoftwareKeyStoreTest, UnwritableDirectoryIsFailedPrecondition) {
  EXPECT_THAT(SoftwareKeyStore::Create({dir_.File("no/such/dir/master.key"), ""}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no/such/dir")));
}

TEST_F(SoftwareKeyStoreTest, NoMasterKeyFileIsInvalidArgument) {
  EXPECT_THAT(SoftwareKeyStore::Create({"", ""}), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::keystore
