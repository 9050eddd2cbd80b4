#include "lib/base/recent_keys.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"

namespace coffer {
namespace {

TEST(RecentKeysTest, AKeyIsKeptForTheTtlAfterItsLastTouch) {
  FakeClock clock;
  RecentKeys keys(clock, absl::Hours(1), 10);
  EXPECT_FALSE(keys.Contains("a"));
  keys.Touch("a");
  clock.Advance(absl::Minutes(50));
  EXPECT_TRUE(keys.Contains("a"));
  keys.Touch("a");  // sliding: another hour from now
  clock.Advance(absl::Minutes(50));
  EXPECT_TRUE(keys.Contains("a"));
  EXPECT_FALSE(keys.Contains("b"));
  clock.Advance(absl::Minutes(10));
  EXPECT_FALSE(keys.Contains("a"));
}

TEST(RecentKeysTest, AFullTableDropsExpiredKeysFirst) {
  FakeClock clock;
  RecentKeys keys(clock, absl::Minutes(1), 4);
  keys.Touch("old-1");
  keys.Touch("old-2");
  clock.Advance(absl::Seconds(30));
  keys.Touch("live-1");
  keys.Touch("live-2");
  clock.Advance(absl::Seconds(40));  // the old ones expired, the live ones not
  keys.Touch("new");
  EXPECT_TRUE(keys.Contains("live-1"));
  EXPECT_TRUE(keys.Contains("live-2"));
  EXPECT_TRUE(keys.Contains("new"));
  EXPECT_EQ(keys.size(), 3u);
  for (int i = 0; i < 100; ++i) keys.Touch("k" + std::to_string(i));
  EXPECT_LE(keys.size(), 4u);
}

}  // namespace
}  // namespace coffer
