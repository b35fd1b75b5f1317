#pragma once
// Order: what a strategy or `perpx order place` asks the executor to do, the
// same for every venue. Sizes and prices are 1e18 fixed point (core::kWad):
// size is the positive base quantity, side gives its sign; limit_price is the
// worst price accepted (a buy pays at most, a sell receives at least).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "perpx/core/fixed.hpp"
#include "perpx/executor/fees.hpp"

namespace perpx::executor {

using core::I256;

enum class Side : uint8_t { kBuy, kSell };
std::string_view side_name(Side s) noexcept;  // "buy", "sell"
std::optional<Side> parse_side(std::string_view s) noexcept;

enum class TimeInForce : uint8_t {
  kGtc,       // rests until filled or cancelled (off-chain books); on-chain: fills now or reverts
  kIoc,       // fills what it can now, the rest is cancelled
  kPostOnly,  // adds liquidity only (Hyperliquid ALO)
};
std::string_view tif_name(TimeInForce t) noexcept;  // "gtc", "ioc", "post_only"
std::optional<TimeInForce> parse_tif(std::string_view s) noexcept;

// How the order reaches the venue. kAuto lets PathPolicy choose.
enum class Path : uint8_t { kAuto, kPublic, kPrivate, kCommitReveal, kBatch };
std::string_view path_name(Path p) noexcept;  // "auto", "public", "private", "commit-reveal", "batch"
std::optional<Path> parse_path(std::string_view s) noexcept;

struct Order {
  std::string venue;   // "ref", "hyperliquid"
  std::string market;  // "ETH"
  Side side = Side::kBuy;
  core::U256 size;         // base units, 1e18; > 0
  core::U256 limit_price;  // USD per unit, 1e18; > 0
  TimeInForce tif = TimeInForce::kIoc;
  bool reduce_only = false;
  Urgency urgency = Urgency::kNormal;
  Path path = Path::kAuto;
  std::string strategy;   // who asked ("manual" from the command line)
  std::string client_id;  // the caller's idempotency key: one order per id, ever
};

// +size for a buy, -size for a sell.
I256 signed_size(Side side, const core::U256& size) noexcept;
I256 signed_size(const Order& o) noexcept;
// Why `o` cannot be placed on `venue` (a zero size or limit price, no client
// order id, an order for another venue); none when it can.
std::optional<std::string> invalid_reason(const Order& o, std::string_view venue);
// size * limit_price / 1e18: the order's worst-case notional in USD (1e18).
core::U256 notional(const Order& o) noexcept;

}  // namespace perpx::executor
