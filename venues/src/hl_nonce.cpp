// Hyperliquid nonces journalled in SQLite: see hyperliquid_nonce.hpp.
#include "perpx/venues/hyperliquid_nonce.hpp"

#include <algorithm>
#include <limits>

#include "perpx/core/hex.hpp"

namespace perpx::venues::hl {

std::string_view describe(NonceErrc e) noexcept {
  switch (e) {
    case NonceErrc::kStore: return "nonce journal failure";
    case NonceErrc::kAheadOfClock: return "nonce too far ahead of the clock";
  }
  return "unknown error";
}

std::string to_string(const NonceError& e) {
  std::string s(describe(e.code));
  if (!e.message.empty()) s += ": " + e.message;
  return s;
}

uint64_t unix_now_ms() noexcept {
  const auto t = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t).count());
}

namespace {

std::unexpected<NonceError> store_error(std::string message) {
  return std::unexpected(NonceError{NonceErrc::kStore, std::move(message)});
}

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS hl_nonces ("
    "  signer TEXT PRIMARY KEY,"  // lowercase 0x address
    "  last INTEGER NOT NULL"     // the last nonce handed out
    ")";

std::string signer_key(const core::Address& a) { return core::to_hex(a.view()); }

}  // namespace

std::expected<HlNonceSource, NonceError> HlNonceSource::open(const std::filesystem::path& path,
                                                             std::chrono::milliseconds max_ahead) {
  // kFull: a nonce must be on disk before the action that carries it leaves.
  auto db = store::Db::open(path, true, store::Durability::kFull);
  if (!db) return store_error(db.error());
  if (auto r = db->exec(kSchema); !r) return store_error(r.error());
  return HlNonceSource(std::move(*db), max_ahead);
}

std::expected<std::optional<uint64_t>, NonceError> HlNonceSource::last(const core::Address& signer) {
  auto st = db_.prepare("SELECT last FROM hl_nonces WHERE signer = ?1");
  if (!st) return store_error(st.error());
  st->bind(1, signer_key(signer));
  const int rc = st->step();
  if (rc == 100 /* SQLITE_ROW */) return std::optional<uint64_t>{static_cast<uint64_t>(st->i64(0))};
  if (rc == 101 /* SQLITE_DONE */) return std::optional<uint64_t>{};
  return store_error(db_.error());
}

std::expected<uint64_t, NonceError> HlNonceSource::next(const core::Address& signer, uint64_t now_ms) {
  // One IMMEDIATE transaction: read, decide, write, commit. Another process
  // using the same file waits for it (busy timeout) and then sees our nonce.
  store::Txn txn(db_);
  if (auto r = txn.begin(); !r) return store_error(r.error());
  auto prev = last(signer);
  if (!prev) return std::unexpected(prev.error());
  uint64_t nonce = now_ms;
  if (*prev) {
    if (**prev == std::numeric_limits<uint64_t>::max()) return store_error("the journalled nonce is at its maximum");
    nonce = std::max(now_ms, **prev + 1);
  }
  const auto ahead = static_cast<uint64_t>(max_ahead_.count());
  if (nonce > now_ms && nonce - now_ms > ahead)
    return std::unexpected(NonceError{NonceErrc::kAheadOfClock,
                                      "the last nonce is " + std::to_string(nonce - 1) + ", the clock says " +
                                          std::to_string(now_ms) + " (more than " + std::to_string(ahead) +
                                          " ms behind)"});
  if (nonce > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return store_error("nonce " + std::to_string(nonce) + " does not fit the journal (63 bits)");
  auto st = db_.prepare(
      "INSERT INTO hl_nonces (signer, last) VALUES (?1, ?2) "
      "ON CONFLICT(signer) DO UPDATE SET last = excluded.last");
  if (!st) return store_error(st.error());
  st->bind(1, signer_key(signer));
  st->bind(2, static_cast<int64_t>(nonce));
  if (auto r = st->run(); !r) return store_error(r.error());
  if (auto r = txn.commit(); !r) return store_error(r.error());
  return nonce;
}

}  // namespace perpx::venues::hl
