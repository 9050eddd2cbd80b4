#include "vault-core/storage/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "lib/testing/status_matchers.h"
#include "vault-core/storage/storage_conformance.h"

namespace coffer::storage {
namespace {

using ::coffer::testing::IsOk;
using ::coffer::testing::ReadFileOrDie;
using ::coffer::testing::StatusIs;
using ::coffer::testing::TempDir;
using ::coffer::testing::WriteFileOrDie;
using ::testing::HasSubstr;

std::unique_ptr<Store> OpenOrNull(const std::string& path) {
  auto store = SqliteStore::Open({path});
  EXPECT_THAT(store, IsOk());
  if (!store.ok()) return nullptr;
  return std::move(*store);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreFactory{
                             "Sqlite",
                             [](const TempDir& dir) { return OpenOrNull(dir.File("kv.db")); }}),
                         [](const auto& info) { return info.param.name; });

// Sets PRAGMA user_version directly, as a newer build would have.
void SetUserVersion(const std::string& path, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "PRAGMA user_version = " + std::to_string(version);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, WritesSurviveReopen) {
  TempDir dir;
  std::string path = dir.File("kv.db");
  Revision revision;
  {
    auto store = OpenOrNull(path);
    ASSERT_NE(store, nullptr);
    COFFER_ASSERT_OK(store->Put("a", "1", std::nullopt));
    COFFER_ASSERT_OK_AND_ASSIGN(revision, store->Put("b", "2", std::nullopt));
  }
  auto store = OpenOrNull(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get("a")->value, "1");
  EXPECT_EQ(store->Get("b")->revision, revision);
  // Revisions keep rising across restarts.
  EXPECT_GT(*store->Put("c", "3", std::nullopt), revision);
}

// The database and its WAL and shared-memory files are the owner's alone from creation,
// whatever the umask (issue 17 §4).
TEST(SqliteStoreTest, NewFilesAreOwnerOnly) {
  TempDir dir;
  const std::string path = dir.File("kv.db");
  const mode_t old_umask = ::umask(0);  // the widest a process could have
  auto store = OpenOrNull(path);
  ::umask(old_umask);
  ASSERT_NE(store, nullptr);
  COFFER_ASSERT_OK(store->Put("a", "1", std::nullopt));  // the WAL is in use
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
}

TEST(SqliteStoreTest, NewerSchemaIsRefusedAndFileIsUntouched) {
  TempDir dir;
  std::string path = dir.File("kv.db");
  { ASSERT_NE(OpenOrNull(path), nullptr); }
  SetUserVersion(path, SqliteStore::kSchemaVersion + 1);
  std::string before = ReadFileOrDie(path);
  EXPECT_THAT(SqliteStore::Open({path}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("newer")));
  EXPECT_EQ(ReadFileOrDie(path), before);
}

TEST(SqliteStoreTest, FileThatIsNotADatabaseIsDataLossAndUntouched) {
  TempDir dir;
  std::string path = dir.File("kv.db");
  std::string garbage(8192, 'x');
  WriteFileOrDie(path, garbage);
  EXPECT_THAT(SqliteStore::Open({path}), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(ReadFileOrDie(path), garbage);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteStoreTest, CorruptPagesAreDataLossAndUntouched) {
  TempDir dir;
  std::string path = dir.File("kv.db");
  {
    auto store = OpenOrNull(path);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 200; ++i) {
      COFFER_ASSERT_OK(store->Put("key/" + std::to_string(i), std::string(200, 'v'), std::nullopt));
    }
  }
  // Closing checkpointed the WAL into the main file; scribble over its second page.
  std::string bytes = ReadFileOrDie(path);
  ASSERT_GT(bytes.size(), 3u * 4096);
  for (std::size_t i = 4096 + 8; i < 4096 + 200; ++i) bytes[i] = '\x5a';
  WriteFileOrDie(path, bytes);
  EXPECT_THAT(SqliteStore::Open({path}), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(ReadFileOrDie(path), bytes);
}

TEST(SqliteStoreTest, MissingDirectoryIsAClearError) {
  TempDir dir;
  EXPECT_THAT(SqliteStore::Open({dir.File("no/such/dir/kv.db")}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cannot open database")));
}

}  // namespace
}  // namespace coffer::storage
