#ifndef COFFER_VAULT_CORE_STORAGE_SQLITE_SQLITE_CONNECTION_H_
#define COFFER_VAULT_CORE_STORAGE_SQLITE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace coffer::storage::sqlite {

// Turns an SQLite result code into a Status whose code says what the caller should do.
absl::Status SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement, reset (and its bindings cleared) when the holder is done with it.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void BindBlob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  void BindInt64(int index, sqlite3_int64 value) { sqlite3_bind_int64(stmt_, index, value); }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  std::string ColumnBlob(int column) const;
  sqlite3_int64 ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_;
};

// One sqlite3 connection with a cache of prepared statements. Not thread-safe: the store
// hands each connection to one thread at a time.
class Connection {
 public:
  // Opens `path`; `create` allows making a new file. Errors name the path.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool create);
  ~Connection();

  absl::Status Exec(std::string_view sql);
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(const std::string& sql);
  absl::StatusOr<sqlite3_int64> QueryInt(const std::string& sql);
  absl::StatusOr<std::string> QueryText(const std::string& sql);
  sqlite3* db() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace coffer::storage::sqlite

#endif  // COFFER_VAULT_CORE_STORAGE_SQLITE_SQLITE_CONNECTION_H_
