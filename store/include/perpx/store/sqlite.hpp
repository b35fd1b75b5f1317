#pragma once
// SQLite, thinly: a database handle, prepared statements and a transaction
// guard that rolls back unless committed. Errors are values (a message that
// names the file or the statement's failure, from sqlite3_errmsg); nothing
// throws. Every write a caller cares about runs inside a Txn, so a crash
// leaves the file as it was before the transaction or after it, never half.
//
// Durability: kFull (synchronous=FULL in WAL mode) makes a commit durable
// before it returns, for records that must exist before an action they
// describe (the executor's journal); kNormal may lose the last commits on
// power loss but never corrupts (the audit, which can be rescanned).
//
// Thread: one thread at a time per Db and its statements. Allocates.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "perpx/core/bytes.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace perpx::store {

using Status = std::expected<void, std::string>;

enum class Durability { kNormal, kFull };

class Stmt;

class Db {
 public:
  // WAL mode, foreign keys on, a 5 s busy timeout. create: make the file if
  // missing, mode 0600 whatever the umask (its -wal and -shm files follow it).
  static std::expected<Db, std::string> open(const std::filesystem::path& path, bool create,
                                             Durability durability = Durability::kNormal);
  Db(Db&&) noexcept;
  Db& operator=(Db&&) noexcept;
  ~Db();

  Status exec(const char* sql);
  std::expected<Stmt, std::string> prepare(const char* sql);
  [[nodiscard]] std::string error() const;
  [[nodiscard]] int64_t last_insert_rowid() const;
  [[nodiscard]] int changes() const;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  Db() = default;
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

class Stmt {
 public:
  Stmt(Stmt&&) noexcept;
  Stmt& operator=(Stmt&&) noexcept;
  ~Stmt();

  // Parameters are 1-based, as in SQL.
  void bind(int i, int64_t v);
  void bind(int i, std::string_view v);
  void bind(int i, double v);
  void bind(int i, core::ByteView v);  // a BLOB
  void bind_null(int i);
  // SQLITE_ROW (a row to read), SQLITE_DONE, or an error code.
  int step();
  // step() that must finish the statement: the error names the database.
  Status run();
  void reset();  // for the next use: clears bindings too

  // Columns are 0-based.
  [[nodiscard]] int64_t i64(int c) const;
  [[nodiscard]] double f64(int c) const;
  [[nodiscard]] std::string text(int c) const;
  [[nodiscard]] core::Bytes blob(int c) const;
  [[nodiscard]] bool is_null(int c) const;

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
class Txn {
 public:
  explicit Txn(Db& db) : db_(db) {}
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();
  Status begin();
  Status commit();

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace perpx::store
