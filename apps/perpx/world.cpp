// The drill world (world.hpp): deployed in four phases, each sent at once
// and then waited for, so a world comes up in a handful of blocks.
#include "world.hpp"

#include <cstdlib>
#include <tuple>

#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::app {

namespace fs = std::filesystem;
using chain::Address;
using chain::Hash32;
using chain::TxnSender;
using chain::U256;
using core::Json;

namespace {

constexpr int32_t kFullRange = 887220;  // the widest range on a 60 spacing

std::string hex_addr(const Address& a) { return core::to_checksum(a); }

// Pyth's update data for both markets at the world's prices, published at `time`.
Json pyth_updates(chain::RpcClient& rpc, const World& w, uint64_t time) {
  const std::string now = std::to_string(time);
  Json updates = Json::array();
  for (const auto& [id, price, conf] :
       {std::tuple{kPythEthUsd, "300000000000", "150000000"}, std::tuple{kPythBtcUsd, "6500000000000", "2000000000"}}) {
    auto data =
        take(chain::call(rpc, w.pyth,
                          "createPriceFeedUpdateData(bytes32,int64,uint64,int32,int64,uint64,uint64,uint64)(bytes)",
                          Json::array({id, price, conf, -8, price, conf, now, 0})),
              "Pyth update data");
    updates.push_back(data[0]);
  }
  return updates;
}

// Waits for every submitted transaction of one phase.
void wait_all(TxnSender& s, const std::vector<std::pair<std::string, Hash32>>& sent,
              std::vector<chain::Receipt>* out = nullptr) {
  for (const auto& [what, hash] : sent) {
    auto r = take(s.wait(hash, std::chrono::seconds(120)), what);
    if (out) out->push_back(std::move(r));
  }
}

}  // namespace

fs::path contracts_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("PERPX_CONTRACTS_DIR"); env && *env) return env;
  // The build tree: <build>/bin/perpx beside <build>/contracts.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) fail("cannot locate the contracts folder; pass --contracts-dir");
  return exe.parent_path().parent_path() / "contracts";
}

Artifacts load_artifacts(const fs::path& dir) {
  auto art = [&](std::string_view name) {
    return take(chain::load_artifact(dir, name), "artifact " + std::string(name));
  };
  return {art("DrillToken"),  art("DrillAggregator"), art("MockPyth"), art("UniswapV3Factory"),
          art("UniV3Helper"), art("PerpOracle"),      art("PerpVenue")};
}

World deploy_world(TxnSender& s, const Artifacts& a, const std::vector<Address>& funded) {
  chain::RpcClient& rpc = s.rpc();
  const auto& [token, aggregator, pyth, factory, helper, perp_oracle, perp_venue] = a;

  // Phase 1: every contract (independent of each other).
  std::vector<std::pair<std::string, Hash32>> sent;
  auto deploy = [&](const chain::Artifact& art, std::string_view types, Json args, std::string what) {
    sent.emplace_back(what, take(s.submit_deploy(art, types, args), "deploy " + what));
  };
  deploy(token, "(string,string,uint8)", Json::array({"Drill USD", "USD", 6}), "USD");
  deploy(token, "(string,string,uint8)", Json::array({"Drill Wrapped Ether", "WETH", 18}), "WETH");
  deploy(aggregator, "(uint8,int256)", Json::array({8, "300000000000"}), "ETH/USD feed");
  deploy(aggregator, "(uint8,int256)", Json::array({8, "6500000000000"}), "BTC/USD feed");
  deploy(aggregator, "(uint8,int256)", Json::array({0, "0"}), "sequencer uptime feed");
  deploy(pyth, "(uint256,uint256)", Json::array({60, 1}), "MockPyth");
  deploy(factory, "", Json::array(), "UniswapV3Factory");
  deploy(helper, "", Json::array(), "UniV3Helper");
  std::vector<chain::Receipt> receipts;
  wait_all(s, sent, &receipts);
  World w;
  Address* slots[] = {&w.usd, &w.weth, &w.eth_usd, &w.btc_usd, &w.sequencer, &w.pyth, &w.factory, &w.helper};
  for (size_t i = 0; i < receipts.size(); ++i) *slots[i] = take(chain::deployed_address(receipts[i]), sent[i].first);

  // Phase 2: the pool, balances, approvals, Pyth prices.
  sent.clear();
  auto submit = [&](const Address& to, std::string_view sig, Json args, std::string what, U256 value = {}) {
    chain::TxnOptions opts;
    opts.value = value;
    sent.emplace_back(what, take(s.submit(to, take(chain::encode_call(sig, args), what), opts), what));
  };
  submit(w.factory, "createPool(address,address,uint24)", Json::array({hex_addr(w.weth), hex_addr(w.usd), kPoolFee}),
         "createPool");
  for (size_t i = 0; i < funded.size(); ++i) {
    const bool deployer = i == 0;
    submit(w.usd, "mint(address,uint256)",
           Json::array({hex_addr(funded[i]), deployer ? "10000000000000" : "1000000000000"}), "mint USD");
    submit(w.weth, "mint(address,uint256)",
           Json::array({hex_addr(funded[i]), deployer ? "10000000000000000000000" : "100000000000000000000"}),
           "mint WETH");
  }
  const std::string max = core::to_decimal(U256::max());
  submit(w.usd, "approve(address,uint256)", Json::array({hex_addr(w.helper), max}), "approve USD");
  submit(w.weth, "approve(address,uint256)", Json::array({hex_addr(w.helper), max}), "approve WETH");
  auto head = rpc.block_header(chain::Tag::kLatest);
  if (!head || !*head) fail("world: cannot read the latest block");
  const Json updates = pyth_updates(rpc, w, (*head)->timestamp);
  submit(w.pyth, "updatePriceFeeds(bytes[])", Json::array({updates}), "Pyth updatePriceFeeds", U256{2});
  wait_all(s, sent);

  // Phase 3: initialise the pool at 3000 USD per WETH.
  auto pool_out = take(chain::call(rpc, w.factory, "getPool(address,address,uint24)(address)",
                                    Json::array({hex_addr(w.weth), hex_addr(w.usd), kPoolFee})),
                        "getPool");
  w.pool = *core::parse_address(pool_out[0].get<std::string>());
  const bool weth_is_token0 = w.weth.bytes < w.usd.bytes;  // the factory sorts by address
  w.token0 = weth_is_token0 ? w.weth : w.usd;
  w.token1 = weth_is_token0 ? w.usd : w.weth;
  const uint8_t d0 = weth_is_token0 ? 18 : 6;
  const uint8_t d1 = weth_is_token0 ? 6 : 18;
  const auto tick = chain::tick_for_price(U256{3000} * U256{1'000'000'000'000'000'000ull}, d0, d1, !weth_is_token0);
  if (!tick) fail("world: pool price: " + chain::describe(tick.error()));
  const U256 sqrt_price = *chain::sqrt_ratio_at_tick(*tick);
  take(s.transact(w.pool, "initialize(uint160)", Json::array({core::to_decimal(sqrt_price)})), "initialize pool");

  // Phase 4: full-range liquidity (1000 WETH and its worth in USD) and TWAP slots.
  sent.clear();
  const U256 weth_amount = U256{1000} * U256{1'000'000'000'000'000'000ull};
  const U256 liquidity = weth_is_token0 ? weth_amount * sqrt_price >> 96 : (weth_amount << 96) / sqrt_price;
  submit(w.helper, "mint(address,address,int24,int24,uint128)",
         Json::array({hex_addr(w.pool), hex_addr(funded[0]), -kFullRange, kFullRange, core::to_decimal(liquidity)}),
         "mint liquidity");
  submit(w.pool, "increaseObservationCardinalityNext(uint16)", Json::array({100}), "observation cardinality");
  wait_all(s, sent);
  deploy_venue(s, a, w, funded);
  return w;
}

void deploy_venue(TxnSender& s, const Artifacts& a, World& w, const std::vector<Address>& funded) {
  std::vector<std::pair<std::string, Hash32>> sent;
  auto submit = [&](const Address& to, std::string_view sig, Json args, std::string what) {
    sent.emplace_back(what, take(s.submit(to, take(chain::encode_call(sig, args), what)), what));
  };
  // Phase 1: the adapter, then the venue over it.
  w.venue_oracle = take(s.deploy(a.perp_oracle, "", Json::array()), "deploy PerpOracle");
  w.venue = take(s.deploy(a.perp_venue, "(address,address,uint256,uint256,uint256,uint256)",
                           Json::array({hex_addr(w.usd), hex_addr(w.venue_oracle), kLiquidationReward,
                                        kMinRevealDelay, kMaxRevealDelay, kBatchWindow})),
                  "deploy PerpVenue");
  // Phase 2: feeds, markets (ids in order: one sender, nonce order), liquidity, deposits.
  const Address* chainlink[] = {&w.eth_usd, &w.btc_usd};
  const std::string_view pyth_ids[] = {kPythEthUsd, kPythBtcUsd};
  for (uint64_t m : {kMarketEth, kMarketBtc}) {
    submit(w.venue_oracle, "configure(uint256,address,address,bytes32,uint256,uint256)",
           Json::array({m, hex_addr(*chainlink[m]), hex_addr(w.pyth), pyth_ids[m], kOracleMaxAge,
                        kOracleMaxDeviationBps}),
           "configure venue oracle");
    submit(w.venue, "addMarket(string,uint256,uint256,uint256,uint256,uint256)",
           Json::array({kMarketNames[m], kMarketSkewScale[m], kImFraction, kMmFraction, kTakerFee, kMaxFundingRate}),
           "add market");
  }
  const std::string max = core::to_decimal(U256::max());
  submit(w.usd, "approve(address,uint256)", Json::array({hex_addr(w.venue), max}), "approve venue");
  submit(w.venue, "addLiquidity(uint256)", Json::array({kVenueLiquidity}), "venue liquidity");
  for (size_t i : kVenueTraders) {
    if (i >= funded.size()) continue;
    submit(w.venue, "depositFor(address,uint256)", Json::array({hex_addr(funded[i]), kTraderDeposit}),
           "venue deposit");
  }
  wait_all(s, sent);
}

Json world_json(const chain::LocalChain& lc, const World& w, const std::vector<Address>& funded, const fs::path& keys) {
  Json accounts = Json::array();
  for (size_t i = 0; i < funded.size(); ++i)
    accounts.push_back({{"name", kAccountNames[i]}, {"address", hex_addr(funded[i])}});
  Json feeds = {
      {"chainlink", {{"ETH/USD", hex_addr(w.eth_usd)}, {"BTC/USD", hex_addr(w.btc_usd)}}},
      {"sequencer_uptime", hex_addr(w.sequencer)},
      {"pyth", hex_addr(w.pyth)},
      {"pyth_price_ids", {{"ETH/USD", kPythEthUsd}, {"BTC/USD", kPythBtcUsd}}},
  };
  Json pools = {{"ETH/USD",
                 {{"address", hex_addr(w.pool)},
                  {"token0", hex_addr(w.token0)},
                  {"token1", hex_addr(w.token1)},
                  {"fee", kPoolFee}}}};
  return {
      {"rpc_url", lc.rpc_url()},
      {"ws_url", lc.ws_url()},
      {"chain_id", lc.chain_id()},
      {"accounts", accounts},
      {"contracts",
       {{"collateral", hex_addr(w.usd)},
        {"tokens", {{"USD", hex_addr(w.usd)}, {"WETH", hex_addr(w.weth)}}},
        {"feeds", feeds},
        {"pools", pools},
        {"uniswap_v3", {{"factory", hex_addr(w.factory)}, {"helper", hex_addr(w.helper)}}},
        {"venue", hex_addr(w.venue)},
        {"venue_oracle", hex_addr(w.venue_oracle)},
        {"markets", {{kMarketNames[kMarketEth], kMarketEth}, {kMarketNames[kMarketBtc], kMarketBtc}}}}},
      {"keys_file", keys.string()},
  };
}

std::vector<Hash32> publish_prices(TxnSender& s, const World& w, uint64_t publish_time) {
  std::vector<Hash32> sent;
  auto submit = [&](const Address& to, std::string_view sig, Json args, const std::string& what, U256 value = {}) {
    chain::TxnOptions opts;
    opts.value = value;
    sent.push_back(take(s.submit(to, take(chain::encode_call(sig, args), what), opts), what));
  };
  submit(w.eth_usd, "submit(int256)", Json::array({"300000000000"}), "ETH/USD round");
  submit(w.btc_usd, "submit(int256)", Json::array({"6500000000000"}), "BTC/USD round");
  submit(w.pyth, "updatePriceFeeds(bytes[])", Json::array({pyth_updates(s.rpc(), w, publish_time)}), "Pyth updatePriceFeeds",
         U256{2});
  return sent;
}

LocalWorld start_world(const chain::LocalChainOptions& options, const fs::path& contracts) {
  const Artifacts artifacts = load_artifacts(contracts);
  auto started = chain::LocalChain::start(options);
  if (!started) fail("local chain: " + started.error());
  LocalWorld lw{std::move(*started), {}, {}};
  const size_t n = std::size(kAccountNames);
  if (lw.chain.accounts().size() < n) fail("local chain: anvil has too few dev accounts");
  lw.funded.assign(lw.chain.accounts().begin(), lw.chain.accounts().begin() + static_cast<ptrdiff_t>(n));
  chain::RpcClient rpc = lw.chain.client();
  TxnSender sender = take(TxnSender::make(rpc, lw.chain.dev_key(0)), "deployer");
  lw.world = deploy_world(sender, artifacts, lw.funded);
  return lw;
}

}  // namespace perpx::app
