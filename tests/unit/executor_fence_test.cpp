// Fencing: a fenced strategy's new orders are denied while its reduce-only
// ones and every other strategy's orders pass; isolate and flatten return
// the actions for its positions only; flatten orders close them exactly and
// pass the gate; per-strategy limits at their boundaries.
#include <catch2/catch.hpp>

#include <string>

#include "risk_world.hpp"

using namespace perpx;
using namespace perpx::test;
using executor::FenceMode;
using executor::Fencing;
using executor::FencingConfig;
using executor::RiskGate;

namespace {

std::string verdict(const RiskGate& g, const Order& o, const World& w, const Fencing& f) {
  auto r = g.check(o, w.in(), f);
  if (r) return "approved";
  return std::string(executor::deny_reason_name(r.error().reason));
}

// alpha: ETH +2, BTC -0.5; beta: ETH +1. The account nets them.
World two_strategies() {
  World w;
  w.account.positions = {position("ETH", iwad(3)), position("BTC", -I256::from_u256(wad_frac(1, 2)))};
  w.account.strategies = {{"alpha", {position("ETH", iwad(2)), position("BTC", -I256::from_u256(wad_frac(1, 2)))}},
                          {"beta", {position("ETH", iwad(1))}}};
  return w;
}

}  // namespace

TEST_CASE("deny-new: the fenced strategy may only unwind, the others trade on", "[executor][fence]") {
  RiskGate g(risk_config());
  Fencing f;
  World w = two_strategies();
  CHECK(verdict(g, buy("ETH", wad(1), "alpha"), w, f) == "approved");
  auto d = f.fence("alpha", FenceMode::kDenyNew, "3 reverts in a row", 42, w.account, w.markets);
  CHECK(d.record.strategy == "alpha");
  CHECK_FALSE(d.record.from.has_value());
  CHECK(d.record.to == FenceMode::kDenyNew);
  CHECK(d.record.reason == "3 reverts in a row");
  CHECK(d.record.time_ms == 42);
  CHECK(d.isolate.empty());
  CHECK(d.flatten.empty());
  CHECK(f.mode("alpha") == FenceMode::kDenyNew);
  CHECK_FALSE(f.mode("beta").has_value());

  CHECK(verdict(g, buy("ETH", wad(1), "alpha"), w, f) == "strategy_fenced");
  CHECK(verdict(g, sell("ETH", wad(1), "alpha"), w, f) == "strategy_fenced");  // not marked reduce-only
  CHECK(g.check(buy("ETH", wad(1), "alpha"), w.in(), f).error().detail ==
        "strategy alpha is fenced (deny-new): only its reduce-only orders pass");
  CHECK(verdict(g, reduce(sell("ETH", wad(2), "alpha")), w, f) == "approved");
  CHECK(verdict(g, reduce(buy("BTC", wad_frac(1, 2), "alpha")), w, f) == "approved");
  // The same orders from beta are untouched.
  CHECK(verdict(g, buy("ETH", wad(1), "beta"), w, f) == "approved");
  CHECK(verdict(g, sell("ETH", wad(1), "beta"), w, f) == "approved");

  auto u = f.unfence("alpha", "reviewed", 50);
  REQUIRE(u);
  CHECK(u->from == FenceMode::kDenyNew);
  CHECK_FALSE(u->to.has_value());
  CHECK(u->time_ms == 50);
  CHECK(verdict(g, buy("ETH", wad(1), "alpha"), w, f) == "approved");
  CHECK_FALSE(f.unfence("alpha", "again", 51).has_value());  // nothing to journal
  CHECK_FALSE(f.unfence("beta", "never fenced", 52).has_value());
}

TEST_CASE("isolate: one action per position of the strategy, with margin above maintenance", "[executor][fence]") {
  RiskGate g(risk_config());
  Fencing f;  // isolate buffer 2000 bps
  World w = two_strategies();
  f.fence("alpha", FenceMode::kDenyNew, "first", 1, w.account, w.markets);
  auto d = f.fence("alpha", FenceMode::kIsolate, "margin draining", 2, w.account, w.markets);
  CHECK(d.record.from == FenceMode::kDenyNew);
  CHECK(d.record.to == FenceMode::kIsolate);
  REQUIRE(d.isolate.size() == 2);
  CHECK(d.isolate[0].market == "ETH");
  CHECK(d.isolate[0].size == iwad(2));
  CHECK(d.isolate[0].margin == wad(360));  // 2 * 3000 * 5% * 1.2
  CHECK(d.isolate[1].market == "BTC");
  CHECK(d.isolate[1].size == -I256::from_u256(wad_frac(1, 2)));
  CHECK(d.isolate[1].margin == wad(360));  // 0.5 * 60000 * 1% * 1.2
  CHECK(d.flatten.empty());
  CHECK(d.unpriced.empty());
  CHECK(verdict(g, buy("ETH", wad(1), "alpha"), w, f) == "strategy_fenced");
  CHECK(verdict(g, buy("ETH", wad(1), "beta"), w, f) == "approved");
  // Margin rounds up (never short of maintenance).
  World odd = two_strategies();
  odd.market("ETH").mark = wad(3'000) + U256{7};
  auto d2 = f.fence("alpha", FenceMode::kIsolate, "again", 3, odd.account, odd.markets);
  // 2 * (3000e18 + 7) / 1e18 = 6000e18 + 14 (notional); * 5% = 300e18 + 0.7 -> 300e18 (truncated as venue
  // maintenance is); * 1.2 = 360e18 exactly.
  CHECK(d2.isolate[0].margin == wad(360));
  odd.market("ETH").mm_fraction = wad_frac(5, 100) + U256{1};
  auto d3 = f.fence("alpha", FenceMode::kIsolate, "again", 4, odd.account, odd.markets);
  // maintenance = (6000e18 + 14) * (0.05e18 + 1) / 1e18 = 300e18 + 6000 + 0.7 -> 300e18 + 6000; * 1.2 = 360e18 + 7200.
  CHECK(d3.isolate[0].margin == wad(360) + U256{7'200});
}

TEST_CASE("flatten: reduce-only orders that close each position exactly, and pass the gate", "[executor][fence]") {
  RiskGate g(risk_config());
  Fencing f;  // 50 bps slippage, urgent
  World w = two_strategies();
  auto d = f.fence("alpha", FenceMode::kFlatten, "strategy diverged", 77, w.account, w.markets);
  CHECK(d.record.to == FenceMode::kFlatten);
  REQUIRE(d.flatten.size() == 2);
  const auto* alpha = executor::find_strategy(w.account, "alpha");
  REQUIRE(alpha);
  for (const Order& o : d.flatten) {
    INFO(o.market);
    CHECK(executor::size_in(alpha->positions, o.market) + executor::signed_size(o) == I256{0});
    CHECK(o.reduce_only);
    CHECK(o.tif == executor::TimeInForce::kIoc);
    CHECK(o.urgency == executor::Urgency::kUrgent);
    CHECK(o.strategy == "alpha");
    CHECK(o.venue == "ref");
    CHECK(o.client_id == "fence-0-alpha-" + o.market);  // seq 0: the record is not journalled yet
  }
  CHECK(d.flatten[0].market == "ETH");
  CHECK(d.flatten[0].side == Side::kSell);
  CHECK(d.flatten[0].size == wad(2));
  CHECK(d.flatten[0].limit_price == wad(2'985));  // 3000 - 50 bps
  CHECK(d.flatten[1].market == "BTC");
  CHECK(d.flatten[1].side == Side::kBuy);
  CHECK(d.flatten[1].size == wad_frac(1, 2));
  CHECK(d.flatten[1].limit_price == wad(60'300));  // 60000 + 50 bps
  // The flatten orders pass the gate, even in REDUCING; alpha's new orders do not; beta's do.
  w.state = TradingState::kReducing;
  for (const Order& o : d.flatten) CHECK(verdict(g, o, w, f) == "approved");
  w.state = TradingState::kActive;
  CHECK(verdict(g, buy("ETH", wad(1), "alpha"), w, f) == "strategy_fenced");
  CHECK(verdict(g, buy("ETH", wad(1), "beta"), w, f) == "approved");
  CHECK_FALSE(f.mode("beta").has_value());
}

TEST_CASE("flatten limits round toward the mark: never past the slippage", "[executor][fence]") {
  Fencing f;
  World w = two_strategies();
  const U256 eth = wad(3'000) + U256{7};
  const U256 btc = wad(60'000) + U256{3};
  w.market("ETH").mark = eth;
  w.market("BTC").mark = btc;
  auto d = f.fence("alpha", FenceMode::kFlatten, "odd marks", 1, w.account, w.markets);
  REQUIRE(d.flatten.size() == 2);
  const U256 sell_gap = eth - d.flatten[0].limit_price;  // a sell receives at least mark - gap
  const U256 buy_gap = d.flatten[1].limit_price - btc;   // a buy pays at most mark + gap
  const U256 bps{10'000}, slip{50};
  CHECK(sell_gap * bps <= slip * eth);
  CHECK((sell_gap + U256{1}) * bps > slip * eth);  // and it is the widest such limit
  CHECK(buy_gap * bps <= slip * btc);
  CHECK((buy_gap + U256{1}) * bps > slip * btc);
}

TEST_CASE("a position without a mark gets nothing: listed as unpriced", "[executor][fence]") {
  Fencing f;
  World w = two_strategies();
  w.market("BTC").mark.reset();
  auto d = f.fence("alpha", FenceMode::kFlatten, "no quorum on BTC", 5, w.account, w.markets);
  REQUIRE(d.flatten.size() == 1);
  CHECK(d.flatten[0].market == "ETH");
  REQUIRE(d.unpriced.size() == 1);
  CHECK(d.unpriced[0] == "BTC");
  auto i = f.fence("alpha", FenceMode::kIsolate, "no quorum on BTC", 6, w.account, w.markets);
  REQUIRE(i.isolate.size() == 1);
  CHECK(i.isolate[0].market == "ETH");
  CHECK(i.unpriced == std::vector<std::string>{"BTC"});
  // A strategy without positions is fenced with nothing to do.
  auto none = f.fence("gamma", FenceMode::kFlatten, "idle", 7, w.account, w.markets);
  CHECK(none.flatten.empty());
  CHECK(f.mode("gamma") == FenceMode::kFlatten);
}

TEST_CASE("per-strategy limits: position per market and gross, at their boundaries", "[executor][fence]") {
  FencingConfig fc;
  fc.strategies["alpha"].max_position["ETH"] = wad(3);
  fc.strategies["alpha"].max_gross_usd = wad(12'000);
  Fencing f(fc);
  RiskGate g(risk_config());
  World w = two_strategies();  // alpha: ETH +2 (6000), BTC -0.5 (30000)
  w.account.strategies[0].positions[1] = position("BTC", -I256::from_u256(wad_frac(1, 20)));  // 3000
  w.account.positions[1] = w.account.strategies[0].positions[1];
  CHECK(verdict(g, buy("ETH", wad(1), "alpha"), w, f) == "approved");  // ETH 3, gross 9000 + 3000
  CHECK(verdict(g, buy("ETH", wad(1) + kWei, "alpha"), w, f) == "strategy_position");
  CHECK(g.check(buy("ETH", wad(1) + kWei, "alpha"), w.in(), f).error().detail ==
        "strategy alpha ETH position after fill 3.000000000000000001, |size| > max 3");
  CHECK(verdict(g, sell("ETH", wad(5), "alpha"), w, f) == "approved");  // ETH -3
  CHECK(verdict(g, sell("ETH", wad(5) + kWei, "alpha"), w, f) == "strategy_position");
  // Gross: BTC is not limited per market, only through the strategy's gross.
  CHECK(verdict(g, sell("BTC", wad_frac(1, 20), "alpha"), w, f) == "approved");  // 6000 + 6000
  CHECK(verdict(g, sell("BTC", wad_frac(1, 20) + kWei, "alpha"), w, f) == "strategy_gross");
  // beta has no table: the account limits alone.
  CHECK(verdict(g, buy("ETH", wad(5), "beta"), w, f) == "approved");
  // Reduce-only orders are not held to them.
  w.account.strategies[0].positions[0] = position("ETH", iwad(4));
  w.account.positions[0] = position("ETH", iwad(5));
  CHECK(verdict(g, buy("ETH", kWei, "alpha"), w, f) == "strategy_position");
  CHECK(verdict(g, reduce(sell("ETH", wad(1), "alpha")), w, f) == "approved");
}

TEST_CASE("fence mode names", "[executor][fence]") {
  for (FenceMode m : {FenceMode::kDenyNew, FenceMode::kIsolate, FenceMode::kFlatten})
    CHECK(executor::parse_fence_mode(executor::fence_mode_name(m)) == m);
  CHECK_FALSE(executor::parse_fence_mode("pause").has_value());
}
