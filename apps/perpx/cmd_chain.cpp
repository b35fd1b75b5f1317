// perpx chain up: a local anvil with the drill world deployed on it.
//
// The world, all from real contracts (contracts/ and npm packages):
//   tokens    USD (DrillToken, 6 decimals, the collateral), WETH (18 decimals)
//   feeds     Chainlink-style ETH/USD and BTC/USD (DrillAggregator: Chainlink's
//             MockV3Aggregator plus its events), an L2 sequencer uptime feed,
//             Pyth's MockPyth with ETH/USD and BTC/USD prices
//   pools     a Uniswap v3 WETH/USD pool (fee 0.3%) at the feeds' price,
//             full-range liquidity, 100 observation slots for TWAPs
//   accounts  anvil dev accounts, named, with USD and WETH
// One JSON object (--json) or a summary goes to stdout once all is mined;
// the funded accounts' keys go to a 0600 file, never to stdout. Runs until
// SIGINT/SIGTERM, then stops anvil and exits 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using chain::Address;
using chain::Hash32;
using chain::TxnSender;
using chain::U256;
using core::Json;

struct ChainUpOptions {
  std::optional<double> block_time;
  std::optional<uint64_t> slots_in_an_epoch;
  bool json = false;
  std::string contracts_dir;
  std::string keys_file;
};

// Pyth's price ids for the two markets (as on Pyth's mainnet feeds).
constexpr std::string_view kPythEthUsd = "0xff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";
constexpr std::string_view kPythBtcUsd = "0xe62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43";
constexpr uint32_t kPoolFee = 3000;     // 0.3%, tick spacing 60
constexpr int32_t kFullRange = 887220;  // the widest range on a 60 spacing
constexpr const char* kAccountNames[] = {"deployer", "trader1", "trader2", "keeper", "searcher"};

template <class T>
T check(chain::ContractResult<T> r, std::string_view what) {
  if (!r) fail("chain up: " + std::string(what) + ": " + chain::describe(r.error()));
  return std::move(*r);
}

std::string hex_addr(const Address& a) { return core::to_checksum(a); }

fs::path contracts_dir(const ChainUpOptions& o) {
  if (!o.contracts_dir.empty()) return o.contracts_dir;
  if (const char* env = std::getenv("PERPX_CONTRACTS_DIR"); env && *env) return env;
  // The build tree: <build>/bin/perpx beside <build>/contracts.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) fail("chain up: cannot locate the contracts folder; pass --contracts-dir");
  return exe.parent_path().parent_path() / "contracts";
}

// Creates the keys file with mode 0600 from the start (never readable by
// others, not even briefly). An empty `path` makes a fresh private folder.
struct KeysFile {
  fs::path path;
  fs::path owned_dir;  // removed with the file when we made it
  ~KeysFile() {
    std::error_code ec;
    if (!owned_dir.empty()) fs::remove_all(owned_dir, ec);
  }
};

void write_keys_file(KeysFile& kf, const std::string& requested, const std::string& body) {
  int fd = -1;
  if (requested.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "perpx-chain-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) fail("chain up: cannot create a folder for the keys file");
    kf.owned_dir = tmpl;
    kf.path = kf.owned_dir / "keys.json";
    fd = open(kf.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  } else {
    kf.path = requested;
    fd = open(kf.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0 && fchmod(fd, 0600) != 0) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) fail("chain up: cannot write the keys file " + kf.path.string());
  size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = write(fd, body.data() + done, body.size() - done);
    if (n <= 0) {
      close(fd);
      fail("chain up: cannot write the keys file " + kf.path.string());
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
}

// Waits for every submitted transaction of one phase.
void wait_all(TxnSender& s, const std::vector<std::pair<std::string, Hash32>>& sent,
              std::vector<chain::Receipt>* out = nullptr) {
  for (const auto& [what, hash] : sent) {
    auto r = check(s.wait(hash, std::chrono::seconds(120)), what);
    if (out) out->push_back(std::move(r));
  }
}

struct World {
  Address usd, weth, eth_usd, btc_usd, sequencer, pyth, factory, helper, pool, token0, token1;
};

struct Artifacts {
  chain::Artifact token, aggregator, pyth, factory, helper;
};

// All artifacts, before anything starts: a missing build step fails fast.
Artifacts load_artifacts(const fs::path& dir) {
  auto art = [&](std::string_view name) {
    return check(chain::load_artifact(dir, name), "artifact " + std::string(name));
  };
  return {art("DrillToken"), art("DrillAggregator"), art("MockPyth"), art("UniswapV3Factory"), art("UniV3Helper")};
}

World deploy_world(TxnSender& s, const Artifacts& a, const std::vector<Address>& funded) {
  chain::RpcClient& rpc = s.rpc();
  const auto& [token, aggregator, pyth, factory, helper] = a;

  // Phase 1: every contract (independent of each other).
  std::vector<std::pair<std::string, Hash32>> sent;
  auto deploy = [&](const chain::Artifact& art, std::string_view types, Json args, std::string what) {
    sent.emplace_back(what, check(s.submit_deploy(art, types, args), "deploy " + what));
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
  for (size_t i = 0; i < receipts.size(); ++i) *slots[i] = check(chain::deployed_address(receipts[i]), sent[i].first);

  // Phase 2: the pool, balances, approvals, Pyth prices.
  sent.clear();
  auto submit = [&](const Address& to, std::string_view sig, Json args, std::string what, U256 value = {}) {
    chain::TxnOptions opts;
    opts.value = value;
    sent.emplace_back(what, check(s.submit(to, check(chain::encode_call(sig, args), what), opts), what));
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
  if (!head || !*head) fail("chain up: cannot read the latest block");
  const std::string now = std::to_string((*head)->timestamp);
  Json updates = Json::array();
  for (const auto& [id, price, conf] :
       {std::tuple{kPythEthUsd, "300000000000", "150000000"}, std::tuple{kPythBtcUsd, "6500000000000", "2000000000"}}) {
    auto data =
        check(chain::call(rpc, w.pyth,
                          "createPriceFeedUpdateData(bytes32,int64,uint64,int32,int64,uint64,uint64,uint64)(bytes)",
                          Json::array({id, price, conf, -8, price, conf, now, 0})),
              "Pyth update data");
    updates.push_back(data[0]);
  }
  submit(w.pyth, "updatePriceFeeds(bytes[])", Json::array({updates}), "Pyth updatePriceFeeds", U256{2});
  wait_all(s, sent);

  // Phase 3: initialise the pool at 3000 USD per WETH.
  auto pool_out = check(chain::call(rpc, w.factory, "getPool(address,address,uint24)(address)",
                                    Json::array({hex_addr(w.weth), hex_addr(w.usd), kPoolFee})),
                        "getPool");
  w.pool = *core::parse_address(pool_out[0].get<std::string>());
  const bool weth_is_token0 = w.weth.bytes < w.usd.bytes;  // the factory sorts by address
  w.token0 = weth_is_token0 ? w.weth : w.usd;
  w.token1 = weth_is_token0 ? w.usd : w.weth;
  const uint8_t d0 = weth_is_token0 ? 18 : 6;
  const uint8_t d1 = weth_is_token0 ? 6 : 18;
  const auto tick = chain::tick_for_price(U256{3000} * U256{1'000'000'000'000'000'000ull}, d0, d1, !weth_is_token0);
  if (!tick) fail("chain up: pool price: " + chain::describe(tick.error()));
  const U256 sqrt_price = *chain::sqrt_ratio_at_tick(*tick);
  check(s.transact(w.pool, "initialize(uint160)", Json::array({core::to_decimal(sqrt_price)})), "initialize pool");

  // Phase 4: full-range liquidity (1000 WETH and its worth in USD) and TWAP slots.
  sent.clear();
  const U256 weth_amount = U256{1000} * U256{1'000'000'000'000'000'000ull};
  const U256 liquidity = weth_is_token0 ? weth_amount * sqrt_price >> 96 : (weth_amount << 96) / sqrt_price;
  submit(w.helper, "mint(address,address,int24,int24,uint128)",
         Json::array({hex_addr(w.pool), hex_addr(funded[0]), -kFullRange, kFullRange, core::to_decimal(liquidity)}),
         "mint liquidity");
  submit(w.pool, "increaseObservationCardinalityNext(uint16)", Json::array({100}), "observation cardinality");
  wait_all(s, sent);
  return w;
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
        {"uniswap_v3", {{"factory", hex_addr(w.factory)}, {"helper", hex_addr(w.helper)}}}}},
      {"keys_file", keys.string()},
  };
}

void print_summary(const Json& j) {
  const auto& c = j["contracts"];
  std::string s = "local chain up: " + j["rpc_url"].get<std::string>() + " (" + j["ws_url"].get<std::string>() +
                  "), chain id " + std::to_string(j["chain_id"].get<uint64_t>()) + "\n";
  s += "accounts:\n";
  for (const auto& a : j["accounts"]) {
    std::string name = a["name"].get<std::string>();
    name.resize(std::max<size_t>(name.size(), 10), ' ');
    s += "  " + name + a["address"].get<std::string>() + "\n";
  }
  s += "collateral USD (6 decimals)  " + c["collateral"].get<std::string>() + "\n";
  s += "WETH (18 decimals)           " + c["tokens"]["WETH"].get<std::string>() + "\n";
  s += "chainlink ETH/USD            " + c["feeds"]["chainlink"]["ETH/USD"].get<std::string>() + "\n";
  s += "chainlink BTC/USD            " + c["feeds"]["chainlink"]["BTC/USD"].get<std::string>() + "\n";
  s += "sequencer uptime feed        " + c["feeds"]["sequencer_uptime"].get<std::string>() + "\n";
  s += "pyth                         " + c["feeds"]["pyth"].get<std::string>() + "\n";
  s += "uniswap v3 ETH/USD pool      " + c["pools"]["ETH/USD"]["address"].get<std::string>() + "\n";
  s += "keys file (0600)             " + j["keys_file"].get<std::string>() + "\n";
  s += "running until Ctrl-C";
  print_line(s);
}

void chain_up(const ChainUpOptions& o) {
  const Artifacts artifacts = load_artifacts(contracts_dir(o));
  chain::LocalChainOptions lo;
  lo.block_time = o.block_time;
  lo.slots_in_an_epoch = o.slots_in_an_epoch;
  auto started = chain::LocalChain::start(lo);
  if (!started) fail("chain up: " + started.error());
  chain::LocalChain& lc = *started;

  const size_t n = std::size(kAccountNames);
  if (lc.accounts().size() < n) fail("chain up: anvil has too few dev accounts");
  const std::vector<Address> funded(lc.accounts().begin(), lc.accounts().begin() + static_cast<ptrdiff_t>(n));
  chain::RpcClient rpc = lc.client();
  TxnSender sender = check(TxnSender::make(rpc, lc.dev_key(0)), "deployer");
  const World world = deploy_world(sender, artifacts, funded);

  Json keys = {{"chain_id", lc.chain_id()}, {"rpc_url", lc.rpc_url()}, {"accounts", Json::array()}};
  for (size_t i = 0; i < n; ++i) {
    const auto key = lc.dev_key(i);
    keys["accounts"].push_back({{"name", kAccountNames[i]},
                                {"address", hex_addr(funded[i])},
                                {"private_key", core::to_hex(key.expose_secret())}});
  }
  KeysFile kf;
  write_keys_file(kf, o.keys_file, keys.dump(1) + "\n");
  keys = Json();

  // Signals are taken synchronously from here on (anvil, already running,
  // keeps its own mask); one arriving while we print waits for sigwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  const Json out = world_json(lc, world, funded, kf.path);
  if (o.json)
    print_json(out);
  else
    print_summary(out);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&set, &sig);
  lc.stop();
}

}  // namespace

void add_chain_commands(CLI::App& app) {
  auto* chain_cmd = app.add_subcommand("chain", "local chain");
  chain_cmd->require_subcommand(1);
  auto opts = std::make_shared<ChainUpOptions>();
  auto* up = chain_cmd->add_subcommand(
      "up", "start anvil, deploy the drill world, print its addresses, run until interrupted");
  up->add_option("--block-time", opts->block_time, "seconds between blocks (default: a block per transaction)")
      ->check(CLI::PositiveNumber);
  up->add_option("--slots-in-an-epoch", opts->slots_in_an_epoch, "safe = latest - N, finalized = latest - 2N")
      ->check(CLI::PositiveNumber);
  up->add_flag("--json", opts->json, "one JSON object with the RPC URL and every address");
  up->add_option("--contracts-dir", opts->contracts_dir,
                 "compiled artifacts (default: $PERPX_CONTRACTS_DIR, else <build>/contracts beside bin/perpx)");
  up->add_option("--keys-file", opts->keys_file,
                 "where to write the funded accounts' keys (mode 0600; default: a new private temp folder)");
  up->callback([opts] { chain_up(*opts); });
}

}  // namespace perpx::app
