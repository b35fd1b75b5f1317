#pragma once
// RiskGate: the pre-trade check every order passes before anything is
// signed. The caller fills plain views from the venue and the oracle
// pipeline (MarketView, AccountView) and the venue model's projection of the
// account after the fill (Projection); the gate does arithmetic on them and
// models no venue. One gate per venue account.
//
// Checks, in this order; the first that fails is the denial (DenyReason):
//   kHalted / kReducing    the kill switch: HALTED passes nothing, REDUCING only reduce-only
//   kBadOrder              size or limit price zero
//   kWrongVenue            the order is for another venue than the account's
//   kUnknownMarket         no MarketView for the order's market
//   kNoMark                the oracle has no quorum on the market: fail closed
//   kPriceBand             |limit - mark| > price_band_bps of the mark
//   kReduceOnlyIncreases   a reduce-only order that would grow or flip the account's position
//                          (or the strategy's, when the account view attributes positions to it)
//   kOrderSize             size > max_order_size
//   kStrategyFenced, kStrategyPosition, kStrategyGross   Fencing::check (fence.hpp)
//   kRateLimit             max_orders_per_second orders recorded in the last 1000 ms of event time
//   kPosition              |position after the fill| > max_position
//   kGrossExposure         sum of |notional| after the fill > max_gross_usd
//   kNetExposure           |sum of signed notional| after the fill > max_net_usd
//   kLeverage              market notional after / equity after > max leverage (the lower of the
//                          config's and the venue's); equity after <= 0 with a position is denied
//   kDailyLoss             -(realised + unrealised PnL since the day's start) >= daily_loss_usd
//   kMargin                equity after < maintenance after * (1 + margin_buffer_bps)
// Limits are inclusive: a value equal to its maximum passes (the daily loss
// is a stop: reaching it denies). Notional after the fill values the
// order's market at the mark; other markets use the view's notional.
//
// A reduce-only order that passes kReduceOnlyIncreases only shrinks
// positions, so the limits that bound risk taken (order size, position,
// exposure, leverage, daily loss, margin, per-strategy limits) do not apply
// to it: it must be able to unwind an account that is over them. The kill
// switch, the price band, the rate and the fence still do.
//
// Configuration: a zero limit allows nothing (fail closed; a missing TOML
// key surfaces as a denial naming it). RiskConfig maps 1:1 onto a table:
//   [risk]
//   max_gross_usd = "1000000"     # USD, 1e18 in C++ (decimal strings)
//   max_net_usd = "250000"
//   daily_loss_usd = "20000"
//   max_orders_per_second = 20
//   margin_buffer_bps = 2000
//   [risk.defaults]               # MarketLimits for every market
//   max_order_size = "50"         # base units
//   max_position = "200"
//   max_leverage = "10"           # 10x
//   price_band_bps = 200
//   [risk.markets.ETH]            # MarketLimitOverrides: any key of defaults
//   max_order_size = "25"
//
// Errors are values: std::expected<Approved, RiskDenial>; the detail names
// the numbers (market, value, limit), never a key. Time is the caller's
// event time in milliseconds: the same events give the same decisions.
// check() does not allocate when it approves (a denial allocates its
// detail); the constructor allocates the rate window once.
// Single-threaded: one engine thread owns the gate.
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/core/fixed.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/executor/order.hpp"

namespace perpx::executor {

class Fencing;  // fence.hpp

// ---- Views the caller fills from the venue and the oracle pipeline ----

// One market now.
struct MarketView {
  std::string market;               // as Order::market
  std::optional<core::U256> mark;   // USD, 1e18, from the oracle pipeline; none: no quorum
  core::U256 max_leverage;          // the venue's cap, 1e18 (20x = 20e18); 0: the venue sets none
  core::U256 mm_fraction;           // maintenance margin fraction, 1e18 = 100%
};

// A position: signed base size (1e18, + long) and its notional at the mark (USD, 1e18).
struct PositionView {
  std::string market;
  I256 size;
  core::U256 notional;
};

// The account's positions attributed to one strategy.
struct StrategyView {
  std::string strategy;
  std::vector<PositionView> positions;
};

struct AccountView {
  std::string venue;                      // as Order::venue
  I256 equity;                            // USD, 1e18, as the venue computes it
  core::U256 maintenance_margin;
  std::vector<PositionView> positions;    // at most one per market
  std::vector<StrategyView> strategies;   // at most one per strategy
  I256 day_realized_pnl;                  // since the day's start, fees and funding included
  I256 day_unrealized_pnl;                // unrealised now minus unrealised at the day's start
};

// The venue model's account after the order fills (at its limit price).
struct Projection {
  I256 equity;
  core::U256 maintenance_margin;
};

struct RiskInputs {
  const AccountView& account;
  std::span<const MarketView> markets;
  Projection after;
  TradingState state = TradingState::kActive;  // KillSwitch::state()
  uint64_t now_ms = 0;                          // event time
};

const MarketView* find_market(std::span<const MarketView> markets, std::string_view market) noexcept;
const PositionView* find_position(std::span<const PositionView> positions, std::string_view market) noexcept;
const StrategyView* find_strategy(const AccountView& account, std::string_view strategy) noexcept;
// The size held in `market` (0 when none).
I256 size_in(std::span<const PositionView> positions, std::string_view market) noexcept;
// Whether an order of this side and size only shrinks `position` (never grows it, never flips it).
bool only_reduces(const I256& position, Side side, const core::U256& size) noexcept;

// ---- Configuration ----

struct MarketLimits {
  core::U256 max_order_size;    // base units, 1e18
  core::U256 max_position;      // |position| after the fill, base units
  core::U256 max_leverage;      // 1e18 (10x = 10e18)
  uint32_t price_band_bps = 0;  // limit within this many bps of the mark
};

struct MarketLimitOverrides {
  std::optional<core::U256> max_order_size;
  std::optional<core::U256> max_position;
  std::optional<core::U256> max_leverage;
  std::optional<uint32_t> price_band_bps;
};

struct RiskConfig {
  core::U256 max_gross_usd;          // USD, 1e18
  core::U256 max_net_usd;
  core::U256 daily_loss_usd;
  uint32_t max_orders_per_second = 0;
  uint32_t margin_buffer_bps = 0;    // margin after >= maintenance * (1 + this)
  MarketLimits defaults;
  std::map<std::string, MarketLimitOverrides, std::less<>> markets;

  // defaults, with the market's overrides on top. Does not allocate.
  [[nodiscard]] MarketLimits limits_for(std::string_view market) const noexcept;
};

// ---- Decisions ----

enum class [[nodiscard]] DenyReason : uint8_t {
  kHalted, kReducing, kBadOrder, kWrongVenue, kUnknownMarket, kNoMark, kPriceBand, kReduceOnlyIncreases,
  kOrderSize, kStrategyFenced, kStrategyPosition, kStrategyGross, kRateLimit, kPosition, kGrossExposure,
  kNetExposure, kLeverage, kDailyLoss, kMargin,
};
inline constexpr int kDenyReasonCount = static_cast<int>(DenyReason::kMargin) + 1;
std::string_view deny_reason_name(DenyReason r) noexcept;  // "halted", "price_band", ...

struct RiskDenial {
  DenyReason reason = DenyReason::kHalted;
  std::string detail;  // the numbers that decided it; never a key
};

// What the gate saw when it approved (the caller journals it with the order).
struct Approved {
  I256 position_after;      // the account's, in the order's market
  core::U256 gross_after;   // USD, 1e18
  I256 net_after;
  core::U256 notional;      // the order's worst case, size * limit
  uint64_t time_ms = 0;
};

class RiskGate {
 public:
  explicit RiskGate(RiskConfig config);

  [[nodiscard]] const RiskConfig& config() const noexcept { return config_; }

  // Every check above, against the inputs and the fences. Does not change
  // the gate: an order counts against the rate only once record()ed.
  [[nodiscard]] std::expected<Approved, RiskDenial> check(const Order& order, const RiskInputs& in,
                                                          const Fencing& fencing) const;

  // The approved order was passed on (signed, sent) at now_ms: it counts in
  // the rate window from then. Denied or dropped orders are never recorded.
  void record(const Approved& approved, uint64_t now_ms) noexcept;

  // Orders recorded within the 1000 ms ending at now_ms.
  [[nodiscard]] uint32_t orders_in_window(uint64_t now_ms) const noexcept;

 private:
  RiskConfig config_;
  std::vector<uint64_t> sent_;  // ring of the last max_orders_per_second record times
  size_t next_ = 0;
  size_t filled_ = 0;
};

}  // namespace perpx::executor
