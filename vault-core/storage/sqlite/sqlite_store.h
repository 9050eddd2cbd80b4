#ifndef COFFER_VAULT_CORE_STORAGE_SQLITE_SQLITE_STORE_H_
#define COFFER_VAULT_CORE_STORAGE_SQLITE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "lib/base/batcher.h"
#include "vault-core/storage/storage.h"
#include "vault-core/storage/watch_hub.h"

namespace coffer::storage::sqlite {
class Connection;
}

namespace coffer::storage {

// The embedded default: one SQLite file in WAL mode with synchronous=FULL, so a write is on
// disk when Commit returns. One writer connection, a pool of reader connections (WAL lets them
// read while a write is in progress). Concurrent commits are group-committed: the commits
// queued while one transaction is being written go into the next one, each in a savepoint of
// its own (one that fails is rolled back alone), for one fsync. Every commit
// still gets a revision of its own, in the order they are written. Thread-safe; one process
// per file (watches only see this process's writes).
class SqliteStore : public Store {
 public:
  // The schema this build writes; a file with a newer one is refused, older ones are migrated.
  static constexpr int kSchemaVersion = 1;

  struct Options {
    std::string path;
    int max_readers = 4;
  };

  // Creates the file if absent. Errors: FAILED_PRECONDITION (cannot open or create, or the file
  // has a newer schema), DATA_LOSS (not an SQLite database, or corrupt). A failed open writes
  // nothing to the file.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const Options& options);
  ~SqliteStore() override;

  absl::StatusOr<Entry> Get(std::string_view key) override;
  absl::StatusOr<Revision> Put(std::string_view key, std::string_view value,
                               std::optional<Revision> expected_revision) override;
  absl::StatusOr<Revision> Delete(std::string_view key,
                                  std::optional<Revision> expected_revision) override;
  absl::StatusOr<RangeResult> Range(const RangeRequest& request) override;
  absl::StatusOr<Revision> Commit(const std::vector<Precondition>& preconditions,
                                  const std::vector<Write>& writes) override;
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(
      std::string_view prefix, std::function<void(const WatchEvent&)> on_event) override;
  absl::Status CheckHealth() override;

 private:
  class ReaderLease;
  struct PendingCommit;

  SqliteStore(Options options, std::unique_ptr<sqlite::Connection> writer);
  absl::StatusOr<ReaderLease> LeaseReader();
  void ReturnReader(std::unique_ptr<sqlite::Connection> reader);
  // The Batcher's run: one SQLite transaction for the whole batch.
  void CommitBatch(const std::vector<PendingCommit*>& batch) ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::StatusOr<std::vector<WatchEvent>> CommitLocked(
      const std::vector<Precondition>& preconditions, const std::vector<Write>& writes,
      Revision* new_revision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  const Options options_;
  absl::Mutex write_mu_;
  std::unique_ptr<sqlite::Connection> writer_ ABSL_GUARDED_BY(write_mu_);
  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
  int open_readers_ ABSL_GUARDED_BY(readers_mu_) = 0;
  WatchHub hub_;
  Batcher<PendingCommit> batcher_;
};

}  // namespace coffer::storage

#endif  // COFFER_VAULT_CORE_STORAGE_SQLITE_SQLITE_STORE_H_
