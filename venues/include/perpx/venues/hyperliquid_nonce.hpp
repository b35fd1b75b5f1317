#pragma once
// Hyperliquid nonces: one per signed action, strictly increasing per signer,
// safe across restarts.
//
// The exchange wants a millisecond timestamp, unique per signer (it keeps the
// 100 highest nonces of each signer and refuses one that is not above the
// smallest of them or already used) and within (T - 2 days, T + 1 day) of the
// block time T (hyperliquid.gitbook.io, "Nonces and API wallets"). So the next
// nonce is max(now_ms, last + 1): the clock when it moves forward, one above
// the last when two actions fall in the same millisecond or the clock has gone
// back. "last" is journalled: each nonce is committed to the file (SQLite,
// WAL, synchronous=FULL) before it is returned, so a crash or a restart can
// never hand out a nonce again or a smaller one, whatever the clock then says.
//
// Each signer (the address whose key signs: the master for user-signed
// actions, the agent for an API wallet's orders) has its own sequence. The
// table (hl_nonces) lives in the file the caller names, which may hold other
// tables (the executor's journal).
//
// Errors: the file cannot be opened or written (kStore: nothing handed out),
// or max(now_ms, last + 1) would be more than max_ahead ahead of now_ms
// (kAheadOfClock: the clock went back further than the exchange's window
// tolerates; nothing is written, and the caller should fix the clock rather
// than sign an action the exchange will refuse).
//
// Thread: one thread at a time per HlNonceSource; several processes may share
// a file (each next() is one IMMEDIATE transaction). Allocates.
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "perpx/core/address.hpp"
#include "perpx/store/sqlite.hpp"

namespace perpx::venues::hl {

enum class [[nodiscard]] NonceErrc {
  kStore,         // the database could not be opened, read or written
  kAheadOfClock,  // the next nonce would be further ahead of the clock than max_ahead
};
std::string_view describe(NonceErrc e) noexcept;

struct NonceError {
  NonceErrc code = NonceErrc::kStore;
  std::string message;  // the file's or SQLite's reason; never key material
};
std::string to_string(const NonceError& e);

// The exchange refuses nonces more than a day ahead of its time.
inline constexpr std::chrono::milliseconds kMaxNonceAhead = std::chrono::hours(24);

// Milliseconds since the Unix epoch from the system clock.
uint64_t unix_now_ms() noexcept;

class HlNonceSource {
 public:
  // Opens (creating if needed) the file and its hl_nonces table.
  static std::expected<HlNonceSource, NonceError> open(const std::filesystem::path& path,
                                                       std::chrono::milliseconds max_ahead = kMaxNonceAhead);

  // max(now_ms, last + 1) for this signer, durably recorded before it returns.
  std::expected<uint64_t, NonceError> next(const core::Address& signer, uint64_t now_ms);
  std::expected<uint64_t, NonceError> next(const core::Address& signer) { return next(signer, unix_now_ms()); }

  // The last nonce handed out for this signer (nullopt: none yet).
  std::expected<std::optional<uint64_t>, NonceError> last(const core::Address& signer);

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return db_.path(); }

 private:
  HlNonceSource(store::Db db, std::chrono::milliseconds max_ahead) : db_(std::move(db)), max_ahead_(max_ahead) {}
  store::Db db_;
  std::chrono::milliseconds max_ahead_;
};

}  // namespace perpx::venues::hl
