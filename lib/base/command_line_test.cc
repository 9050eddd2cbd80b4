#include "lib/base/command_line.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace coffer {
namespace {

using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

class CommandLineTest : public ::testing::Test {
 protected:
  absl::Status Parse(std::vector<std::string> args) {
    CommandLineFlags flags;
    flags.with_value["--name"] = [this](const std::string& v) {
      name_ = v;
      return v.empty() ? absl::InvalidArgumentError("--name: empty") : absl::OkStatus();
    };
    flags.switches["--on"] = &on_;
    return ParseCommandLine(args, flags, &help_);
  }
  std::string name_;
  bool on_ = false;
  bool help_ = false;
};

TEST_F(CommandLineTest, ValuesComeAfterTheFlagOrAfterAnEqualsSign) {
  COFFER_ASSERT_OK(Parse({"--name", "a=b", "--on"}));
  EXPECT_EQ(name_, "a=b");
  EXPECT_TRUE(on_);
  COFFER_ASSERT_OK(Parse({"--name=host:9444"}));  // as a Helm chart writes args
  EXPECT_EQ(name_, "host:9444");
  COFFER_ASSERT_OK(Parse({"--name=x=y"}));
  EXPECT_EQ(name_, "x=y");
}

TEST_F(CommandLineTest, MistakesNameTheFlag) {
  EXPECT_THAT(Parse({"--nope=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--nope: unknown flag")));
  EXPECT_THAT(Parse({"--on=true"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--on: takes no value")));
  EXPECT_THAT(Parse({"--name"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--name: needs a value")));
  EXPECT_THAT(Parse({"--name="}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--name: empty")));
}

TEST_F(CommandLineTest, HelpStopsParsing) {
  COFFER_ASSERT_OK(Parse({"--help", "--nope"}));
  EXPECT_TRUE(help_);
}

}  // namespace
}  // namespace coffer
