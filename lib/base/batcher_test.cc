#include "lib/base/batcher.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "lib/testing/subprocess.h"

namespace coffer {
namespace {

using ::testing::ElementsAre;

struct Job {
  int id = 0;
  std::size_t bytes = 0;
  int runs = 0;
  bool throws = false;  // its batch's run throws after running it
};

// Records the batches it runs; the first one can be held until the test lets it go, so that
// the test knows who queued behind it.
class Recorder {
 public:
  explicit Recorder(Batcher<Job>::Limits limits = {})
      : batcher_(
            limits, [](const Job& job) { return job.bytes; },
            [this](std::string_view key, const std::vector<Job*>& batch) { Run(key, batch); }) {}

  Batcher<Job>& batcher() { return batcher_; }
  absl::Notification& first_started() { return first_started_; }
  void Release() { release_.Notify(); }
  std::vector<std::vector<int>> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }

 private:
  void Run(std::string_view key, const std::vector<Job*>& batch) {
    if (key == "held" && !first_started_.HasBeenNotified()) {
      first_started_.Notify();
      release_.WaitForNotification();
    }
    std::vector<int> ids;
    bool throws = false;
    for (Job* job : batch) {
      ++job->runs;
      ids.push_back(job->id);
      throws = throws || job->throws;
    }
    {
      absl::MutexLock lock(&mu_);
      batches_.push_back(ids);
    }
    if (throws) throw std::runtime_error("run failed");
  }

  Batcher<Job> batcher_;
  absl::Notification first_started_;
  absl::Notification release_;
  absl::Mutex mu_;
  std::vector<std::vector<int>> batches_ ABSL_GUARDED_BY(mu_);
};

// Holds job 0's batch under "held", queues jobs 1.. behind it one after another (so that they
// queue in id order), then lets job 0's batch go and waits for every submitter.
void RunBehindHeldBatch(Recorder& recorder, std::vector<Job>& jobs) {
  std::thread first([&] { recorder.batcher().Submit("held", jobs[0]); });
  recorder.first_started().WaitForNotification();
  std::vector<std::thread> rest;
  for (std::size_t i = 1; i < jobs.size(); ++i) {
    rest.emplace_back([&, i] {
      try {
        recorder.batcher().Submit("held", jobs[i]);
      } catch (const std::runtime_error&) {
        // The job that makes its batch throw; its thread ran the batch.
      }
    });
    EXPECT_TRUE(testing::PollUntil([&] { return recorder.batcher().Waiting("held") == i; }));
  }
  recorder.Release();
  first.join();
  for (auto& t : rest) t.join();
}

TEST(BatcherTest, ALoneCallerRunsItsOwnJobAtOnce) {
  Recorder recorder;
  Job job{7};
  recorder.batcher().Submit("k", job);
  EXPECT_EQ(job.runs, 1);
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(7)));
  EXPECT_EQ(recorder.batcher().Waiting("k"), 0u);
}

TEST(BatcherTest, JobsQueuedBehindARunningBatchRunTogetherInTheNext) {
  Recorder recorder;
  std::vector<Job> jobs(11);
  for (int i = 0; i < 11; ++i) jobs[i].id = i;
  RunBehindHeldBatch(recorder, jobs);

  EXPECT_THAT(recorder.batches(),
              ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)));
  for (const Job& job : jobs) EXPECT_EQ(job.runs, 1);
}

TEST(BatcherTest, ABatchStopsAtMaxJobsAndMaxBytes) {
  Recorder by_count(Batcher<Job>::Limits{4});
  std::vector<Job> jobs(11);
  for (int i = 0; i < 11; ++i) jobs[i].id = i;
  RunBehindHeldBatch(by_count, jobs);
  EXPECT_THAT(by_count.batches(), ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3, 4),
                                              ElementsAre(5, 6, 7, 8), ElementsAre(9, 10)));

  // 100-byte jobs under a 250-byte cap go two at a time; a job over the cap runs alone, and
  // none is added to it.
  Recorder by_bytes(Batcher<Job>::Limits{64, 250});
  std::vector<Job> sized(6);
  for (int i = 0; i < 6; ++i) sized[i] = Job{i, i == 1 ? std::size_t{1000} : std::size_t{100}};
  RunBehindHeldBatch(by_bytes, sized);
  EXPECT_THAT(by_bytes.batches(), ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2, 3),
                                              ElementsAre(4, 5)));
}

TEST(BatcherTest, ARunThatThrowsReachesItsCallerAndFreesTheOthersAndTheKey) {
  Recorder recorder;
  std::vector<Job> jobs(4);
  for (int i = 0; i < 4; ++i) jobs[i].id = i;
  jobs[1].throws = true;  // leads the second batch, [1, 2, 3]
  RunBehindHeldBatch(recorder, jobs);  // would hang if 2 and 3 were never let go
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(0), ElementsAre(1, 2, 3)));

  Job after{9};
  recorder.batcher().Submit("held", after);  // would hang if the key stayed led
  EXPECT_EQ(after.runs, 1);
  Job alone{10};
  alone.throws = true;
  EXPECT_THROW(recorder.batcher().Submit("other", alone), std::runtime_error);
}

TEST(BatcherTest, OtherKeysDoNotWaitForABusyKey) {
  Recorder recorder;
  std::vector<Job> jobs(1);
  std::thread held([&] { recorder.batcher().Submit("held", jobs[0]); });
  recorder.first_started().WaitForNotification();
  Job other{42};
  recorder.batcher().Submit("other", other);  // would hang if keys shared one queue
  EXPECT_EQ(other.runs, 1);
  recorder.Release();
  held.join();
}

TEST(BatcherTest, EveryJobRunsExactlyOnceUnderContention) {
  Recorder recorder(Batcher<Job>::Limits{8});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<Job> jobs(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Job& job = jobs[t * kPerThread + i];
        job.id = t * kPerThread + i;
        recorder.batcher().Submit(std::to_string(i % 3), job);
        EXPECT_EQ(job.runs, 1);  // run before Submit returned
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const Job& job : jobs) EXPECT_EQ(job.runs, 1);
  for (const auto& batch : recorder.batches()) EXPECT_LE(batch.size(), 8u);
}

}  // namespace
}  // namespace coffer
