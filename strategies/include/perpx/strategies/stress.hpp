#pragma once
// Stress tests on the reference venue's model: scenarios, the price path
// each gives, and a liquidation cascade along that path.
//
// Scenarios (combinable in one Scenario):
//   moves        a relative move per market over the path (-0.2 = -20%): a
//                price gap (steps = 1 makes it one jump), or a correlated move
//                from correlated_move(): market j moves k * vol_j * rho(d, j)
//                when the driver d moves k sigma; correlations going to 1 is
//                the same with every rho = 1
//   funding      skew-driven funding at its cap: the market's skew is set to
//                twice its skew scale (sign: who pays) so the rate stays at
//                the cap while liquidations move skew, for the path's duration
//   oracle delay the venue's price updates only every k steps and holds the
//                stale one between (liquidations happen at the stale price,
//                then at the real one); the last step is the real price
//   depth        every market's skew scale divided by k (funding and impact
//                react k times faster)
// Funding and depth scenarios first accrue every market's funding to the
// start time (as the venue would on any touch), so the change does not apply
// to time already past.
//
// The cascade (run_cascade) steps along the path. At each step it
// liquidates, in the portfolio's account order (cross account first, then
// isolated positions by market) and again until none is left, every account
// the venue would: RefModel::can_liquidate / liquidate, so a liquidation
// moves skew (funding, fills) for everyone after it, and under cross margin
// one market's loss takes the whole account's positions with it. A keeper
// that follows the same order on the chain sees the same liquidations
// (tests/integration/strategies_stress_test.cpp holds the venue to it).
// Output: each liquidation (account, market, step, time, index price, size,
// partial), each account's loss (equity at the first step minus equity at
// the last, at the real prices), and, per liquidated bucket (a cross account
// or an isolated position), the extra collateral that would have kept it
// through the whole path: the least multiple of collateral_unit that does,
// by bisection on re-runs (exact: with it the bucket survives, with one unit
// less it does not).
//
// The stress result feeds the kill switch: a loss over reduce_loss moves it
// to REDUCING, over halt_loss to HALTED (KillSwitch::on_stress).
//
// Pure, single-threaded; allocates (model copies per run). Errors are values
// (a move of -100% or worse, a path with no step, mismatched sizes).
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "perpx/core/fixed.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/venues/ref_model.hpp"

namespace perpx::strategies {

using core::Address;
using core::I256;
using core::U256;

// What the venue sees at one step: its time and every market's index (1e18).
struct Step {
  uint64_t time = 0;
  std::vector<U256> prices;
};
using Path = std::vector<Step>;  // [0] is the start

struct Correlation {
  std::vector<double> vols;                 // per market, per the scenario's horizon (0.05 = 5%)
  std::vector<std::vector<double>> matrix;  // per market x market, 1 on the diagonal
};
// Relative moves of every market when `driver` moves k sigma (k < 0: down).
std::vector<double> correlated_move(const Correlation& c, size_t driver, double k, bool correlations_to_one);

struct Scenario {
  std::string name;
  std::vector<double> moves;        // per market; empty or 0: unchanged
  uint32_t steps = 100;             // increments along the path (>= 1)
  uint64_t duration = 0;            // seconds from the first step to the last
  std::vector<int8_t> funding;      // per market: +1 longs pay at the cap, -1 shorts pay, 0 untouched
  uint32_t oracle_delay_steps = 0;  // 0 or 1: none
  uint32_t depth_divisor = 1;       // >= 1
};

// The path from `prices` at `now`: steps + 1 points, prices moving linearly
// (in 1e18 fixed point) to prices * (1 + move), time linearly to now + duration.
std::expected<Path, std::string> make_path(std::span<const U256> prices, uint64_t now, const Scenario& s);
// The model the scenario runs on (depth and funding applied; a copy).
venues::RefModel scenario_model(const venues::RefModel& model, std::span<const Address> accounts,
                                std::span<const U256> prices, uint64_t now, const Scenario& s);

struct CascadeOptions {
  Address liquidator{};                  // gets the rewards; not one of the accounts
  U256 collateral_unit{1'000'000'000'000ull};  // 1e-6 USD: one unit of the 6-decimal collateral (deposit's step)
  bool collateral_search = true;
};

// Margin added to one bucket before the run: a cross account, or one isolated position.
struct ExtraCollateral {
  Address account;
  std::optional<size_t> isolated_market;
  U256 amount;  // USD, 1e18
};

struct LiquidationRecord {
  Address account;
  size_t market = 0;
  bool isolated = false;
  size_t step = 0;
  uint64_t time = 0;
  U256 price;         // the index it closed at
  I256 size_closed;
  bool partial = false;
  U256 reward;        // to the liquidator, this market's share
  std::optional<U256> collateral_to_survive;  // USD, 1e18; none when not searched
};

struct AccountOutcome {
  Address account;
  I256 equity_before;  // at the first step
  I256 equity_after;   // at the last step
  I256 loss;           // before - after (negative: a gain)
};

struct CascadeResult {
  std::vector<LiquidationRecord> liquidations;  // in the order they happen
  std::vector<AccountOutcome> accounts;
  I256 loss;      // over all accounts
  I256 bad_debt;  // the venue's, added along the path
};

CascadeResult run_cascade(const venues::RefModel& model, std::span<const Address> accounts, const Path& path,
                          const CascadeOptions& options, std::span<const ExtraCollateral> extra = {});

// Whether the bucket (account; isolated market or cross) is never liquidated along the path.
bool survives(const CascadeResult& r, const Address& account, std::optional<size_t> isolated_market);

// The least multiple of options.collateral_unit that keeps the bucket through the path (0 if it survives as is).
U256 collateral_to_survive(const venues::RefModel& model, std::span<const Address> accounts, const Path& path,
                           const CascadeOptions& options, const Address& account, std::optional<size_t> isolated_market);

struct ScenarioResult {
  Scenario scenario;
  CascadeResult cascade;
};

struct StressReport {
  std::vector<ScenarioResult> results;
  I256 worst_loss;            // the largest loss of any scenario (0 if none loses)
  std::optional<size_t> worst;  // its index
};

std::expected<StressReport, std::string> run_stress(const venues::RefModel& model, std::span<const Address> accounts,
                                                    std::span<const U256> prices, uint64_t now,
                                                    std::span<const Scenario> scenarios, const CascadeOptions& options);

// ---- the kill switch ----
struct StressLimits {
  U256 reduce_loss;  // USD, 1e18: a loss above it -> REDUCING
  U256 halt_loss;    // above it -> HALTED
};
// The state the loss calls for; none within the limits.
std::optional<executor::TradingState> stress_state(const I256& loss, const StressLimits& limits);
// Feeds the loss at the configured scenario to the kill switch; the change, if it tightened.
std::optional<executor::StateChange> apply_stress(executor::KillSwitch& ks, const I256& loss, const StressLimits& limits,
                                                  std::string_view scenario, uint64_t time_ms);

}  // namespace perpx::strategies
