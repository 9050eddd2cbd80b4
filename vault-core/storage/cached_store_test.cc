#include "vault-core/storage/cached_store.h"

#include "lib/testing/subprocess.h"
#include "vault-core/storage/memory/memory_store.h"
#include "vault-core/storage/storage_conformance.h"

namespace coffer::storage {
namespace {

// The cache in front of a memory store must behave exactly like a store.
class CachedMemoryStore : public Store {
 public:
  CachedMemoryStore() : cached_(std::move(*CachedStore::Create(inner_))) {}
  absl::StatusOr<Entry> Get(std::string_view key) override { return cached_->Get(key); }
  absl::StatusOr<Revision> Put(std::string_view key, std::string_view value,
                               std::optional<Revision> expected) override {
    return cached_->Put(key, value, expected);
  }
  absl::StatusOr<Revision> Delete(std::string_view key, std::optional<Revision> expected) override {
    return cached_->Delete(key, expected);
  }
  absl::StatusOr<RangeResult> Range(const RangeRequest& request) override {
    return cached_->Range(request);
  }
  absl::StatusOr<Revision> Commit(const std::vector<Precondition>& preconditions,
                                  const std::vector<Write>& writes) override {
    return cached_->Commit(preconditions, writes);
  }
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(
      std::string_view prefix, std::function<void(const WatchEvent&)> on_event) override {
    return cached_->Watch(prefix, std::move(on_event));
  }
  absl::Status CheckHealth() override { return cached_->CheckHealth(); }

  MemoryStore inner_;
  std::unique_ptr<CachedStore> cached_;
};

INSTANTIATE_TEST_SUITE_P(Cached, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"CachedMemory",
                                                        [](const testing::TempDir&) {
                                                          return std::unique_ptr<Store>(
                                                              new CachedMemoryStore());
                                                        }}),
                         [](const auto& info) { return info.param.name; });

TEST(CachedStoreTest, WritesBehindTheCachesBackAreSeenOnceTheWatchReportsThem) {
  MemoryStore inner;
  auto cached = std::move(*CachedStore::Create(inner));
  ASSERT_TRUE(cached->Put("k", "old", std::nullopt).ok());
  EXPECT_EQ(cached->Get("k")->value, "old");              // now cached
  ASSERT_TRUE(inner.Put("k", "new", std::nullopt).ok());  // as another replica would
  EXPECT_TRUE(testing::PollUntil([&] { return cached->Get("k")->value == "new"; }));
}

TEST(CachedStoreTest, OwnWritesAreVisibleAtOnce) {
  MemoryStore inner;
  auto cached = std::move(*CachedStore::Create(inner));
  ASSERT_TRUE(cached->Put("k", "1", std::nullopt).ok());
  EXPECT_EQ(cached->Get("k")->value, "1");
  ASSERT_TRUE(cached->Commit({}, {Write::Put("k", "2")}).ok());
  EXPECT_EQ(cached->Get("k")->value, "2");
  ASSERT_TRUE(cached->Delete("k", std::nullopt).ok());
  EXPECT_TRUE(absl::IsNotFound(cached->Get("k").status()));
}

}  // namespace
}  // namespace coffer::storage
