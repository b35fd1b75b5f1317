// DeltaHedger: the band, hedge size from realised vol and from depth (the
// venue's impact at the slippage budget), urgency from the speed of the move
// and from the distance to liquidation, and idempotent legs (a failed hedge
// is retried under a new id, never doubled).
#include <catch2/catch.hpp>

#include <cmath>

#include "perpx/strategies/hedger.hpp"
#include "perpx/strategies/impact.hpp"
#include "perpx/strategies/portfolio.hpp"
#include "strategies_book.hpp"

using namespace strategies_test;
using namespace perpx;
using executor::Path;
using executor::Side;
using executor::Urgency;
using strategies::DeltaHedger;
using strategies::HedgerConfig;

namespace {

// Another strategy's spot fill: the book's delta moves by `weth` (WETH/USD counts as delta).
strategies::FillEvent spot_fill(int64_t weth, uint64_t t_s) {
  return strategies::FillEvent{"carry-1-spot", "WETH/USD", iwad(weth), wad(3000), kT0us + t_s * kUs};
}

std::vector<strategies::Decision> feed(DeltaHedger& h, const strategies::Event& e) { return h.on_event(e); }

}  // namespace

TEST_CASE("hedger: nothing inside the band, one hedge outside it", "[strategies][hedger]") {
  HedgerConfig cfg;
  {
    DeltaHedger h(cfg, make_book(100'000, 0, 0));
    CHECK(feed(h, price(3000, 0)).empty());
    CHECK(feed(h, spot_fill(1, 1)).empty());  // delta 1 = band: inside
    CHECK(h.delta() == iwad(1));
    CHECK(feed(h, price(3000, 2)).empty());
  }
  DeltaHedger h(cfg, make_book(100'000, 0, 10));
  CHECK(h.delta() == iwad(10));
  const auto d = feed(h, price(3000, 0));
  REQUIRE(d.size() == 1);
  const auto& o = d[0].order;
  CHECK(o.side == Side::kSell);
  CHECK(o.venue == "ref");
  CHECK(o.market == "ETH-PERP");
  CHECK(o.client_id == "hedger-1");
  CHECK(o.strategy == "hedger");
  CHECK(o.tif == executor::TimeInForce::kIoc);
  // No vol yet: the residual is the whole band.
  CHECK(o.size == iwad(10).as_u256() - cfg.band);
  CHECK(o.limit_price == strategies::budget_price(px(3000), Side::kSell, cfg.slippage_budget_bps));
  CHECK(o.urgency == Urgency::kNormal);
  CHECK(o.path == Path::kBatch);
}

TEST_CASE("hedger: a volatile market is hedged closer to flat", "[strategies][hedger]") {
  HedgerConfig cfg;
  auto run = [&](double amplitude) {
    DeltaHedger h(cfg, make_book(100'000));
    for (uint64_t i = 0; i < 21; ++i) REQUIRE(feed(h, price(3000 * (1 + (i % 2 ? amplitude : -amplitude)), i * 60)).empty());
    REQUIRE(feed(h, spot_fill(10, 21 * 60)).empty());
    auto d = feed(h, price(3000, 22 * 60));
    REQUIRE(d.size() == 1);
    REQUIRE(h.vol());
    return std::pair{d[0].order, *h.vol()};
  };
  const auto [calm, calm_vol] = run(0.00002);
  const auto [wild, wild_vol] = run(0.005);
  REQUIRE(calm_vol < cfg.vol_ref);
  REQUIRE(wild_vol > cfg.vol_ref);
  CHECK(calm.size == wad(10) - cfg.band);  // calm: back to the band's edge
  CHECK(wild.size > calm.size);            // volatile: the residual shrinks by vol_ref / vol
  CHECK(strategies::to_double(wild.size) == Approx(10 - strategies::to_double(cfg.band) * cfg.vol_ref / wild_vol).margin(0.001));
  CHECK(wild.size < wad(10));
  // Both slow (oscillation over minutes): normal urgency.
  CHECK(calm.urgency == Urgency::kNormal);
  CHECK(wild.urgency == Urgency::kNormal);
}

TEST_CASE("hedger: depth caps a hedge at the slippage budget, by the venue's impact", "[strategies][hedger]") {
  HedgerConfig cfg;
  cfg.max_hedge = wad(5000);
  const auto book = make_book(10'000'000, 0, 1000);
  DeltaHedger h(cfg, book);
  const auto d = feed(h, price(3000, 0));
  REQUIRE(d.size() == 1);
  const auto& o = d[0].order;
  const auto& model = book.model;
  const I256 skew = model.market(0).skew;
  CHECK(o.size < wad(999));  // the band asked for 999, depth allows less
  // The whole hedge fills within the budget; one step more does not.
  const auto fill = model.impact_price(0, px(3000), skew, -I256::from_u256(o.size));
  REQUIRE(fill);
  CHECK(*fill >= o.limit_price);
  CHECK(o.limit_price == px(3000) * U256{10'000 - cfg.slippage_budget_bps} / U256{10'000});
  const auto more = model.impact_price(0, px(3000), skew, -I256::from_u256(o.size + cfg.size_step));
  REQUIRE(more);
  CHECK(*more < o.limit_price);
}

TEST_CASE("hedger: a fast move is urgent on the private path, a slow drift normal in a batch", "[strategies][hedger]") {
  HedgerConfig cfg;
  SECTION("fast: -3% in one second") {
    DeltaHedger h(cfg, make_book(100'000));
    for (uint64_t t = 0; t < 10; ++t) REQUIRE(feed(h, price(3000, t)).empty());
    REQUIRE(feed(h, spot_fill(10, 9)).empty());
    const auto d = feed(h, price(2910, 10));
    REQUIRE(d.size() == 1);
    CHECK(h.speed_bps_per_s() >= cfg.fast_bps_per_s);
    CHECK(d[0].order.urgency == Urgency::kUrgent);
    CHECK(d[0].order.path == Path::kPrivate);
  }
  SECTION("fast with commit-reveal as the urgent path") {
    cfg.urgent_path = Path::kCommitReveal;
    DeltaHedger h(cfg, make_book(100'000));
    REQUIRE(feed(h, price(3000, 0)).empty());
    REQUIRE(feed(h, spot_fill(10, 0)).empty());
    const auto d = feed(h, price(2910, 1));
    REQUIRE(d.size() == 1);
    CHECK(d[0].order.urgency == Urgency::kUrgent);
    CHECK(d[0].order.path == Path::kCommitReveal);
  }
  SECTION("slow: -3% over twenty minutes") {
    DeltaHedger h(cfg, make_book(100'000));
    for (uint64_t i = 0; i <= 20; ++i) REQUIRE(feed(h, price(3000 - 4.5 * static_cast<double>(i), i * 60)).empty());
    REQUIRE(feed(h, spot_fill(10, 20 * 60)).empty());
    const auto d = feed(h, price(2910, 21 * 60));
    REQUIRE(d.size() == 1);
    CHECK(h.speed_bps_per_s() < cfg.fast_bps_per_s);
    CHECK(d[0].order.urgency == Urgency::kNormal);
    CHECK(d[0].order.path == Path::kBatch);
  }
}

TEST_CASE("hedger: urgency rises as liquidation comes within a few sigma", "[strategies][hedger]") {
  HedgerConfig cfg;
  // Long 10 ETH-PERP hedged by 10 WETH short spot: delta 0 until the spot short is bought back.
  auto run = [&](uint64_t margin) {
    DeltaHedger h(cfg, make_book(margin, 10, -10));
    REQUIRE(h.delta().is_zero());
    // Slow oscillation, +-0.75% a minute: vol about 1.5% per sample, speed a few bps/s.
    for (uint64_t i = 0; i < 21; ++i) REQUIRE(feed(h, price(3000 * (1 + (i % 2 ? 0.0075 : -0.0075)), i * 60)).empty());
    REQUIRE(feed(h, spot_fill(10, 21 * 60)).empty());
    auto d = feed(h, price(3000, 22 * 60));
    REQUIRE(d.size() == 1);
    REQUIRE(h.speed_bps_per_s() < cfg.fast_bps_per_s);
    return std::pair{d[0].order, h.liquidation_sigma()};
  };
  const auto [near, near_sigma] = run(3600);   // liquidation near 2780: about 5 sigma
  const auto [far, far_sigma] = run(30'000);   // far below
  REQUIRE(near_sigma);
  CHECK(*near_sigma < cfg.urgent_sigma);
  CHECK(*near_sigma > cfg.critical_sigma);
  CHECK(near.urgency == Urgency::kUrgent);
  CHECK(near.path == Path::kPrivate);
  CHECK((!far_sigma || *far_sigma > cfg.urgent_sigma));
  CHECK(far.urgency == Urgency::kNormal);
  // The sigma distance is the portfolio view's.
  auto book = make_book(3600, 10, -10);
  strategies::Portfolio pf(book.model, {book.account}, prices(3000, 65'000), kT0 + 22 * 60);
  const auto liq = pf.liquidation_price(book.account, 0);
  REQUIRE(liq);
  CHECK(*liq > wad(2700));
  CHECK(*liq < wad(2850));
}

TEST_CASE("hedger: a failed hedge is retried under a new id, never doubled", "[strategies][hedger]") {
  HedgerConfig cfg;
  DeltaHedger h(cfg, make_book(100'000, 0, 10));
  auto d = feed(h, price(3000, 0));
  REQUIRE(d.size() == 1);
  const auto first = d[0].order;
  CHECK(first.client_id == "hedger-1");
  // In flight: more prices, even a faster move, send nothing more.
  CHECK(feed(h, price(2990, 1)).empty());
  CHECK(feed(h, price(2900, 2)).empty());
  REQUIRE(h.in_flight());
  // Someone else's failure is not ours.
  CHECK(feed(h, strategies::OrderFailedEvent{"carry-1-perp", "x", kT0us + 3 * kUs}).empty());
  // Ours fails: one retry, same sequence, "-r1".
  d = feed(h, failed(first, 3));
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.client_id == "hedger-1-r1");
  CHECK(d[0].order.side == first.side);
  CHECK(h.delta() == iwad(10));  // nothing filled: sized again for the whole delta
  CHECK(feed(h, price(2900, 4)).empty());
  d = feed(h, failed(d[0].order, 5));
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.client_id == "hedger-1-r2");
  // The last retry fails: dropped; the next price starts sequence 2.
  CHECK(feed(h, failed(d[0].order, 6)).empty());
  CHECK_FALSE(h.in_flight());
  d = feed(h, price(2900, 7));
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.client_id == "hedger-2");
  // It fills: delta is back inside the band and nothing more is sent.
  const auto hedge = d[0].order;
  CHECK(feed(h, fill_of(hedge, 8, px(2900))).empty());
  CHECK(h.delta() == iwad(10) - I256::from_u256(hedge.size));
  CHECK(h.delta().abs() <= cfg.band);
  CHECK(feed(h, price(2900, 9)).empty());
  // The fill moved the model too (position and skew): the venue's view.
  CHECK(h.model().market(0).skew == -I256::from_u256(hedge.size));
  // A late fill of a given-up id still counts, and the next price unwinds the overshoot (a buy).
  CHECK(feed(h, fill_of(first, 10, px(2900))).empty());
  d = feed(h, price(2900, 11));
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.side == Side::kBuy);
  CHECK(d[0].order.client_id == "hedger-3");
}
