#include "csi-driver/cmd/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer::csi {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CsiFlagsTest, ReadsTheSocketTheVaultAddressAndSizes) {
  COFFER_ASSERT_OK_AND_ASSIGN(
      CsiFlags flags,
      ParseFlags({"--endpoint", "unix:///run/csi/csi.sock", "--node-id", "node-1", "--vault-url",
                  "https://127.0.0.1:8443", "--tmpfs-size", "2Mi", "--cache-ttl", "0s",
                  "--no-tmpfs", "--log-level", "debug"}));
  EXPECT_EQ(flags.socket_path, "/run/csi/csi.sock");
  EXPECT_EQ(flags.node_id, "node-1");
  EXPECT_EQ(flags.connect_to, "127.0.0.1:8443");
  EXPECT_EQ(flags.tmpfs_size, 2 * 1024 * 1024);
  EXPECT_EQ(flags.cache_ttl, absl::ZeroDuration());
  EXPECT_TRUE(flags.no_tmpfs);
  EXPECT_EQ(flags.log_level, "debug");
  EXPECT_EQ(flags.state_dir, "/run/coffer-csi");
}

TEST(CsiFlagsTest, EachMistakeNamesItsFlag) {
  const std::vector<std::string> base = {"--endpoint", "unix:///csi.sock", "--node-id", "n"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), base.begin(), base.end());
    return ParseFlags(more);
  };
  EXPECT_THAT(ParseFlags({"--node-id", "n"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--endpoint: required")));
  EXPECT_THAT(ParseFlags({"--endpoint", "tcp://1.2.3.4:5", "--node-id", "n"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--endpoint")));
  EXPECT_THAT(with({"--vault-url", "http://vault:80"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--vault-url")));
  EXPECT_THAT(with({"--tmpfs-size", "lots"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tmpfs-size")));
  EXPECT_THAT(with({"--cache-ttl", "1h"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--cache-ttl")));
  EXPECT_THAT(with({"--bogus"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--bogus: unknown flag")));
  EXPECT_THAT(with({"--node-id"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a value")));
  COFFER_ASSERT_OK_AND_ASSIGN(CsiFlags help, ParseFlags({"--help"}));
  EXPECT_TRUE(help.help);
}

}  // namespace
}  // namespace coffer::csi
