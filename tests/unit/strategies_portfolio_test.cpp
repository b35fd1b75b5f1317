// The margin view: figures equal RefModel's and the venue's arithmetic done
// by hand; exact liquidation prices (liquidatable at the price, not one wei
// better); the account's uniform move; realised vol and sigma distance.
#include <catch2/catch.hpp>

#include <cmath>

#include "perpx/strategies/portfolio.hpp"
#include "strategies_world.hpp"

using namespace strategies_test;
using namespace perpx;
using strategies::Portfolio;

namespace {

// A: cross, 20,000 USD, 10 ETH long bought at 3000 (no fee: trade at a given fill, then the fee refunded by hand).
// B: isolated 1 BTC short on 8,000 of its margin, plus a cross 20 ETH short.
struct Book {
  venues::RefModel m = make_model();
  Address a = addr(0xa1), b = addr(0xb2);
  Book() {
    fund(m, a, 20'000);
    fund(m, b, 30'000);
    const auto px = prices(3000, 65000);
    REQUIRE(m.trade(a, 0, iwad(10), wad(3000), px, kT0));
    REQUIRE(m.set_isolated(b, 1, true));
    REQUIRE(m.transfer_margin(b, 1, iwad(8000), px, kT0));
    REQUIRE(m.trade(b, 1, iwad(-1), wad(65000), px, kT0));
    REQUIRE(m.trade(b, 0, iwad(-20), wad(3000), px, kT0));
  }
};

}  // namespace

TEST_CASE("portfolio figures are the model's, to the wei", "[strategies][portfolio]") {
  Book bk;
  const auto px = prices(2900, 66000);
  const Portfolio pf(bk.m, {bk.a, bk.b}, px, kT0);
  const auto va = pf.account(bk.a);
  CHECK(va.cross == bk.m.cross_figures(bk.a, px, kT0));
  // By hand: margin 20,000 - fee (10 * 3000 * 5 bps = 15) + 10 * (2900 - 3000); MM 10 * 2900 * 5%.
  CHECK(va.cross.equity == iwad(20'000 - 15 - 1000));
  CHECK(va.cross.maintenance_margin == wad(1450));
  CHECK(va.cross.initial_margin == wad(2900));
  CHECK(va.cross.margin_ratio == iwad(18'985) * kWadI / iwad(1450));
  CHECK(va.equity == va.cross.equity);
  REQUIRE(va.positions.size() == 1);
  CHECK(va.positions[0].figures == bk.m.position_figures(bk.a, 0, px, kT0));

  const auto vb = pf.account(bk.b);
  REQUIRE(vb.positions.size() == 2);
  CHECK(vb.positions[0].market == 0);
  CHECK_FALSE(vb.positions[0].isolated);
  CHECK(vb.positions[1].isolated);
  // Isolated BTC short: 8,000 - fee 32.5 + (-1) * (66000 - 65000).
  const auto iso = bk.m.isolated_figures(bk.b, 1, px[1], kT0);
  CHECK(iso.equity == iwad(8000 - 1000) - I256{32} * kWadI - kWadI / I256{2});
  CHECK(vb.equity == bk.m.cross_figures(bk.b, px, kT0).equity + iso.equity);
  CHECK(pf.total_equity() == va.equity + vb.equity);
}

TEST_CASE("liquidation prices are exact: liquidatable there, not one wei better", "[strategies][portfolio]") {
  Book bk;
  const auto px = prices(3000, 65000);
  const Portfolio pf(bk.m, {bk.a, bk.b}, px, kT0);
  const U256 one{1};

  // A's cross long.
  const auto la = pf.liquidation_price(bk.a, 0);
  REQUIRE(la);
  CHECK(*la < px[0]);
  auto at = [&](const U256& eth) { return std::vector<U256>{eth, px[1]}; };
  CHECK(bk.m.can_liquidate(bk.a, at(*la), kT0));
  CHECK_FALSE(bk.m.can_liquidate(bk.a, at(*la + one), kT0));
  // The venue's closed form rounds; it lands within a cent of the exact one.
  const U256 closed = bk.m.position_figures(bk.a, 0, px, kT0).liquidation_price;
  CHECK((closed > *la ? closed - *la : *la - closed) < U256{10'000'000'000'000'000ull});

  // B's isolated BTC short: the position's own rule.
  const auto lb = pf.liquidation_price(bk.b, 1);
  REQUIRE(lb);
  CHECK(*lb > px[1]);
  CHECK(bk.m.can_liquidate_position(bk.b, 1, *lb, kT0));
  CHECK_FALSE(bk.m.can_liquidate_position(bk.b, 1, *lb - one, kT0));
  // B's cross ETH short.
  const auto lc = pf.liquidation_price(bk.b, 0);
  REQUIRE(lc);
  CHECK(bk.m.can_liquidate(bk.b, at(*lc), kT0));
  CHECK_FALSE(bk.m.can_liquidate(bk.b, at(*lc - one), kT0));

  // The view carries them, with the distance in price and in sigma.
  Portfolio pv(bk.m, {bk.a, bk.b}, px, kT0);
  pv.set_vol(0, 0.05);
  const auto va = pv.account(bk.a);
  REQUIRE(va.positions[0].liquidation_price == la);
  CHECK(va.positions[0].distance_price == px[0] - *la);
  REQUIRE(va.positions[0].distance_sigma);
  CHECK(*va.positions[0].distance_sigma ==
        Approx(std::fabs(std::log(strategies::to_double(*la) / 3000.0)) / 0.05).epsilon(1e-12));
  CHECK_FALSE(pv.account(bk.b).positions[1].distance_sigma);  // no vol given for BTC

  // An account that no price liquidates: a long fully paid for (margin above its notional).
  venues::RefModel m = make_model();
  const Address rich = addr(0xc3);
  fund(m, rich, 100'000);
  REQUIRE(m.trade(rich, 0, iwad(10), wad(3000), px, kT0));
  CHECK_FALSE(Portfolio(m, {rich}, px, kT0).liquidation_price(rich, 0));
  CHECK_FALSE(Portfolio(m, {rich}, px, kT0).account(rich).move_down);
}

TEST_CASE("the account's uniform move to liquidation", "[strategies][portfolio]") {
  venues::RefModel m = make_model();
  const Address a = addr(0xd4);
  fund(m, a, 20'000);
  const auto px = prices(3000, 65000);
  REQUIRE(m.trade(a, 0, iwad(20), wad(3000), px, kT0));
  REQUIRE(m.trade(a, 1, iwad(1), wad(65000), px, kT0));
  const auto v = Portfolio(m, {a}, px, kT0).account(a);
  REQUIRE(v.move_down);
  CHECK(v.move_down->negative());
  auto moved = [&](const I256& x) {
    std::vector<U256> p;
    for (const auto& q : px) p.push_back((I256::from_u256(q) * (kWadI + x) / kWadI).as_u256());
    return p;
  };
  CHECK(m.can_liquidate(a, moved(*v.move_down), kT0));
  CHECK_FALSE(m.can_liquidate(a, moved(*v.move_down + I256{1}), kT0));
  CHECK_FALSE(v.move_up);  // longs only: no rise liquidates it
}

TEST_CASE("realised volatility of a price series", "[strategies][portfolio]") {
  const std::vector<double> s = {100, 110, 99, 108.9};
  const double r1 = std::log(1.1), r2 = std::log(0.9);
  const double mean = (2 * r1 + r2) / 3;
  const double sd = std::sqrt((2 * (r1 - mean) * (r1 - mean) + (r2 - mean) * (r2 - mean)) / 2);
  REQUIRE(strategies::realised_vol(s));
  CHECK(*strategies::realised_vol(s) == Approx(sd).epsilon(1e-12));
  const std::vector<U256> w = {wad(100), wad(110), wad(99), U256{1089} * U256{100'000'000'000'000'000ull}};
  CHECK(*strategies::realised_vol(w) == Approx(sd).epsilon(1e-12));
  CHECK_FALSE(strategies::realised_vol(std::vector<double>{100, 101}));
  CHECK_FALSE(strategies::realised_vol(std::vector<double>{100, 0, 101}));
}
