#include "vault-core/cli/args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace coffer::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<FlagSpec> kSpecs = {
    {"--output", "FORMAT", "", false, "-o"},
    {"--hostname", "H", "", true},
    {"--sku", "SKU", ""},
    {"--purge-protection", "", ""},
};

TEST(ArgsTest, AcceptsEveryFlagFormAndKeepsWordsInOrder) {
  auto args = Args::Parse({"prod", "--hostname", "a.v.x", "-o", "json", "--hostname=b.v.x",
                           "--purge-protection", "--sku=premium", "--", "--not-a-flag"},
                          kSpecs);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->positional(), ElementsAre("prod", "--not-a-flag"));
  EXPECT_THAT(args->Values("--hostname"), ElementsAre("a.v.x", "b.v.x"));
  EXPECT_EQ(args->Value("--output"), "json");  // stored under the long name
  EXPECT_EQ(args->Value("--sku"), "premium");
  EXPECT_TRUE(args->Has("--purge-protection"));
  EXPECT_FALSE(args->Value("--nothing").has_value());
}

TEST(ArgsTest, MistakesAreUsageErrors) {
  struct Case {
    std::vector<std::string> argv;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--bogus"}, "unknown flag --bogus"},
           {{"--sku"}, "--sku needs a value"},
           {{"--purge-protection=yes"}, "--purge-protection takes no value"},
           {{"--sku", "a", "--sku", "b"}, "--sku was given twice"},
       }) {
    auto args = Args::Parse(c.argv, kSpecs);
    ASSERT_FALSE(args.ok());
    EXPECT_TRUE(IsUsageError(args.status()));
    EXPECT_THAT(std::string(args.status().message()), HasSubstr(c.message));
    EXPECT_EQ(ExitCodeFor(args.status()), kExitUsage);
  }
}

TEST(ArgsTest, ExitCodesFollowWhatScriptsShouldDo) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), 1);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("server said bad")), 1);
  EXPECT_EQ(ExitCodeFor(UsageError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), 3);
  EXPECT_EQ(ExitCodeFor(absl::UnauthenticatedError("x")), 4);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("x")), 4);
  EXPECT_EQ(ExitCodeFor(absl::AlreadyExistsError("x")), 5);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("x")), 5);
  EXPECT_EQ(ExitCodeFor(QuietExit(kExitTampered)), 6);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), 7);
  EXPECT_EQ(ExitCodeFor(absl::DeadlineExceededError("x")), 7);
}

TEST(ArgsTest, DurationsTakeHoursMinutesAndDays) {
  EXPECT_EQ(*ParseDurationSeconds("720h", "--expires-in"), 720 * 3600);
  EXPECT_EQ(*ParseDurationSeconds("30d", "--expires-in"), 30 * 86400);
  EXPECT_EQ(*ParseDurationSeconds("1h30m", "--expires-in"), 5400);
  for (const char* bad : {"", "0h", "-1h", "soon", "3x", "d"}) {
    auto parsed = ParseDurationSeconds(bad, "--expires-in");
    EXPECT_TRUE(!parsed.ok() && IsUsageError(parsed.status())) << bad;
  }
}

TEST(ArgsTest, NumbersAndListsParse) {
  EXPECT_EQ(*ParseInteger("30", "--retention-days"), 30);
  EXPECT_TRUE(IsUsageError(ParseInteger("30x", "--retention-days").status()));
  EXPECT_TRUE(IsUsageError(ParseInteger("", "--retention-days").status()));
  EXPECT_THAT(SplitList("get, list,,set "), ElementsAre("get", "list", "set"));
  EXPECT_TRUE(SplitList("").empty());
}

}  // namespace
}  // namespace coffer::cli
