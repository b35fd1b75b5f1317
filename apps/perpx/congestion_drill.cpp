// perpx drill congestion: competing transactions push the base fee and the
// tips up, block after block, while the executor places urgent hedges and
// normal orders on the public path to the reference venue.
//
// The chain: anvil with the drill world (world.hpp), fee-ordered mempool;
// after the deployment automine is off and every block is mined by the
// drill, one per step, 12 s of chain time apart, with a smaller block gas
// limit (5M by default) so that a few transactions fill a block.
//
// The crowd: funded accounts of the drill's own (anvil_setBalance) that
// send gas burners (a 10-byte contract that loops until its gas is spent,
// anvil_setCode), a tenth of a block each, at EIP-1559 fees as wallets set
// them (max fee = 2 x next base fee + tip). Warm-up: half-full blocks at
// tips of 1-2 gwei (the fee history the policy quotes from). Congestion:
// each block the crowd offers `fill` blocks of gas at tips spread evenly
// over [L, 2L], L rising by tip_growth_ppm a block, so blocks are full and
// the base fee climbs by about 12% a block; what does not fit waits (and
// is outbid by the next wave). Cool-down: the crowd stops; what it left in
// the pool drains and the base fee falls.
//
// The orders (one each congested step, urgent and normal alternating):
// urgent hedges sell 2 ETH (limit 2900) from trader1, normal orders buy
// 5 ETH (limit 3100) from trader2, each lane its own Submitter and journal
// over one kill switch. They are separate keys on purpose: with one key a
// normal order waiting at its cap holds every later nonce of the key, and
// an urgent hedge behind it cannot land (--one-key shows it). Fees: the
// executor's default FeeConfig but for the urgent level's bump, +50% a block
// instead of +25% (the critical level's default; --urgent-bump-ppm 250000
// gives the default back). Why: the first urgent quote follows the median
// of ten blocks' 90th-percentile tips, which lags tips rising 20% a block
// by about five blocks; +25% a block then gains on the crowd by only 4% a
// block and a hedge needs 3 blocks (7 at 25% a block); +50% catches up in
// one bump.
//
// anvil's fee-ordered pool ranks by max fee per gas, not by the effective
// tip a real builder ranks by; the crowd's max fee is 2 x base + tip and
// the executor's base x 1.125^headroom + tip, so at one base fee both
// orderings agree up to the headroom term.
//
// The report is read from the chain, not from the executor: for each order
// the receipts of every transaction its journal signed (at most one may
// exist), the fee paid (gasUsed x effectiveGasPrice) against its budget
// (cap_bps of the notional size x limit in wei at the venue's ETH index
// price), and what each signed transaction offered at worst (gas limit x
// max fee); per sender the nonce count moved by exactly the orders that
// landed, each landed transaction is from its lane's sender at a nonce of
// its own, and the venue's OrderFilled events match.
//
// Output: one line per block and per order (JSON lines with --json or
// without a terminal; else a table), the last line the summary
// {"drill":"congestion","urgent":{...},"normal":{...},...}. Exit 1 when an
// urgent hedge did not land within 2 blocks, a normal order paid or offered
// past its cap, or the chain disagrees.
#include "congestion_drill.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <type_traits>

#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/executor.hpp"
#include "perpx/signer/txn.hpp"
#include "perpx/venues/ref_adapter.hpp"
#include "perpx/venues/ref_venue.hpp"
#include "world.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using chain::Address;
using chain::Hash32;
using core::Json;
using core::U256;
using executor::Urgency;

const U256 kGwei{1'000'000'000ull};
constexpr uint64_t kBlockSeconds = 12;
constexpr size_t kCrowd = 160;            // accounts in the crowd
constexpr size_t kUrgentAccount = 1;      // trader1
constexpr size_t kNormalAccount = 2;      // trader2
constexpr const char* kBurner = "0x000000000000000000000000000000000000b0b0";
// JUMPDEST; PUSH2 0x1000; GAS; GT; PUSH1 0; JUMPI; STOP: loops while more than 4096 gas is left.
constexpr const char* kBurnerCode = "0x5b6110005a1160005700";

// Unwraps a result, failing with what and why (RPC, journal, submitter and executor errors alike).
template <class T, class E>
T need(std::expected<T, E> r, std::string_view what) {
  if (!r) {
    if constexpr (std::is_same_v<E, chain::RpcError>) fail("drill congestion: " + std::string(what) + ": " + chain::to_string(r.error()));
    else if constexpr (requires { r.error().message; }) fail("drill congestion: " + std::string(what) + ": " + r.error().message);
    else return take(std::move(r), what);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

double gwei(const U256& wei) { return std::round(std::stod(core::to_decimal(wei)) / 1e9 * 1e6) / 1e6; }

Json rpc(chain::RpcClient& c, std::string_view method, Json params) {
  auto r = c.request(method, std::move(params));
  if (!r) fail("drill congestion: " + std::string(method) + ": " + chain::to_string(r.error()));
  return std::move(*r);
}

U256 next_base_fee(chain::RpcClient& c) {
  auto h = c.fee_history(1, chain::Tag::kLatest, {});
  if (!h || h->base_fee_per_gas.empty()) fail("drill congestion: fee history has no base fee");
  return h->base_fee_per_gas.back();
}

chain::BlockHeader latest(chain::RpcClient& c) {
  auto h = c.block_header(chain::Tag::kLatest);
  if (!h) fail("drill congestion: latest block: " + chain::to_string(h.error()));
  if (!*h) fail("drill congestion: the node has no latest block");
  return **h;
}

std::vector<Hash32> block_txns(chain::RpcClient& c, chain::BlockNum n) {
  const Json b = rpc(c, "eth_getBlockByNumber", Json::array({core::to_hex_quantity(U256{n}), false}));
  std::vector<Hash32> out;
  for (const auto& t : b.at("transactions")) out.push_back(need(core::parse_hash32(t.get<std::string>()), "block txn"));
  return out;
}

// The competing senders: each has at most one transaction pending.
class Crowd {
 public:
  Crowd(chain::RpcClient& c, uint64_t chain_id, size_t n) : rpc_(&c), chain_id_(chain_id) {
    burner_ = need(core::parse_address(kBurner), "burner");
    rpc(c, "anvil_setCode", Json::array({kBurner, kBurnerCode}));
    for (size_t i = 0; i < n; ++i) {
      const std::string seed = "perpx drill congestion crowd " + std::to_string(i);
      const Hash32 h = core::keccak256(core::ByteView(reinterpret_cast<const uint8_t*>(seed.data()), seed.size()));
      Member m{need(signer::SecretKey::from_bytes(h.view()), "crowd key"), {}, 0, std::nullopt};
      m.address = signer::address_of(m.key);
      rpc(c, "anvil_setBalance", Json::array({core::to_hex(m.address.view()), core::to_hex_quantity(U256{1000} * kGwei * kGwei)}));
      members_.push_back(std::move(m));
    }
  }

  // `count` burners of `gas` each from members with nothing pending, tips
  // spread evenly over [level, 2 level]. Returns how many the node took.
  size_t wave(size_t count, uint64_t gas, const U256& level) {
    const U256 base = next_base_fee(*rpc_);
    std::vector<std::pair<std::string, Json>> calls;
    std::vector<std::pair<size_t, Hash32>> sent;
    for (size_t i = 0; i < members_.size() && sent.size() < count; ++i) {
      Member& m = members_[(next_ + i) % members_.size()];
      if (m.pending) continue;
      const size_t j = sent.size();
      signer::Txn t;
      t.chain_id = U256{chain_id_};
      t.nonce = m.nonce;
      t.max_priority_fee_per_gas = count > 1 ? level + level * U256{j} / U256{count - 1} : level;
      t.max_fee_per_gas = base * U256{2} + t.max_priority_fee_per_gas;
      t.gas_limit = gas;
      t.to = burner_;
      signer::sign_and_encode(raw_, scratch_, t, m.key);
      sent.emplace_back((next_ + i) % members_.size(), core::keccak256(raw_));
      calls.emplace_back("eth_sendRawTransaction", Json::array({core::to_hex(raw_)}));
    }
    next_ = (next_ + sent.size()) % members_.size();
    auto replies = rpc_->batch(calls);
    if (!replies) fail("drill congestion: crowd send: " + chain::to_string(replies.error()));
    size_t taken = 0;
    for (size_t k = 0; k < sent.size() && k < replies->size(); ++k) {
      if (!(*replies)[k]) continue;  // refused: the member tries again in a later wave
      members_[sent[k].first].pending = sent[k].second;
      ++taken;
    }
    sent_ += taken;
    return taken;
  }

  // Members whose transaction is in the block are free again.
  size_t mined(const std::vector<Hash32>& hashes) {
    std::set<std::array<uint8_t, 32>> in;
    for (const Hash32& h : hashes) in.insert(h.bytes);
    size_t n = 0;
    for (Member& m : members_)
      if (m.pending && in.contains(m.pending->bytes)) {
        m.pending.reset();
        ++m.nonce;
        ++n;
      }
    included_ += n;
    return n;
  }
  [[nodiscard]] size_t pending() const {
    return static_cast<size_t>(std::count_if(members_.begin(), members_.end(), [](const Member& m) { return m.pending.has_value(); }));
  }
  [[nodiscard]] size_t sent() const { return sent_; }
  [[nodiscard]] size_t included() const { return included_; }

 private:
  struct Member {
    signer::SecretKey key;
    Address address;
    uint64_t nonce = 0;
    std::optional<Hash32> pending;
  };
  chain::RpcClient* rpc_;
  uint64_t chain_id_;
  Address burner_;
  std::vector<Member> members_;
  size_t next_ = 0;
  size_t sent_ = 0, included_ = 0;
  core::Bytes raw_, scratch_;
};

// One key's executor: its journal, submitter and executor.
struct Lane {
  std::string name;
  size_t account = 0;
  Address sender;
  uint64_t start_nonce = 0;
  std::optional<executor::Journal> journal;
  std::optional<executor::Submitter> submitter;
  std::optional<executor::Executor> ex;
};

struct Placed {
  Lane* lane = nullptr;
  Urgency urgency = Urgency::kNormal;
  std::string client_id;
  int64_t id = 0;
  bool sent = false;
  std::string refused;             // why the executor did not send it
  chain::BlockNum placed_at = 0;   // the latest block when it was sent: inclusion in the next is 1 block
  U256 budget_wei;                 // cap_bps of its notional in wei, computed here
};

struct Tally {
  unsigned orders = 0, sent = 0, landed = 0, refused = 0, over_cap = 0, offer_over_cap = 0, duplicates = 0, bumps = 0;
  uint64_t max_blocks = 0;
  U256 paid;
  Json json() const {
    return {{"orders", orders}, {"sent", sent}, {"landed", landed}, {"refused", refused},
            {"max_blocks_to_inclusion", max_blocks}, {"gas_paid_gwei", gwei(paid)}, {"over_cap", over_cap},
            {"offer_over_cap", offer_over_cap}, {"bumps", bumps}, {"duplicates", duplicates}};
  }
};

executor::Order make_order(Urgency u, unsigned n) {
  executor::Order o;
  o.venue = "ref";
  o.market = "ETH";
  const bool urgent = u == Urgency::kUrgent;
  o.side = urgent ? executor::Side::kSell : executor::Side::kBuy;
  o.size = core::kWad * U256{urgent ? 2u : 5u};
  o.limit_price = core::kWad * U256{urgent ? 2900u : 3100u};
  o.urgency = u;
  o.path = executor::Path::kPublic;
  o.strategy = urgent ? "drill-hedge" : "drill-flow";
  o.client_id = std::string("congestion-") + (urgent ? "u-" : "n-") + std::to_string(n);
  return o;
}

}  // namespace

CongestionResult run_congestion_drill(const CongestionOptions& o, const CongestionCheck& check) {
  CongestionResult result;
  auto line = [&](Json j) { result.lines.push_back(std::move(j)); };
  const unsigned total = o.urgent + o.normal;
  const unsigned congested = std::max(o.congestion_blocks, total + 2);

  chain::LocalChainOptions lo;
  lo.order = "fees";
  LocalWorld lw = start_world(lo, contracts_dir(o.contracts_dir));
  chain::RpcClient c = lw.chain.client();
  // From here on the drill mines every block.
  rpc(c, "evm_setAutomine", Json::array({false}));
  rpc(c, "evm_setBlockGasLimit", Json::array({core::to_hex_quantity(U256{o.block_gas_limit})}));
  rpc(c, "anvil_setBlockTimestampInterval", Json::array({kBlockSeconds}));
  rpc(c, "anvil_setNextBlockBaseFeePerGas", Json::array({core::to_hex_quantity(kGwei)}));
  Crowd crowd(c, lw.chain.chain_id(), kCrowd);

  const fs::path dir = fs::temp_directory_path() / ("perpx-drill-congestion-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  venues::RefAdapter venue(c, lw.world.venue);
  executor::KillSwitch kill;
  executor::ExecutorOptions eo;
  eo.deadline_s = 1800;  // normal orders may wait out the congestion
  executor::FeeConfig fees;  // the executor's defaults, but for what the options change
  auto& urgent_level = fees.levels[static_cast<size_t>(Urgency::kUrgent)];
  if (o.urgent_bump_ppm != 0) urgent_level.bump_ppm = o.urgent_bump_ppm;
  std::vector<std::unique_ptr<Lane>> lanes;
  auto add_lane = [&](std::string name, size_t account) {
    auto l = std::make_unique<Lane>();
    l->name = std::move(name);
    l->account = account;
    l->sender = lw.funded.at(account);
    l->journal.emplace(need(executor::Journal::open(dir / (l->name + ".sqlite")), "journal"));
    executor::SubmitterOptions so;
    so.fees = fees;
    l->submitter.emplace(need(executor::Submitter::make(c, lw.chain.dev_key(account), *l->journal, so), "submitter"));
    l->ex.emplace(venue, *l->submitter, *l->journal, kill, c, eo);
    l->start_nonce = need(c.transaction_count(l->sender, chain::Tag::kLatest), "nonce");
    lanes.push_back(std::move(l));
  };
  add_lane("urgent", kUrgentAccount);
  if (!o.one_key) add_lane("normal", kNormalAccount);
  Lane& urgent_lane = *lanes.front();
  Lane& normal_lane = *lanes.back();

  const uint64_t burner_gas = o.block_gas_limit / 10;
  const chain::BlockNum first_block = latest(c).number + 1;
  U256 level = kGwei;
  U256 base_start, base_peak, base_end;
  uint64_t now_ms = 1;
  std::vector<Placed> placed;
  unsigned placed_urgent = 0, placed_normal = 0;

  auto settled = [&](const Placed& p) {
    if (!p.sent) return true;
    const std::string s = need(p.lane->journal->order(p.id), "journal").state;
    return s != "sent";
  };
  auto waiting = [&](Urgency u) {
    unsigned n = 0;
    for (const Placed& p : placed) n += p.urgency == u && !settled(p);
    return n;
  };
  auto place = [&](Urgency u) {
    Lane& lane = u == Urgency::kUrgent ? urgent_lane : normal_lane;
    const unsigned n = u == Urgency::kUrgent ? ++placed_urgent : ++placed_normal;
    const executor::Order order = make_order(u, n);
    Placed p;
    p.lane = &lane;
    p.urgency = u;
    p.client_id = order.client_id;
    p.placed_at = latest(c).number;
    auto eth = venue.market("ETH");
    if (!eth || eth->index.is_zero()) fail("drill congestion: the venue has no ETH price");
    const U256 notional_wei = executor::notional(order) * core::kWad / eth->index;
    p.budget_wei = notional_wei * U256{fees.levels[static_cast<size_t>(u)].cap_bps} / U256{10'000};
    auto id = lane.ex->place(order, now_ms);
    if (id) {
      p.id = *id;
      p.sent = true;
    } else {
      p.id = id.error().order_id;
      p.refused = id.error().message;
    }
    placed.push_back(std::move(p));
  };

  // One step: the crowd's wave, this step's order, a block, everyone sees it.
  auto step = [&](const char* phase, double fill, std::optional<Urgency> order) {
    size_t offered = 0;
    if (fill > 0) {
      const auto count = static_cast<size_t>(std::ceil(fill * static_cast<double>(o.block_gas_limit) / static_cast<double>(burner_gas)));
      offered = crowd.wave(count, burner_gas, level);
    }
    if (order) place(*order);
    rpc(c, "evm_mine", Json::array());
    now_ms += kBlockSeconds * 1000;
    const chain::BlockHeader head = latest(c);
    crowd.mined(block_txns(c, head.number));
    for (auto& l : lanes) need(l->ex->on_head(head, now_ms), "executor " + l->name);
    const U256 base = head.base_fee.value_or(U256{});
    if (base_start.is_zero()) base_start = base;
    base_peak = std::max(base_peak, base);
    base_end = base;
    line({{"event", "block"}, {"phase", phase}, {"block_num", head.number}, {"base_fee_gwei", gwei(base)},
          {"gas_used", head.gas_used}, {"gas_limit", head.gas_limit}, {"crowd_offered", offered},
          {"crowd_tip_level_gwei", fill > 0 ? Json(gwei(level)) : Json(nullptr)}, {"crowd_pending", crowd.pending()},
          {"urgent_waiting", waiting(Urgency::kUrgent)}, {"normal_waiting", waiting(Urgency::kNormal)},
          {"order", order ? Json(executor::urgency_name(*order)) : Json(nullptr)}});
  };

  for (unsigned i = 0; i < o.warmup_blocks; ++i) step("warmup", 0.5, std::nullopt);
  for (unsigned i = 0; i < congested; ++i) {
    std::optional<Urgency> u;
    if (i >= 1 && i - 1 < total) {
      const unsigned k = i - 1;  // urgent and normal alternate while both last
      const bool urgent_turn = (k % 2 == 0 && placed_urgent < o.urgent) || placed_normal >= o.normal;
      u = urgent_turn ? Urgency::kUrgent : Urgency::kNormal;
    }
    step("congestion", o.fill, u);
    level = level * U256{1'000'000 + o.tip_growth_ppm} / U256{1'000'000};
  }
  for (unsigned i = 0; i < o.max_cooldown_blocks; ++i) {
    if (std::all_of(placed.begin(), placed.end(), settled)) break;
    step("cooldown", 0, std::nullopt);
  }
  const chain::BlockNum last_block = latest(c).number;

  // The chain's account of every order.
  Tally tally[2];  // urgent, normal
  std::map<std::array<uint8_t, 20>, unsigned> landed_by_sender;
  std::map<std::array<uint8_t, 20>, std::set<uint64_t>> nonces_by_sender;
  std::vector<std::string> problems;
  for (const Placed& p : placed) {
    Tally& t = tally[p.urgency == Urgency::kUrgent ? 0 : 1];
    ++t.orders;
    Json j = {{"event", "order"}, {"urgency", executor::urgency_name(p.urgency)}, {"client_id", p.client_id},
              {"order_id", p.id}, {"sender", core::to_checksum(p.lane->sender)}, {"placed_at", p.placed_at},
              {"budget_gwei", gwei(p.budget_wei)}};
    if (!p.sent) {
      ++t.refused;
      j["refused"] = p.refused;
      line(std::move(j));
      continue;
    }
    ++t.sent;
    const auto txns = need(p.lane->journal->txns(p.id), "journal");
    std::optional<chain::Receipt> landed;
    unsigned receipts = 0;
    U256 worst_offer;
    for (const auto& x : txns) {
      if (auto d = signer::decode_raw(x.raw)) worst_offer = std::max(worst_offer, d->txn.max_fee_per_gas * U256{d->txn.gas_limit});
      auto r = need(c.transaction_receipt(x.hash), "receipt");
      if (!r) continue;
      ++receipts;
      landed = *r;
    }
    t.bumps += txns.empty() ? 0 : static_cast<unsigned>(txns.size() - 1);
    if (receipts > 1) ++t.duplicates;
    if (worst_offer > p.budget_wei) ++t.offer_over_cap;
    j["txns"] = txns.size();
    j["worst_offer_gwei"] = gwei(worst_offer);
    if (!landed) {
      j["landed"] = false;
      line(std::move(j));
      continue;
    }
    ++t.landed;
    const U256 paid = U256{landed->gas_used} * landed->effective_gas_price;
    const uint64_t blocks = landed->block_number - p.placed_at;
    t.paid = t.paid + paid;
    t.max_blocks = std::max(t.max_blocks, blocks);
    const bool over = paid > p.budget_wei;
    t.over_cap += over;
    auto info = need(c.transaction_by_hash(landed->txn_hash), "transaction");
    if (!info || info->from != p.lane->sender) problems.push_back(p.client_id + " landed from another sender");
    else if (!nonces_by_sender[info->from.bytes].insert(info->nonce).second) problems.push_back(p.client_id + " shares a nonce");
    ++landed_by_sender[p.lane->sender.bytes];
    j["landed"] = true;
    j["success"] = landed->success;
    j["hash"] = core::to_hex(landed->txn_hash);
    j["nonce"] = info ? Json(info->nonce) : Json(nullptr);
    j["block_num"] = landed->block_number;
    j["blocks_to_inclusion"] = blocks;
    j["gas_used"] = landed->gas_used;
    j["effective_gas_price_gwei"] = gwei(landed->effective_gas_price);
    j["paid_gwei"] = gwei(paid);
    j["over_cap"] = over;
    if (!landed->success) {
      const auto events = need(p.lane->journal->events(p.id), "journal");
      j["revert"] = events.empty() ? std::string("?") : events.back().detail;
      // The revert in its own block (the executor replays it a block earlier, where it may pass).
      auto tr = c.request("debug_traceTransaction", Json::array({core::to_hex(landed->txn_hash), Json{{"tracer", "callTracer"}}}));
      if (tr && tr->is_object()) {
        if (tr->contains("error")) j["revert_in_block"] = (*tr)["error"];
        if (tr->contains("output"))
          if (auto data = core::parse_hex((*tr)["output"].get<std::string>()); data && !data->empty())
            j["revert_in_block"] = venue.explain_revert(*data);
        j["gas_limit"] = (*tr).value("gas", std::string());
      }
      problems.push_back(p.client_id + " reverted: " + j["revert"].get<std::string>());
    }
    line(std::move(j));
  }
  // Per sender: the nonce moved by exactly the orders that landed, and the venue filled each once.
  Json senders = Json::array();
  bool agrees = true;
  for (const auto& l : lanes) {
    const uint64_t end = need(c.transaction_count(l->sender, chain::Tag::kLatest), "nonce");
    chain::LogFilter f{{lw.world.venue}, {{venues::order_filled_topic()}}};
    unsigned fills = 0;
    for (const auto& log : need(c.get_logs(f, first_block, last_block), "venue logs"))
      if (auto e = venues::decode_order_filled(log); e && e->account == l->sender) ++fills;
    const unsigned landed = landed_by_sender[l->sender.bytes];
    const bool ok = end - l->start_nonce == landed && fills == landed;
    agrees = agrees && ok;
    senders.push_back({{"lane", l->name}, {"address", core::to_checksum(l->sender)}, {"nonce_start", l->start_nonce},
                       {"nonce_end", end}, {"landed", landed}, {"fills", fills}, {"agrees", ok}});
  }

  const Tally& u = tally[0];
  const Tally& n = tally[1];
  if (u.orders != o.urgent || n.orders != o.normal) problems.push_back("orders placed differ from orders asked");
  if (u.landed != u.orders) problems.push_back(std::to_string(u.orders - u.landed) + " urgent hedge(s) did not land");
  if (u.max_blocks > 2) problems.push_back("an urgent hedge took " + std::to_string(u.max_blocks) + " blocks");
  if (n.over_cap + n.offer_over_cap > 0) problems.push_back("a normal order paid or offered past its cap");
  if (u.duplicates + n.duplicates > 0) problems.push_back("an order landed twice");
  if (!agrees) problems.push_back("the chain's nonces or fills disagree with the orders that landed");

  Json uj = u.json();
  Json nj = n.json();
  Json summary = {{"drill", "congestion"},
                  {"urgent", uj},
                  {"normal", nj},
                  {"base_fee_start_gwei", gwei(base_start)},
                  {"base_fee_peak_gwei", gwei(base_peak)},
                  {"base_fee_end_gwei", gwei(base_end)},
                  {"blocks", last_block - first_block + 1},
                  {"crowd", {{"sent", crowd.sent()}, {"included", crowd.included()}, {"pending", crowd.pending()}}},
                  {"kill_switch", std::string(executor::trading_state_name(kill.state()))},
                  {"one_key", o.one_key},
                  {"tip_growth_ppm", o.tip_growth_ppm},
                  {"urgent_bump_ppm", urgent_level.bump_ppm},
                  {"venue", core::to_checksum(lw.world.venue)},
                  {"chain", {{"senders", senders}, {"agrees", agrees}}},
                  {"ok", problems.empty()}};
  result.ok = problems.empty();
  if (!problems.empty()) result.why = problems.front();
  line(std::move(summary));
  if (check) check(c, result);
  for (auto& l : lanes) {
    l->ex.reset();
    l->submitter.reset();
    l->journal.reset();
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void print_table(const CongestionResult& r) {
  for (const Json& j : r.lines) {
    if (j.value("event", "") == "block") {
      std::string s = "block " + std::to_string(j["block_num"].get<uint64_t>()) + "  " + j["phase"].get<std::string>() +
                      "  base fee " + fixed(j["base_fee_gwei"].get<double>(), 3) + " gwei  gas " +
                      std::to_string(j["gas_used"].get<uint64_t>()) + "/" + std::to_string(j["gas_limit"].get<uint64_t>()) +
                      "  waiting urgent " + std::to_string(j["urgent_waiting"].get<unsigned>()) + " normal " +
                      std::to_string(j["normal_waiting"].get<unsigned>());
      if (!j["order"].is_null()) s += "  + " + j["order"].get<std::string>() + " order";
      print_line(s);
    } else if (j.value("event", "") == "order") {
      std::string s = j["client_id"].get<std::string>() + "  ";
      if (j.contains("refused")) s += "refused: " + j["refused"].get<std::string>();
      else if (!j["landed"].get<bool>()) s += "still waiting (" + std::to_string(j["txns"].get<size_t>()) + " txns)";
      else
        s += "landed in " + std::to_string(j["blocks_to_inclusion"].get<uint64_t>()) + " block(s), paid " +
             fixed(j["paid_gwei"].get<double>(), 0) + " of " + fixed(j["budget_gwei"].get<double>(), 0) + " gwei budget, " +
             std::to_string(j["txns"].get<size_t>()) + " txn(s)";
      print_line(s);
    }
  }
  const Json& s = r.lines.back();
  print_line("urgency  orders  landed  max_blocks  gas_paid_gwei  over_cap");
  for (const char* k : {"urgent", "normal"}) {
    const Json& t = s[k];
    char row[160];
    std::snprintf(row, sizeof row, "%-8s %6u  %6u  %10llu  %13.0f  %8u", k, t["orders"].get<unsigned>(),
                  t["landed"].get<unsigned>(), static_cast<unsigned long long>(t["max_blocks_to_inclusion"].get<uint64_t>()),
                  t["gas_paid_gwei"].get<double>(), t["over_cap"].get<unsigned>());
    print_line(row);
  }
  print_line("base fee " + fixed(s["base_fee_start_gwei"].get<double>(), 3) + " -> peak " +
             fixed(s["base_fee_peak_gwei"].get<double>(), 3) + " -> " + fixed(s["base_fee_end_gwei"].get<double>(), 3) +
             " gwei; chain " + (s["chain"]["agrees"].get<bool>() ? "agrees" : "DISAGREES"));
}

}  // namespace

void add_congestion_drill_command(CLI::App& grp) {
  auto o = std::make_shared<CongestionOptions>();
  auto json = std::make_shared<bool>(false);
  auto* c = grp.add_subcommand("congestion", "urgent hedges and normal orders through a climbing fee market on a local chain");
  add_ops_options(c);
  c->add_flag("--json", *json, "JSON lines, the last one the summary (the default without a terminal)");
  c->add_option("--urgent", o->urgent, "urgent hedges to place")->check(CLI::Range(1u, 100u));
  c->add_option("--normal", o->normal, "normal orders to place")->check(CLI::Range(0u, 100u));
  c->add_option("--congestion-blocks", o->congestion_blocks, "blocks of congestion (at least orders + 2)")->check(CLI::Range(1u, 500u));
  c->add_option("--tip-growth-ppm", o->tip_growth_ppm, "the crowd's tip rise per block, parts per million")->check(CLI::Range(0u, 1'000'000u));
  c->add_option("--urgent-bump-ppm", o->urgent_bump_ppm, "the urgent level's fee bump per block (default 500000; the executor's own is 250000)")->check(CLI::Range(125'000u, 2'000'000u));
  c->add_flag("--one-key", o->one_key, "urgent and normal orders from one key (shows head-of-line blocking)");
  c->add_option("--contracts-dir", o->contracts_dir, "compiled contract artifacts (default: the build's)");
  c->callback([o, json] {
    const CongestionResult r = run_congestion_drill(*o);
    if (*json || !::isatty(STDOUT_FILENO))
      for (const Json& j : r.lines) print_json(j);
    else
      print_table(r);
    std::fflush(stdout);
    if (!r.ok) fail("drill congestion: " + r.why);
  });
}

}  // namespace perpx::app
