// Stress scenarios and the cascade on the model: paths, correlated moves,
// the order of liquidations on a two-account cross-margin book, the
// collateral that keeps each (re-run: survives with it, not with one unit
// less), funding and depth scenarios, the kill switch, the scenario file.
#include <catch2/catch.hpp>

#include <fstream>

#include "perpx/strategies/portfolio.hpp"
#include "perpx/strategies/scenario_file.hpp"
#include "perpx/strategies/stress.hpp"
#include "strategies_world.hpp"

using namespace strategies_test;
using namespace perpx;
using namespace perpx::strategies;

namespace {

// A: 25,000 USD cross, 50 ETH and 1 BTC long. B: 40,000 USD cross, 100 ETH long.
struct TwoAccounts {
  venues::RefModel m = make_model();
  Address a = addr(0xa1), b = addr(0xb2);
  std::vector<Address> accounts{a, b};
  std::vector<U256> px = prices(3000, 65000);
  TwoAccounts() {
    fund(m, a, 25'000);
    fund(m, b, 40'000);
    REQUIRE(m.trade(a, 0, iwad(50), px[0], px, kT0));
    REQUIRE(m.trade(a, 1, iwad(1), px[1], px, kT0));
    REQUIRE(m.trade(b, 0, iwad(100), px[0], px, kT0));
  }
};

CascadeOptions options() {
  CascadeOptions o;
  o.liquidator = addr(0xee);
  return o;
}

}  // namespace

TEST_CASE("paths: linear steps to the move, oracle delay holds the stale price", "[strategies][stress]") {
  Scenario s;
  s.moves = {-0.2, 0.1};
  s.steps = 4;
  s.duration = 400;
  auto p = make_path(prices(3000, 60000), kT0, s);
  REQUIRE(p);
  REQUIRE(p->size() == 5);
  const uint64_t eth[] = {3000, 2850, 2700, 2550, 2400}, btc[] = {60000, 61500, 63000, 64500, 66000};
  for (size_t i = 0; i < 5; ++i) {
    CHECK((*p)[i].time == kT0 + 100 * i);
    CHECK((*p)[i].prices[0] == wad(eth[i]));
    CHECK((*p)[i].prices[1] == wad(btc[i]));
  }
  s.oracle_delay_steps = 3;
  auto d = make_path(prices(3000, 60000), kT0, s);
  REQUIRE(d);
  const uint64_t seen[] = {3000, 3000, 3000, 2550, 2400};
  for (size_t i = 0; i < 5; ++i) CHECK((*d)[i].prices[0] == wad(seen[i]));
  s.moves = {-1.0, 0};
  CHECK_FALSE(make_path(prices(3000, 60000), kT0, s));
  s.moves = {-0.1};
  CHECK_FALSE(make_path(prices(3000, 60000), kT0, s));  // one move per market
}

TEST_CASE("correlated moves: k sigma along the matrix, and correlations to one", "[strategies][stress]") {
  Correlation c{{0.05, 0.08}, {{1.0, 0.5}, {0.5, 1.0}}};
  const auto m = correlated_move(c, 0, -3, false);
  CHECK(m[0] == Approx(-0.15));
  CHECK(m[1] == Approx(-0.12));
  const auto one = correlated_move(c, 0, -3, true);
  CHECK(one[1] == Approx(-0.24));
  const auto b = correlated_move(c, 1, 2, false);
  CHECK(b[0] == Approx(0.05));
  CHECK(b[1] == Approx(0.16));
}

TEST_CASE("cascade on two cross accounts: order, prices and the collateral that keeps each", "[strategies][stress]") {
  TwoAccounts w;
  Scenario s;
  s.name = "crash";
  s.moves = {-0.3, -0.3};
  s.steps = 100;
  auto path = make_path(w.px, kT0, s);
  REQUIRE(path);
  const CascadeResult r = run_cascade(w.m, w.accounts, *path, options());
  REQUIRE_FALSE(r.liquidations.empty());

  // The first step each account is liquidatable, scanning the untouched model
  // (at one timestamp one account's liquidation does not change another's figures).
  auto first_step = [&](const Address& x) {
    for (size_t i = 0; i < path->size(); ++i)
      if (w.m.can_liquidate(x, (*path)[i].prices, (*path)[i].time)) return i;
    return path->size();
  };
  const size_t sa = first_step(w.a), sb = first_step(w.b);
  REQUIRE(sa < sb);  // A (more leverage across both markets) goes first
  REQUIRE(sb < path->size());
  // A's first liquidation takes both its markets at once: cross margin is one pot.
  REQUIRE(r.liquidations.size() >= 3);
  CHECK(r.liquidations[0].account == w.a);
  CHECK(r.liquidations[0].market == 0);
  CHECK(r.liquidations[1].account == w.a);
  CHECK(r.liquidations[1].market == 1);
  CHECK(r.liquidations[0].step == sa);
  CHECK(r.liquidations[1].step == sa);
  CHECK(r.liquidations[0].partial);
  CHECK(r.liquidations[0].size_closed == iwad(25));
  CHECK(r.liquidations[0].price == (*path)[sa].prices[0]);
  CHECK(r.liquidations[1].price == (*path)[sa].prices[1]);
  // B's first comes after, at its own step.
  size_t first_b = r.liquidations.size();
  for (size_t i = 0; i < r.liquidations.size(); ++i)
    if (r.liquidations[i].account == w.b) {
      first_b = i;
      break;
    }
  REQUIRE(first_b < r.liquidations.size());
  CHECK(r.liquidations[first_b].step == sb);
  for (size_t i = 1; i < r.liquidations.size(); ++i) CHECK(r.liquidations[i].step >= r.liquidations[i - 1].step);

  // Losses: each account's equity before minus after, at the path's last prices.
  for (const auto& o : r.accounts) {
    CHECK(o.equity_before == account_equity(w.m, o.account, path->front().prices, kT0));
    CHECK(o.loss == o.equity_before - o.equity_after);
    CHECK(o.loss > I256{});
  }
  CHECK(r.loss == r.accounts[0].loss + r.accounts[1].loss);

  // Collateral to survive: re-run with it, the account is never liquidated; with one unit less, it is.
  const CascadeOptions o = options();
  for (const Address& x : {w.a, w.b}) {
    std::optional<U256> need;
    for (const auto& l : r.liquidations)
      if (l.account == x) need = l.collateral_to_survive;
    REQUIRE(need);
    REQUIRE(*need > U256{});
    CHECK(*need % o.collateral_unit == U256{});
    CascadeOptions plain = o;
    plain.collateral_search = false;
    const ExtraCollateral with{x, std::nullopt, *need};
    const ExtraCollateral less{x, std::nullopt, *need - o.collateral_unit};
    CHECK(survives(run_cascade(w.m, w.accounts, *path, plain, std::span(&with, 1)), x, std::nullopt));
    CHECK_FALSE(survives(run_cascade(w.m, w.accounts, *path, plain, std::span(&less, 1)), x, std::nullopt));
  }
  // Without the cascade at all (no liquidation), no collateral is asked for.
  Scenario calm;
  calm.moves = {-0.01, -0.01};
  calm.steps = 10;
  const auto calm_path = make_path(w.px, kT0, calm);
  REQUIRE(calm_path);
  CHECK(run_cascade(w.m, w.accounts, *calm_path, o).liquidations.empty());
  CHECK(collateral_to_survive(w.m, w.accounts, *calm_path, o, w.a, std::nullopt) == U256{});
}

TEST_CASE("an isolated position goes alone, its collateral is the position's margin", "[strategies][stress]") {
  venues::RefModel m = make_model();
  const Address a = addr(0xc3);
  fund(m, a, 50'000);
  const auto px = prices(3000, 65000);
  REQUIRE(m.set_isolated(a, 1, true));
  REQUIRE(m.transfer_margin(a, 1, iwad(8000), px, kT0));
  REQUIRE(m.trade(a, 1, iwad(1), px[1], px, kT0));
  REQUIRE(m.trade(a, 0, iwad(10), px[0], px, kT0));
  Scenario s;
  s.moves = {-0.05, -0.15};
  s.steps = 50;
  const std::vector<Address> accounts{a};
  const auto path = make_path(px, kT0, s);
  REQUIRE(path);
  const auto r = run_cascade(m, accounts, *path, options());
  REQUIRE_FALSE(r.liquidations.empty());
  for (const auto& l : r.liquidations) {
    CHECK(l.isolated);
    CHECK(l.market == 1);
  }
  CHECK(survives(r, a, std::nullopt));  // the cross account is untouched
  const U256 need = *r.liquidations[0].collateral_to_survive;
  CascadeOptions plain = options();
  plain.collateral_search = false;
  const ExtraCollateral with{a, 1, need}, less{a, 1, need - plain.collateral_unit};
  CHECK(survives(run_cascade(m, accounts, *path, plain, std::span(&with, 1)), a, 1));
  CHECK_FALSE(survives(run_cascade(m, accounts, *path, plain, std::span(&less, 1)), a, 1));
}

TEST_CASE("funding spikes and vanishing depth change the model, not time already past", "[strategies][stress]") {
  TwoAccounts w;
  Scenario f;
  f.funding = {1, 0};
  f.depth_divisor = 10;
  f.duration = 86400;
  const auto sm = scenario_model(w.m, w.accounts, w.px, kT0 + 600, f);
  CHECK(sm.market_params(0).skew_scale == wad(10'000));
  CHECK(sm.market(0).skew == iwad(20'000));
  CHECK(sm.funding_rate(0) == I256::from_u256(sm.market_params(0).max_funding_rate));
  CHECK(sm.funding_rate(1) == w.m.funding_rate(1) * I256{10});  // depth alone: 10x the rate
  // The 600 s before the scenario accrue at the old rate.
  CHECK(sm.market(0).funding_index == w.m.accrued_funding_index(0, w.px[0], kT0 + 600));
  CHECK(account_equity(sm, w.a, w.px, kT0 + 600) == account_equity(w.m, w.a, w.px, kT0 + 600));
  // A day at the cap: longs pay 10% of their notional's index value (flat prices).
  Scenario flat = f;
  flat.steps = 24;
  const auto path = make_path(w.px, kT0, flat);
  REQUIRE(path);
  const auto r = run_cascade(scenario_model(w.m, w.accounts, w.px, kT0, flat), w.accounts, *path, options());
  const auto& b = r.accounts[1];
  // B's 100 ETH at 3000: 30,000 USD of funding over the day, more than its margin over maintenance.
  CHECK(b.loss > iwad(15'000));
  bool b_liquidated = false;
  for (const auto& l : r.liquidations) b_liquidated |= l.account == w.b;
  CHECK(b_liquidated);
}

TEST_CASE("stress feeds the kill switch at two limits", "[strategies][stress][kill_switch]") {
  const StressLimits lim{wad(10'000), wad(50'000)};
  CHECK_FALSE(stress_state(iwad(10'000), lim));
  CHECK_FALSE(stress_state(iwad(-90'000), lim));
  CHECK(stress_state(iwad(10'000) + I256{1}, lim) == executor::TradingState::kReducing);
  CHECK(stress_state(iwad(50'001), lim) == executor::TradingState::kHalted);
  executor::KillSwitch ks;
  CHECK_FALSE(apply_stress(ks, iwad(5'000), lim, "crash", 1));
  CHECK(ks.state() == executor::TradingState::kActive);
  auto c = apply_stress(ks, iwad(20'000), lim, "crash", 2);
  REQUIRE(c);
  CHECK(c->to == executor::TradingState::kReducing);
  CHECK(c->cause == executor::TripCause::kStress);
  CHECK(c->detail.find("crash") != std::string::npos);
  CHECK(apply_stress(ks, iwad(60'000), lim, "crash", 3)->to == executor::TradingState::kHalted);
  CHECK_FALSE(apply_stress(ks, iwad(20'000), lim, "crash", 4));  // never relaxes by itself
  CHECK(ks.state() == executor::TradingState::kHalted);
}

TEST_CASE("the sample scenario file runs, a bad one names every bad field", "[strategies][stress][file]") {
  auto f = load_scenario_file(std::string(PERPX_SOURCE_DIR) + "/strategies/scenarios/crash.toml");
  INFO((f ? std::string() : f.error().front()));
  REQUIRE(f);
  REQUIRE(f->portfolio);
  std::vector<std::string> names;
  for (size_t m = 0; m < f->portfolio->model.market_count(); ++m) names.push_back(f->portfolio->model.market_params(m).name);
  auto sc = resolve_scenarios(*f, names);
  REQUIRE(sc);
  CHECK(sc->size() == f->scenarios.size());
  auto rep = run_stress(f->portfolio->model, f->portfolio->accounts, f->portfolio->prices, f->portfolio->now, *sc,
                        f->options);
  REQUIRE(rep);
  REQUIRE(rep->worst);
  CHECK(rep->worst_loss == rep->results[*rep->worst].cascade.loss);
  for (const auto& r : rep->results) CHECK(r.cascade.loss <= rep->worst_loss);

  const auto bad = parse_scenario_file(R"(
[portfolio]
time = "soon"
liquidation_reward = "0.01"
[[portfolio.markets]]
name = "ETH-PERP"
index = "-3000"
skew_scale = "100000"
im_fraction = "0.1"
mm_fraction = "0.05"
taker_fee = "0.0005"
max_funding_rate = "0.1"
[[portfolio.accounts]]
address = "0x12"
margin = "1000"
[[portfolio.accounts.positions]]
market = "SOL-PERP"
size = "1"
entry = "3000"
[[scenarios]]
name = "x"
gap = { "ETH-PERP" = -1.5 }
colour = "red"
)");
  REQUIRE_FALSE(bad);
  std::string all;
  for (const auto& e : bad.error()) all += e + "\n";
  INFO(all);
  for (const char* field : {"portfolio.time", "portfolio.markets[0].index", "portfolio.accounts[0].address",
                            "portfolio.accounts[0].positions[0].market", "scenarios[0].gap.ETH-PERP",
                            "scenarios[0].colour"})
    CHECK(all.find(field) != std::string::npos);
}
