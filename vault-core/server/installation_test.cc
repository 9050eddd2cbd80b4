#include "vault-core/server/installation.h"

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/storage/memory/memory_store.h"

namespace coffer::server {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::StatusIs;
using ::testing::HasSubstr;

// Every key and value, to show that a refusal wrote nothing.
std::vector<std::pair<std::string, std::string>> Contents(storage::Store& store) {
  std::vector<std::pair<std::string, std::string>> all;
  absl::StatusOr<storage::RangeResult> range = store.Range({"", "", 0});
  EXPECT_THAT(range, IsOk());
  if (!range.ok()) return all;
  for (const storage::Entry& e : range->entries) all.emplace_back(e.key, e.value);
  return all;
}

TEST(BindInstallationTest, FirstReplicaCreatesItAndLaterOnesWithTheSameKeyJoin) {
  storage::MemoryStore store;
  COFFER_ASSERT_OK_AND_ASSIGN(std::string tenant, BindInstallation(store, "kcv:aaaa"));
  EXPECT_EQ(store.Get("installation/master-key")->value, "kcv:aaaa");
  auto again = BindInstallation(store, "kcv:aaaa");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, tenant);
}

TEST(BindInstallationTest, AReplicaWithAnotherMasterKeyIsRefusedAndWritesNothing) {
  storage::MemoryStore store;
  COFFER_ASSERT_OK(BindInstallation(store, "kcv:aaaa"));
  auto before = Contents(store);
  EXPECT_THAT(BindInstallation(store, "kcv:bbbb"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("key ceremony")));
  EXPECT_EQ(Contents(store), before);
}

TEST(BindInstallationTest, AStoreHoldingOtherDataIsRefusedAndWritesNothing) {
  storage::MemoryStore store;
  COFFER_ASSERT_OK(store.Put("someone/else", "x", std::nullopt));
  auto before = Contents(store);
  EXPECT_THAT(BindInstallation(store, "kcv:aaaa"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no Coffer installation")));
  EXPECT_EQ(Contents(store), before);
}

TEST(BindInstallationTest, ElectionKeysDoNotCountAsForeignData) {
  storage::MemoryStore store;
  COFFER_ASSERT_OK(store.Put("leader/background-jobs", "vault-0", std::nullopt));
  EXPECT_THAT(BindInstallation(store, "kcv:aaaa"), IsOk());
}

TEST(BindInstallationTest, AnInstallationFromBeforeMasterKeysWereRecordedRecordsThisOne) {
  storage::MemoryStore store;
  COFFER_ASSERT_OK(store.Put("installation/tenant", "tenant-1", std::nullopt));
  COFFER_ASSERT_OK(store.Put("vaults/1", "x", std::nullopt));
  auto bound = BindInstallation(store, "kcv:aaaa");
  ASSERT_THAT(bound, IsOk());
  EXPECT_EQ(*bound, "tenant-1");
  EXPECT_EQ(store.Get("installation/master-key")->value, "kcv:aaaa");
  EXPECT_THAT(BindInstallation(store, "kcv:bbbb"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace coffer::server
