// Slicer: TWAP and VWAP schedules on timers, limit children at the budget's
// price, and a worst-case slippage budget: each child's whole fill price
// (RefModel::impact_price for the whole child at the skew after every child
// of ours) stays inside the budget, and one step more would not.
#include <catch2/catch.hpp>

#include "perpx/strategies/impact.hpp"
#include "perpx/strategies/slicer.hpp"
#include "strategies_book.hpp"

using namespace strategies_test;
using namespace perpx;
using executor::Side;
using strategies::SliceMode;
using strategies::Slicer;
using strategies::SlicerConfig;

namespace {

SlicerConfig config(uint64_t size, uint32_t slices, uint32_t budget_bps = 20) {
  SlicerConfig c;
  c.parent.venue = "ref";
  c.parent.market = "ETH-PERP";
  c.parent.side = Side::kBuy;
  c.parent.size = wad(size);
  c.parent.limit_price = wad(3100);
  c.parent.strategy = "manual";
  c.parent.client_id = "parent-1";
  c.start_us = kT0us;
  c.interval_us = 60 * kUs;
  c.slices = slices;
  c.budget_bps = budget_bps;
  return c;
}
strategies::TimerEvent timer(uint64_t t_s) { return strategies::TimerEvent{kT0us + t_s * kUs}; }

}  // namespace

TEST_CASE("slicer: TWAP children on timers, equal shares, limit at the budget", "[strategies][slicer]") {
  const auto cfg = config(100, 4);
  Slicer s(cfg, make_book(1'000'000));
  CHECK(s.on_event(timer(0)).empty());  // no price yet: no arrival to budget against
  REQUIRE(s.on_event(price(3000, 0)).empty());
  for (uint32_t i = 0; i < 4; ++i) {
    const auto d = s.on_event(timer(i * 60));
    REQUIRE(d.size() == 1);
    const auto& o = d[0].order;
    CHECK(o.size == wad(25));
    CHECK(o.client_id == "slicer-" + std::to_string(i));
    CHECK(o.limit_price == strategies::budget_price(px(3000), Side::kBuy, cfg.budget_bps));
    CHECK(o.market == "ETH-PERP");
    CHECK(o.side == Side::kBuy);
    CHECK(s.on_event(timer(i * 60 + 30)).empty());  // one in flight: nothing more
    CHECK(s.on_event(fill_of(o, i * 60 + 31, o.limit_price)).empty());
    CHECK(s.on_event(timer(i * 60 + 32)).empty());  // the slice's share is done
  }
  CHECK(s.done());
  CHECK(s.filled() == wad(100));
}

TEST_CASE("slicer: VWAP follows the volume profile, a failed child's quantity rolls over", "[strategies][slicer]") {
  auto cfg = config(100, 3);
  cfg.mode = SliceMode::kVwap;
  cfg.weights = {1, 3, 1};
  Slicer s(cfg, make_book(1'000'000));
  REQUIRE(s.on_event(price(3000, 0)).empty());
  CHECK(s.scheduled(0) == wad(20));
  CHECK(s.scheduled(1) == wad(80));
  CHECK(s.scheduled(2) == wad(100));
  auto d = s.on_event(timer(0));
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.size == wad(20));
  CHECK(s.on_event(failed(d[0].order, 1)).empty());
  d = s.on_event(timer(2));  // same slice: sent again under a new id
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.client_id == "slicer-0-r1");
  CHECK(d[0].order.size == wad(20));
  CHECK(s.on_event(failed(d[0].order, 3)).empty());
  d = s.on_event(timer(60));  // next slice: its share plus the failed one
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.client_id == "slicer-1");
  CHECK(d[0].order.size == wad(80));
}

TEST_CASE("slicer: the budget is worst-case, the whole child's fill at the skew after ours", "[strategies][slicer]") {
  // 1000 ETH against a 100k skew scale at 20 bps: a whole order of s from skew k fills
  // at index * (1 + (2k + s) / 200k); the budget allows (2k + s) <= 400.
  const auto cfg = config(1000, 2);
  const auto book = make_book(10'000'000);
  const auto& model = book.model;
  Slicer s(cfg, book);
  REQUIRE(s.on_event(price(3000, 0)).empty());
  const U256 limit = strategies::budget_price(px(3000), Side::kBuy, cfg.budget_bps);

  auto d = s.on_event(timer(0));
  REQUIRE(d.size() == 1);
  const auto first = d[0].order;
  CHECK(first.size < wad(500));  // the schedule asked for 500
  CHECK(first.limit_price == limit);
  const I256 k0 = model.market(0).skew;
  const auto fill = model.impact_price(0, px(3000), k0, I256::from_u256(first.size));
  REQUIRE(fill);
  CHECK(*fill <= limit);
  const auto over = model.impact_price(0, px(3000), k0, I256::from_u256(first.size + cfg.size_step));
  REQUIRE(over);
  CHECK(*over > limit);
  // In flight counts as done for the next budget (it pushes skew our way).
  CHECK(s.worst_skew() == k0 + I256::from_u256(first.size));

  // The venue fills it at the model's price; the next child is budgeted at the new skew.
  venues::RefModel venue = model;
  const auto filled = venue.place_order(book.account, 0, I256::from_u256(first.size), first.limit_price, kT0 + 100,
                                        book.prices, kT0);
  REQUIRE(filled);
  CHECK(filled->price == *fill);
  CHECK(s.on_event(fill_of(first, 1, filled->price)).empty());

  // Slice 2 wants the remaining 600: at the worst skew nothing fits the budget,
  // though at the snapshot's skew (an average-minded budget) a child would.
  CHECK(s.worst_skew() == venue.market(0).skew);
  CHECK(s.on_event(timer(60)).empty());
  CHECK(strategies::max_size_within_limit(model, 0, px(3000), k0, Side::kBuy, wad(600), limit, cfg.size_step));
  CHECK_FALSE(strategies::max_size_within_limit(model, 0, px(3000), s.worst_skew(), Side::kBuy, wad(600), limit,
                                                cfg.size_step));

  // The index falls back: the child at the worst skew fits again, and its whole fill is inside the limit.
  REQUIRE(s.on_event(price(2990, 90)).empty());
  d = s.on_event(timer(120));
  REQUIRE(d.size() == 1);
  const auto second = d[0].order;
  CHECK(second.limit_price == limit);  // still the arrival's budget
  const auto fill2 = venue.impact_price(0, px(2990), venue.market(0).skew, I256::from_u256(second.size));
  REQUIRE(fill2);
  CHECK(*fill2 <= limit);
  const auto over2 = venue.impact_price(0, px(2990), venue.market(0).skew, I256::from_u256(second.size + cfg.size_step));
  REQUIRE(over2);
  CHECK(*over2 > limit);
}

TEST_CASE("slicer: a sell parent, marketable children without the limit", "[strategies][slicer]") {
  auto cfg = config(10, 2);
  cfg.parent.side = Side::kSell;
  cfg.parent.limit_price = wad(2900);
  cfg.limit = false;
  Slicer s(cfg, make_book(1'000'000));
  REQUIRE(s.on_event(price(3000, 0)).empty());
  const auto d = s.on_event(timer(0));
  REQUIRE(d.size() == 1);
  CHECK(d[0].order.side == Side::kSell);
  CHECK(d[0].order.size == wad(5));
  CHECK(d[0].order.limit_price == wad(2900));
}
