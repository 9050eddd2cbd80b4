#include "lib/base/logging.h"

#include <unistd.h>

#include <cstdio>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace coffer {
namespace {

// Captures what the loggers write to stderr.
std::string CaptureStderr(const std::function<void()>& fn) {
  ::testing::internal::CaptureStderr();
  fn();
  Logger(Component::kTest).flush();
  return ::testing::internal::GetCapturedStderr();
}

TEST(LoggingTest, JsonLinesAreValidJsonWithEscapedMessage) {
  InitLogging(LogFormat::kJson, "info");
  std::string out = CaptureStderr([] { COFFER_LOG(kTest, info, "quote \" and\nnewline {}", 7); });
  auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["msg"], "quote \" and\nnewline 7");
  EXPECT_EQ(line["component"], "test");
  EXPECT_EQ(line["level"], "info");
  InitLogging(LogFormat::kText, "info");
}

TEST(LoggingTest, LevelFiltersMessagesBelowIt) {
  InitLogging(LogFormat::kText, "warn");
  std::string out = CaptureStderr([] {
    COFFER_LOG(kTest, info, "hidden");
    COFFER_LOG(kTest, warn, "shown");
  });
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_NE(out.find("shown"), std::string::npos);
  InitLogging(LogFormat::kText, "info");
}

TEST(LoggingTest, ForLogKeepsOutsideTextOnOneShortLine) {
  EXPECT_EQ(ForLog("/secrets/a b"), "/secrets/a b");
  EXPECT_EQ(ForLog("a\nfake line\r\x1b[31m"), "a\\x0afake line\\x0d\\x1b[31m");
  EXPECT_EQ(ForLog("back\\slash \xc3\xa9"), "back\\x5cslash \\xc3\\xa9");
  EXPECT_EQ(ForLog(std::string(300, 'x'), 8), "xxxxxxxx...");
  EXPECT_EQ(ForLog("exactly8", 8), "exactly8");
}

}  // namespace
}  // namespace coffer
