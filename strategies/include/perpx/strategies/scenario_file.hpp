#pragma once
// The stress scenario file (TOML; `perpx stress --scenario <file>`; a sample
// with every key: strategies/scenarios/crash.toml). Either a portfolio in
// the file or live positions read from the venue:
//
//   [live]                          # live: the venue and accounts (flags override)
//   venue = "0x..."                 # PerpVenue address (--venue)
//   accounts = ["0x...", "0x..."]   # (--account, repeatable)
//
//   [portfolio]                     # or a portfolio: the venue's parameters, prices, accounts
//   time = 1700000000               # the venue's clock at the start (seconds)
//   liquidation_reward = "0.01"     # fraction of closed notional
//   [[portfolio.markets]]           # market ids in this order (0, 1, ...)
//   name = "ETH-PERP"
//   index = "3000"                  # index price, USD
//   skew_scale = "100000"           # size units
//   im_fraction = "0.1"
//   mm_fraction = "0.05"
//   taker_fee = "0.0005"
//   max_funding_rate = "0.1"        # per day, at full skew
//   skew = "0"                      # optional; default: the portfolio's own net size
//   [[portfolio.accounts]]
//   address = "0x..."
//   margin = "30000"                # cross margin, USD
//   [[portfolio.accounts.positions]]
//   market = "ETH-PERP"
//   size = "-100"                   # signed, base units
//   entry = "3000"
//   isolated = false                # true: margin below is the position's own
//   margin = "0"
//
//   [vols]                          # per market, per scenario horizon (sigma unit)
//   "ETH-PERP" = 0.05
//   [correlation]
//   markets = ["ETH-PERP", "BTC-PERP"]
//   matrix = [[1.0, 0.7], [0.7, 1.0]]
//
//   [stress]
//   steps = 100                     # default increments per path
//   duration = 3600                 # default seconds per path
//   collateral_unit = "0.000001"    # USD granularity of collateral_to_survive
//   reduce_loss_usd = "20000"       # kill switch: REDUCING above this loss
//   halt_loss_usd = "50000"         # HALTED above this
//   kill_switch_scenario = "..."    # whose loss feeds the kill switch (default: the worst)
//
//   [[scenarios]]                   # any combination of the keys below
//   name = "ETH -15% gap"
//   gap = { "ETH-PERP" = -0.15 }    # relative move per market
//   sigma = -3                      # a k-sigma move of `driver` along [correlation] and [vols]
//   driver = "ETH-PERP"
//   correlation_one = false         # correlations going to 1
//   funding = { "ETH-PERP" = "longs_pay" }   # or "shorts_pay": skew-driven funding at its cap
//   oracle_delay_steps = 10         # the venue's price updates every 10 steps
//   depth_divisor = 10              # skew scale / 10
//   steps = 1                       # override [stress].steps (1: one jump)
//   duration = 86400                # override [stress].duration
//
// Fractions, prices, sizes and money are decimal strings (or integers); moves,
// vols and correlations are numbers. Parsing names every bad field. Markets
// in scenarios are names, resolved against the venue's markets (live: read
// from the chain) by resolve_scenarios. Start-up configuration: allocates.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/strategies/stress.hpp"
#include "perpx/venues/ref_model.hpp"

namespace perpx::strategies {

struct ScenarioSpec {
  std::string name;
  std::map<std::string, double, std::less<>> gap;
  std::optional<double> sigma;
  std::string driver;
  bool correlation_one = false;
  std::map<std::string, int8_t, std::less<>> funding;
  std::optional<uint32_t> steps;
  std::optional<uint64_t> duration;
  uint32_t oracle_delay_steps = 0;
  uint32_t depth_divisor = 1;
};

struct FilePortfolio {
  venues::RefModel model;
  std::vector<Address> accounts;
  std::vector<U256> prices;
  uint64_t now = 0;
};

struct ScenarioFile {
  std::optional<FilePortfolio> portfolio;  // [portfolio]
  std::optional<Address> venue;            // [live]
  std::vector<Address> live_accounts;
  std::map<std::string, double, std::less<>> vols;
  std::vector<std::string> correlation_markets;
  std::vector<std::vector<double>> correlation;
  uint32_t steps = 100;
  uint64_t duration = 3600;
  CascadeOptions options;
  std::optional<StressLimits> limits;
  std::string kill_switch_scenario;
  std::vector<ScenarioSpec> scenarios;
};

using FileErrors = std::vector<std::string>;

std::expected<ScenarioFile, FileErrors> parse_scenario_file(std::string_view toml_text);
std::expected<ScenarioFile, FileErrors> load_scenario_file(const std::filesystem::path& file);

// The scenarios with market names resolved (markets[m] is market m's name).
std::expected<std::vector<Scenario>, FileErrors> resolve_scenarios(const ScenarioFile& f,
                                                                   std::span<const std::string> markets);

}  // namespace perpx::strategies
