// perpx drill mev: a searcher sandwiches what it can see; the same victim
// orders go out by each path; the chain says who paid.
//
// The chain: anvil with the drill world (world.hpp), fee-ordered pool
// (anvil ranks by maxFeePerGas); after the deployment automine is off and
// every block is the stand-in builder's build_block() (bundles first,
// atomically, then the public pool), 12 s of chain time apart.
//
// The victim: the executor with trader1's key (no risk gate: paths only),
// the stand-in as its relay. Per path (public, private, commit-reveal,
// batch, in that order) `orders` buys of victim_eth ETH, limit 1% above the
// index, each followed by its close (a reduce-only sell on the private path,
// which the searcher cannot see) so every order starts from the same skew.
// A batch order waits for a window of its own (the venue clears a batch at
// the skew from before its window's first trade).
//
// The searcher (the world's `searcher` account): before each block it reads
// the pool (txpool_content) and, for every pending placeOrder to the venue
// from someone else that it has not answered yet, sends a front-run of the
// same side (attack_eth, max fee and tip 1 gwei above the victim's) and a
// back-run close (max fee 1 wei below the victim's), so anvil's fee order
// puts them around the victim in one block. Bundles never enter the pool; a
// commitment is a hash; batch and reveal calls are not placeOrder.
//
// The report is read from the venue's OrderFilled events, not the journal:
// per path the victim's opening fills (trader1, size > 0) against the fair
// price, the venue's fillPrice view for the same size at the block before
// the fill (the state without the front-run), in bps, averaged; and the
// searcher's realised PnL minus fees over its fills in the path's blocks.
// Output: JSON lines (with --json or without a terminal; else a table), the
// last {"drill":"mev","paths":[{"path","victim_cost_bps","searcher_profit_usd",
// "orders"},...],...}. Exit 1 when an order did not fill, public shows no
// cost or no searcher profit, or another path shows either.
#include "mev_drill.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <type_traits>

#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/executor.hpp"
#include "perpx/executor/relay.hpp"
#include "perpx/signer/txn.hpp"
#include "perpx/venues/ref_adapter.hpp"
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
using executor::Path;

const U256 kGwei{1'000'000'000ull};
constexpr uint64_t kBlockSeconds = 12;
constexpr size_t kVictimAccount = 1;    // trader1
constexpr size_t kSearcherAccount = 4;  // searcher
constexpr uint64_t kSearcherGas = 600'000;
constexpr Path kPaths[] = {Path::kPublic, Path::kPrivate, Path::kCommitReveal, Path::kBatch};

template <class T, class E>
T need(std::expected<T, E> r, std::string_view what) {
  if (!r) {
    if constexpr (std::is_same_v<E, chain::RpcError>) fail("drill mev: " + std::string(what) + ": " + chain::to_string(r.error()));
    else if constexpr (requires { r.error().message; }) fail("drill mev: " + std::string(what) + ": " + r.error().message);
    else return take(std::move(r), what);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

Json rpc(chain::RpcClient& c, std::string_view method, Json params) {
  auto r = c.request(method, std::move(params));
  if (!r) fail("drill mev: " + std::string(method) + ": " + chain::to_string(r.error()));
  return std::move(*r);
}

chain::BlockHeader latest(chain::RpcClient& c) {
  auto h = c.block_header(chain::Tag::kLatest);
  if (!h) fail("drill mev: latest block: " + chain::to_string(h.error()));
  if (!*h) fail("drill mev: the node has no latest block");
  return **h;
}

double wad_double(const I256& v) { return std::stod(core::wad_to_string(v)); }

// What the searcher reads of a pending placeOrder.
struct Seen {
  Hash32 hash;
  I256 size;
  U256 max_fee, tip;
};

}  // namespace

Searcher::Searcher(chain::RpcClient& c, uint64_t chain_id, signer::SecretKey key, const Address& venue, I256 attack)
    : rpc_(&c), chain_id_(chain_id), key_(std::move(key)), venue_(venue), attack_(attack) {
  address_ = signer::address_of(key_);
  const core::Bytes probe = venues::place_order_call(venues::VenueOrder{});
  selector_.assign(probe.begin(), probe.begin() + 4);
}

unsigned Searcher::scan(const U256& index, uint64_t deadline) {
  const Json pool = rpc(*rpc_, "txpool_content", Json::array());
  std::vector<Seen> targets;
  for (const char* part : {"pending", "queued"}) {
    if (!pool.contains(part)) continue;
    for (const auto& [from, by_nonce] : pool[part].items())
      for (const auto& [nonce, t] : by_nonce.items()) {
        ++looked_at_;
        const auto sender = core::parse_address(from);
        if (sender && *sender == address_) continue;
        if (!t.contains("to") || t["to"].is_null()) continue;
        const auto to = core::parse_address(t["to"].get<std::string>());
        if (!to || *to != venue_) continue;
        const auto data = core::parse_hex(t.value("input", std::string("0x")));
        if (!data || data->size() != 4 + 4 * 32 || !std::equal(selector_.begin(), selector_.end(), data->begin())) continue;
        const auto hash = core::parse_hash32(t["hash"].get<std::string>());
        if (!hash || answered_.contains(hash->bytes)) continue;
        const auto size = core::from_be(core::ByteView(data->data() + 36, 32));
        const auto max_fee = t.contains("maxFeePerGas") ? chain::parse_quantity(t["maxFeePerGas"]) : chain::parse_quantity(t["gasPrice"]);
        const auto tip = t.contains("maxPriorityFeePerGas") ? chain::parse_quantity(t["maxPriorityFeePerGas"]) : max_fee;
        if (!size || !max_fee || !tip) continue;
        targets.push_back({*hash, I256::from_u256(*size), *max_fee, *tip});
      }
  }
  unsigned sent = 0;
  for (const Seen& s : targets) {
    answered_.insert(s.hash.bytes);
    if (s.size.is_zero() || s.max_fee <= U256{1}) continue;
    const bool buy = !s.size.negative();
    const I256 front = buy ? attack_ : -attack_;
    const U256 band = index / U256{50};  // 2%
    uint64_t nonce = need(rpc_->transaction_count(address_, chain::Tag::kPending), "searcher nonce");
    send(nonce++, {0, front, buy ? index + band : index - band, deadline}, s.max_fee + kGwei, s.tip + kGwei);
    const U256 back_fee = s.max_fee - U256{1};
    send(nonce, {0, -front, buy ? index - band : index + band, deadline}, back_fee, std::min(s.tip, back_fee));
    ++sandwiches_;
    ++sent;
  }
  return sent;
}

void Searcher::send(uint64_t nonce, const venues::VenueOrder& o, const U256& max_fee, const U256& tip) {
  signer::Txn t;
  t.chain_id = U256{chain_id_};
  t.nonce = nonce;
  t.max_fee_per_gas = max_fee;
  t.max_priority_fee_per_gas = tip;
  t.gas_limit = kSearcherGas;
  t.to = venue_;
  t.data = venues::place_order_call(o);
  signer::sign_and_encode(raw_, scratch_, t, key_);
  rpc(*rpc_, "eth_sendRawTransaction", Json::array({core::to_hex(raw_)}));
}

namespace {

bool final_state(const std::string& s) {
  return s == "included" || s == "finalized" || s == "rejected" || s == "failed" || s == "cancelled";
}

}  // namespace

MevResult run_mev_drill(const MevOptions& o, const MevCheck& check) {
  MevResult result;
  auto line = [&](Json j) { result.lines.push_back(std::move(j)); };

  chain::LocalChainOptions lo;
  lo.order = "fees";
  LocalWorld lw = start_world(lo, contracts_dir(o.contracts_dir));
  chain::RpcClient c = lw.chain.client();
  rpc(c, "evm_setAutomine", Json::array({false}));
  rpc(c, "anvil_setBlockTimestampInterval", Json::array({kBlockSeconds}));
  StandinBuilder builder(lw.chain.rpc_url());
  executor::RelayClient relay({builder.url()}, signer::SecretKey::generate());

  const fs::path dir = fs::temp_directory_path() / ("perpx-drill-mev-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  venues::RefAdapter venue(c, lw.world.venue);
  executor::KillSwitch kill;
  executor::ExecutorOptions eo;
  eo.deadline_s = 3600;
  std::optional<executor::Journal> journal;
  journal.emplace(need(executor::Journal::open(dir / "victim.sqlite"), "journal"));
  std::optional<executor::Submitter> submitter;
  submitter.emplace(need(executor::Submitter::make(c, lw.chain.dev_key(kVictimAccount), *journal, {}), "submitter"));
  submitter->set_private_sender(executor::relay_sender(relay));
  std::optional<executor::Executor> ex;
  ex.emplace(venue, *submitter, *journal, kill, c, eo);
  ex->set_relay(true);

  const Address victim = lw.funded.at(kVictimAccount);
  const I256 victim_size = core::kWadI * I256{static_cast<int64_t>(o.victim_eth)};
  Searcher searcher(c, lw.chain.chain_id(), lw.chain.dev_key(kSearcherAccount), lw.world.venue,
                    core::kWadI * I256{static_cast<int64_t>(o.attack_eth)});
  if (searcher.address() != lw.funded.at(kSearcherAccount)) fail("drill mev: the searcher key is not the world's searcher");
  const U256 index = need(venue.market("ETH"), "venue market").index;
  if (index.is_zero()) fail("drill mev: the venue has no ETH price");

  uint64_t now_ms = 1;
  std::vector<std::string> problems;
  // One block: the searcher looks, the builder builds, the executor sees the head.
  auto block = [&](const char* path) {
    const chain::BlockHeader before = latest(c);
    const unsigned sandwiches = searcher.scan(index, before.timestamp + 3600);
    const BuiltBlock b = need(builder.build_block(), "build block");
    now_ms += kBlockSeconds * 1000;
    const chain::BlockHeader head = latest(c);
    need(ex->on_head(head, now_ms), "executor");
    line({{"event", "block"}, {"path", path}, {"block_num", head.number}, {"sandwiches_sent", sandwiches},
          {"bundles", b.bundles_included.size()}, {"public_txns", b.public_txns}, {"gas_used", head.gas_used}});
  };
  // Places an order and mines until it is final; returns its journal state.
  auto run_order = [&](const executor::Order& order, const char* path) {
    auto id = ex->place(order, now_ms);
    if (!id) {
      problems.push_back(order.client_id + " refused: " + id.error().message);
      return std::string("refused");
    }
    std::string state;
    for (unsigned i = 0; i < o.max_blocks; ++i) {
      block(path);
      state = need(journal->order(*id), "journal").state;
      if (final_state(state)) break;
    }
    if (state != "included" && state != "finalized") problems.push_back(order.client_id + " ended " + state);
    return state;
  };

  struct Span {
    Path path;
    chain::BlockNum first = 0, last = 0;
  };
  std::vector<Span> spans;
  for (Path p : kPaths) {
    const std::string name(executor::path_name(p));
    Span s{p, latest(c).number + 1, 0};
    for (unsigned k = 1; k <= o.orders; ++k) {
      executor::Order buy;
      buy.venue = "ref";
      buy.market = "ETH";
      buy.side = executor::Side::kBuy;
      buy.size = victim_size.as_u256();
      buy.limit_price = index + index / U256{100};
      buy.urgency = executor::Urgency::kNormal;
      buy.path = p;
      buy.strategy = "drill-mev";
      buy.client_id = "mev-" + name + "-" + std::to_string(k);
      // A batch clears at the index and skew from before the first trade of
      // its window: the order opens a window of its own, so that state is the
      // one just before it (not the previous close's).
      if (p == Path::kBatch)
        while ((latest(c).number + 1) % kBatchWindow != 0) block(name.c_str());
      const std::string state = run_order(buy, name.c_str());
      line({{"event", "order"}, {"path", name}, {"client_id", buy.client_id}, {"state", state}});
      executor::Order close = buy;
      close.side = executor::Side::kSell;
      close.limit_price = index - index / U256{100};
      close.reduce_only = true;
      close.path = Path::kPrivate;
      close.client_id = buy.client_id + "-close";
      run_order(close, name.c_str());
    }
    s.last = latest(c).number;
    spans.push_back(s);
  }

  // The chain's account: the venue's fills in each path's blocks.
  Json paths = Json::array();
  bool public_lost = false, others_clean = true;
  for (const Span& s : spans) {
    const chain::LogFilter f{{lw.world.venue}, {{venues::order_filled_topic()}}};
    unsigned fills = 0;
    double cost_bps_sum = 0;
    I256 profit;
    unsigned searcher_fills = 0;
    Json detail = Json::array();
    for (const auto& log : need(c.get_logs(f, s.first, s.last), "venue logs")) {
      auto e = venues::decode_order_filled(log);
      if (!e) continue;
      if (e->account == searcher.address()) {
        profit += e->realized_pnl - I256::from_u256(e->fee);
        ++searcher_fills;
      } else if (e->account == victim && !e->size_delta.negative()) {
        const U256 fair = need(venue.venue().fill_price(e->market, e->size_delta, log.block_number - 1), "fair price");
        const I256 diff = I256::from_u256(e->fill_price) - I256::from_u256(fair);
        const double bps = wad_double(diff * I256{10'000}) / wad_double(I256::from_u256(fair));
        cost_bps_sum += bps;
        ++fills;
        detail.push_back({{"block_num", log.block_number}, {"fill_price", core::wad_to_string(e->fill_price)},
                          {"fair_price", core::wad_to_string(fair)}, {"cost_bps", bps}});
      }
    }
    const double cost = fills ? cost_bps_sum / fills : 0.0;
    const double profit_usd = wad_double(profit);
    const std::string name(executor::path_name(s.path));
    if (fills != o.orders) problems.push_back(name + ": " + std::to_string(fills) + " victim fills on chain, " + std::to_string(o.orders) + " placed");
    if (s.path == Path::kPublic) public_lost = cost > 0 && profit_usd > 0;
    else if (cost >= 0.01 || searcher_fills > 0) others_clean = false;
    line({{"event", "path"}, {"path", name}, {"first_block", s.first}, {"last_block", s.last}, {"fills", detail},
          {"searcher_fills", searcher_fills}});
    paths.push_back({{"path", name}, {"victim_cost_bps", std::round(cost * 1e4) / 1e4},
                     {"searcher_profit_usd", std::round(profit_usd * 100) / 100}, {"orders", fills}});
  }
  if (!public_lost) problems.push_back("public: the sandwich did not cost the victim or did not pay the searcher");
  if (!others_clean) problems.push_back("a private, commit-reveal or batch order was sandwiched");

  result.ok = problems.empty();
  if (!problems.empty()) result.why = problems.front();
  line({{"drill", "mev"},
        {"paths", paths},
        {"victim_eth", o.victim_eth},
        {"attack_eth", o.attack_eth},
        {"sandwiches_sent", searcher.sandwiches()},
        {"venue", core::to_checksum(lw.world.venue)},
        {"victim", core::to_checksum(victim)},
        {"searcher", core::to_checksum(searcher.address())},
        {"ok", result.ok}});
  if (check) check(c, result);
  ex.reset();
  submitter.reset();
  journal.reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

void add_mev_drill_command(CLI::App& grp) {
  auto o = std::make_shared<MevOptions>();
  auto json = std::make_shared<bool>(false);
  auto* c = grp.add_subcommand("mev", "a searcher sandwiches visible orders; the same orders by each path on a local chain");
  add_ops_options(c);
  c->add_flag("--json", *json, "JSON lines, the last one the summary (the default without a terminal)");
  c->add_option("--orders", o->orders, "victim orders per path")->check(CLI::Range(1u, 50u));
  c->add_option("--victim-eth", o->victim_eth, "each victim buy, ETH")->check(CLI::Range(1u, 300u));
  c->add_option("--attack-eth", o->attack_eth, "the searcher's front-run, ETH")->check(CLI::Range(1u, 300u));
  c->add_option("--contracts-dir", o->contracts_dir, "compiled contract artifacts (default: the build's)");
  c->callback([o, json] {
    const MevResult r = run_mev_drill(*o);
    if (*json || !::isatty(STDOUT_FILENO)) {
      for (const Json& j : r.lines) print_json(j);
    } else {
      print_line("path           orders  victim_cost_bps  searcher_profit_usd");
      for (const Json& p : r.lines.back()["paths"]) {
        char row[160];
        std::snprintf(row, sizeof row, "%-14s %6u  %15.4f  %19.2f", p["path"].get<std::string>().c_str(),
                      p["orders"].get<unsigned>(), p["victim_cost_bps"].get<double>(), p["searcher_profit_usd"].get<double>());
        print_line(row);
      }
    }
    std::fflush(stdout);
    if (!r.ok) fail("drill mev: " + r.why);
  });
}

}  // namespace perpx::app
