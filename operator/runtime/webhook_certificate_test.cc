#include "operator/runtime/webhook_certificate.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/vaultclient/fake_admin_api.h"

namespace coffer::op {
namespace {

namespace v1 = ::coffer::admin::v1;
using ::coffer::testing::StatusIs;

// Issues numbered stand-in certificates valid 30 days from the clock's now.
class IssuingAdminApi : public vaultclient::FakeAdminApi {
 public:
  explicit IssuingAdminApi(Clock& clock) : clock_(clock) {}
  absl::StatusOr<v1::ServingCertificate> IssueServingCertificate(
      const v1::IssueServingCertificateRequest& request) override {
    names.assign(request.dns_names().begin(), request.dns_names().end());
    if (!fail.ok()) return fail;
    ++issued;
    v1::ServingCertificate out;
    out.set_certificate_chain_pem("certificate " + std::to_string(issued));
    out.set_private_key_pem("key " + std::to_string(issued));
    out.set_not_after_unix(absl::ToUnixSeconds(clock_.Now() + absl::Hours(24 * 30)));
    out.set_ca_certificate_pem("ca " + std::to_string(issued));
    return out;
  }
  Clock& clock_;
  int issued = 0;
  absl::Status fail;
  std::vector<std::string> names;
};

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class WebhookCertificateTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  IssuingAdminApi admin_{clock_};
  testing::TempDir dir_;
  WebhookCertificate certificate_{admin_, clock_, {"hook.coffer-system.svc", "hook"}, dir_.path()};
};

TEST_F(WebhookCertificateTest, IssuedOnceThenRenewedAfterTwoThirdsOfItsLife) {
  COFFER_ASSERT_OK(certificate_.Refresh());
  EXPECT_EQ(admin_.names, (std::vector<std::string>{"hook.coffer-system.svc", "hook"}));
  EXPECT_EQ(Read(certificate_.cert_file()), "certificate 1");
  EXPECT_EQ(Read(certificate_.key_file()), "key 1");
  struct stat key_stat {};
  ASSERT_EQ(::stat(certificate_.key_file().c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  clock_.Advance(absl::Hours(24 * 19));
  COFFER_ASSERT_OK(certificate_.Refresh());
  EXPECT_EQ(admin_.issued, 1);  // not due yet: no call
  clock_.Advance(absl::Hours(24 * 2));
  COFFER_ASSERT_OK(certificate_.Refresh());
  EXPECT_EQ(admin_.issued, 2);
  EXPECT_EQ(Read(certificate_.cert_file()), "certificate 2");
  EXPECT_EQ(Read(certificate_.key_file()), "key 2");
  EXPECT_EQ(certificate_.ca_pem(), "ca 2");  // a CA changed since start reaches the caBundle
}

TEST_F(WebhookCertificateTest, AnUnreachableVaultLeavesTheFilesAndIsAskedAgain) {
  COFFER_ASSERT_OK(certificate_.Refresh());
  clock_.Advance(absl::Hours(24 * 21));
  admin_.fail = absl::UnavailableError("vault down");
  EXPECT_THAT(certificate_.Refresh(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Read(certificate_.cert_file()), "certificate 1");
  admin_.fail = absl::OkStatus();
  COFFER_ASSERT_OK(certificate_.Refresh());
  EXPECT_EQ(Read(certificate_.cert_file()), "certificate 2");
}

}  // namespace
}  // namespace coffer::op
