#include "lib/http/beast/tls_context.h"

#include <openssl/ssl.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_certs.h"

namespace coffer::http::beast {
namespace {

using ::coffer::testing::StatusIs;

class ReloadingTlsContextTest : public ::testing::Test {
 protected:
  void Install(const testing::TestPki& pki) {
    std::filesystem::copy_file(pki.server_cert, files_.cert_file,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(pki.server_key, files_.key_file,
                               std::filesystem::copy_options::overwrite_existing);
  }

  testing::TempDir dir_;
  testing::TestPki first_ = testing::MakeTestPki(dir_, {}, "first");
  testing::TestPki second_ = testing::MakeTestPki(dir_, {}, "second");
  TlsFiles files_{dir_.File("server.pem"), dir_.File("server-key.pem")};
  FakeClock clock_;
};

TEST_F(ReloadingTlsContextTest, ChangedFilesGiveNewContextAfterRecheckInterval) {
  Install(first_);
  COFFER_ASSERT_OK_AND_ASSIGN(auto tls, ReloadingTlsContext::Create(files_, clock_));
  auto before = tls->Current();
  Install(second_);
  EXPECT_EQ(tls->Current(), before) << "files are looked at most once per interval";
  clock_.Advance(absl::Seconds(1));
  EXPECT_NE(tls->Current(), before);
}

TEST_F(ReloadingTlsContextTest, UnchangedFilesKeepContext) {
  Install(first_);
  COFFER_ASSERT_OK_AND_ASSIGN(auto tls, ReloadingTlsContext::Create(files_, clock_));
  auto before = tls->Current();
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(tls->Current(), before);
}

TEST_F(ReloadingTlsContextTest, BrokenNewFileKeepsPreviousContext) {
  Install(first_);
  COFFER_ASSERT_OK_AND_ASSIGN(auto tls, ReloadingTlsContext::Create(files_, clock_));
  auto before = tls->Current();
  testing::WriteFileOrDie(files_.cert_file, "-----BEGIN CERTIFICATE-----\ntruncated");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(tls->Current(), before);
  // A certificate that does not match the key is refused too.
  std::filesystem::copy_file(second_.server_cert, files_.cert_file,
                             std::filesystem::copy_options::overwrite_existing);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(tls->Current(), before);
  // Once the key follows, the new pair is used.
  std::filesystem::copy_file(second_.server_key, files_.key_file,
                             std::filesystem::copy_options::overwrite_existing);
  clock_.Advance(absl::Seconds(1));
  EXPECT_NE(tls->Current(), before);
}

// Every context reads ahead, so that one recv() takes a request's TLS records together
// (TlsSocket asks OpenSSL before it waits on the socket, so read-ahead bytes are never stranded).
TEST_F(ReloadingTlsContextTest, ContextsReadAhead) {
  Install(first_);
  COFFER_ASSERT_OK_AND_ASSIGN(auto tls, ReloadingTlsContext::Create(files_, clock_));
  EXPECT_EQ(SSL_CTX_get_read_ahead(tls->Current()->native_handle()), 1);
}

TEST_F(ReloadingTlsContextTest, MissingKeyIsInvalidArgument) {
  Install(first_);
  std::filesystem::remove(files_.key_file);
  EXPECT_THAT(ReloadingTlsContext::Create(files_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReloadingTlsContextTest, KeyOfAnotherCertificateIsInvalidArgument) {
  Install(first_);
  std::filesystem::copy_file(second_.server_key, files_.key_file,
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_THAT(ReloadingTlsContext::Create(files_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace coffer::http::beast
