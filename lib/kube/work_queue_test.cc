#include "lib/kube/work_queue.h"

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/base/fake_clock.h"

namespace coffer::kube {
namespace {

TEST(WorkQueueTest, KeyAddedManyTimesIsQueuedOnce) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.Get(), "a");
  EXPECT_EQ(queue.Get(), "b");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, KeyAddedDuringProcessingIsRequeuedAfterDone) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  ASSERT_EQ(queue.Get(), "a");
  queue.Add("a");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 0u) << "must not be handed out while it is processing";
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, SecondWorkerGetsKeyOnlyAfterFirstIsDone) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("k");
  ASSERT_EQ(queue.Get(), "k");
  queue.Add("k");
  std::atomic<bool> first_done{false};
  std::atomic<bool> got_before_done{false};
  std::thread second([&] {
    std::optional<std::string> key = queue.Get();
    got_before_done = key.has_value() && !first_done.load();
    if (key) queue.Done(*key);
  });
  first_done = true;
  queue.Done("k");
  second.join();
  EXPECT_FALSE(got_before_done.load());
}

TEST(WorkQueueTest, TwoWorkersNeverHoldTheSameKeyAtOnce) {
  FakeClock clock;
  WorkQueue queue(clock);
  std::atomic<int> in_flight{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  auto worker = [&] {
    while (std::optional<std::string> key = queue.Get()) {
      if (in_flight.fetch_add(1) != 0) overlaps++;
      processed++;
      in_flight.fetch_sub(1);
      queue.Done(*key);
    }
  };
  std::thread w1(worker);
  std::thread w2(worker);
  for (int i = 0; i < 2000; ++i) queue.Add("same");
  queue.ShutDown();
  w1.join();
  w2.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), 1);
}

TEST(WorkQueueTest, AddAfterIsReadyOnlyOnceTheClockPassesItsTime) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("k", absl::Seconds(10));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 0u);
  clock.Advance(absl::Seconds(9));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 0u);
  clock.Advance(absl::Seconds(1));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), "k");
}

TEST(WorkQueueTest, AddAfterKeepsTheEarlierTimeForAKey) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("k", absl::Seconds(10));
  queue.AddAfter("k", absl::Seconds(2));
  queue.AddAfter("k", absl::Seconds(5));
  clock.Advance(absl::Seconds(2));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), "k");
  queue.Done("k");
  clock.Advance(absl::Seconds(10));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 0u) << "the later adds were folded into the first";
}

TEST(WorkQueueTest, BlockedGetWakesWhenDelayedKeyBecomesDue) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("k", absl::Minutes(5));
  std::optional<std::string> got;
  std::thread worker([&] { got = queue.Get(); });
  clock.Advance(absl::Minutes(5));
  queue.ProcessDelayed();
  worker.join();
  EXPECT_EQ(got, "k");
}

TEST(RateLimiterTest, BackoffDoublesFromFiveMillisecondsUpToTheCap) {
  RateLimiter limiter;
  EXPECT_EQ(limiter.When("k"), absl::Milliseconds(5));
  EXPECT_EQ(limiter.When("k"), absl::Milliseconds(10));
  EXPECT_EQ(limiter.When("k"), absl::Milliseconds(20));
  EXPECT_EQ(limiter.When("other"), absl::Milliseconds(5));
  EXPECT_EQ(limiter.NumRequeues("k"), 3);
  for (int i = 0; i < 100; ++i) limiter.When("k");
  EXPECT_EQ(limiter.When("k"), absl::Seconds(1000));
  limiter.Forget("k");
  EXPECT_EQ(limiter.NumRequeues("k"), 0);
  EXPECT_EQ(limiter.When("k"), absl::Milliseconds(5));
}

TEST(WorkQueueTest, AddRateLimitedBacksOffUntilForgotten) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddRateLimited("k");
  EXPECT_EQ(queue.NumRequeues("k"), 1);
  clock.Advance(absl::Milliseconds(4));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 0u);
  clock.Advance(absl::Milliseconds(1));
  queue.ProcessDelayed();
  ASSERT_EQ(queue.Get(), "k");
  queue.Done("k");

  queue.AddRateLimited("k");  // Second failure: 10 ms.
  clock.Advance(absl::Milliseconds(9));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 0u);
  clock.Advance(absl::Milliseconds(1));
  queue.ProcessDelayed();
  ASSERT_EQ(queue.Get(), "k");
  queue.Done("k");

  queue.Forget("k");
  EXPECT_EQ(queue.NumRequeues("k"), 0);
  queue.AddRateLimited("k");
  clock.Advance(absl::Milliseconds(5));
  queue.ProcessDelayed();
  EXPECT_EQ(queue.Len(), 1u);
}

TEST(WorkQueueTest, ShutDownWakesBlockedGet) {
  FakeClock clock;
  WorkQueue queue(clock);
  std::atomic<bool> returned{false};
  std::optional<std::string> got = "unset";
  std::thread worker([&] {
    got = queue.Get();
    returned = true;
  });
  queue.ShutDown();
  worker.join();
  EXPECT_TRUE(returned.load());
  EXPECT_EQ(got, std::nullopt);
}

TEST(WorkQueueTest, ShutDownDrainsReadyKeysThenRefusesNewOnes) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add("a");
  queue.AddAfter("later", absl::Seconds(1));
  queue.ShutDown();
  queue.Add("b");
  EXPECT_TRUE(queue.ShuttingDown());
  EXPECT_EQ(queue.Get(), "a");
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(queue.Get(), std::nullopt);
}

}  // namespace
}  // namespace coffer::kube
