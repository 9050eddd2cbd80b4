#include "vault-core/storage/storage_conformance.h"

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"

namespace coffer::storage {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;

std::vector<std::string> Keys(const RangeResult& result) {
  std::vector<std::string> keys;
  for (const auto& e : result.entries) keys.push_back(e.key);
  return keys;
}

TEST_P(StoreConformanceTest, GetMissingKeyIsNotFound) {
  EXPECT_THAT(store_->Get("nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, EmptyKeyIsInvalidArgument) {
  EXPECT_THAT(store_->Put("", "v", std::nullopt), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(StoreConformanceTest, PutThenGetReturnsValueAndRevision) {
  COFFER_ASSERT_OK_AND_ASSIGN(Revision r1, store_->Put("k", "v1", std::nullopt));
  COFFER_ASSERT_OK_AND_ASSIGN(Entry e, store_->Get("k"));
  EXPECT_EQ(e.value, "v1");
  EXPECT_EQ(e.revision, r1);
  COFFER_ASSERT_OK_AND_ASSIGN(Revision r2, store_->Put("k", "v2", std::nullopt));
  EXPECT_GT(r2, r1);
  EXPECT_EQ(store_->Get("k")->value, "v2");
}

TEST_P(StoreConformanceTest, BinaryKeysAndValuesRoundTrip) {
  std::string key("a\0b\xff", 4);
  std::string value("\0\x01\xfe\xff", 4);
  COFFER_ASSERT_OK(store_->Put(key, value, std::nullopt));
  COFFER_ASSERT_OK_AND_ASSIGN(Entry e, store_->Get(key));
  EXPECT_EQ(e.value, value);
  EXPECT_THAT(store_->Get(std::string("a\0b", 3)), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, CreateOnlyPutFailsWhenKeyExists) {
  COFFER_ASSERT_OK(store_->Put("k", "first", kMustNotExist));
  EXPECT_THAT(store_->Put("k", "second", kMustNotExist), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(store_->Get("k")->value, "first");
}

TEST_P(StoreConformanceTest, PutWithStaleRevisionAbortsAndKeepsValue) {
  COFFER_ASSERT_OK_AND_ASSIGN(Revision r1, store_->Put("k", "v1", std::nullopt));
  COFFER_ASSERT_OK_AND_ASSIGN(Revision r2, store_->Put("k", "v2", r1));
  EXPECT_THAT(store_->Put("k", "lost", r1), StatusIs(absl::StatusCode::kAborted));
  COFFER_ASSERT_OK_AND_ASSIGN(Entry e, store_->Get("k"));
  EXPECT_EQ(e.value, "v2");
  EXPECT_EQ(e.revision, r2);
}

TEST_P(StoreConformanceTest, DeleteRemovesKeyAndMissingKeyIsNotFound) {
  COFFER_ASSERT_OK(store_->Put("k", "v", std::nullopt));
  COFFER_ASSERT_OK(store_->Delete("k", std::nullopt));
  EXPECT_THAT(store_->Get("k"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Delete("k", std::nullopt), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, DeleteWithStaleRevisionAborts) {
  COFFER_ASSERT_OK_AND_ASSIGN(Revision r1, store_->Put("k", "v1", std::nullopt));
  COFFER_ASSERT_OK(store_->Put("k", "v2", std::nullopt));
  EXPECT_THAT(store_->Delete("k", r1), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(store_->Get("k"), IsOk());
}

TEST_P(StoreConformanceTest, RangeReturnsOnlyThePrefixInKeyOrder) {
  for (const char* key : {"a/2", "a/1", "a0", "a/3", "b/1", "a"}) {
    COFFER_ASSERT_OK(store_->Put(key, key, std::nullopt));
  }
  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult result, store_->Range({"a/", "", 0}));
  EXPECT_THAT(Keys(result), ElementsAre("a/1", "a/2", "a/3"));
  EXPECT_EQ(result.continuation, "");
  EXPECT_EQ(result.entries[0].value, "a/1");
}

TEST_P(StoreConformanceTest, RangeWithHighBytePrefixStopsAtItsEnd) {
  COFFER_ASSERT_OK(
      store_->Put("p\xff"
                  "1",
                  "x", std::nullopt));
  COFFER_ASSERT_OK(store_->Put("q", "y", std::nullopt));
  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult result, store_->Range({"p\xff", "", 0}));
  EXPECT_THAT(Keys(result), ElementsAre("p\xff"
                                        "1"));
}

TEST_P(StoreConformanceTest, RangePagesThroughEveryKeyOnce) {
  for (int i = 0; i < 7; ++i) {
    COFFER_ASSERT_OK(store_->Put("page/" + std::to_string(i), "v", std::nullopt));
  }
  std::vector<std::string> seen;
  RangeRequest request{"page/", "", 3};
  int pages = 0;
  do {
    COFFER_ASSERT_OK_AND_ASSIGN(RangeResult result, store_->Range(request));
    EXPECT_LE(result.entries.size(), 3u);
    for (const auto& key : Keys(result)) seen.push_back(key);
    request.continuation = result.continuation;
    ++pages;
  } while (!request.continuation.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen,
              ElementsAre("page/0", "page/1", "page/2", "page/3", "page/4", "page/5", "page/6"));
}

TEST_P(StoreConformanceTest, RangeRejectsContinuationOfAnotherPrefix) {
  EXPECT_THAT(store_->Range({"a/", "b/1", 10}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(StoreConformanceTest, CommitIsAllOrNothing) {
  COFFER_ASSERT_OK(store_->Put("existing", "old", std::nullopt));
  auto result = store_->Commit({Precondition{"existing", kMustNotExist}},
                               {Write::Put("new", "x"), Write::Delete("existing")});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(store_->Get("new"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store_->Get("existing")->value, "old");
}

TEST_P(StoreConformanceTest, CommitAppliesEveryWriteAtOneRevision) {
  COFFER_ASSERT_OK_AND_ASSIGN(Revision r0, store_->Put("gone", "x", std::nullopt));
  COFFER_ASSERT_OK_AND_ASSIGN(
      Revision r, store_->Commit({Precondition{"gone", r0}, Precondition{"a", kMustNotExist}},
                                 {Write::Put("a", "1"), Write::Put("b", "2"), Write::Delete("gone"),
                                  Write::Delete("never-was")}));
  EXPECT_GT(r, r0);
  EXPECT_EQ(store_->Get("a")->revision, r);
  EXPECT_EQ(store_->Get("b")->revision, r);
  EXPECT_THAT(store_->Get("gone"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneKeyHaveExactlyOneWinner) {
  std::atomic<int> winners{0};
  std::atomic<int> aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = store_->Put("race", std::to_string(i), kMustNotExist);
      if (r.ok()) ++winners;
      if (absl::IsAborted(r.status())) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(aborted.load(), 7);
}

TEST_P(StoreConformanceTest, ConcurrentWritersLoseNothing) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_THAT(
            store_->Put("w/" + std::to_string(t) + "/" + std::to_string(i), "v", std::nullopt),
            IsOk());
      }
    });
  }
  for (auto& t : threads) t.join();
  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult result, store_->Range({"w/", "", 0}));
  EXPECT_EQ(result.entries.size(), 100u);
}

// Commits that arrive together (a store may write them in one transaction) each get their own
// outcome: one whose precondition fails changes nothing and fails no other; every other is
// applied once, at a revision of its own, and watchers see them in revision order.
TEST_P(StoreConformanceTest, ConcurrentCommitsEachGetTheirOwnOutcome) {
  EventLog log;
  COFFER_ASSERT_OK_AND_ASSIGN(auto watch, store_->Watch("c/", log.Recorder()));
  absl::Mutex mu;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::map<std::string, Revision> applied;  // key -> the revision its commit returned
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string suffix = std::to_string(t) + "/" + std::to_string(i);
        if (i % 3 == 2) {  // a precondition that cannot hold
          auto lost = store_->Commit({{"c/missing", 1}}, {Write::Put("c/bad/" + suffix, "x")});
          EXPECT_THAT(lost, StatusIs(absl::StatusCode::kAborted));
          continue;
        }
        const std::string key = "c/good/" + suffix;
        auto revision = store_->Commit({{key, kMustNotExist}}, {Write::Put(key, suffix)});
        ASSERT_THAT(revision, IsOk());
        absl::MutexLock lock(&mu);
        applied[key] = *revision;
      }
    });
  }
  for (auto& t : threads) t.join();

  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult bad, store_->Range({"c/bad/", "", 0}));
  EXPECT_TRUE(bad.entries.empty());
  COFFER_ASSERT_OK_AND_ASSIGN(RangeResult good, store_->Range({"c/good/", "", 0}));
  ASSERT_EQ(good.entries.size(), applied.size());
  std::set<Revision> revisions;
  for (const Entry& entry : good.entries) {
    EXPECT_EQ(entry.revision, applied[entry.key]) << entry.key;
    revisions.insert(entry.revision);
  }
  EXPECT_EQ(revisions.size(), applied.size()) << "two commits shared a revision";
  ASSERT_TRUE(testing::PollUntil([&] { return log.Events().size() >= applied.size(); }));
  const std::vector<WatchEvent> events = log.Events();
  ASSERT_EQ(events.size(), applied.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].revision, applied[events[i].key]) << events[i].key;
    if (i > 0) {
      EXPECT_LT(events[i - 1].revision, events[i].revision);
    }
  }
}

TEST_P(StoreConformanceTest, WatchDeliversChangesUnderPrefixInCommitOrder) {
  EventLog log;
  COFFER_ASSERT_OK_AND_ASSIGN(auto watch, store_->Watch("w/", log.Recorder()));
  COFFER_ASSERT_OK(store_->Put("w/1", "a", std::nullopt));
  COFFER_ASSERT_OK(store_->Put("other", "x", std::nullopt));
  COFFER_ASSERT_OK(store_->Put("w/2", "b", std::nullopt));
  COFFER_ASSERT_OK(store_->Delete("w/1", std::nullopt));
  ASSERT_TRUE(testing::PollUntil([&] { return log.Events().size() >= 3; }));
  const std::vector<WatchEvent> events = log.Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].key, "w/1");
  EXPECT_EQ(events[0].value, "a");
  EXPECT_EQ(events[1].key, "w/2");
  EXPECT_EQ(events[2].kind, WatchEvent::Kind::kDelete);
  EXPECT_EQ(events[2].key, "w/1");
  EXPECT_LT(events[0].revision, events[1].revision);
  EXPECT_LT(events[1].revision, events[2].revision);
}

TEST_P(StoreConformanceTest, DestroyedWatchReceivesNothingMore) {
  std::atomic<int> calls{0};
  COFFER_ASSERT_OK_AND_ASSIGN(auto watch, store_->Watch("", [&](const WatchEvent&) { ++calls; }));
  COFFER_ASSERT_OK(store_->Put("x", "1", std::nullopt));
  ASSERT_TRUE(testing::PollUntil([&] { return calls.load() == 1; }));
  watch.reset();
  COFFER_ASSERT_OK(store_->Put("x", "2", std::nullopt));
  // A second watcher seeing the later "3" proves "2" was dispatched (events go out in commit
  // order); the first watcher must not have seen it.
  std::atomic<bool> saw_three{false};
  COFFER_ASSERT_OK_AND_ASSIGN(auto probe, store_->Watch("", [&](const WatchEvent& e) {
    if (e.value == "3") saw_three = true;
  }));
  COFFER_ASSERT_OK(store_->Put("x", "3", std::nullopt));
  ASSERT_TRUE(testing::PollUntil([&] { return saw_three.load(); }));
  EXPECT_EQ(calls.load(), 1);
}

TEST_P(StoreConformanceTest, HealthCheckPasses) { EXPECT_THAT(store_->CheckHealth(), IsOk()); }

}  // namespace
}  // namespace coffer::storage
