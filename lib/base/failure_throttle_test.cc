#include "lib/base/failure_throttle.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/base/fake_clock.h"

namespace coffer {
namespace {

TEST(FailureThrottleTest, BurstPassesThenOneAttemptPerRefill) {
  FakeClock clock;
  FailureThrottle throttle(clock, {3, absl::Seconds(10), 100});
  EXPECT_FALSE(throttle.Failed("client"));
  EXPECT_FALSE(throttle.Failed("client"));
  EXPECT_EQ(throttle.Wait("client"), absl::ZeroDuration());
  EXPECT_TRUE(throttle.Failed("client"));  // the third failure uses the last attempt
  EXPECT_EQ(throttle.Wait("client"), absl::Seconds(10));
  clock.Advance(absl::Seconds(4));
  EXPECT_EQ(throttle.Wait("client"), absl::Seconds(6));
  clock.Advance(absl::Seconds(6));
  EXPECT_EQ(throttle.Wait("client"), absl::ZeroDuration());
  EXPECT_TRUE(throttle.Failed("client"));  // one attempt earned back, and used
  EXPECT_EQ(throttle.Wait("client"), absl::Seconds(10));
  clock.Advance(absl::Seconds(30));  // a whole burst earned back
  EXPECT_FALSE(throttle.Failed("client"));
  EXPECT_FALSE(throttle.Failed("client"));
  EXPECT_TRUE(throttle.Failed("client"));
}

TEST(FailureThrottleTest, KeysAreCountedApart) {
  FakeClock clock;
  FailureThrottle throttle(clock, {1, absl::Seconds(5), 100});
  EXPECT_TRUE(throttle.Failed("10.0.0.1"));
  EXPECT_EQ(throttle.Wait("10.0.0.1"), absl::Seconds(5));
  EXPECT_EQ(throttle.Wait("10.0.0.2"), absl::ZeroDuration());
  EXPECT_EQ(throttle.Wait("10.0.0.10"), absl::ZeroDuration());
}

TEST(FailureThrottleTest, TheTableStaysWithinItsBound) {
  FakeClock clock;
  FailureThrottle throttle(clock, {2, absl::Seconds(1), 50});
  for (int i = 0; i < 1000; ++i) throttle.Failed("key-" + std::to_string(i));
  EXPECT_LE(throttle.size(), 50u);
  // Keys that earned everything back are swept out first, so owing keys keep their history.
  clock.Advance(absl::Seconds(2));
  for (int i = 0; i < 10; ++i) throttle.Failed("owing");
  EXPECT_GT(throttle.Wait("owing"), absl::ZeroDuration());
  throttle.Failed("one-more");
  EXPECT_GT(throttle.Wait("owing"), absl::ZeroDuration());
  EXPECT_LE(throttle.size(), 50u);
}

TEST(FailureThrottleTest, AClockSteppedBackDoesNotForgiveOrLockOutForLonger) {
  FakeClock clock;
  FailureThrottle throttle(clock, {2, absl::Seconds(10), 100});
  EXPECT_FALSE(throttle.Failed("client"));
  EXPECT_TRUE(throttle.Failed("client"));
  clock.Advance(-absl::Hours(1));
  // Still owed what a full bucket owes, never the hour the clock stepped.
  EXPECT_EQ(throttle.Wait("client"), absl::Seconds(10));
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(throttle.Wait("client"), absl::ZeroDuration());
  // And it fails its way back into the throttle at the usual pace, not at once.
  EXPECT_TRUE(throttle.Failed("client"));
  EXPECT_EQ(throttle.Wait("client"), absl::Seconds(10));
  clock.Advance(absl::Seconds(20));
  EXPECT_FALSE(throttle.Failed("client"));
  EXPECT_TRUE(throttle.Failed("client"));
}

}  // namespace
}  // namespace coffer
