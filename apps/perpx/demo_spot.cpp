// SpotDesk (demo_spot.hpp): a strategy's spot orders as swaps on the drill
// world's Uniswap v3 pool.
#include "demo_spot.hpp"

#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"

namespace perpx::app {

namespace {

using core::I256;
using core::Json;
using core::U256;

const U256 kUsdScale{1'000'000'000'000ull};  // 1e18 / 1e6: the USD token has 6 decimals

U256 json_u256(const Json& j, std::string_view what) {
  auto v = core::parse_u256(j.is_string() ? j.get<std::string>() : j.dump());
  if (!v) fail("demo spot: " + std::string(what) + ": not a number");
  return *v;
}

U256 magnitude(const I256& v) { return v.negative() ? (-v).as_u256() : v.as_u256(); }

I256 word(const core::Bytes& data, size_t i) {
  auto v = core::from_be(core::ByteView(data.data() + 32 * i, 32));
  return v ? I256::from_u256(*v) : I256{};
}

}  // namespace

const chain::Hash32& swap_topic() {
  static const chain::Hash32 t = [] {
    const std::string_view sig = "Swap(address,address,int256,int256,uint160,uint128,int24)";
    return core::keccak256(core::ByteView(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
  }();
  return t;
}

SpotDesk::SpotDesk(chain::RpcClient& rpc, signer::SecretKey key, const World& w)
    : rpc_(&rpc), sender_(take(chain::TxnSender::make(rpc, std::move(key)), "demo spot wallet")), w_(w),
      weth_is_token0_(w.token0 == w.weth) {
  const std::string max = core::to_decimal(U256::max());
  for (const chain::Address& token : {w.usd, w.weth}) {
    auto r = sender_.transact(token, "approve(address,uint256)", Json::array({core::to_checksum(w.helper), max}));
    if (!r) fail("demo spot: approve: " + chain::describe(r.error()));
  }
}

U256 SpotDesk::price() {
  auto f = chain::make_univ3_feed(*rpc_, w_.pool, !weth_is_token0_);
  if (!f) fail("demo spot: pool: " + chain::describe(f.error()));
  auto head = chain::resolve_block(*rpc_, chain::Tag::kLatest);
  if (!head) fail("demo spot: " + chain::describe(head.error()));
  auto s = chain::read_univ3(*rpc_, *f, *head);
  if (!s) fail("demo spot: pool price: " + chain::describe(s.error()));
  auto p = chain::rescale(s->price, -18);
  if (!p) fail("demo spot: pool price: " + chain::describe(p.error()));
  return p->magnitude;
}

U256 SpotDesk::weth_balance() {
  auto r = chain::call(*rpc_, w_.weth, "balanceOf(address)(uint256)", Json::array({core::to_checksum(address())}));
  if (!r) fail("demo spot: WETH balance: " + chain::describe(r.error()));
  return json_u256((*r)[0], "WETH balance");
}

std::expected<void, std::string> SpotDesk::place(const executor::Order& o) {
  if (o.venue != "uniswap-v3" || o.market != "WETH/USD") return std::unexpected(o.client_id + ": not a WETH/USD pool order");
  if (o.size.is_zero() || o.limit_price.is_zero()) return std::unexpected(o.client_id + ": zero size or limit");
  const bool buy = o.side == executor::Side::kBuy;
  // Paying USD for WETH: token1 -> token0 when WETH is token0.
  const bool zero_for_one = buy ? !weth_is_token0_ : weth_is_token0_;
  const U256 amount_in = buy ? o.size * price() / core::kWad / kUsdScale : o.size;
  const uint8_t d0 = weth_is_token0_ ? 18 : 6, d1 = weth_is_token0_ ? 6 : 18;
  auto tick = chain::tick_for_price(o.limit_price, d0, d1, !weth_is_token0_);
  if (!tick) return std::unexpected(o.client_id + ": limit price: " + chain::describe(tick.error()));
  auto limit = chain::sqrt_ratio_at_tick(*tick);
  if (!limit) return std::unexpected(o.client_id + ": limit price: " + chain::describe(limit.error()));
  auto data = chain::encode_call("swapExactIn(address,address,bool,int256,uint160)",
                                 Json::array({core::to_checksum(w_.pool), core::to_checksum(address()), zero_for_one,
                                              core::to_decimal(amount_in), core::to_decimal(*limit)}));
  if (!data) return std::unexpected(o.client_id + ": " + chain::describe(data.error()));
  chain::TxnOptions opts;
  opts.gas_limit = 400'000;
  auto h = sender_.submit(w_.helper, std::move(*data), opts);
  if (!h) return std::unexpected(o.client_id + ": send: " + chain::describe(h.error()));
  pending_.push_back({o.client_id, *h});
  return {};
}

std::expected<chain::Hash32, std::string> SpotDesk::pay_usd(const chain::Address& to, const U256& usd) {
  auto data = chain::encode_call("transfer(address,uint256)", Json::array({core::to_checksum(to), core::to_decimal(usd)}));
  if (!data) return std::unexpected(chain::describe(data.error()));
  chain::TxnOptions opts;
  opts.gas_limit = 100'000;
  auto h = sender_.submit(w_.usd, std::move(*data), opts);
  if (!h) return std::unexpected("send: " + chain::describe(h.error()));
  return *h;
}

std::vector<SpotFill> SpotDesk::on_block() {
  std::vector<SpotFill> out;
  std::vector<Pending> still;
  for (const Pending& p : pending_) {
    auto r = rpc_->transaction_receipt(p.txn);
    if (!r) fail("demo spot: receipt: " + chain::to_string(r.error()));
    if (!*r) {
      still.push_back(p);
      continue;
    }
    SpotFill f{p.client_id, false, {}, {}, {}, p.txn, (*r)->block_number, (*r)->gas_used, (*r)->effective_gas_price};
    if (!(*r)->success) f.reason = "swap reverted";
    for (const chain::Log& log : (*r)->logs) {
      if (log.address != w_.pool || log.topics.empty() || log.topics[0] != swap_topic() || log.data.size() < 64) continue;
      const I256 a0 = word(log.data, 0), a1 = word(log.data, 1);
      const I256 weth = -(weth_is_token0_ ? a0 : a1);  // the pool's delta, ours is the opposite
      const U256 usd = magnitude(weth_is_token0_ ? a1 : a0);
      if (weth.is_zero()) continue;
      f.filled = true;
      f.size = weth;
      f.price = usd * kUsdScale * core::kWad / magnitude(weth);
    }
    if (!f.filled && f.reason.empty()) f.reason = "nothing filled inside the limit";
    out.push_back(std::move(f));
  }
  pending_ = std::move(still);
  return out;
}

}  // namespace perpx::app
