// The volume context kubelet hands over with NodePublishVolume.
#include "csi-driver/publish/volume.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::csi {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

std::map<std::string, std::string> Context() {
  return {{"vaultMount", "files"},
          {"csi.storage.k8s.io/pod.name", "web"},
          {"csi.storage.k8s.io/pod.namespace", "team-a"},
          {"csi.storage.k8s.io/pod.uid", "u-1"},
          {"csi.storage.k8s.io/serviceAccount.name", "billing"},
          {"csi.storage.k8s.io/ephemeral", "true"},
          {"csi.storage.k8s.io/serviceAccount.tokens",
           R"({"api://coffer":{"token":"eyJ.a.b","expirationTimestamp":"2026-12-02T20:00:00Z"}})"}};
}

TEST(VolumeContextTest, ReadsPodAndTheTokenForCoffersAudience) {
  PublishRequest request;
  COFFER_ASSERT_OK(ReadVolumeContext(Context(), "api://coffer", &request));
  EXPECT_EQ(request.vault_mount, "files");
  EXPECT_EQ(request.pod.ns, "team-a");
  EXPECT_EQ(request.pod.uid, "u-1");
  EXPECT_EQ(request.pod.service_account, "billing");
  EXPECT_EQ(request.pod_token.reveal(), "eyJ.a.b");
}

TEST(VolumeContextTest, SaysWhichCSIDriverSettingIsMissing) {
  PublishRequest request;
  auto context = Context();
  context.erase("vaultMount");
  EXPECT_THAT(ReadVolumeContext(context, "api://coffer", &request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("vaultMount")));
  context = Context();
  context.erase("csi.storage.k8s.io/pod.uid");
  EXPECT_THAT(ReadVolumeContext(context, "api://coffer", &request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("podInfoOnMount")));
  context = Context();
  EXPECT_THAT(ReadVolumeContext(context, "api://other", &request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tokenRequests")));
  context["csi.storage.k8s.io/serviceAccount.tokens"] = R"({"api://coffer":"eyJ.not.an.object"})";
  auto refused = ReadVolumeContext(context, "api://coffer", &request);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(refused.message(), ::testing::Not(HasSubstr("eyJ")));
}

}  // namespace
}  // namespace coffer::csi
