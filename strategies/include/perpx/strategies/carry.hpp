#pragma once
// FundingCarry: long spot on the Uniswap v3 pool and short the perp, while
// funding pays the short more than the trade costs.
//
// Measures, over the last `window` FundingEvents of `perp_market`: the mean
// daily rate, its sample stdev (volatility) and its persistence (the
// fraction of rates > 0: shorts receive). Expected edge, in USD, for a
// notional N = size * spot over holding_days:
//   N * holding_days * (persistence * (mean - vol_haircut * stdev) - borrow_rate_per_day)
//   - N * round_trip_fee_bps / 1e4 - gas_usd
// It opens (both legs in one event, fenced together) when there are at
// least min_history rates, the edge clears threshold_usd and the basis
// |perp mark - spot| / spot is inside basis_limit_bps. Legs (IOC, limit
// price leg_slippage_bps past the last price):
//   spot  venue "uniswap-v3", market spot_pair, buy `size`
//   perp  venue perp_venue, market perp_market, sell `size`
// Client ids "<name>-<seq>-spot" / "<name>-<seq>-perp"; unwinds and closes
// take new sequences. It exits (both legs reduce-only, opposite sides) when
// the latest rate is <= 0 (funding flipped) or the basis widens past
// basis_limit_bps.
//
// After the carry is flat again (closed, unwound, or both opening legs
// failed) it does not open for cooldown_us of event time, so a venue that
// keeps refusing one leg does not get an open/unwind loop.
//
// Fencing: the legs live and die together. If one leg fails while the other
// filled (or fills later), the filled one is unwound at once (reduce-only,
// urgency kUrgent); if both fail the carry is flat again. A closing leg that
// fails is sent again (new id) until it fills: an exit never leaves one leg.
//
// Single-threaded; allocates (history, decisions). Statistics in double.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "perpx/core/json.hpp"
#include "perpx/strategies/strategy.hpp"

namespace perpx::strategies {

struct CarryConfig {
  std::string name = "carry";
  std::string perp_venue = "ref";
  std::string perp_market = "ETH-PERP";
  std::string spot_venue = "uniswap-v3";
  std::string spot_pair = "WETH/USD";
  core::U256 size{core::U256{10} * core::kWad};  // base units per leg
  double holding_days = 7.0;
  double borrow_rate_per_day = 0.0001;  // spot financing cost, per day (0.0001 = 1 bp)
  uint32_t round_trip_fee_bps = 80;     // pool fee twice + taker fee twice + slippage
  double gas_usd = 20.0;                // four transactions
  double threshold_usd = 50.0;
  uint32_t window = 24;       // funding rates kept
  uint32_t min_history = 6;
  double vol_haircut = 1.0;   // stdevs taken off the mean
  uint32_t basis_limit_bps = 100;
  uint32_t leg_slippage_bps = 50;
  uint64_t cooldown_us = 3'600'000'000;  // after it is flat again (closed, unwound, or both legs failed): no new open for this long
};
core::Json to_json(const CarryConfig& c);
std::expected<CarryConfig, std::string> carry_config_from_json(const core::Json& j);

enum class CarryState : uint8_t { kFlat, kOpening, kOpen, kClosing, kUnwinding };
std::string_view carry_state_name(CarryState s) noexcept;  // "flat", "opening", "open", "closing", "unwinding"

struct CarryEstimate {
  size_t samples = 0;
  double mean = 0;         // per day
  double stdev = 0;
  double persistence = 0;  // fraction > 0
  double edge_usd = 0;     // as above; meaningless with samples < min_history
};

class FundingCarry : public Strategy {
 public:
  FundingCarry(CarryConfig config, const Book& book);

  [[nodiscard]] std::string_view name() const override { return config_.name; }
  std::vector<Decision> on_event(const Event& e) override;

  [[nodiscard]] const CarryConfig& config() const noexcept { return config_; }
  [[nodiscard]] CarryState state() const noexcept { return state_; }
  [[nodiscard]] CarryEstimate estimate() const;
  // Held on each leg (fills so far): spot > 0 when long, perp < 0 when short.
  [[nodiscard]] const core::I256& spot_position() const noexcept { return spot_pos_; }
  [[nodiscard]] const core::I256& perp_position() const noexcept { return perp_pos_; }

 private:
  struct Leg {
    executor::Order order;
    enum class Status : uint8_t { kPending, kFilled, kFailed } status = Status::kPending;
  };
  std::vector<Decision> maybe_open(uint64_t time_us);
  std::vector<Decision> maybe_exit(uint64_t time_us);
  std::vector<Decision> after_leg_update(uint64_t time_us);
  // Reduce-only orders for whatever the legs hold (new sequence); flat when nothing is held.
  std::vector<Decision> flatten(executor::Urgency u, const std::string& why, uint64_t time_us);
  Decision leg(bool spot, executor::Side side, const core::U256& size, bool reduce_only, executor::Urgency u,
               const std::string& id, std::string why) const;
  std::optional<double> basis_bps() const;

  CarryConfig config_;
  std::deque<double> rates_;
  std::optional<core::I256> last_rate_;
  std::optional<core::U256> spot_, mark_;
  CarryState state_ = CarryState::kFlat;
  std::vector<Leg> legs_;  // the current open / close / unwind legs
  core::I256 spot_pos_, perp_pos_;
  uint64_t seq_ = 0;
  std::optional<uint64_t> flat_since_us_;
};

}  // namespace perpx::strategies
