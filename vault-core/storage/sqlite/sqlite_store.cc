#include "vault-core/storage/sqlite/sqlite_store.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/absl_compat.h"
#include "lib/base/logging.h"
#include "lib/base/status.h"
#include "vault-core/storage/sqlite/sqlite_connection.h"
#include "vault-core/storage/store_util.h"

namespace coffer::storage {
namespace {

using sqlite::Connection;
using sqlite::SqliteError;

// Schema steps; step i takes a file from version i to version i + 1. Append, never edit.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, revision INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE coffer_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO coffer_meta (name, value) VALUES ('revision', 0);",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == SqliteStore::kSchemaVersion);

absl::Status Migrate(Connection& db, int from_version) {
  if (from_version == SqliteStore::kSchemaVersion) return absl::OkStatus();
  COFFER_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  for (int v = from_version; v < SqliteStore::kSchemaVersion; ++v) {
    absl::Status status = db.Exec(kMigrations[v]);
    if (status.ok()) status = db.Exec(absl::StrCat("PRAGMA user_version = ", v + 1));
    if (!status.ok()) {
      (void)db.Exec("ROLLBACK");
      return WithContext(status, absl::StrCat("migrating schema to version ", v + 1));
    }
  }
  COFFER_RETURN_IF_ERROR(db.Exec("COMMIT"));
  COFFER_LOG(kStorage, info, "database schema migrated from version {} to {}", from_version,
             SqliteStore::kSchemaVersion);
  return absl::OkStatus();
}

// Reads the schema version and checks the file before anything is written to it.
absl::StatusOr<int> CheckExistingFile(Connection& db, const std::string& path) {
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return WithContext(version.status(), path);
  if (*version > SqliteStore::kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database ", path, " has schema version ", *version, ", newer than this build's ",
        SqliteStore::kSchemaVersion, ": run a newer coffer-vault or restore a backup"));
  }
  auto check = db.QueryText("PRAGMA quick_check");
  if (!check.ok()) return WithContext(check.status(), path);
  if (*check != "ok") {
    return absl::DataLossError(absl::StrCat("database ", path, " is corrupt: ", *check));
  }
  return static_cast<int>(*version);
}

absl::Status ConfigureConnection(Connection& db, bool reader) {
  COFFER_RETURN_IF_ERROR(db.Exec("PRAGMA busy_timeout = 10000"));
  if (reader) return db.Exec("PRAGMA query_only = 1");
  COFFER_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));
  return db.Exec("PRAGMA synchronous = FULL");
}

// The smallest key greater than every key that starts with `prefix`, or "" if none exists.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

absl::StatusOr<Revision> EntryRevision(Connection& db, const std::string& key) {
  COFFER_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT revision FROM kv WHERE key = ?1"));
  stmt->BindBlob(1, key);
  int rc = stmt->Step();
  if (rc == SQLITE_DONE) return kMustNotExist;
  if (rc != SQLITE_ROW) return SqliteError(db.db(), rc, "reading revision");
  return stmt->ColumnInt64(0);
}

absl::Status StepDone(Connection& db, sqlite::Statement& stmt, std::string_view what) {
  int rc = stmt.Step();
  if (rc != SQLITE_DONE) return SqliteError(db.db(), rc, what);
  return absl::OkStatus();
}

}  // namespace

// A reader connection borrowed from the pool for one call.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, std::unique_ptr<Connection> db)
      : store_(store), db_(std::move(db)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (db_ != nullptr) store_->ReturnReader(std::move(db_));
  }
  Connection& operator*() { return *db_; }
  Connection* operator->() { return db_.get(); }

 private:
  SqliteStore* store_;
  std::unique_ptr<Connection> db_;
};

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const Options& options) {
  bool exists = std::filesystem::exists(options.path);
  COFFER_ASSIGN_OR_RETURN(auto writer, Connection::Open(options.path, /*create=*/!exists));
  int version = 0;
  if (exists) {
    COFFER_ASSIGN_OR_RETURN(version, CheckExistingFile(*writer, options.path));
  }
  COFFER_RETURN_IF_ERROR(WithContext(ConfigureConnection(*writer, false), options.path));
  COFFER_RETURN_IF_ERROR(Migrate(*writer, version));
  COFFER_LOG(kStorage, info, "opened SQLite store {} (schema version {})", options.path,
             kSchemaVersion);
  return std::unique_ptr<SqliteStore>(new SqliteStore(options, std::move(writer)));
}

// One commit waiting for its batch; CommitBatch fills in the outcome.
struct SqliteStore::PendingCommit {
  const std::vector<Precondition>& preconditions;
  const std::vector<Write>& writes;
  absl::StatusOr<Revision> revision;
  std::vector<WatchEvent> events;
};

SqliteStore::SqliteStore(Options options, std::unique_ptr<Connection> writer)
    : options_(std::move(options)),
      writer_(std::move(writer)),
      // A batch's commits wait for its fsync together: big enough to take what 64 connections
      // send at once, small enough that none waits long behind the others' writes.
      batcher_(Batcher<PendingCommit>::Limits{128}, nullptr,
               [this](std::string_view, const std::vector<PendingCommit*>& batch) {
                 CommitBatch(batch);
               }) {}

SqliteStore::~SqliteStore() = default;

absl::StatusOr<SqliteStore::ReaderLease> SqliteStore::LeaseReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    auto have_reader = [this]() ABSL_SHARED_LOCKS_REQUIRED(readers_mu_) {
      return !idle_readers_.empty() || open_readers_ < options_.max_readers;
    };
    readers_mu_.Await(absl::Condition(&have_reader));
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(db));
    }
    ++open_readers_;
  }
  auto db = Connection::Open(options_.path, false);
  absl::Status status = db.ok() ? ConfigureConnection(**db, true) : db.status();
  if (!status.ok()) {
    absl::MutexLock lock(&readers_mu_);
    --open_readers_;
    return status;
  }
  return ReaderLease(this, std::move(*db));
}

void SqliteStore::ReturnReader(std::unique_ptr<Connection> reader) {
  absl::MutexLock lock(&readers_mu_);
  idle_readers_.push_back(std::move(reader));
}

absl::StatusOr<Entry> SqliteStore::Get(std::string_view key) {
  COFFER_RETURN_IF_ERROR(ValidateKey(key));
  COFFER_ASSIGN_OR_RETURN(ReaderLease db, LeaseReader());
  COFFER_ASSIGN_OR_RETURN(auto stmt, db->Prepare("SELECT value, revision FROM kv WHERE key = ?1"));
  stmt->BindBlob(1, key);
  int rc = stmt->Step();
  if (rc == SQLITE_DONE) {
    return absl::NotFoundError(absl::StrCat("no such key: ", AsAbsl(key)));
  }
  if (rc != SQLITE_ROW) return SqliteError(db->db(), rc, "get");
  return Entry{std::string(key), stmt->ColumnBlob(0), stmt->ColumnInt64(1)};
}

absl::StatusOr<Revision> SqliteStore::Put(std::string_view key, std::string_view value,
                                          std::optional<Revision> expected_revision) {
  return PutViaCommit(*this, key, value, expected_revision);
}

absl::StatusOr<Revision> SqliteStore::Delete(std::string_view key,
                                             std::optional<Revision> expected_revision) {
  return DeleteViaCommit(*this, key, expected_revision);
}

absl::StatusOr<RangeResult> SqliteStore::Range(const RangeRequest& request) {
  COFFER_RETURN_IF_ERROR(CheckContinuation(request));
  bool resume = !request.continuation.empty();
  std::string upper = PrefixEnd(request.prefix);
  std::string sql =
      absl::StrCat("SELECT key, value, revision FROM kv WHERE key ", resume ? ">" : ">=", " ?1",
                   upper.empty() ? "" : " AND key < ?2", " ORDER BY key LIMIT ?3");
  COFFER_ASSIGN_OR_RETURN(ReaderLease db, LeaseReader());
  COFFER_ASSIGN_OR_RETURN(auto stmt, db->Prepare(sql));
  stmt->BindBlob(1, resume ? request.continuation : request.prefix);
  if (!upper.empty()) stmt->BindBlob(2, upper);
  // One extra row tells whether there is more.
  stmt->BindInt64(3, request.limit == 0 ? -1 : static_cast<sqlite3_int64>(request.limit) + 1);
  RangeResult result;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    if (request.limit != 0 && result.entries.size() == request.limit) {
      result.continuation = result.entries.back().key;
      break;
    }
    result.entries.push_back(Entry{stmt->ColumnBlob(0), stmt->ColumnBlob(1), stmt->ColumnInt64(2)});
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqliteError(db->db(), rc, "range");
  return result;
}

absl::StatusOr<Revision> SqliteStore::Commit(const std::vector<Precondition>& preconditions,
                                             const std::vector<Write>& writes) {
  COFFER_RETURN_IF_ERROR(ValidateWrites(preconditions, writes));
  PendingCommit commit{preconditions, writes, absl::InternalError("commit never ran"), {}};
  batcher_.Submit({}, commit);
  return std::move(commit.revision);
}

void SqliteStore::CommitBatch(const std::vector<PendingCommit*>& batch) {
  absl::MutexLock lock(&write_mu_);
  // Everyone fails alike when the transaction is lost: an earlier member's precondition
  // failure may have come from a write that is now undone.
  auto fail_all = [&](const absl::Status& status) {
    for (PendingCommit* c : batch) c->revision = status;
  };
  // A transaction that an exception left open is undone before the next one starts.
  if (sqlite3_get_autocommit(writer_->db()) == 0) (void)writer_->Exec("ROLLBACK");
  absl::Status status = writer_->Exec("BEGIN IMMEDIATE");
  if (!status.ok()) return fail_all(status);
  // A savepoint per commit of a batch, so that one that fails (a precondition, a value SQLite
  // refuses) is undone alone and the others go on. If SQLite has ended the transaction itself
  // (I/O error, disk full), the rollback to the savepoint fails and so does the batch.
  const bool alone = batch.size() == 1;
  bool any_applied = false;
  for (PendingCommit* c : batch) {
    if (!alone && !(status = writer_->Exec("SAVEPOINT member")).ok()) break;
    Revision revision = 0;
    auto events = CommitLocked(c->preconditions, c->writes, &revision);
    if (events.ok()) {
      c->revision = revision;
      c->events = std::move(*events);
      any_applied = true;
      if (!alone) status = writer_->Exec("RELEASE member");
    } else {
      c->revision = events.status();
      if (alone) break;
      status = writer_->Exec("ROLLBACK TO member; RELEASE member");
      // Gone with the transaction: this member's error is the cause, for everyone.
      if (!status.ok() || sqlite3_get_autocommit(writer_->db()) != 0) status = events.status();
    }
    if (!status.ok()) break;
  }
  if (status.ok() && any_applied) status = writer_->Exec("COMMIT");
  if (!status.ok() || !any_applied) {
    (void)writer_->Exec("ROLLBACK");
    if (!status.ok()) fail_all(status);
    return;
  }
  // Under write_mu_, so watchers see commits in revision order.
  for (PendingCommit* c : batch) {
    if (c->revision.ok()) hub_.Publish(std::move(c->events));
  }
}

absl::StatusOr<std::vector<WatchEvent>> SqliteStore::CommitLocked(
    const std::vector<Precondition>& preconditions, const std::vector<Write>& writes,
    Revision* new_revision) {
  Connection& db = *writer_;
  for (const auto& p : preconditions) {
    COFFER_ASSIGN_OR_RETURN(Revision actual, EntryRevision(db, p.key));
    if (actual != p.expected_revision) {
      return RevisionMismatch(p.key, p.expected_revision, actual);
    }
  }
  COFFER_ASSIGN_OR_RETURN(Revision revision,
                          db.QueryInt("SELECT value FROM coffer_meta WHERE name = 'revision'"));
  *new_revision = ++revision;
  COFFER_ASSIGN_OR_RETURN(auto bump,
                          db.Prepare("UPDATE coffer_meta SET value = ?1 WHERE name = 'revision'"));
  bump->BindInt64(1, revision);
  COFFER_RETURN_IF_ERROR(StepDone(db, *bump, "bumping revision"));

  std::vector<WatchEvent> events;
  for (const auto& w : writes) {
    if (w.kind == Write::Kind::kPut) {
      COFFER_ASSIGN_OR_RETURN(auto put,
                              db.Prepare("INSERT INTO kv (key, value, revision) VALUES (?1, ?2, ?3)"
                                         " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                                         " revision = excluded.revision"));
      put->BindBlob(1, w.key);
      put->BindBlob(2, w.value);
      put->BindInt64(3, revision);
      COFFER_RETURN_IF_ERROR(StepDone(db, *put, "put"));
      events.push_back(WatchEvent{WatchEvent::Kind::kPut, w.key, w.value, revision});
    } else {
      COFFER_ASSIGN_OR_RETURN(auto del, db.Prepare("DELETE FROM kv WHERE key = ?1"));
      del->BindBlob(1, w.key);
      COFFER_RETURN_IF_ERROR(StepDone(db, *del, "delete"));
      if (sqlite3_changes(db.db()) > 0) {
        events.push_back(WatchEvent{WatchEvent::Kind::kDelete, w.key, {}, revision});
      }
    }
  }
  return events;
}

absl::StatusOr<std::unique_ptr<WatchHandle>> SqliteStore::Watch(
    std::string_view prefix, std::function<void(const WatchEvent&)> on_event) {
  return hub_.Subscribe(std::string(prefix), std::move(on_event));
}

absl::Status SqliteStore::CheckHealth() {
  COFFER_ASSIGN_OR_RETURN(ReaderLease db, LeaseReader());
  return db->QueryInt("SELECT value FROM coffer_meta WHERE name = 'revision'").status();
}

}  // namespace coffer::storage
