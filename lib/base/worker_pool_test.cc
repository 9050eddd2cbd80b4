#include "lib/base/worker_pool.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lib/testing/subprocess.h"

namespace coffer {
namespace {

TEST(WorkerPoolTest, RunsEveryPostedTaskOnceIncludingAfterStop) {
  std::atomic<int> ran{0};
  std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> ran_on_caller{false};
  {
    WorkerPool pool(2);
    for (int i = 0; i < 100; ++i) pool.Post([&] { ++ran; });
    pool.Stop();  // runs what is queued
    EXPECT_EQ(ran.load(), 100);
    pool.Post([&] {
      ++ran;
      ran_on_caller = std::this_thread::get_id() == caller;
    });
  }
  EXPECT_EQ(ran.load(), 101);
  EXPECT_TRUE(ran_on_caller.load());
}

TEST(WorkerPoolTest, TryPostRefusesWorkBeyondTheBoundAndRunsWhatItTook) {
  absl::Notification release;
  std::atomic<int> ran{0};
  WorkerPool pool(1);
  pool.Post([&] { release.WaitForNotification(); });  // holds the only thread
  // The holder may not have left the queue yet: wait until it has, so the count below is exact.
  ASSERT_TRUE(testing::PollUntil([&] { return pool.TryPost([&] { ++ran; }, 1); }));
  EXPECT_FALSE(pool.TryPost([&] { ++ran; }, 1));
  EXPECT_TRUE(pool.TryPost([&] { ++ran; }, 2));
  release.Notify();
  pool.Stop();
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace coffer
