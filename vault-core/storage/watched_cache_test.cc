#include "vault-core/storage/watched_cache.h"

#include <atomic>
#include <string>
#include <thread>
#include <utility>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/subprocess.h"
#include "vault-core/storage/cached_store.h"
#include "vault-core/storage/memory/memory_store.h"

namespace coffer::storage {
namespace {

using ::coffer::testing::StatusIs;
using Cache = WatchedCache<std::string>;

// Reads one key of a store as the cached value, counting how often it really reads.
struct CountingLoader {
  absl::StatusOr<std::shared_ptr<const std::string>> operator()() {
    ++loads;
    COFFER_ASSIGN_OR_RETURN(Entry entry, store.Get(key));
    return std::make_shared<const std::string>(entry.value);
  }
  Store& store;
  std::string key;
  std::atomic<int> loads{0};
};

std::string Value(absl::StatusOr<std::shared_ptr<const std::string>> got) {
  return got.ok() ? **got : std::string(got.status().message());
}

TEST(WatchedCacheTest, KeptValueIsServedWithoutReading) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("p/k", "1", std::nullopt).ok());
  auto cache = std::move(*Cache::Create(store, {"p/"}));
  CountingLoader load{store, "p/k"};
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "1");
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "1");
  EXPECT_EQ(load.loads, 1);
}

TEST(WatchedCacheTest, OwnChangeIsSeenAtOnce) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("p/k", "1", std::nullopt).ok());
  auto cache = std::move(*Cache::Create(store, {"p/"}));
  CountingLoader load{store, "p/k"};
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "1");
  ASSERT_TRUE(store.Put("p/k", "2", std::nullopt).ok());
  cache->Clear();  // what a service does right after its own commit
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "2");
}

TEST(WatchedCacheTest, ChangeFromElsewhereArrivesThroughTheWatch) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("p/k", "1", std::nullopt).ok());
  auto cache = std::move(*Cache::Create(store, {"p/"}));
  CountingLoader load{store, "p/k"};
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "1");
  ASSERT_TRUE(store.Put("p/k", "2", std::nullopt).ok());  // nobody calls Clear
  EXPECT_TRUE(testing::PollUntil([&] { return Value(cache->Get("k", std::ref(load))) == "2"; }));
}

// A load that read the old value, then lost the race to a change, must not leave the old value
// behind: the next reader reads again.
TEST(WatchedCacheTest, LoadThatRacedAChangeIsNotKept) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("p/k", "old", std::nullopt).ok());
  auto cache = std::move(*Cache::Create(store, {}));
  absl::Notification read_old, changed;
  std::thread reader([&] {
    auto got = cache->Get("k", [&]() -> absl::StatusOr<std::shared_ptr<const std::string>> {
      auto value = std::make_shared<const std::string>(store.Get("p/k")->value);
      read_old.Notify();
      changed.WaitForNotification();  // the writer commits and invalidates meanwhile
      return value;
    });
    EXPECT_EQ(Value(got), "old");  // its caller still gets what it read
  });
  read_old.WaitForNotification();
  ASSERT_TRUE(store.Put("p/k", "new", std::nullopt).ok());
  cache->Invalidate("k");
  changed.Notify();
  reader.join();
  CountingLoader load{store, "p/k"};
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "new");
  EXPECT_EQ(load.loads, 1);
}

TEST(WatchedCacheTest, InvalidatingOneKeyKeepsTheOthers) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("a", "1", std::nullopt).ok());
  ASSERT_TRUE(store.Put("b", "2", std::nullopt).ok());
  auto cache = std::move(*Cache::Create(store, {}));
  CountingLoader a{store, "a"}, b{store, "b"};
  ASSERT_TRUE(cache->Get("a", std::ref(a)).ok());
  ASSERT_TRUE(cache->Get("b", std::ref(b)).ok());
  cache->Invalidate("a");
  ASSERT_TRUE(cache->Get("a", std::ref(a)).ok());
  ASSERT_TRUE(cache->Get("b", std::ref(b)).ok());
  EXPECT_EQ(a.loads, 2);
  EXPECT_EQ(b.loads, 1);
}

TEST(WatchedCacheTest, ErrorsAreNeverKept) {
  MemoryStore store;
  auto cache = std::move(*Cache::Create(store, {}));
  CountingLoader load{store, "missing"};
  EXPECT_THAT(cache->Get("missing", std::ref(load)), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(cache->Get("missing", std::ref(load)), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(load.loads, 2);
  ASSERT_TRUE(store.Put("missing", "here now", std::nullopt).ok());
  EXPECT_EQ(Value(cache->Get("missing", std::ref(load))), "here now");  // no Clear needed
}

TEST(WatchedCacheTest, CapacityBoundsWhatIsKept) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("a", "1", std::nullopt).ok());
  ASSERT_TRUE(store.Put("b", "2", std::nullopt).ok());
  ASSERT_TRUE(store.Put("c", "3", std::nullopt).ok());
  auto cache = std::move(*Cache::Create(store, {}, /*capacity=*/2));
  CountingLoader a{store, "a"}, b{store, "b"}, c{store, "c"};
  ASSERT_TRUE(cache->Get("a", std::ref(a)).ok());
  ASSERT_TRUE(cache->Get("b", std::ref(b)).ok());
  ASSERT_TRUE(cache->Get("c", std::ref(c)).ok());  // full: a and b are dropped to make room
  ASSERT_TRUE(cache->Get("a", std::ref(a)).ok());
  ASSERT_TRUE(cache->Get("c", std::ref(c)).ok());
  EXPECT_EQ(a.loads, 2);
  EXPECT_EQ(c.loads, 1);
}

// A store whose watch events the test delivers by hand, to one watcher at a time: replicas
// (etcd) give no order between two watches, so a cache layered on CachedStore may hear of a
// change before CachedStore's own watch does.
class HandDeliveredWatchStore : public MemoryStore {
 public:
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(
      std::string_view, std::function<void(const WatchEvent&)> on_event) override {
    watchers_.push_back(std::move(on_event));
    return std::make_unique<WatchHandle>();
  }
  void Deliver(std::size_t watcher, const std::string& key, Revision revision) {
    watchers_.at(watcher)(WatchEvent{WatchEvent::Kind::kPut, key, "", revision});
  }

 private:
  std::vector<std::function<void(const WatchEvent&)>> watchers_;
};

TEST(WatchedCacheTest, CacheOnTopOfCachedStoreNeverReloadsTheOldRecord) {
  HandDeliveredWatchStore inner;
  ASSERT_TRUE(inner.Put("p/k", "old", std::nullopt).ok());
  auto records = std::move(*CachedStore::Create(inner));     // watcher 0: its own
  auto cache = std::move(*Cache::Create(*records, {"p/"}));  // watcher 1
  CountingLoader load{*records, "p/k"};
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "old");
  auto written = inner.Put("p/k", "new", std::nullopt);  // another replica's write
  ASSERT_TRUE(written.ok());
  inner.Deliver(1, "p/k", *written);  // the layered cache hears first; CachedStore's later
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "new");
  inner.Deliver(0, "p/k", *written);
  EXPECT_EQ(Value(cache->Get("k", std::ref(load))), "new");
}

// A replica's write that is slow to come back: while its Put is on the way, another replica
// writes the key again, this process reads that newer value, and both watch reports arrive.
class SlowPutStore : public HandDeliveredWatchStore {
 public:
  std::function<void()> while_returning;
  absl::StatusOr<Revision> Put(std::string_view key, std::string_view value,
                               std::optional<Revision> expected) override {
    auto revision = HandDeliveredWatchStore::Put(key, value, expected);
    if (while_returning) std::exchange(while_returning, nullptr)();
    return revision;
  }
};

TEST(WatchedCacheTest, CachedStoreNeverKeepsItsOwnWriteOverANewerOneReadMeanwhile) {
  SlowPutStore inner;
  auto records = std::move(*CachedStore::Create(inner));  // watcher 0
  Revision mine = 0;
  inner.while_returning = [&] {
    mine = inner.MemoryStore::Get("k")->revision;  // "older", just applied
    auto theirs = inner.MemoryStore::Put("k", "newer", std::nullopt);  // another replica
    ASSERT_TRUE(theirs.ok());
    EXPECT_EQ(records->Get("k")->value, "newer");  // read through, and kept
    inner.Deliver(0, "k", mine);                    // both reports come in
    inner.Deliver(0, "k", *theirs);
  };
  ASSERT_TRUE(records->Put("k", "older", std::nullopt).ok());
  EXPECT_EQ(records->Get("k")->value, "newer");
}

}  // namespace
}  // namespace coffer::storage
