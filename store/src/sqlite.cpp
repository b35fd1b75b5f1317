#include "perpx/store/sqlite.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace perpx::store {

namespace {

// A database file we create is the owner's alone (journals hold signed
// transactions and salts): made empty with mode 0600 whatever the umask, so
// SQLite opens an existing file, and its -wal and -shm files, which SQLite
// creates with the database file's mode, are 0600 too. An existing file
// keeps its mode.
Status create_private(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return std::unexpected(path.string() + ": cannot create: " + std::strerror(errno));
  }
  const bool ok = ::fchmod(fd, 0600) == 0;
  const int e = errno;
  ::close(fd);
  if (!ok) return std::unexpected(path.string() + ": cannot make it private (0600): " + std::strerror(e));
  return {};
}

}  // namespace

std::expected<Db, std::string> Db::open(const std::filesystem::path& path, bool create, Durability durability) {
  Db d;
  d.path_ = path;
  if (create && path != ":memory:" && !path.empty())
    if (auto r = create_private(path); !r) return std::unexpected(r.error());
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &d.db_, flags, nullptr) != SQLITE_OK)
    return std::unexpected(path.string() + ": cannot open: " + d.error());
  sqlite3_busy_timeout(d.db_, 5000);
  const char* pragmas = durability == Durability::kFull
                            ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                            : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
  if (auto r = d.exec(pragmas); !r) return std::unexpected(path.string() + ": " + r.error());
  return d;
}

Db::Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}
Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close(db_);
    db_ = std::exchange(o.db_, nullptr);
    path_ = std::move(o.path_);
  }
  return *this;
}
Db::~Db() {
  if (db_) sqlite3_close(db_);
}

std::string Db::error() const { return db_ ? sqlite3_errmsg(db_) : "cannot open"; }
int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

Status Db::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : error();
    sqlite3_free(msg);
    return std::unexpected("sqlite: " + m);
  }
  return {};
}

std::expected<Stmt, std::string> Db::prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return std::unexpected("sqlite: " + error());
  return Stmt(db_, st);
}

Stmt::Stmt(Stmt&& o) noexcept : db_(o.db_), st_(std::exchange(o.st_, nullptr)) {}
Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (st_) sqlite3_finalize(st_);
    db_ = o.db_;
    st_ = std::exchange(o.st_, nullptr);
  }
  return *this;
}
Stmt::~Stmt() {
  if (st_) sqlite3_finalize(st_);
}

void Stmt::bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
void Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void Stmt::bind(int i, double v) { sqlite3_bind_double(st_, i, v); }
void Stmt::bind(int i, core::ByteView v) {
  sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void Stmt::bind_null(int i) { sqlite3_bind_null(st_, i); }
int Stmt::step() { return sqlite3_step(st_); }
Status Stmt::run() {
  const int rc = sqlite3_step(st_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return std::unexpected(std::string("sqlite: ") + sqlite3_errmsg(db_));
  return {};
}
void Stmt::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

int64_t Stmt::i64(int c) const { return sqlite3_column_int64(st_, c); }
double Stmt::f64(int c) const { return sqlite3_column_double(st_, c); }
std::string Stmt::text(int c) const {
  const auto* p = sqlite3_column_text(st_, c);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, c))) : "";
}
core::Bytes Stmt::blob(int c) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st_, c));
  const int n = sqlite3_column_bytes(st_, c);
  return p ? core::Bytes(p, p + n) : core::Bytes{};
}
bool Stmt::is_null(int c) const { return sqlite3_column_type(st_, c) == SQLITE_NULL; }

Txn::~Txn() {
  if (open_) (void)db_.exec("ROLLBACK");
}
Status Txn::begin() {
  auto r = db_.exec("BEGIN IMMEDIATE");
  open_ = r.has_value();
  return r;
}
Status Txn::commit() {
  auto r = db_.exec("COMMIT");
  if (r) open_ = false;
  return r;
}

}  // namespace perpx::store
