// FundingCarry: opens long spot + short perp when the expected funding edge
// (from the funding history's mean, volatility and persistence) clears the
// threshold; exits when funding flips or the basis widens; fences the legs
// together (a failed leg unwinds the filled one).
#include <catch2/catch.hpp>

#include <cmath>

#include "perpx/strategies/carry.hpp"
#include "perpx/strategies/impact.hpp"
#include "strategies_book.hpp"

using namespace strategies_test;
using namespace perpx;
using executor::Side;
using executor::Urgency;
using strategies::CarryConfig;
using strategies::CarryState;
using strategies::FundingCarry;

namespace {

// A daily rate as 1e18 fixed point (1e-4 steps).
I256 rate(double per_day) {
  const auto bp = static_cast<int64_t>(std::llround(per_day * 1e4));
  return I256{bp} * kWadI / I256{10'000};
}
strategies::FundingEvent funding(double per_day, uint64_t t_s) {
  return strategies::FundingEvent{"ETH-PERP", rate(per_day), kT0us + t_s * kUs};
}
strategies::SpotEvent spot(double usd, uint64_t t_s) { return strategies::SpotEvent{"WETH/USD", px(usd), kT0us + t_s * kUs}; }

// Prices, then `n` hourly funding rates; the decisions of the last event.
std::vector<strategies::Decision> warm(FundingCarry& c, double per_day, int n, double mark = 3000, double spot_px = 3000) {
  REQUIRE(c.on_event(spot(spot_px, 0)).empty());
  REQUIRE(c.on_event(price(mark, 0)).empty());
  std::vector<strategies::Decision> last;
  for (int i = 0; i < n; ++i) {
    last = c.on_event(funding(per_day, static_cast<uint64_t>(i + 1) * 3600));
    if (i + 1 < n) REQUIRE(last.empty());
  }
  return last;
}

// Opens a carry and fills both legs.
std::vector<strategies::Decision> open(FundingCarry& c) {
  auto d = warm(c, 0.002, static_cast<int>(c.config().min_history));
  REQUIRE(d.size() == 2);
  REQUIRE(c.on_event(fill_of(d[0].order, 30'000, px(3000))).empty());
  REQUIRE(c.on_event(fill_of(d[1].order, 30'000, px(3000))).empty());
  REQUIRE(c.state() == CarryState::kOpen);
  return d;
}

}  // namespace

TEST_CASE("carry: opens both legs when the funding edge clears the threshold", "[strategies][carry]") {
  CarryConfig cfg;
  FundingCarry c(cfg, make_book(100'000));
  // 0.2%/day, steady: edge = 30,000 * 7 * 0.002 - fees 240 - gas 20 - borrow.
  const auto d = warm(c, 0.002, static_cast<int>(cfg.min_history));
  const auto e = c.estimate();
  CHECK(e.samples == cfg.min_history);
  CHECK(e.persistence == 1.0);
  CHECK(e.mean == Approx(0.002));
  const double notional = 10 * 3000.0;
  CHECK(e.edge_usd == Approx(notional * cfg.holding_days * (0.002 - cfg.borrow_rate_per_day) -
                             notional * cfg.round_trip_fee_bps / 1e4 - cfg.gas_usd));
  REQUIRE(e.edge_usd >= cfg.threshold_usd);
  REQUIRE(d.size() == 2);
  const auto& s = d[0].order;
  const auto& p = d[1].order;
  CHECK(s.venue == "uniswap-v3");
  CHECK(s.market == "WETH/USD");
  CHECK(s.side == Side::kBuy);
  CHECK(s.size == cfg.size);
  CHECK(s.limit_price == strategies::budget_price(px(3000), Side::kBuy, cfg.leg_slippage_bps));
  CHECK(p.venue == "ref");
  CHECK(p.market == "ETH-PERP");
  CHECK(p.side == Side::kSell);
  CHECK(p.size == cfg.size);
  CHECK(s.client_id == "carry-1-spot");
  CHECK(p.client_id == "carry-1-perp");
  CHECK(c.state() == CarryState::kOpening);
  // More funding while opening sends nothing more.
  CHECK(c.on_event(funding(0.002, 99'000)).empty());
}

TEST_CASE("carry: stays flat when the edge does not pay for the trade", "[strategies][carry]") {
  CarryConfig cfg;
  SECTION("too little history") {
    FundingCarry c(cfg, make_book(100'000));
    CHECK(warm(c, 0.002, static_cast<int>(cfg.min_history) - 1).empty());
    CHECK(c.state() == CarryState::kFlat);
  }
  SECTION("funding too small for fees and gas") {
    FundingCarry c(cfg, make_book(100'000));
    CHECK(warm(c, 0.0012, 12).empty());
    CHECK(c.estimate().edge_usd < cfg.threshold_usd);
  }
  SECTION("funding that is not persistent") {
    FundingCarry c(cfg, make_book(100'000));
    REQUIRE(c.on_event(spot(3000, 0)).empty());
    REQUIRE(c.on_event(price(3000, 0)).empty());
    // Mean 0.002 but flipping: the persistence and the volatility haircut kill the edge.
    for (int i = 0; i < 12; ++i) CHECK(c.on_event(funding(i % 2 ? 0.006 : -0.002, (i + 1) * 3600ull)).empty());
    const auto e = c.estimate();
    CHECK(e.mean == Approx(0.002));
    CHECK(e.persistence == Approx(0.5));
    CHECK(e.stdev > 0.003);
    CHECK(e.edge_usd < cfg.threshold_usd);
    CHECK(c.state() == CarryState::kFlat);
  }
  SECTION("basis too wide") {
    FundingCarry c(cfg, make_book(100'000));
    CHECK(warm(c, 0.002, static_cast<int>(cfg.min_history), 3000 * (1 + (cfg.basis_limit_bps + 10) / 1e4)).empty());
    CHECK(c.estimate().edge_usd >= cfg.threshold_usd);
  }
}

TEST_CASE("carry: exits both legs when funding flips or the basis widens", "[strategies][carry]") {
  CarryConfig cfg;
  SECTION("funding flips") {
    FundingCarry c(cfg, make_book(100'000));
    open(c);
    CHECK(c.perp_position() == -I256::from_u256(cfg.size));
    CHECK(c.spot_position() == I256::from_u256(cfg.size));
    CHECK(c.on_event(funding(0.001, 40'000)).empty());  // still positive: hold
    const auto d = c.on_event(funding(-0.0005, 43'600));
    REQUIRE(d.size() == 2);
    CHECK(c.state() == CarryState::kClosing);
    CHECK(d[0].order.market == "WETH/USD");
    CHECK(d[0].order.side == Side::kSell);
    CHECK(d[0].order.reduce_only);
    CHECK(d[0].order.size == cfg.size);
    CHECK(d[1].order.market == "ETH-PERP");
    CHECK(d[1].order.side == Side::kBuy);
    CHECK(d[1].order.reduce_only);
    CHECK(d[1].order.client_id == "carry-2-perp");
    CHECK(c.on_event(fill_of(d[0].order, 43'700, px(3000))).empty());
    CHECK(c.on_event(fill_of(d[1].order, 43'700, px(3000))).empty());
    CHECK(c.state() == CarryState::kFlat);
    CHECK(c.spot_position().is_zero());
    CHECK(c.perp_position().is_zero());
  }
  SECTION("basis widens past the limit") {
    FundingCarry c(cfg, make_book(100'000));
    open(c);
    CHECK(c.on_event(price(3000 * (1 + (cfg.basis_limit_bps - 10) / 1e4), 40'000)).empty());
    const auto d = c.on_event(price(3000 * (1 + (cfg.basis_limit_bps + 10) / 1e4), 40'001));
    REQUIRE(d.size() == 2);
    CHECK(c.state() == CarryState::kClosing);
    CHECK(d[0].why.find("basis") != std::string::npos);
  }
  SECTION("a closing leg that fails goes again until it fills") {
    FundingCarry c(cfg, make_book(100'000));
    open(c);
    const auto d = c.on_event(funding(-0.001, 43'600));
    REQUIRE(d.size() == 2);
    CHECK(c.on_event(fill_of(d[0].order, 43'700, px(3000))).empty());
    const auto again = c.on_event(failed(d[1].order, 43'701));
    REQUIRE(again.size() == 1);
    CHECK(again[0].order.market == "ETH-PERP");
    CHECK(again[0].order.side == Side::kBuy);
    CHECK(again[0].order.client_id == "carry-3-perp");
    CHECK(c.state() == CarryState::kClosing);
  }
}

TEST_CASE("carry: a failed leg unwinds the other, never leaving one side", "[strategies][carry]") {
  CarryConfig cfg;
  SECTION("perp fails after the spot filled: the spot is sold back, urgently") {
    FundingCarry c(cfg, make_book(100'000));
    const auto d = warm(c, 0.002, static_cast<int>(cfg.min_history));
    REQUIRE(d.size() == 2);
    CHECK(c.on_event(fill_of(d[0].order, 30'000, px(3000))).empty());
    const auto u = c.on_event(failed(d[1].order, 30'001));
    REQUIRE(u.size() == 1);
    CHECK(c.state() == CarryState::kUnwinding);
    CHECK(u[0].order.market == "WETH/USD");
    CHECK(u[0].order.side == Side::kSell);
    CHECK(u[0].order.size == cfg.size);
    CHECK(u[0].order.reduce_only);
    CHECK(u[0].order.urgency == Urgency::kUrgent);
    CHECK(c.on_event(fill_of(u[0].order, 30'002, px(2990))).empty());
    CHECK(c.state() == CarryState::kFlat);
    CHECK(c.spot_position().is_zero());
  }
  SECTION("spot fails first, the perp fills later: the perp is bought back") {
    FundingCarry c(cfg, make_book(100'000));
    const auto d = warm(c, 0.002, static_cast<int>(cfg.min_history));
    REQUIRE(d.size() == 2);
    CHECK(c.on_event(failed(d[0].order, 30'000)).empty());  // waits for the other leg
    const auto u = c.on_event(fill_of(d[1].order, 30'001, px(3000)));
    REQUIRE(u.size() == 1);
    CHECK(u[0].order.market == "ETH-PERP");
    CHECK(u[0].order.side == Side::kBuy);
    CHECK(u[0].order.reduce_only);
  }
  SECTION("both fail: flat, nothing to unwind, and it opens again after the cooldown") {
    FundingCarry c(cfg, make_book(100'000));
    const auto d = warm(c, 0.002, static_cast<int>(cfg.min_history));
    REQUIRE(d.size() == 2);
    CHECK(c.on_event(failed(d[0].order, 30'000)).empty());
    CHECK(c.on_event(failed(d[1].order, 30'001)).empty());
    CHECK(c.state() == CarryState::kFlat);
    const uint64_t cooldown_s = cfg.cooldown_us / kUs;
    CHECK(c.on_event(funding(0.002, 30'001 + cooldown_s - 1)).empty());  // still cooling down
    const auto again = c.on_event(funding(0.002, 30'001 + cooldown_s));
    REQUIRE(again.size() == 2);
    CHECK(again[0].order.client_id == "carry-2-spot");
  }
}
