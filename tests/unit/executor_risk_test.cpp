// RiskGate: every denial reason, each exact at its boundary (one wei inside
// passes, one wei outside is denied); fail closed without a mark;
// reduce-only semantics and exemptions; the rate window on event time;
// approving does not allocate.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <string>

#include "risk_world.hpp"

namespace {
std::atomic<long> g_allocs{0};
}  // namespace

// Counts every allocation in this test binary; the no-allocation test reads
// it. Not under AddressSanitizer, which owns operator new itself.
#if !defined(__SANITIZE_ADDRESS__)
#define PERPX_COUNT_ALLOCS 1
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace perpx;
using namespace perpx::test;
using executor::DenyReason;
using executor::Fencing;
using executor::RiskGate;

namespace {

// "approved", or the denial's reason name.
std::string verdict(const RiskGate& g, const Order& o, const World& w, const Fencing& f = Fencing{}) {
  auto r = g.check(o, w.in(), f);
  if (r) return "approved";
  return std::string(executor::deny_reason_name(r.error().reason));
}

std::string detail(const RiskGate& g, const Order& o, const World& w, const Fencing& f = Fencing{}) {
  auto r = g.check(o, w.in(), f);
  return r ? std::string("approved") : r.error().detail;
}

}  // namespace

TEST_CASE("an order inside every limit is approved with the figures it was judged on", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  w.account.positions = {position("BTC", -iwad(1))};
  auto r = g.check(buy("ETH", wad(2)), w.in(), Fencing{});
  REQUIRE(r);
  CHECK(r->position_after == iwad(2));
  CHECK(r->gross_after == wad(66'000));
  CHECK(r->net_after == -iwad(54'000));
  CHECK(r->notional == wad(6'000));
  CHECK(r->time_ms == w.now_ms);
}

TEST_CASE("kill switch: halted passes nothing, reducing only reduce-only", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  w.account.positions = {position("ETH", iwad(4))};
  const Order open = buy("ETH", wad(1));
  const Order close = reduce(sell("ETH", wad(1)));
  CHECK(verdict(g, open, w) == "approved");
  w.state = TradingState::kReducing;
  CHECK(verdict(g, open, w) == "reducing");
  CHECK(verdict(g, close, w) == "approved");
  // REDUCING passes reduce-only orders only when they really reduce.
  CHECK(verdict(g, reduce(buy("ETH", wad(1))), w) == "reduce_only_increases");
  CHECK(verdict(g, reduce(sell("ETH", wad(4) + kWei)), w) == "reduce_only_increases");
  w.state = TradingState::kHalted;
  CHECK(verdict(g, open, w) == "halted");
  CHECK(verdict(g, close, w) == "halted");
}

TEST_CASE("bad order, wrong venue, unknown market", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  CHECK(verdict(g, buy("ETH", U256{0}), w) == "bad_order");
  Order zero_limit = buy("ETH", wad(1));
  zero_limit.limit_price = U256{0};
  CHECK(verdict(g, zero_limit, w) == "bad_order");
  Order other_venue = buy("ETH", wad(1));
  other_venue.venue = "hyperliquid";
  CHECK(verdict(g, other_venue, w) == "wrong_venue");
  CHECK(detail(g, other_venue, w) == "order for venue hyperliquid, account on ref");
  CHECK(verdict(g, buy("SOL", wad(1)), w) == "unknown_market");
}

TEST_CASE("no oracle mark: fail closed, even for reduce-only orders", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  w.account.positions = {position("ETH", iwad(2))};
  w.market("ETH").mark.reset();
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "no_mark");
  CHECK(verdict(g, reduce(sell("ETH", wad(1))), w) == "no_mark");
  w.state = TradingState::kReducing;
  CHECK(verdict(g, reduce(sell("ETH", wad(1))), w) == "no_mark");
  CHECK(verdict(g, buy("BTC", wad_frac(1, 10)), World{}) == "approved");  // the other market still trades
}

TEST_CASE("price band: 100 bps either side of the mark, inclusive", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  auto at = [&](Side s, const U256& limit) { return verdict(g, order(s, "ETH", wad(1), limit), w); };
  CHECK(at(Side::kBuy, wad(3'030)) == "approved");
  CHECK(at(Side::kBuy, wad(3'030) + kWei) == "price_band");
  CHECK(at(Side::kSell, wad(2'970)) == "approved");
  CHECK(at(Side::kSell, wad(2'970) - kWei) == "price_band");
  CHECK(at(Side::kBuy, wad(2'970) - kWei) == "price_band");  // far under the mark is a mistake too
  CHECK(at(Side::kBuy, U256::max()) == "price_band");       // no overflow into a pass
  CHECK(detail(g, order(Side::kBuy, "ETH", wad(1), wad(3'060)), w) ==
        "ETH limit 3060 is 200 bps from mark 3000, band 100 bps");
  // A per-market override.
  auto cfg = risk_config();
  cfg.markets["ETH"].price_band_bps = 10;
  RiskGate tight(cfg);
  CHECK(verdict(tight, order(Side::kBuy, "ETH", wad(1), wad(3'003)), w) == "approved");
  CHECK(verdict(tight, order(Side::kBuy, "ETH", wad(1), wad(3'003) + kWei), w) == "price_band");
}

TEST_CASE("reduce-only: must shrink the account's and the strategy's position", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  CHECK(verdict(g, reduce(sell("ETH", wad(1))), w) == "reduce_only_increases");  // flat: nothing to reduce
  w.account.positions = {position("ETH", iwad(2)), position("BTC", -iwad(1))};
  CHECK(verdict(g, reduce(sell("ETH", wad(2))), w) == "approved");                // closes exactly
  CHECK(verdict(g, reduce(sell("ETH", wad(2) + kWei)), w) == "reduce_only_increases");  // would flip
  CHECK(verdict(g, reduce(buy("ETH", kWei)), w) == "reduce_only_increases");      // would grow
  CHECK(verdict(g, reduce(buy("BTC", wad(1))), w) == "approved");                 // short side
  CHECK(verdict(g, reduce(buy("BTC", wad(1) + kWei)), w) == "reduce_only_increases");
  // With attribution, the strategy's own position counts too.
  w.account.positions = {position("ETH", iwad(5))};
  w.account.strategies = {{"alpha", {position("ETH", iwad(1))}}, {"beta", {position("ETH", iwad(4))}}};
  CHECK(verdict(g, reduce(sell("ETH", wad(1), "alpha")), w) == "approved");
  CHECK(verdict(g, reduce(sell("ETH", wad(2), "alpha")), w) == "reduce_only_increases");
  CHECK(detail(g, reduce(sell("ETH", wad(2), "alpha")), w) ==
        "reduce-only sell 2 ETH against strategy alpha position 1");
  CHECK(verdict(g, reduce(sell("ETH", wad(2), "manual")), w) == "approved");  // no attribution: the account's
}

TEST_CASE("max order size per market, with overrides", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  CHECK(verdict(g, buy("ETH", wad(10)), w) == "approved");
  CHECK(verdict(g, buy("ETH", wad(10) + kWei), w) == "order_size");
  CHECK(verdict(g, buy("BTC", wad(1)), w) == "approved");
  CHECK(verdict(g, buy("BTC", wad(1) + kWei), w) == "order_size");
  CHECK(verdict(g, buy("ETH", U256::max()), w) == "order_size");  // no overflow into a pass
  CHECK(detail(g, buy("BTC", wad(3)), w) == "BTC order size 3 > max 1");
  // A reduce-only order is bounded by the position it reduces instead.
  w.account.positions = {position("ETH", iwad(15))};
  CHECK(verdict(g, reduce(sell("ETH", wad(15))), w) == "approved");
}

TEST_CASE("max position per market after the fill, both sides", "[executor][risk]") {
  auto cfg = risk_config();
  cfg.max_gross_usd = wad(1'000'000);  // only the position limit binds here
  cfg.max_net_usd = wad(1'000'000);
  RiskGate g(cfg);
  World w;
  w.account.positions = {position("ETH", iwad(15))};
  CHECK(verdict(g, buy("ETH", wad(5)), w) == "approved");
  CHECK(verdict(g, buy("ETH", wad(5) + kWei), w) == "position");
  w.account.positions = {position("ETH", -iwad(15))};
  CHECK(verdict(g, sell("ETH", wad(5)), w) == "approved");
  CHECK(verdict(g, sell("ETH", wad(5) + kWei), w) == "position");
  CHECK(verdict(g, buy("ETH", wad(10)), w) == "approved");  // towards flat
  w.account.positions = {position("BTC", I256::from_u256(wad_frac(3, 2)))};
  CHECK(verdict(g, buy("BTC", wad_frac(1, 2)), w) == "approved");  // the BTC override: 2
  CHECK(verdict(g, buy("BTC", wad_frac(1, 2) + kWei), w) == "position");
}

TEST_CASE("max gross exposure across markets", "[executor][risk]") {
  auto cfg = risk_config();
  cfg.max_gross_usd = wad(90'000);
  RiskGate g(cfg);
  World w;
  w.account.positions = {position("BTC", iwad(1)), position("ETH", -iwad(1))};
  CHECK(verdict(g, sell("ETH", wad(9)), w) == "approved");  // 60000 + 30000
  CHECK(verdict(g, sell("ETH", wad(9) + kWei), w) == "gross_exposure");
  CHECK(detail(g, sell("ETH", wad(9) + kWei), w) ==
        "gross exposure after fill 90000.000000000000003 USD > max 90000 USD");
}

TEST_CASE("max net exposure across markets", "[executor][risk]") {
  RiskGate g(risk_config());
  World w;
  w.account.positions = {position("BTC", iwad(1)), position("ETH", -iwad(1))};
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "approved");  // net 60000
  CHECK(verdict(g, buy("ETH", wad(1) + kWei), w) == "net_exposure");
  // Short side: |net| counts.
  w.account.positions = {position("BTC", -iwad(1)), position("ETH", iwad(1))};
  CHECK(verdict(g, sell("ETH", wad(1)), w) == "approved");
  CHECK(verdict(g, sell("ETH", wad(1) + kWei), w) == "net_exposure");
}

TEST_CASE("max leverage per market: the lower of config and venue, on equity after the fill", "[executor][risk]") {
  RiskGate g(risk_config());  // 5x
  World w;
  w.after.maintenance_margin = wad(100);
  w.after.equity = iwad(6'000);  // 30000 / 6000 = 5x
  CHECK(verdict(g, buy("ETH", wad(10)), w) == "approved");
  w.after.equity = iwad(6'000) - I256{1};
  CHECK(verdict(g, buy("ETH", wad(10)), w) == "leverage");
  CHECK(detail(g, buy("ETH", wad(10)), w).ends_with("x > max 5x (config)"));
  w.market("ETH").max_leverage = wad(4);  // the venue's is lower now
  w.after.equity = iwad(7'500);
  CHECK(verdict(g, buy("ETH", wad(10)), w) == "approved");
  w.after.equity = iwad(7'500) - I256{1};
  CHECK(verdict(g, buy("ETH", wad(10)), w) == "leverage");
  CHECK(detail(g, buy("ETH", wad(10)), w).ends_with("x > max 4x (venue)"));
  w.after.equity = I256{0};
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "leverage");
  w.after.equity = -iwad(1);
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "leverage");
}

TEST_CASE("daily loss: realised plus unrealised since the day's start, reaching the limit denies", "[executor][risk]") {
  RiskGate g(risk_config());  // 5000 USD
  World w;
  w.account.positions = {position("ETH", iwad(2))};
  w.account.day_realized_pnl = -iwad(3'000);
  w.account.day_unrealized_pnl = -iwad(2'000) + I256{1};
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "approved");
  w.account.day_unrealized_pnl = -iwad(2'000);
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "daily_loss");
  CHECK(detail(g, buy("ETH", wad(1)), w) == "loss since the day's start 5000 USD reached the limit 5000 USD");
  CHECK(verdict(g, reduce(sell("ETH", wad(1))), w) == "approved");  // unwinding still passes
  w.account.day_realized_pnl = iwad(10'000);                          // gains offset losses
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "approved");
}

TEST_CASE("margin after the fill stays above maintenance by the buffer", "[executor][risk]") {
  RiskGate g(risk_config());  // 2000 bps
  World w;
  w.after.maintenance_margin = wad(1'000);
  w.after.equity = iwad(1'200);
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "approved");
  w.after.equity = iwad(1'200) - I256{1};
  CHECK(verdict(g, buy("ETH", wad(1)), w) == "margin");
  CHECK(detail(g, buy("ETH", wad(1)), w) ==
        "equity after fill 1199.999999999999999999 USD < maintenance 1000 USD + 2000 bps buffer = 1200 USD");
  w.account.positions = {position("ETH", iwad(2))};
  CHECK(verdict(g, reduce(sell("ETH", wad(1))), w) == "approved");  // unwinding still passes
}

TEST_CASE("orders per second: a window on event time, counting only recorded orders", "[executor][risk]") {
  RiskGate g(risk_config());  // 3 per second
  World w;
  const Order o = buy("ETH", wad(1));
  auto pass_at = [&](uint64_t t) {
    w.now_ms = t;
    auto r = g.check(o, w.in(), Fencing{});
    if (r) g.record(*r, t);
    return r.has_value();
  };
  // Checks alone never count.
  for (int i = 0; i < 10; ++i) CHECK(g.check(o, w.in(), Fencing{}).has_value());
  CHECK(pass_at(10'000));
  CHECK(pass_at(10'100));
  CHECK(pass_at(10'200));
  CHECK(g.orders_in_window(10'200) == 3);
  w.now_ms = 10'999;
  CHECK(verdict(g, o, w) == "rate_limit");
  CHECK(detail(g, o, w) == "3 orders in the last 1000 ms, max 3 per second");
  CHECK_FALSE(pass_at(10'999));  // denied: not recorded
  CHECK(g.orders_in_window(10'999) == 3);
  CHECK(pass_at(11'000));        // the one at 10000 slid out
  CHECK_FALSE(pass_at(11'099));
  CHECK(pass_at(11'100));
  CHECK(g.orders_in_window(11'100) == 3);
  CHECK(g.orders_in_window(12'099) == 1);
  CHECK(g.orders_in_window(12'100) == 0);
  // Reduce-only orders count and are limited too.
  w.account.positions = {position("ETH", iwad(5))};
  w.now_ms = 11'150;
  CHECK(verdict(g, reduce(sell("ETH", wad(1))), w) == "rate_limit");
  // Zero allows nothing.
  auto cfg = risk_config();
  cfg.max_orders_per_second = 0;
  RiskGate none(cfg);
  CHECK(verdict(none, o, World{}) == "rate_limit");
}

TEST_CASE("a denial reason per check, each with a name", "[executor][risk]") {
  std::set<std::string_view> names;
  for (int i = 0; i < executor::kDenyReasonCount; ++i) {
    const auto n = executor::deny_reason_name(static_cast<DenyReason>(i));
    CHECK(n != "?");
    names.insert(n);
  }
  CHECK(names.size() == static_cast<size_t>(executor::kDenyReasonCount));
}

// Only where allocations can be counted (ASan replaces operator new): no
// test is registered that would assert nothing.
#ifdef PERPX_COUNT_ALLOCS
TEST_CASE("approving does not allocate", "[executor][risk][alloc]") {
  executor::FencingConfig fc;
  fc.strategies["alpha"].max_position["ETH"] = wad(10);
  fc.strategies["alpha"].max_gross_usd = wad(1'000'000);
  Fencing fencing(fc);
  auto cfg = risk_config();
  cfg.max_orders_per_second = 100;
  RiskGate g(cfg);
  World w;
  w.account.positions = {position("BTC", -iwad(1)), position("ETH", iwad(1))};
  w.account.strategies = {{"alpha", {position("ETH", iwad(1))}}};
  const Order o = buy("ETH", wad(1));
  const Order close = reduce(sell("ETH", wad(1)));
  const RiskInputs in = w.in();
  // The counter sees allocations: a denial's detail is one.
  const long d0 = g_allocs.load();
  CHECK_FALSE(g.check(buy("ETH", wad(11)), in, fencing).has_value());
  CHECK(g_allocs.load() > d0);
  long allocs = 0;
  for (int i = 0; i < 50; ++i) {
    const long before = g_allocs.load();
    auto r = g.check(o, in, fencing);
    auto c = g.check(close, in, fencing);
    if (r) g.record(*r, w.now_ms + static_cast<uint64_t>(i));
    allocs += g_allocs.load() - before;
    REQUIRE(r);
    REQUIRE(c);
  }
  CHECK(allocs == 0);
}
#endif
