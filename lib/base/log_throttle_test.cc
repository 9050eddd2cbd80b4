#include "lib/base/log_throttle.h"

#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"

namespace coffer {
namespace {

TEST(LogThrottleTest, OneLinePerPeriodCountingTheOnesHeldBack) {
  FakeClock clock;
  LogThrottle throttle(clock, absl::Seconds(10));
  int64_t held_back = -1;
  ASSERT_TRUE(throttle.Admit("cluster", &held_back));
  EXPECT_EQ(held_back, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(throttle.Admit("cluster", &held_back));
  clock.Advance(absl::Seconds(9));
  EXPECT_FALSE(throttle.Admit("cluster", &held_back));
  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(throttle.Admit("cluster", &held_back));
  EXPECT_EQ(held_back, 1001);
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(throttle.Admit("cluster", &held_back));
  EXPECT_EQ(held_back, 0);
}

TEST(LogThrottleTest, ANoisyCauseNeverHidesAnother) {
  FakeClock clock;
  LogThrottle throttle(clock, absl::Seconds(10));
  int64_t held_back = 0;
  ASSERT_TRUE(throttle.Admit("cluster", &held_back));
  EXPECT_FALSE(throttle.Admit("cluster", &held_back));
  EXPECT_TRUE(throttle.Admit("hsm", &held_back));
  EXPECT_FALSE(throttle.Admit("hsm", &held_back));
}

TEST(LogThrottleTest, AClockSteppedBackDoesNotSilenceACause) {
  FakeClock clock;
  LogThrottle throttle(clock, absl::Seconds(10));
  int64_t held_back = 0;
  ASSERT_TRUE(throttle.Admit("hsm", &held_back));
  clock.Advance(-absl::Hours(1));
  EXPECT_TRUE(throttle.Admit("hsm", &held_back));
}

}  // namespace
}  // namespace coffer
