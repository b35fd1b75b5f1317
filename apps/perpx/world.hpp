#pragma once
// The drill world: what `perpx chain up`, the drills and the demo deploy on a
// local anvil, all from real contracts (contracts/ and npm packages):
//   tokens    USD (DrillToken, 6 decimals, the collateral), WETH (18 decimals)
//   feeds     Chainlink-style ETH/USD and BTC/USD (DrillAggregator: Chainlink's
//             MockV3Aggregator plus its events), an L2 sequencer uptime feed,
//             Pyth's MockPyth with ETH/USD and BTC/USD prices
//   pools     a Uniswap v3 WETH/USD pool (fee 0.3%) at the feeds' price,
//             full-range liquidity, 100 observation slots for TWAPs
//   accounts  anvil dev accounts, named, with USD and WETH
//   venue     the reference perp venue (contracts/PerpVenue.sol) with its
//             oracle adapter (PerpOracle.sol) over the Chainlink and Pyth
//             feeds above: markets ETH-PERP (id 0) and BTC-PERP (id 1);
//             the deployer provides counterparty liquidity and every trading
//             account (trader1, trader2, searcher) starts with collateral
//             deposited in cross margin
// Failures throw CliError (one line, no key material; cli.hpp take()):
// these run from commands and test fixtures only.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/chain/local_chain.hpp"

namespace perpx::app {

// Pyth's price ids for the two markets (as on Pyth's mainnet feeds).
inline constexpr std::string_view kPythEthUsd = "0xff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";
inline constexpr std::string_view kPythBtcUsd = "0xe62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43";
inline constexpr uint32_t kPoolFee = 3000;  // 0.3%, tick spacing 60
inline constexpr const char* kAccountNames[] = {"deployer", "trader1", "trader2", "keeper", "searcher"};

// The compiled artifacts: `flag` when given, else $PERPX_CONTRACTS_DIR, else
// <build>/contracts beside <build>/bin/perpx.
std::filesystem::path contracts_dir(const std::string& flag);

// The venue's parameters (1e18 fixed point unless said; see PerpVenue.sol).
inline constexpr uint64_t kMarketEth = 0;
inline constexpr uint64_t kMarketBtc = 1;
inline constexpr const char* kMarketNames[] = {"ETH-PERP", "BTC-PERP"};
inline constexpr const char* kMarketSkewScale[] = {"100000000000000000000000", "5000000000000000000000"};  // 100k ETH, 5k BTC
inline constexpr const char* kImFraction = "100000000000000000";        // 10%
inline constexpr const char* kMmFraction = "50000000000000000";         // 5%
inline constexpr const char* kTakerFee = "500000000000000";             // 5 bps
inline constexpr const char* kMaxFundingRate = "100000000000000000";    // 10% per day at full skew
inline constexpr const char* kLiquidationReward = "10000000000000000";  // 1% of closed notional
inline constexpr uint64_t kMinRevealDelay = 1;                           // blocks
inline constexpr uint64_t kMaxRevealDelay = 20;                          // blocks
inline constexpr uint64_t kBatchWindow = 5;                              // blocks
inline constexpr uint64_t kOracleMaxAge = 3600;                          // seconds
inline constexpr uint64_t kOracleMaxDeviationBps = 100;                  // 1%
inline constexpr const char* kVenueLiquidity = "1000000000000";          // 1,000,000 USD from the deployer
inline constexpr const char* kTraderDeposit = "100000000000";            // 100,000 USD per trading account
// Accounts (by kAccountNames index) seeded with kTraderDeposit in the venue.
inline constexpr size_t kVenueTraders[] = {1, 2, 4};

struct World {
  chain::Address usd, weth, eth_usd, btc_usd, sequencer, pyth, factory, helper, pool, token0, token1;
  chain::Address venue_oracle, venue;
};

struct Artifacts {
  chain::Artifact token, aggregator, pyth, factory, helper, perp_oracle, perp_venue;
};

// All artifacts, before anything starts: a missing build step fails fast.
Artifacts load_artifacts(const std::filesystem::path& dir);

// Deploys the world with `s` (the deployer, funded[0]) and funds `funded`
// (the venue too: deploy_venue below).
World deploy_world(chain::TxnSender& s, const Artifacts& a, const std::vector<chain::Address>& funded);

// The oracle adapter and the venue over the world's feeds, its two markets,
// the deployer's liquidity and the trading accounts' deposits.
void deploy_venue(chain::TxnSender& s, const Artifacts& a, World& w, const std::vector<chain::Address>& funded);

// The feeds' prices published again (ETH/USD 3000 and BTC/USD 65000: a new
// Chainlink round of each, and Pyth's at `publish_time`), sent from `s`
// without waiting: a drill that runs longer than kOracleMaxAge keeps the
// venue's oracle fresh with it. The transactions sent.
std::vector<chain::Hash32> publish_prices(chain::TxnSender& s, const World& w, uint64_t publish_time);

// `perpx chain up --json`'s object (shared/CLI.md).
core::Json world_json(const chain::LocalChain& lc, const World& w, const std::vector<chain::Address>& funded,
                      const std::filesystem::path& keys_file);

// A local chain with the world deployed: for drills and the demo.
struct LocalWorld {
  chain::LocalChain chain;
  std::vector<chain::Address> funded;  // named as kAccountNames
  World world;
};
LocalWorld start_world(const chain::LocalChainOptions& options, const std::filesystem::path& contracts);

}  // namespace perpx::app
