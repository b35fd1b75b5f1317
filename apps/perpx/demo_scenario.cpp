// perpx demo (demo_scenario.hpp): the scenario, the event loop that feeds
// the strategies, and the summary read back from the chain and the journal.
//
// The chain: anvil with the drill world, a fee-ordered pool, automine off
// after the set-up; every block is the stand-in builder's build_block(),
// 12 s of chain time apart, with the searcher (mev_drill.hpp) scanning the
// pool before each one. Accounts (world.hpp names):
//   trader1   the desk's venue account: the executor (ExecSession, relay =
//             the stand-in), journal beside the report
//   keeper    the desk's spot wallet (SpotDesk, demo_spot.hpp): its WETH is
//             the book's spot inventory; the carry's spot leg swaps here
//   deployer  the world outside the desk: pushes the feeds (Chainlink-style
//             ETH/USD, Pyth, and a third ETH/USD aggregator of the demo's),
//             trades ETH-PERP publicly (the skew push, the sandwich phase),
//             arbitrages the pool toward the feeds, sells WETH to the desk
//   searcher  sandwiches every public placeOrder it sees
//
// Each block, in this order: the searcher scans; the builder builds; the
// executor gets the head (HeadDriver); our account's OrderFilled logs in
// the block are matched to the orders the executor reports included (by
// signed size, oldest first); the spot swaps mined; the three feeds read
// through the oracle pipeline (rejections feed the kill switch, each change
// journalled at once); then the strategies' events: head, fills and
// failures, funding (the venue's rate), spot (the pool), price (the
// pipeline's reference, with the venue's index). Every event and decision
// goes through the Recorder (recording.hpp) first; decisions go to the
// executor (venue "ref") or the spot desk ("uniswap-v3"); an order refused
// at once comes back to the strategies as OrderFailedEvent in the same block.
// Event time is chain time (the block's timestamp), so the recording
// replays to the same decisions.
//
// The summary, from the chain and the journal (never the scenario's inputs):
//   carry_opened        both carry legs filled: a carry perp OrderFilled of
//                       trader1 and a Swap to the spot wallet
//   urgent_hedges       hedger orders of urgency urgent/critical with a fill
//   kill_switch_changes the journal's trading_state rows
//   sandwich_attempts   sandwiches the searcher sent; searcher_profit_usd its
//                       realised PnL minus fees (its OrderFilled events)
//   value_protected_usd for each of our venue fills, what the searcher's
//                       front-run would have cost it had it gone public: the
//                       venue's fillPrice view at the block before the fill
//                       for size + 2 x attack (the price after a front-run of
//                       the attack size) minus fillPrice for size, times size;
//                       minus what it took from our fills that went out on
//                       the public route (ours against fillPrice a block
//                       earlier, in blocks where it traded)
//   hedge_latency_us    in-process, steady clock: the block's price sample
//                       read to the hedge's first transaction sent
//                       (Executor::place returned), p50/p99 over every hedge
//   pnl_usd             per strategy: cash flows of its fills (OrderFilled
//                       and Swap events, fees included) plus what it holds at
//                       the final index (perp) or pool price (spot); the
//                       starting WETH inventory from the first pool price
//                       to the last; funding
//                       from the venue account; gas at the final index
//   gas_gwei / fees_usd by urgency, from receipts of the journal's txns and
//                       the spot swaps
#include "demo_scenario.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "demo_spot.hpp"
#include "exec_session.hpp"
#include "mev_drill.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/oracle/pipeline.hpp"
#include "perpx/strategies/carry.hpp"
#include "perpx/strategies/hedger.hpp"
#include "perpx/strategies/recording.hpp"
#include "perpx/venues/ref_venue.hpp"
#include "relay_standin.hpp"
#include "world.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using chain::Address;
using chain::Hash32;
using core::I256;
using core::Json;
using core::U256;
using SteadyClock = std::chrono::steady_clock;

constexpr uint64_t kBlockSeconds = 12;
constexpr size_t kDeployer = 0, kTrader = 1, kSpotWallet = 3, kSearcher = 4;
constexpr const char* kPerp = "ETH-PERP";
constexpr const char* kPair = "WETH/USD";
constexpr unsigned kAttackEth = 200;
const U256 kGwei{1'000'000'000ull};

// ---- errors ----
std::string why(const chain::RpcError& e) { return chain::to_string(e); }
std::string why(const chain::ContractError& e) { return chain::describe(e); }
std::string why(const chain::FeedError& e) { return chain::describe(e); }
std::string why(const std::string& e) { return e; }
std::string why(const executor::JournalError& e) { return e.message; }
std::string why(const strategies::RecordError& e) { return e.message; }
std::string why(const executor::ExecError& e) { return e.message; }

template <class T, class E>
T need(std::expected<T, E> r, std::string_view what) {
  if (!r) fail("demo: " + std::string(what) + ": " + why(r.error()));
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

Json rpc(chain::RpcClient& c, std::string_view method, Json params) {
  return need(c.request(method, std::move(params)), method);
}

chain::BlockHeader latest(chain::RpcClient& c) {
  auto h = need(c.block_header(chain::Tag::kLatest), "latest block");
  if (!h) fail("demo: the node has no latest block");
  return *h;
}

// ---- numbers (doubles for display and the scenario's script only) ----
double dbl(const U256& v) { return std::stod(core::wad_to_string(v)); }
double dbl(const I256& v) { return std::stod(core::wad_to_string(v)); }
U256 mag(const I256& v) { return v.negative() ? (-v).as_u256() : v.as_u256(); }
oracle::Price price_of(std::expected<oracle::Price, oracle::PriceErrc> p, std::string_view what) {
  if (!p) fail("demo: " + std::string(what) + ": " + std::string(oracle::describe(p.error())));
  return *p;
}
// A scenario price (USD) as 1e18, exact to 1e-9.
U256 wad_of(double usd) { return U256{static_cast<uint64_t>(std::llround(usd * 1e9))} * kGwei; }
std::string e8(double usd) { return std::to_string(std::llround(usd * 1e8)); }
double round2(double v) { return std::round(v * 100) / 100; }

Hash32 account_topic(const Address& a) {
  Hash32 h{};
  std::copy(a.bytes.begin(), a.bytes.end(), h.bytes.begin() + 12);
  return h;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(k, v.size() - 1)];
}

// The world outside the desk, all from the deployer's key: feeds, the other
// trader, the pool's arbitrageur, the client who sells WETH to the desk.
class Market {
 public:
  Market(chain::RpcClient& c, signer::SecretKey key, const World& w, const Address& backup)
      : c_(&c), s_(need(chain::TxnSender::make(c, std::move(key)), "deployer")), w_(w), backup_(backup) {}

  chain::TxnSender& sender() { return s_; }

  // Chainlink and the backup at `cl` / `backup`, Pyth 1 bp under Chainlink,
  // published at the next block's time.
  void feeds(double cl, double backup, uint64_t next_ts) {
    send(w_.eth_usd, "submit(int256)", Json::array({e8(cl)}), 200'000);
    send(backup_, "submit(int256)", Json::array({e8(backup)}), 200'000);
    const double py = cl * 0.9999;
    auto data = need(chain::call(*c_, w_.pyth,
                                 "createPriceFeedUpdateData(bytes32,int64,uint64,int32,int64,uint64,uint64,uint64)(bytes)",
                                 Json::array({kPythEthUsd, e8(py), e8(py * 0.0005), -8, e8(py), e8(py * 0.0005), next_ts, 0})),
                     "Pyth update data");
    send(w_.pyth, "updatePriceFeeds(bytes[])", Json::array({Json::array({data[0]})}), 300'000, U256{1});
  }

  // A public ETH-PERP order of `eth` ETH (a sell when negative) with 8% slippage allowed.
  Hash32 perp_order(int64_t eth, const U256& index, uint64_t deadline) {
    const U256 band = index * U256{8} / U256{100};
    const U256 limit = eth > 0 ? index + band : index - band;
    const I256 size = core::kWadI * I256{eth};
    return send(w_.venue, "placeOrder(uint256,int256,uint256,uint256)",
                Json::array({kMarketEth, core::to_decimal(size), core::to_decimal(limit), deadline}), 600'000);
  }

  // Swaps on the pool so that its price moves to `target` (USD per WETH):
  // the virtual reserves of a full-range position, L and sqrtPriceX96.
  std::optional<Hash32> arb(double target) {
    auto slot = need(chain::call(*c_, w_.pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)", Json::array()), "slot0");
    auto liq = need(chain::call(*c_, w_.pool, "liquidity()(uint128)", Json::array()), "liquidity");
    const double sqrt_x96 = std::stod(slot[0].get<std::string>());
    const double l = std::stod(liq[0].get<std::string>());
    const bool weth0 = w_.token0 == w_.weth;
    const double ratio = sqrt_x96 / 79228162514264337593543950336.0;  // sqrt(raw token1 per token0)
    const double raw = ratio * ratio;
    const double now = weth0 ? raw * 1e12 : 1e12 / raw;  // USD per WETH
    if (std::fabs(now / target - 1) < 0.003) return std::nullopt;
    const double weth_reserve = (weth0 ? l / ratio : l * ratio) / 1e18;
    const double usd_reserve = (weth0 ? l * ratio : l / ratio) / 1e6;
    const bool sell_weth = now > target;
    const double amount = sell_weth ? weth_reserve * (std::sqrt(now / target) - 1) / 0.997
                                    : usd_reserve * (std::sqrt(target / now) - 1) / 0.997;
    const bool zero_for_one = sell_weth == weth0;
    const std::string in = sell_weth ? std::to_string(static_cast<uint64_t>(amount * 1e6)) + "000000000000"
                                     : std::to_string(static_cast<uint64_t>(amount * 1e6));
    return send(w_.helper, "swapExactIn(address,address,bool,int256,uint160)",
                Json::array({core::to_checksum(w_.pool), core::to_checksum(s_.address()), zero_for_one, in, "0"}), 400'000);
  }

  // The client's side of a block trade: `weth` WETH to the desk's wallet.
  Hash32 give_weth(const Address& to, const U256& weth) {
    return send(w_.weth, "transfer(address,uint256)", Json::array({core::to_checksum(to), core::to_decimal(weth)}), 100'000);
  }

 private:
  Hash32 send(const Address& to, std::string_view sig, const Json& args, uint64_t gas, U256 value = {}) {
    chain::TxnOptions o;
    o.gas_limit = gas;
    o.value = value;
    return need(s_.submit(to, need(chain::encode_call(sig, args), sig), o), sig);
  }
  chain::RpcClient* c_;
  chain::TxnSender s_;
  World w_;
  Address backup_;
};

struct PhaseSpan {
  std::string name;
  uint64_t first = 0, last = 0;
  Json evidence = Json::object();
};

// What we know of each order a strategy (or the operator) made.
struct OrderMeta {
  std::string strategy;
  executor::Urgency urgency = executor::Urgency::kNormal;
  std::string venue;
  I256 size;  // signed
  int64_t journal_id = 0;
  bool done = false;
};

// A fill of ours as the chain says (venue OrderFilled or pool Swap).
struct Fill {
  std::string client_id, strategy, venue;
  executor::Urgency urgency = executor::Urgency::kNormal;
  I256 size;
  U256 price, fee_usd;  // fee: the venue's (OrderFilled), or the pool's 0.3% of notional
  uint64_t block = 0;
  Hash32 txn;
};

class Demo {
 public:
  explicit Demo(const DemoOptions& o) : o_(o) {}
  DemoResult run(const DrillCheck& check);

 private:
  void line(Json j) {
    if (o_.on_line) o_.on_line(j);
    result_.lines.push_back(std::move(j));
  }
  void problem(std::string s) { problems_.push_back(std::move(s)); }

  void setup();
  // One block of the scenario (the market's actions for it already sent).
  void block();
  void feed(strategies::Event e, std::optional<SteadyClock::time_point> seen = {});
  void route(const strategies::Decision& d, std::optional<SteadyClock::time_point> seen);
  void report_trips();
  void manual(executor::TradingState to, std::string reason);
  void read_oracle(const chain::BlockHeader& head);
  void match_fills(const chain::BlockHeader& head, const std::vector<executor::OrderUpdate>& updates);
  void begin(const std::string& phase);
  void end_phase();
  U256 index();
  void push_feeds(double cl, double backup);
  bool hedger_busy() const;
  Json summary();

  const DemoOptions& o_;
  DemoResult result_;
  std::vector<std::string> problems_;

  std::optional<LocalWorld> lw_;
  std::optional<chain::RpcClient> c_;
  std::unique_ptr<StandinBuilder> builder_;
  std::unique_ptr<ExecSession> session_;
  std::unique_ptr<Market> market_;
  std::unique_ptr<SpotDesk> spot_;
  std::unique_ptr<Searcher> searcher_;
  std::optional<strategies::Recorder> recorder_;
  std::optional<strategies::StrategySet> set_;
  strategies::DeltaHedger* hedger_ = nullptr;
  strategies::FundingCarry* carry_ = nullptr;
  strategies::HedgerConfig hcfg_;
  strategies::CarryConfig ccfg_;
  Address backup_, trader_, spot_wallet_;

  oracle::Pipeline pipeline_;
  oracle::SourceId src_chainlink_ = 0, src_pyth_ = 0, src_backup_ = 0;
  chain::ChainlinkFeed cl_feed_, backup_feed_;
  chain::PythFeed pyth_feed_;
  U256 last_cl_round_, last_backup_round_;
  uint64_t last_pyth_time_ = 0;
  std::optional<oracle::Price> reference_;
  uint64_t rejections_ = 0;
  std::map<std::string, uint64_t> rejection_reasons_;
  uint32_t healthy_backup_ = 0;  // backup samples accepted in a row
  size_t trips_seen_ = 0;

  chain::BlockHeader head_{};
  std::chrono::steady_clock::time_point paced_ = std::chrono::steady_clock::now();
  uint64_t now_ms_ = 0;
  std::string phase_;
  std::vector<PhaseSpan> phases_;
  std::deque<strategies::Event> queue_;
  std::map<std::string, OrderMeta> orders_;
  std::map<int64_t, std::string> by_journal_id_;
  std::deque<venues::OrderFilledEvent> unmatched_;
  std::map<uint64_t, Hash32> unmatched_txn_;
  std::vector<std::pair<venues::OrderFilledEvent, std::pair<uint64_t, Hash32>>> fills_raw_;
  std::vector<Fill> fills_;
  std::vector<double> latencies_us_;
  std::vector<SpotFill> spot_done_;
  std::vector<std::pair<Hash32, std::string>> flows_pending_;  // (WETH transfer, client id)
  U256 flow_price_;
  unsigned flows_ = 0;
  Json flows_evidence_ = Json::array();
  double m_ = 3000;  // the scenario's ETH price, USD
  I256 inventory_;   // the spot wallet's WETH at the start (the book's spot holdings)
  U256 first_pool_;  // the pool's price then
};

U256 Demo::index() { return need(session_->venue.venue().index_price(kMarketEth), "venue index"); }

bool Demo::hedger_busy() const { return hedger_->in_flight().has_value(); }

void Demo::push_feeds(double cl, double backup) { market_->feeds(cl, backup, head_.timestamp + kBlockSeconds); }

void Demo::begin(const std::string& phase) {
  phase_ = phase;
  phases_.push_back({phase, head_.number + 1, 0, Json::object()});
  result_.series.phases.emplace_back(static_cast<double>(head_.number + 1), phase);
}

void Demo::end_phase() {
  PhaseSpan& p = phases_.back();
  p.last = head_.number;
  line({{"event", "phase"}, {"phase", p.name}, {"first_block", p.first}, {"last_block", p.last}, {"evidence", p.evidence}});
}

void Demo::setup() {
  chain::LocalChainOptions lo;
  lo.order = "fees";
  const fs::path contracts = contracts_dir(o_.contracts_dir);
  lw_.emplace(start_world(lo, contracts));
  c_.emplace(lw_->chain.client());
  chain::RpcClient& c = *c_;
  const Artifacts art = load_artifacts(contracts);
  trader_ = lw_->funded.at(kTrader);
  spot_wallet_ = lw_->funded.at(kSpotWallet);

  // Still automining: the demo's third ETH/USD feed, the other trader's
  // margin, the spot wallet's approvals.
  market_ = std::make_unique<Market>(c, lw_->chain.dev_key(kDeployer), lw_->world, Address{});
  backup_ = need(market_->sender().deploy(art.aggregator, "(uint8,int256)", Json::array({8, e8(m_)})), "backup feed");
  market_ = std::make_unique<Market>(c, lw_->chain.dev_key(kDeployer), lw_->world, backup_);
  need(market_->sender().transact(lw_->world.venue, "deposit(uint256)", Json::array({"4000000000000"})), "deployer deposit");
  spot_ = std::make_unique<SpotDesk>(c, lw_->chain.dev_key(kSpotWallet), lw_->world);

  rpc(c, "evm_setAutomine", Json::array({false}));
  rpc(c, "anvil_setBlockTimestampInterval", Json::array({kBlockSeconds}));
  builder_ = std::make_unique<StandinBuilder>(lw_->chain.rpc_url());

  SessionOptions so;
  so.rpc_url = lw_->chain.rpc_url();
  so.journal = result_.journal;
  so.venue = lw_->world.venue;
  so.relays = {builder_->url()};
  so.executor.deadline_s = 3600;
  // The kill switch's oracle trips read the same three feeds (exec_session.hpp).
  so.oracle_feeds = {std::string(kPerp) + ":chainlink=chainlink:" + core::to_checksum(lw_->world.eth_usd),
                     std::string(kPerp) + ":pyth=pyth:" + core::to_checksum(lw_->world.pyth) + ":" + std::string(kPythEthUsd),
                     std::string(kPerp) + ":backup=chainlink:" + core::to_checksum(backup_)};
  // The risk gate's band is around the pipeline's mark, a 5-minute clamped
  // TWAP: in a 14% crash it lags the index by more than the default 5%.
  so.risk.defaults.price_band_bps = 2000;
  session_ = std::make_unique<ExecSession>(so, lw_->chain.dev_key(kTrader));
  searcher_ = std::make_unique<Searcher>(c, lw_->chain.chain_id(), lw_->chain.dev_key(kSearcher), lw_->world.venue,
                                         core::kWadI * I256{static_cast<int64_t>(kAttackEth)});

  // The oracle pipeline over the three ETH/USD feeds (quorum 2).
  src_chainlink_ = pipeline_.add_source("chainlink");
  src_pyth_ = pipeline_.add_source("pyth");
  src_backup_ = pipeline_.add_source("backup");
  cl_feed_ = need(chain::make_chainlink_feed(c, lw_->world.eth_usd), "Chainlink feed");
  backup_feed_ = need(chain::make_chainlink_feed(c, backup_), "backup feed");
  pyth_feed_.pyth = lw_->world.pyth;
  pyth_feed_.price_id = *core::parse_hash32(kPythEthUsd);

  // The strategies: the book as the chain has it now.
  head_ = latest(c);
  now_ms_ = head_.timestamp * 1000;
  strategies::Book book;
  const std::vector<Address> accounts{trader_};
  book.model = need(session_->venue.venue().load_model(accounts), "venue model");
  book.account = trader_;
  for (uint64_t m : {kMarketEth, kMarketBtc}) book.prices.push_back(need(session_->venue.venue().index_price(m), "index"));
  book.time_us = head_.timestamp * 1'000'000;
  book.spot[kPair] = I256::from_u256(spot_->weth_balance());
  inventory_ = book.spot[kPair];
  first_pool_ = spot_->price();

  hcfg_.band = U256{25} * core::kWad;
  hcfg_.max_hedge = U256{80} * core::kWad;
  hcfg_.vol_window = 10;
  hcfg_.fast_bps_per_s = 5.0;  // the crash falls 7.5 bps/s, the calm wiggles under 1
  hcfg_.speed_window_us = 30'000'000;  // blocks are 12 s apart: two or three prices
  ccfg_.size = U256{10} * core::kWad;  // the pool (1000 WETH, full range) moves ~2% for 10 WETH
  ccfg_.holding_days = 14;
  ccfg_.round_trip_fee_bps = 300;      // pool fee and impact both ways, venue fees
  ccfg_.window = 8;
  ccfg_.min_history = 6;
  ccfg_.basis_limit_bps = 300;
  ccfg_.leg_slippage_bps = 250;
  const std::vector<strategies::StrategySpec> specs{{"hedger", strategies::to_json(hcfg_)},
                                                    {"carry", strategies::to_json(ccfg_)}};
  set_.emplace(need(strategies::make_strategies(specs, book), "strategies"));
  hedger_ = dynamic_cast<strategies::DeltaHedger*>(&set_->at(0));
  carry_ = dynamic_cast<strategies::FundingCarry*>(&set_->at(1));
  if (!hedger_ || !carry_) fail("demo: the strategy factory built other kinds than asked");
  recorder_.emplace(need(strategies::Recorder::open(result_.record.string(), book, specs), "--record"));
  line({{"event", "setup"}, {"venue", core::to_checksum(lw_->world.venue)}, {"account", core::to_checksum(trader_)},
        {"spot_wallet", core::to_checksum(spot_wallet_)}, {"pool", core::to_checksum(lw_->world.pool)},
        {"backup_feed", core::to_checksum(backup_)}, {"relay", builder_->url()},
        {"spot_inventory_weth", core::wad_to_string(book.spot[kPair])}, {"block_num", head_.number}});
}

// The session's trips journal every change they make; each is a line too.
void Demo::report_trips() {
  for (; trips_seen_ < session_->tripped.size(); ++trips_seen_) {
    const executor::StateChange& ch = session_->tripped[trips_seen_];
    line({{"event", "kill_switch"}, {"from", executor::trading_state_name(ch.from)}, {"to", executor::trading_state_name(ch.to)},
          {"cause", executor::trip_cause_name(ch.cause)}, {"detail", ch.detail}, {"block_num", head_.number}});
  }
}

void Demo::manual(executor::TradingState to, std::string reason) {
  auto ch = session_->kill.manual(to, std::move(reason), now_ms_);
  if (!ch) return;
  need(session_->journal.add_state_change(*ch), "journal kill switch");
  line({{"event", "kill_switch"}, {"from", executor::trading_state_name(ch->from)}, {"to", executor::trading_state_name(ch->to)},
        {"cause", executor::trip_cause_name(ch->cause)}, {"detail", ch->detail}, {"block_num", head_.number}});
}

void Demo::read_oracle(const chain::BlockHeader& head) {
  chain::RpcClient& c = *c_;
  auto take_sample = [&](oracle::SourceId id, const chain::PriceSample& s) {
    oracle::Sample x;
    x.source = id;
    x.time_us = static_cast<int64_t>(s.publish_time) * oracle::kMicrosPerSecond;
    x.price = price_of(oracle::from_fixed(s.price), "price");
    if (s.conf) x.conf = price_of(oracle::from_fixed(*s.conf, false, s.price.exponent), "conf");
    x.round_id = static_cast<uint64_t>(s.round_id.w[0]);
    x.answered_in_round = static_cast<uint64_t>(s.answered_in_round.w[0]);
    x.block_num = s.block_number;
    const oracle::Decision d = pipeline_.process(x);
    for (uint8_t k = 0; k < d.event_count; ++k) {
      const oracle::Event& ev = d.events[k];
      if (ev.kind == oracle::EventKind::kRejected) {
        ++rejections_;
        std::string reasons;
        for (size_t r = 0; r < oracle::kReasonCount; ++r)
          if (ev.reasons.has(static_cast<oracle::Reason>(r))) {
            const std::string n(oracle::reason_name(static_cast<oracle::Reason>(r)));
            ++rejection_reasons_[n];
            reasons += (reasons.empty() ? "" : ",") + n;
          }
        line({{"event", "oracle"}, {"decision", "reject"}, {"source", pipeline_.source_name(ev.source)},
              {"price", oracle::to_string(ev.price)}, {"reasons", reasons}, {"block_num", head.number}});
      } else if (ev.kind == oracle::EventKind::kNoQuorum) {
        line({{"event", "oracle"}, {"decision", "no_quorum"}, {"block_num", head.number}});
      }
    }
    if (id == src_backup_) healthy_backup_ = d.accepted ? healthy_backup_ + 1 : 0;
    if (d.reference) reference_ = d.reference;
  };
  const auto cl = need(chain::read_chainlink(c, cl_feed_, head), "Chainlink");
  if (cl.round_id != last_cl_round_) {
    last_cl_round_ = cl.round_id;
    take_sample(src_chainlink_, cl);
  }
  const auto py = need(chain::read_pyth(c, pyth_feed_, head), "Pyth");
  if (py.publish_time != last_pyth_time_) {
    last_pyth_time_ = py.publish_time;
    take_sample(src_pyth_, py);
  }
  const auto bk = need(chain::read_chainlink(c, backup_feed_, head), "backup feed");
  if (bk.round_id != last_backup_round_) {
    last_backup_round_ = bk.round_id;
    take_sample(src_backup_, bk);
  }
}

// Our account's venue fills in this block, then each included order takes
// the oldest fill of its signed size.
void Demo::match_fills(const chain::BlockHeader& head, const std::vector<executor::OrderUpdate>& updates) {
  const chain::LogFilter f{{lw_->world.venue}, {{venues::order_filled_topic()}, {account_topic(trader_)}}};
  for (const chain::Log& log : need(c_->get_logs(f, head.number, head.number), "venue fills")) {
    auto e = need(venues::decode_order_filled(log), "OrderFilled");
    if (e.account != trader_) continue;
    fills_raw_.push_back({e, {log.block_number, log.txn_hash}});
    unmatched_.push_back(e);
    unmatched_txn_[unmatched_.size() - 1] = log.txn_hash;
  }
  const uint64_t t_us = head.timestamp * 1'000'000;
  for (const executor::OrderUpdate& u : updates) {
    auto it = orders_.find(u.client_id);
    if (it == orders_.end() || it->second.done) continue;
    OrderMeta& m = it->second;
    if (u.state == "included" || u.state == "finalized") {
      // Find the raw fill (kept in fills_raw_) of this size not yet claimed.
      std::optional<size_t> pick;
      for (size_t k = 0; k < fills_raw_.size(); ++k) {
        const auto& [e, where] = fills_raw_[k];
        if (e.size_delta != m.size) continue;
        bool claimed = false;
        for (const Fill& x : fills_)
          if (x.venue == "ref" && x.txn == where.second && x.size == e.size_delta && x.block == where.first) claimed = true;
        if (!claimed) {
          pick = k;
          break;
        }
      }
      m.done = true;
      if (!pick) {
        problem(u.client_id + ": included without a matching OrderFilled of ours");
        queue_.push_back(strategies::OrderFailedEvent{u.client_id, "no fill found on chain", t_us});
        continue;
      }
      const auto& [e, where] = fills_raw_[*pick];
      fills_.push_back({u.client_id, m.strategy, "ref", m.urgency, e.size_delta, e.fill_price, e.fee, where.first, where.second});
      if (m.strategy != "operator")
        queue_.push_back(strategies::FillEvent{u.client_id, kPerp, e.size_delta, e.fill_price, t_us});
      line({{"event", "fill"}, {"client_id", u.client_id}, {"strategy", m.strategy}, {"size", core::wad_to_string(e.size_delta)},
            {"price", core::wad_to_string(e.fill_price)}, {"block_num", where.first}, {"txn", core::to_hex(where.second)}});
    } else if (u.state == "rejected" || u.state == "failed" || u.state == "cancelled") {
      m.done = true;
      if (m.strategy != "operator") queue_.push_back(strategies::OrderFailedEvent{u.client_id, u.state, t_us});
      line({{"event", "order_failed"}, {"client_id", u.client_id}, {"state", u.state}, {"detail", u.detail}});
    }
  }
  unmatched_.clear();
  unmatched_txn_.clear();
}

void Demo::route(const strategies::Decision& d, std::optional<SteadyClock::time_point> seen) {
  const executor::Order& o = d.order;
  orders_[o.client_id] = {o.strategy, o.urgency, o.venue, executor::signed_size(o), 0, false};
  const uint64_t t_us = head_.timestamp * 1'000'000;
  if (o.venue == "uniswap-v3") {
    if (auto r = spot_->place(o); !r) {
      orders_[o.client_id].done = true;
      queue_.push_back(strategies::OrderFailedEvent{o.client_id, r.error(), t_us});
    }
    return;
  }
  auto id = session_->ex.place(o, now_ms_, seen.value_or(SteadyClock::now()));  // /metrics' tick to wire from the price
  if (seen && o.strategy == hcfg_.name && id)
    latencies_us_.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - *seen).count());
  if (!id) {
    orders_[o.client_id].done = true;
    line({{"event", "order_refused"}, {"client_id", o.client_id}, {"reason", id.error().message}});
    queue_.push_back(strategies::OrderFailedEvent{o.client_id, id.error().message, t_us});
    return;
  }
  orders_[o.client_id].journal_id = *id;
}

void Demo::feed(strategies::Event e, std::optional<SteadyClock::time_point> seen) {
  queue_.push_back(std::move(e));
  Json batch = Json::array();
  for (int guard = 0; !queue_.empty() && guard < 64; ++guard) {
    strategies::Event next = std::move(queue_.front());
    queue_.pop_front();
    const bool is_price = std::holds_alternative<strategies::PriceEvent>(next);
    auto decisions = need(recorder_->feed(*set_, next), "--record");
    for (const auto& d : decisions) {
      route(d, is_price ? seen : std::nullopt);
      batch.push_back({{"client_id", d.order.client_id}, {"strategy", d.order.strategy}, {"venue", d.order.venue},
                       {"side", executor::side_name(d.order.side)}, {"size", core::wad_to_string(d.order.size)},
                       {"urgency", executor::urgency_name(d.order.urgency)}, {"path", executor::path_name(d.order.path)},
                       {"reduce_only", d.order.reduce_only}, {"why", d.why}});
    }
  }
  if (!batch.empty()) line({{"event", "decisions"}, {"phase", phase_}, {"block_num", head_.number}, {"decisions", batch}});
}

void Demo::block() {
  chain::RpcClient& c = *c_;
  const U256 idx = index();
  searcher_->scan(idx, head_.timestamp + 3600);
  if (o_.block_ms > 0) {
    std::this_thread::sleep_until(paced_ + std::chrono::milliseconds(o_.block_ms));
    paced_ = std::chrono::steady_clock::now();
  }
  need(builder_->build_block(), "build block");
  head_ = latest(c);
  now_ms_ = head_.timestamp * 1000;
  if (o_.on_progress) o_.on_progress(phase_, head_.number);
  const uint64_t t_us = head_.timestamp * 1'000'000;

  auto updates = need(session_->driver.on_head(head_, now_ms_), "executor");  // the trips first (exec_session.hpp)
  report_trips();
  match_fills(head_, updates);
  for (SpotFill& f : spot_->on_block()) {
    auto it = orders_.find(f.client_id);
    if (it != orders_.end()) it->second.done = true;
    const std::string strategy = it != orders_.end() ? it->second.strategy : "";
    const executor::Urgency u = it != orders_.end() ? it->second.urgency : executor::Urgency::kNormal;
    if (f.filled) {
      fills_.push_back({f.client_id, strategy, "uniswap-v3", u, f.size, f.price,
                        mag(f.size) * f.price / core::kWad * U256{3} / U256{1000}, f.block_num, f.txn});
      queue_.push_back(strategies::FillEvent{f.client_id, kPair, f.size, f.price, t_us});
      line({{"event", "fill"}, {"client_id", f.client_id}, {"strategy", strategy}, {"size", core::wad_to_string(f.size)},
            {"price", core::wad_to_string(f.price)}, {"block_num", f.block_num}, {"txn", core::to_hex(f.txn)}});
    } else {
      queue_.push_back(strategies::OrderFailedEvent{f.client_id, f.reason, t_us});
      line({{"event", "order_failed"}, {"client_id", f.client_id}, {"reason", f.reason}});
    }
    spot_done_.push_back(std::move(f));
  }
  // Client flow: the WETH transfer mined -> the desk bought it (a fill of the desk's book).
  for (auto it = flows_pending_.begin(); it != flows_pending_.end();) {
    auto r = need(c.transaction_receipt(it->first), "flow receipt");
    if (!r) {
      ++it;
      continue;
    }
    if (r->success) {
      const U256 weth = U256{30} * core::kWad;
      fills_.push_back({it->second, "flow", "otc", executor::Urgency::kNormal, I256::from_u256(weth), flow_price_, {}, r->block_number, it->first});
      queue_.push_back(strategies::FillEvent{it->second, kPair, I256::from_u256(weth), flow_price_, t_us});
      flows_evidence_.push_back({{"client_id", it->second}, {"txn", core::to_hex(it->first)}, {"block_num", r->block_number}});
      line({{"event", "flow"}, {"client_id", it->second}, {"weth", "30"}, {"price", core::wad_to_string(flow_price_)},
            {"block_num", r->block_number}, {"txn", core::to_hex(it->first)}});
    } else {
      problem(it->second + ": the client's WETH transfer reverted");
    }
    it = flows_pending_.erase(it);
  }

  read_oracle(head_);
  const auto seen = SteadyClock::now();
  feed(strategies::HeadEvent{head_.number, t_us});
  feed(strategies::FundingEvent{kPerp, need(session_->venue.venue().funding_rate(kMarketEth), "funding rate"), t_us});
  const U256 pool = spot_->price();
  feed(strategies::SpotEvent{kPair, pool, t_us});
  const U256 venue_index = index();
  if (reference_) feed(strategies::PriceEvent{kPerp, U256{static_cast<uint64_t>(reference_->raw)} * kGwei, venue_index, t_us}, seen);

  // The report's series.
  auto& s = result_.series;
  s.block.push_back(static_cast<double>(head_.number));
  s.price.push_back(reference_ ? static_cast<double>(reference_->raw) / 1e9 : NAN);
  s.index.push_back(dbl(venue_index));
  s.delta.push_back(dbl(hedger_->delta()));
  s.band.push_back(dbl(hcfg_.band));
  const auto summary = need(session_->venue.venue().account_summary(trader_), "account summary");
  s.margin_ratio.push_back(summary.figures.margin_ratio == I256::max() ? NAN : std::min(dbl(summary.figures.margin_ratio), 1e4));
}

DemoResult Demo::run(const DrillCheck& check) {
  const fs::path dir = o_.report.has_parent_path() ? o_.report.parent_path() : fs::path(".");
  result_.report = o_.report;
  result_.record = o_.record.empty() ? dir / "demo-recording.jsonl" : o_.record;
  result_.journal = o_.journal.empty() ? dir / "demo-journal.sqlite" : o_.journal;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    fs::remove(result_.journal.string() + suffix, ec);  // one run, one journal: client ids start again at 1
  }
  setup();
  chain::RpcClient& c = *c_;
  // A small deterministic wiggle every block: feeds that print the same price
  // five times while another moves are "frozen" to the oracle checks.
  int step = 0;
  auto wiggle = [&] {
    ++step;
    return 1.0 + 0.0008 * ((step * 7919) % 5 - 2) / 2.0;
  };

  // calm: small moves; the hedger meets the desk's inventory.
  begin("calm");
  for (int i = 0; i < (o_.fast ? 5 : 10); ++i) {
    m_ *= wiggle();
    push_feeds(m_, m_ * 1.0002);
    block();
  }
  phases_.back().evidence["hedges"] = Json::array();
  for (const Fill& f : fills_)
    if (f.strategy == hcfg_.name) phases_.back().evidence["hedges"].push_back(core::to_hex(f.txn));
  end_phase();

  // funding_spike: the other trader goes long 4500 ETH publicly; funding rises; the carry opens.
  begin("funding_spike");
  Json pushes = Json::array();
  for (int i = 0; i < 40; ++i) {
    m_ *= wiggle();
    push_feeds(m_, m_ * 1.0002);
    if (i < 3) pushes.push_back(core::to_hex(market_->perp_order(1500, index(), head_.timestamp + 3600)));
    block();
    const bool legs_done = std::none_of(orders_.begin(), orders_.end(), [&](const auto& kv) {
      return kv.second.strategy == ccfg_.name && !kv.second.done;
    });
    if (carry_->state() == strategies::CarryState::kOpen && legs_done) break;
  }
  phases_.back().evidence["skew_orders"] = pushes;
  phases_.back().evidence["funding_rate_per_day"] = core::wad_to_string(need(session_->venue.venue().funding_rate(kMarketEth), "funding"));
  phases_.back().evidence["carry_state"] = std::string(strategies::carry_state_name(carry_->state()));
  end_phase();
  if (carry_->state() != strategies::CarryState::kOpen) problem("funding_spike: the carry did not open");

  // crash: the feeds fall 0.9% a block (12 s) for sixteen blocks, -13.5%;
  // the pool follows; clients sell 30 WETH to the desk three times. (A
  // faster fall is an outlier to the oracle checks: the first feed of a
  // block to print would be more than 1% from the others' last prices.)
  begin("crash");
  for (int i = 0; i < 30; ++i) {
    m_ *= i < 16 ? 0.991 : wiggle();
    push_feeds(m_, m_ * 1.0002);
    market_->arb(m_);
    if (i == 2 || i == 6 || i == 10) {
      flow_price_ = wad_of(m_ * 0.998);
      const std::string id = "flow-" + std::to_string(++flows_);
      flows_pending_.push_back({market_->give_weth(spot_wallet_, U256{30} * core::kWad), id});
      // The desk pays the client (its own key: the spot wallet).
      need(spot_->pay_usd(lw_->funded.at(kDeployer), U256{30} * flow_price_ / U256{1'000'000'000'000ull}), "flow payment");
    }
    block();
    if (i >= 18 && !hedger_busy() && flows_pending_.empty()) break;
  }
  phases_.back().evidence["client_flows"] = flows_evidence_;
  end_phase();

  // oracle_anomaly: the backup feed prints +25% three times.
  begin("oracle_anomaly");
  for (int i = 0; i < 3; ++i) {
    m_ *= wiggle();
    push_feeds(m_, m_ * 1.25);
    block();
  }
  if (session_->kill.state() != executor::TradingState::kReducing) problem("oracle_anomaly: the kill switch did not trip to REDUCING");
  // Two probes: one that would add risk (denied), one reduce-only (passes).
  // The limit 1% past the venue's own fill price now (the other trader's
  // skew puts ETH-PERP several % over the index).
  const U256 fill_now = need(session_->venue.venue().fill_price(kMarketEth, core::kWadI), "fill price");
  Json probes = Json::array();
  for (bool reduce : {false, true}) {
    executor::Order p;
    p.venue = "ref";
    p.market = kPerp;
    p.side = executor::Side::kBuy;  // the desk is short: a buy reduces
    p.size = core::kWad;
    p.limit_price = fill_now + fill_now / U256{100};
    p.reduce_only = reduce;
    p.strategy = "operator";
    p.client_id = reduce ? "operator-probe-reduce" : "operator-probe-add";
    orders_[p.client_id] = {"operator", p.urgency, "ref", executor::signed_size(p), 0, false};
    auto r = session_->ex.place(p, now_ms_);
    if (r) orders_[p.client_id].journal_id = *r;
    else orders_[p.client_id].done = true;
    probes.push_back({{"client_id", p.client_id}, {"reduce_only", reduce}, {"accepted", r.has_value()},
                      {"reason", r ? std::string() : r.error().message}});
    if (reduce != r.has_value()) problem("oracle_anomaly: probe " + p.client_id + (r ? " passed" : " was refused"));
  }
  line({{"event", "probes"}, {"state", executor::trading_state_name(session_->kill.state())}, {"probes", probes}});
  phases_.back().evidence["probes"] = probes;
  for (int i = 0; i < 6 && healthy_backup_ < 3; ++i) {
    m_ *= wiggle();
    push_feeds(m_, m_ * 1.0002);
    block();
  }
  if (healthy_backup_ >= 3)
    manual(executor::TradingState::kActive,
           "operator resume: every feed accepted again (backup " + std::to_string(healthy_backup_) + " in a row)");
  else
    problem("oracle_anomaly: the backup feed did not recover");
  m_ *= wiggle();
  push_feeds(m_, m_ * 1.0002);
  block();
  end_phase();

  // sandwich: the other trader trades publicly again.
  begin("sandwich");
  const unsigned before = searcher_->sandwiches();
  Json orders = Json::array();
  for (int i = 0; i < 4; ++i) {
    m_ *= wiggle();
    push_feeds(m_, m_ * 1.0002);
    if (i == 0) orders.push_back(core::to_hex(market_->perp_order(300, index(), head_.timestamp + 3600)));
    if (i == 1) orders.push_back(core::to_hex(market_->perp_order(-300, index(), head_.timestamp + 3600)));
    block();
  }
  phases_.back().evidence["public_orders"] = orders;
  phases_.back().evidence["sandwiches"] = searcher_->sandwiches() - before;
  end_phase();

  // settle: every order final.
  begin("settle");
  for (int i = 0; i < 30; ++i) {
    m_ *= wiggle();
    push_feeds(m_, m_ * 1.0002);
    block();
    const bool open = std::any_of(orders_.begin(), orders_.end(), [](const auto& kv) { return !kv.second.done; });
    if (!open && spot_->pending() == 0 && i >= (o_.fast ? 1 : 3)) break;
  }
  end_phase();
  for (const auto& [id, m] : orders_)
    if (!m.done) problem(id + ": still open at the end");

  Json s = summary();
  result_.ok = problems_.empty();
  if (!problems_.empty()) result_.why = problems_.front();
  s["summary"]["ok"] = result_.ok;
  if (!result_.ok) s["summary"]["problems"] = problems_;
  if (auto w = write_demo_report(result_.report, result_.series, s); !w) fail("demo: " + w.error());
  line(std::move(s));
  if (check) check(c, result_);
  return std::move(result_);
}

Json Demo::summary() {
  chain::RpcClient& c = *c_;
  venues::RefVenue& ref = const_cast<venues::RefVenue&>(session_->venue.venue());
  const U256 final_index = index();
  const U256 final_pool = spot_->price();

  // Gas by urgency and per block, from the receipts of the journal's txns and the spot swaps.
  std::map<std::string, double> gas_gwei, fees_usd;
  std::map<uint64_t, double> gas_by_block;
  U256 gas_wei_total;
  for (const auto& rec : need(session_->journal.orders(false), "journal orders")) {
    for (const auto& t : need(session_->journal.txns(rec.id), "journal txns")) {
      auto r = need(c.transaction_receipt(t.hash), "receipt");
      if (!r) continue;
      const U256 wei = U256{r->gas_used} * r->effective_gas_price;
      gas_wei_total = gas_wei_total + wei;
      const double gwei = dbl(wei * kGwei);  // wei / 1e9 as a double
      gas_gwei[rec.urgency] += gwei;
      gas_by_block[r->block_number] += gwei;
    }
  }
  for (const SpotFill& f : spot_done_) {
    const U256 wei = U256{f.gas_used} * f.gas_price;
    gas_wei_total = gas_wei_total + wei;
    auto it = orders_.find(f.client_id);
    const std::string u(executor::urgency_name(it != orders_.end() ? it->second.urgency : executor::Urgency::kNormal));
    gas_gwei[u] += dbl(wei * kGwei);
    gas_by_block[f.block_num] += dbl(wei * kGwei);
  }
  for (const double b : result_.series.block) result_.series.gas_gwei.push_back(gas_by_block[static_cast<uint64_t>(b)]);

  // PnL per strategy from its fills, marked at the end.
  std::map<std::string, I256> cash, held_perp, held_spot;
  bool carry_perp = false, carry_spot = false;
  unsigned urgent = 0, hedges = 0;
  for (const Fill& f : fills_) {
    const std::string who = f.strategy.empty() ? "unknown" : f.strategy;
    // A swap's average price already holds the pool's fee (fee_usd shows it); the venue's is charged apart.
    cash[who] -= f.size * I256::from_u256(f.price) / core::kWadI + (f.venue == "ref" ? I256::from_u256(f.fee_usd) : I256{});
    (f.venue == "ref" ? held_perp : held_spot)[who] += f.size;
    fees_usd[std::string(executor::urgency_name(f.urgency))] += dbl(f.fee_usd);
    if (who == ccfg_.name) (f.venue == "ref" ? carry_perp : carry_spot) = true;
    if (who == hcfg_.name) {
      ++hedges;
      if (f.urgency >= executor::Urgency::kUrgent) ++urgent;
    }
  }
  Json pnl = Json::object();
  double total = 0;
  for (const auto& [who, cf] : cash) {
    const I256 v = cf + held_perp[who] * I256::from_u256(final_index) / core::kWadI +
                   held_spot[who] * I256::from_u256(final_pool) / core::kWadI;
    pnl[who] = round2(dbl(v));
    total += dbl(v);
  }
  // The desk's WETH inventory at the start, marked from the pool's first to its last price.
  pnl["inventory"] = round2(dbl(inventory_ * (I256::from_u256(final_pool) - I256::from_u256(first_pool_)) / core::kWadI));
  total += dbl(inventory_ * (I256::from_u256(final_pool) - I256::from_u256(first_pool_)) / core::kWadI);
  const auto acct = need(ref.account(trader_, 2), "venue account");
  pnl["funding"] = round2(-dbl(acct.funding_paid));
  const double gas_usd = dbl(gas_wei_total) * dbl(final_index);
  pnl["gas"] = round2(-gas_usd);
  pnl["total"] = round2(total - dbl(acct.funding_paid) - gas_usd);

  // The searcher: its fills over the run; what it would have taken from ours.
  const uint64_t first = phases_.front().first, last = head_.number;
  std::map<uint64_t, unsigned> searcher_blocks;
  I256 searcher_net;
  const chain::LogFilter sf{{lw_->world.venue}, {{venues::order_filled_topic()}, {account_topic(searcher_->address())}}};
  for (const chain::Log& log : need(c.get_logs(sf, first, last), "searcher fills")) {
    auto e = need(venues::decode_order_filled(log), "OrderFilled");
    searcher_net += e.realized_pnl - I256::from_u256(e.fee);
    ++searcher_blocks[log.block_number];
  }
  const I256 attack = core::kWadI * I256{static_cast<int64_t>(kAttackEth)};
  double would = 0, taken = 0;
  // An order of ours was visible when a placeOrder of it went out on the public route.
  auto visible = [&](const std::string& client_id) {
    const auto it = orders_.find(client_id);
    if (it == orders_.end() || it->second.journal_id == 0) return false;
    for (const auto& t : need(session_->journal.txns(it->second.journal_id), "journal txns"))
      if (t.step == "place" && t.route == "public") return true;
    return false;
  };
  for (const Fill& f : fills_) {
    if (f.venue != "ref") continue;
    const U256 fair = need(ref.fill_price(kMarketEth, f.size, f.block - 1), "fair price");
    if (visible(f.client_id) && searcher_blocks.contains(f.block)) {
      const I256 diff = I256::from_u256(f.price) - I256::from_u256(fair);
      taken += dbl(f.size.negative() ? -diff : diff) * dbl(mag(f.size));
      continue;
    }
    const I256 front = f.size.negative() ? -attack : attack;
    const U256 after = need(ref.fill_price(kMarketEth, f.size + front + front, f.block - 1), "front-run price");
    const I256 diff = I256::from_u256(after) - I256::from_u256(fair);
    would += dbl(f.size.negative() ? -diff : diff) * dbl(mag(f.size));
  }

  // Kill-switch changes: the journal's own rows.
  Json changes = Json::array();
  for (const executor::StateChange& ch : need(session_->journal.state_changes(), "journal"))
    changes.push_back({{"time_ms", ch.time_ms}, {"from", executor::trading_state_name(ch.from)},
                       {"to", executor::trading_state_name(ch.to)}, {"cause", executor::trip_cause_name(ch.cause)},
                       {"detail", ch.detail}});
  bool reduced = false, resumed = false;
  for (const Json& ch : changes) {
    if (ch["to"] == "reducing") reduced = true;
    if (reduced && ch["to"] == "active" && ch["cause"] == "manual") resumed = true;
  }
  if (!reduced || !resumed) problem("kill switch: no REDUCING then manual ACTIVE in the journal");
  if (!carry_perp || !carry_spot) problem("carry: both legs did not fill on chain");
  if (urgent == 0) problem("crash: no urgent hedge filled");
  if (searcher_->sandwiches() == 0) problem("sandwich: the searcher sent nothing");

  Json phases = Json::array();
  for (const PhaseSpan& p : phases_) phases.push_back({{"name", p.name}, {"first_block", p.first}, {"last_block", p.last}});
  Json anomalies = {{"rejected_samples", rejections_}, {"reasons", rejection_reasons_}};
  Json gas = Json::object(), fees = Json::object();
  for (const auto& [k, v] : gas_gwei) gas[k] = round2(v);
  for (const auto& [k, v] : fees_usd) fees[k] = round2(v);
  return {{"summary",
           {{"phases", phases},
            {"carry_opened", carry_perp && carry_spot},
            {"urgent_hedges", urgent},
            {"hedges", hedges},
            {"kill_switch_changes", changes},
            {"sandwich_attempts", searcher_->sandwiches()},
            {"value_protected_usd", round2(would - taken)},
            {"would_have_taken_usd", round2(would)},
            {"taken_from_us_usd", round2(taken)},
            {"searcher_profit_usd", round2(dbl(searcher_net))},
            {"hedge_latency_us", {{"p50", std::round(percentile(latencies_us_, 0.5))}, {"p99", std::round(percentile(latencies_us_, 0.99))},
                                  {"samples", latencies_us_.size()}}},
            {"pnl_usd", pnl},
            {"gas_gwei", gas},
            {"fees_usd", fees},
            {"anomalies", anomalies},
            {"venue", core::to_checksum(lw_->world.venue)},
            {"account", core::to_checksum(trader_)},
            {"spot_wallet", core::to_checksum(spot_wallet_)},
            {"searcher", core::to_checksum(searcher_->address())},
            {"pool", core::to_checksum(lw_->world.pool)},
            {"first_block", first},
            {"last_block", last},
            {"report", result_.report.string()},
            {"recording", result_.record.string()},
            {"journal", result_.journal.string()}}}};
}

}  // namespace

DemoResult run_demo(const DemoOptions& options, const DrillCheck& check) {
  Demo d(options);
  return d.run(check);
}

}  // namespace perpx::app
