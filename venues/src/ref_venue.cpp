// Bindings for PerpVenue.sol (ref_venue.hpp).
#include "perpx/venues/ref_venue.hpp"

#include <array>

#include "perpx/chain/abi.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"

namespace perpx::venues {

namespace {

using core::Json;
using chain::ContractErrc;
using chain::ContractError;

std::string addr(const Address& a) { return core::to_checksum(a); }
std::string dec(const U256& v) { return core::to_decimal(v); }
std::string dec(const I256& v) { return to_decimal(v); }

Bytes call_data(std::string_view sig, const Json& args) {
  auto r = chain::encode_call(sig, args);
  // Typed arguments always fit their ABI types; a failure is a bug here.
  if (!r) throw std::logic_error("venue calldata: " + chain::describe(r.error()));
  return std::move(*r);
}

ContractError bad(std::string what, std::string detail) {
  return ContractError{ContractErrc::kAbi, std::move(what) + ": " + detail, std::nullopt};
}

// Decoded-output conversions (the codec gives canonical decimal strings).
struct Reader {
  const Json& j;
  std::string what;
  std::optional<ContractError> err;
  U256 u(size_t i) {
    auto v = core::json_quantity(j.at(i));
    if (!v && !err) err = bad(what, "output " + std::to_string(i) + ": " + v.error());
    return v ? *v : U256{};
  }
  uint64_t u64(size_t i) {
    const U256 v = u(i);
    if (!v.fits_u64() && !err) err = bad(what, "output " + std::to_string(i) + ": above 2^64");
    return v.w[0];
  }
  I256 s(size_t i) {
    auto v = parse_i256(j.at(i));
    if (!v && !err) err = bad(what, "output " + std::to_string(i) + ": " + v.error());
    return v ? *v : I256{};
  }
  bool b(size_t i) { return j.at(i).is_boolean() && j.at(i).get<bool>(); }
  Address a(size_t i) {
    auto v = core::parse_address(j.at(i).get<std::string>());
    if (!v && !err) err = bad(what, "output " + std::to_string(i) + ": not an address");
    return v ? *v : Address{};
  }
  template <class T>
  ContractResult<T> done(T value) {
    if (err) return std::unexpected(*err);
    return value;
  }
};


struct Events {
  chain::AbiFragment filled, liquidated, settled, accrued, cancelled;
  Events() {
    auto parse = [](std::string_view s) {
      auto f = chain::parse_signature(s, chain::AbiKind::kEvent);
      if (!f) throw std::logic_error("venue event signature: " + chain::describe(f.error()));
      return std::move(*f);
    };
    filled = parse(
        "event OrderFilled(address indexed account, uint256 indexed market, uint8 path, int256 sizeDelta, uint256 "
        "fillPrice, int256 newSize, uint256 newEntryPrice, uint256 fee, int256 realizedPnl, int256 margin)");
    liquidated = parse(
        "event Liquidated(address indexed account, uint256 indexed market, address indexed liquidator, int256 "
        "sizeClosed, uint256 price, int256 realizedPnl, uint256 reward, bool partialClose)");
    settled = parse(
        "event BatchSettled(uint256 indexed market, uint256 indexed batchId, uint256 clearingPrice, int256 netSize, "
        "uint256 filled, uint256 cancelled)");
    accrued = parse(
        "event FundingAccrued(uint256 indexed market, int256 rate, uint256 indexPrice, uint256 elapsed, int256 "
        "fundingIndex)");
    cancelled = parse(
        "event BatchOrderCancelled(uint256 indexed market, uint256 indexed batchId, address indexed account, uint256 "
        "slot, bytes reason)");
  }
};

const Events& events() {
  static const Events e;
  return e;
}

ContractResult<Json> decode_event(const chain::AbiFragment& f, const chain::Log& log) {
  auto j = chain::decode_log(f, log.topics, log.data);
  if (!j) return std::unexpected(bad(f.name, chain::describe(j.error())));
  // Positional, in parameter order.
  Json arr = Json::array();
  for (auto& [k, v] : j->items()) arr.push_back(v);
  return arr;
}

}  // namespace

// ---- errors ----

chain::Selector error_selector(VenueErrc e) { return chain::selector(error_signature(e)); }

std::optional<VenueErrc> venue_error(core::ByteView data) {
  if (data.size() < 4) return std::nullopt;
  for (int i = 0; i < kVenueErrcCount; ++i) {
    const auto e = static_cast<VenueErrc>(i);
    const auto s = error_selector(e);
    if (std::equal(s.begin(), s.end(), data.begin())) return e;
  }
  return std::nullopt;
}

std::optional<VenueErrc> venue_error(const ContractError& e) {
  if (!e.rpc) return std::nullopt;
  return venue_error(e.rpc->revert_data);
}

// ---- calldata ----

Bytes deposit_call(const U256& tokens) { return call_data("deposit(uint256)", Json::array({dec(tokens)})); }
Bytes withdraw_call(const U256& tokens) { return call_data("withdraw(uint256)", Json::array({dec(tokens)})); }
Bytes add_liquidity_call(const U256& tokens) { return call_data("addLiquidity(uint256)", Json::array({dec(tokens)})); }
Bytes set_isolated_call(uint64_t market, bool isolated) {
  return call_data("setIsolated(uint256,bool)", Json::array({market, isolated}));
}
Bytes transfer_margin_call(uint64_t market, const I256& amount) {
  return call_data("transferMargin(uint256,int256)", Json::array({market, dec(amount)}));
}

// The order path: selector and static words from the typed fields. Each
// function's signature is spelled once, in Selectors.
namespace {

struct Selectors {
  chain::Selector place_order = chain::selector("placeOrder(uint256,int256,uint256,uint256)");
  chain::Selector place_orders = chain::selector("placeOrders((uint256,int256,uint256,uint256)[])");
  chain::Selector commit_order = chain::selector("commitOrder(bytes32)");
  chain::Selector reveal_order = chain::selector("revealOrder(uint256,int256,uint256,bytes32,uint256)");
  chain::Selector clear_commitment = chain::selector("clearExpiredCommitment(bytes32)");
  chain::Selector submit_batch_order = chain::selector("submitBatchOrder(uint256,int256,uint256,uint256)");
  chain::Selector settle_batch = chain::selector("settleBatch(uint256)");
};

const Selectors& selectors() {
  static const Selectors s;
  return s;
}

// (uint256 market, int256 sizeDelta, uint256 limitPrice, uint256 deadline):
// int256 is the two's complement word, which I256 holds.
void order_words(Bytes& out, const VenueOrder& o) {
  chain::append_uint(out, U256{o.market});
  chain::append_uint(out, o.size_delta.bits);
  chain::append_uint(out, o.limit_price);
  chain::append_uint(out, U256{o.deadline});
}

Bytes with_capacity(size_t n) {
  Bytes b;
  b.reserve(n);
  return b;
}

}  // namespace

void append_place_order(Bytes& out, const VenueOrder& o) {
  chain::append_selector(out, selectors().place_order);
  order_words(out, o);
}

void append_place_orders(Bytes& out, std::span<const VenueOrder> orders) {
  chain::append_selector(out, selectors().place_orders);
  chain::append_uint(out, U256{chain::kAbiWord});  // offset of the array: right after the one head word
  chain::append_uint(out, U256{orders.size()});
  for (const auto& o : orders) order_words(out, o);  // static tuples sit inline
}

Bytes place_order_call(const VenueOrder& o) {
  Bytes out = with_capacity(kPlaceOrderLength);
  append_place_order(out, o);
  return out;
}
Bytes place_orders_call(std::span<const VenueOrder> orders) {
  Bytes out = with_capacity(place_orders_length(orders.size()));
  append_place_orders(out, orders);
  return out;
}
Bytes commit_order_call(const Hash32& c) {
  Bytes out = with_capacity(chain::call_length(1));
  chain::append_selector(out, selectors().commit_order);
  chain::append_fixed_bytes(out, c.view());
  return out;
}
Bytes reveal_order_call(const VenueOrder& o, const Hash32& salt) {
  Bytes out = with_capacity(chain::call_length(5));
  chain::append_selector(out, selectors().reveal_order);
  chain::append_uint(out, U256{o.market});
  chain::append_uint(out, o.size_delta.bits);
  chain::append_uint(out, o.limit_price);
  chain::append_fixed_bytes(out, salt.view());
  chain::append_uint(out, U256{o.deadline});
  return out;
}
Bytes clear_commitment_call(const Hash32& c) {
  Bytes out = with_capacity(chain::call_length(1));
  chain::append_selector(out, selectors().clear_commitment);
  chain::append_fixed_bytes(out, c.view());
  return out;
}
Bytes submit_batch_order_call(const VenueOrder& o) {
  Bytes out = with_capacity(chain::call_length(4));
  chain::append_selector(out, selectors().submit_batch_order);
  order_words(out, o);
  return out;
}
Bytes settle_batch_call(uint64_t market) {
  Bytes out = with_capacity(chain::call_length(1));
  chain::append_selector(out, selectors().settle_batch);
  chain::append_uint(out, U256{market});
  return out;
}
Bytes liquidate_call(const Address& a) { return call_data("liquidate(address)", Json::array({addr(a)})); }
Bytes liquidate_position_call(const Address& a, uint64_t market) {
  return call_data("liquidatePosition(address,uint256)", Json::array({addr(a), market}));
}

Hash32 commitment_of(const Address& account, const VenueOrder& o, const Hash32& salt) {
  // abi.encode(address, uint256, int256, uint256, bytes32, uint256): six static words.
  Bytes data = with_capacity(6 * chain::kAbiWord);
  chain::append_address(data, account);
  chain::append_uint(data, U256{o.market});
  chain::append_uint(data, o.size_delta.bits);
  chain::append_uint(data, o.limit_price);
  chain::append_fixed_bytes(data, salt.view());
  chain::append_uint(data, U256{o.deadline});
  return core::keccak256(data);
}

// ---- views ----

ContractResult<Json> RefVenue::view(std::string_view sig, const Json& args, BlockRef at) const {
  return chain::call(*rpc_, venue_, sig, args, at);
}

ContractResult<VenueConfig> RefVenue::config(BlockRef at) const {
  VenueConfig c;
  const char* sigs[] = {"owner()(address)",          "collateral()(address)",     "oracle()(address)",
                        "liquidationReward()(uint256)", "minRevealDelay()(uint256)", "maxRevealDelay()(uint256)",
                        "batchWindow()(uint256)",     "marketCount()(uint256)",    "feePool()(int256)",
                        "badDebt()(int256)"};
  Json out = Json::array();
  for (const char* s : sigs) {
    auto r = view(s, Json::array(), at);
    if (!r) return std::unexpected(r.error());
    out.push_back((*r)[0]);
  }
  Reader rd{out, "config", std::nullopt};
  c.owner = rd.a(0);
  c.collateral = rd.a(1);
  c.oracle = rd.a(2);
  c.params.liquidation_reward = rd.u(3);
  c.params.min_reveal_delay = rd.u64(4);
  c.params.max_reveal_delay = rd.u64(5);
  c.params.batch_window = rd.u64(6);
  c.market_count = rd.u64(7);
  c.fee_pool = rd.s(8);
  c.bad_debt = rd.s(9);
  return rd.done(c);
}

namespace {
constexpr std::string_view kMarketsSig =
    "markets(uint256)(string,uint256,uint256,uint256,uint256,uint256,int256,uint256,uint256,int256,uint256)";
}

ContractResult<MarketParams> RefVenue::market_params(uint64_t m, BlockRef at) const {
  auto r = view(kMarketsSig, Json::array({m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "markets", std::nullopt};
  MarketParams p;
  p.name = (*r)[0].get<std::string>();
  p.skew_scale = rd.u(1);
  p.im_fraction = rd.u(2);
  p.mm_fraction = rd.u(3);
  p.taker_fee = rd.u(4);
  p.max_funding_rate = rd.u(5);
  return rd.done(p);
}

ContractResult<MarketState> RefVenue::market_state(uint64_t m, BlockRef at) const {
  auto r = view(kMarketsSig, Json::array({m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "markets", std::nullopt};
  MarketState s;
  s.skew = rd.s(6);
  s.open_interest_long = rd.u(7);
  s.open_interest_short = rd.u(8);
  s.funding_index = rd.s(9);
  s.last_funding_time = rd.u64(10);
  return rd.done(s);
}

ContractResult<I256> RefVenue::funding_rate(uint64_t m, BlockRef at) const {
  auto r = view("fundingRate(uint256)(int256)", Json::array({m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "fundingRate", std::nullopt};
  return rd.done(rd.s(0));
}

ContractResult<I256> RefVenue::accrued_funding_index(uint64_t m, BlockRef at) const {
  auto r = view("accruedFundingIndex(uint256)(int256)", Json::array({m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "accruedFundingIndex", std::nullopt};
  return rd.done(rd.s(0));
}

ContractResult<U256> RefVenue::index_price(uint64_t m, BlockRef at) const {
  auto r = view("indexPrice(uint256)(uint256)", Json::array({m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "indexPrice", std::nullopt};
  return rd.done(rd.u(0));
}

ContractResult<U256> RefVenue::fill_price(uint64_t m, const I256& size, BlockRef at) const {
  auto r = view("fillPrice(uint256,int256)(uint256)", Json::array({m, dec(size)}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "fillPrice", std::nullopt};
  return rd.done(rd.u(0));
}

ContractResult<Position> RefVenue::position(const Address& a, uint64_t m, BlockRef at) const {
  auto r = view("positions(address,uint256)(int256,uint256,int256,int256,bool)", Json::array({addr(a), m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "positions", std::nullopt};
  Position p;
  p.size = rd.s(0);
  p.entry_price = rd.u(1);
  p.last_funding_index = rd.s(2);
  p.margin = rd.s(3);
  p.isolated = rd.b(4);
  return rd.done(p);
}

ContractResult<Account> RefVenue::account(const Address& a, uint64_t market_count, BlockRef at) const {
  Json out = Json::array();
  for (const char* s : {"crossMargin(address)(int256)", "realizedPnl(address)(int256)", "feesPaid(address)(uint256)",
                        "fundingPaid(address)(int256)"}) {
    auto r = view(s, Json::array({addr(a)}), at);
    if (!r) return std::unexpected(r.error());
    out.push_back((*r)[0]);
  }
  Reader rd{out, "account", std::nullopt};
  Account ac;
  ac.cross_margin = rd.s(0);
  ac.realized_pnl = rd.s(1);
  ac.fees_paid = rd.u(2);
  ac.funding_paid = rd.s(3);
  for (uint64_t m = 0; m < market_count; ++m) {
    auto p = position(a, m, at);
    if (!p) return std::unexpected(p.error());
    ac.positions.push_back(*p);
  }
  return rd.done(std::move(ac));
}

ContractResult<AccountSummary> RefVenue::account_summary(const Address& a, BlockRef at) const {
  auto r = view("accountSummary(address)(int256,int256,uint256,uint256,int256)", Json::array({addr(a)}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "accountSummary", std::nullopt};
  AccountSummary s;
  s.margin = rd.s(0);
  s.figures.equity = rd.s(1);
  s.figures.initial_margin = rd.u(2);
  s.figures.maintenance_margin = rd.u(3);
  s.figures.margin_ratio = rd.s(4);
  return rd.done(s);
}

ContractResult<PositionFigures> RefVenue::position_summary(const Address& a, uint64_t m, BlockRef at) const {
  auto r = view("positionSummary(address,uint256)(int256,uint256,uint256,int256,uint256)", Json::array({addr(a), m}),
                at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "positionSummary", std::nullopt};
  PositionFigures f;
  f.equity = rd.s(0);
  f.initial_margin = rd.u(1);
  f.maintenance_margin = rd.u(2);
  f.margin_ratio = rd.s(3);
  f.liquidation_price = rd.u(4);
  return rd.done(f);
}

ContractResult<I256> RefVenue::pending_funding(const Address& a, uint64_t m, BlockRef at) const {
  auto r = view("pendingFunding(address,uint256)(int256)", Json::array({addr(a), m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "pendingFunding", std::nullopt};
  return rd.done(rd.s(0));
}

ContractResult<I256> RefVenue::unrealized_pnl(const Address& a, uint64_t m, BlockRef at) const {
  auto r = view("unrealizedPnl(address,uint256)(int256)", Json::array({addr(a), m}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "unrealizedPnl", std::nullopt};
  return rd.done(rd.s(0));
}

ContractResult<bool> RefVenue::can_liquidate(const Address& a, BlockRef at) const {
  auto r = view("canLiquidate(address)(bool)", Json::array({addr(a)}), at);
  if (!r) return std::unexpected(r.error());
  return (*r)[0].get<bool>();
}

ContractResult<bool> RefVenue::can_liquidate_position(const Address& a, uint64_t m, BlockRef at) const {
  auto r = view("canLiquidatePosition(address,uint256)(bool)", Json::array({addr(a), m}), at);
  if (!r) return std::unexpected(r.error());
  return (*r)[0].get<bool>();
}

ContractResult<Snapshot> RefVenue::block_snapshot(uint64_t m, uint64_t block, BlockRef at) const {
  auto r = view("blockSnapshots(uint256,uint256)(uint256,int256,bool)", Json::array({m, block}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "blockSnapshots", std::nullopt};
  return rd.done(Snapshot{rd.u(0), rd.s(1), rd.b(2)});
}

ContractResult<Snapshot> RefVenue::batch_snapshot(uint64_t m, uint64_t batch_id, BlockRef at) const {
  auto r = view("batchSnapshots(uint256,uint256)(uint256,int256,bool)", Json::array({m, batch_id}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "batchSnapshots", std::nullopt};
  return rd.done(Snapshot{rd.u(0), rd.s(1), rd.b(2)});
}

ContractResult<uint64_t> RefVenue::commitment_status(const Hash32& c, BlockRef at) const {
  auto r = view("commitments(bytes32)(address,uint64,uint8)", Json::array({core::to_hex(c)}), at);
  if (!r) return std::unexpected(r.error());
  Reader rd{*r, "commitments", std::nullopt};
  return rd.done(rd.u64(2));
}

ContractResult<RefModel> RefVenue::load_model(std::span<const Address> accounts, BlockRef at) const {
  auto cfg = config(at);
  if (!cfg) return std::unexpected(cfg.error());
  std::vector<MarketParams> params;
  std::vector<MarketState> states;
  for (uint64_t m = 0; m < cfg->market_count; ++m) {
    auto p = market_params(m, at);
    if (!p) return std::unexpected(p.error());
    auto s = market_state(m, at);
    if (!s) return std::unexpected(s.error());
    params.push_back(std::move(*p));
    states.push_back(*s);
  }
  RefModel model(cfg->params, std::move(params), 0);
  for (uint64_t m = 0; m < cfg->market_count; ++m) model.set_market_state(m, states[m]);
  for (const auto& a : accounts) {
    auto ac = account(a, cfg->market_count, at);
    if (!ac) return std::unexpected(ac.error());
    model.set_account(a, std::move(*ac));
  }
  return model;
}

// ---- events ----

const Hash32& order_filled_topic() {
  static const Hash32 t = chain::event_topic(events().filled);
  return t;
}
const Hash32& liquidated_topic() {
  static const Hash32 t = chain::event_topic(events().liquidated);
  return t;
}
const Hash32& batch_settled_topic() {
  static const Hash32 t = chain::event_topic(events().settled);
  return t;
}
const Hash32& funding_accrued_topic() {
  static const Hash32 t = chain::event_topic(events().accrued);
  return t;
}
const Hash32& batch_order_cancelled_topic() {
  static const Hash32 t = chain::event_topic(events().cancelled);
  return t;
}

ContractResult<OrderFilledEvent> decode_order_filled(const chain::Log& log) {
  auto j = decode_event(events().filled, log);
  if (!j) return std::unexpected(j.error());
  Reader rd{*j, "OrderFilled", std::nullopt};
  OrderFilledEvent e;
  e.account = rd.a(0);
  e.market = rd.u64(1);
  e.path = static_cast<uint8_t>(rd.u64(2));
  e.size_delta = rd.s(3);
  e.fill_price = rd.u(4);
  e.new_size = rd.s(5);
  e.new_entry_price = rd.u(6);
  e.fee = rd.u(7);
  e.realized_pnl = rd.s(8);
  e.margin = rd.s(9);
  return rd.done(e);
}

ContractResult<LiquidatedEvent> decode_liquidated(const chain::Log& log) {
  auto j = decode_event(events().liquidated, log);
  if (!j) return std::unexpected(j.error());
  Reader rd{*j, "Liquidated", std::nullopt};
  LiquidatedEvent e;
  e.account = rd.a(0);
  e.market = rd.u64(1);
  e.liquidator = rd.a(2);
  e.size_closed = rd.s(3);
  e.price = rd.u(4);
  e.realized_pnl = rd.s(5);
  e.reward = rd.u(6);
  e.partial = rd.b(7);
  return rd.done(e);
}

ContractResult<BatchSettledEvent> decode_batch_settled(const chain::Log& log) {
  auto j = decode_event(events().settled, log);
  if (!j) return std::unexpected(j.error());
  Reader rd{*j, "BatchSettled", std::nullopt};
  BatchSettledEvent e;
  e.market = rd.u64(0);
  e.batch_id = rd.u64(1);
  e.clearing_price = rd.u(2);
  e.net_size = rd.s(3);
  e.filled = rd.u64(4);
  e.cancelled = rd.u64(5);
  return rd.done(e);
}

ContractResult<FundingAccruedEvent> decode_funding_accrued(const chain::Log& log) {
  auto j = decode_event(events().accrued, log);
  if (!j) return std::unexpected(j.error());
  Reader rd{*j, "FundingAccrued", std::nullopt};
  FundingAccruedEvent e;
  e.market = rd.u64(0);
  e.rate = rd.s(1);
  e.index_price = rd.u(2);
  e.elapsed = rd.u64(3);
  e.funding_index = rd.s(4);
  return rd.done(e);
}

std::vector<OrderFilledEvent> fills_in(const chain::Receipt& r) {
  std::vector<OrderFilledEvent> out;
  for (const auto& log : r.logs) {
    if (log.topics.empty() || log.topics[0] != order_filled_topic()) continue;
    if (auto e = decode_order_filled(log)) out.push_back(*e);
  }
  return out;
}

}  // namespace perpx::venues
