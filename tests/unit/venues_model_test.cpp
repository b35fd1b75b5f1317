// perpx::venues pure parts: I256 (Solidity int256 semantics), the oracle
// adapter's rule, and RefModel's formulas and operations on hand-worked
// examples. The model's agreement with the contract itself is the
// differential integration test (venues_differential_test.cpp).
#include <catch2/catch.hpp>

#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/venues/ref_model.hpp"
#include "perpx/venues/ref_venue.hpp"

using namespace perpx;
using namespace perpx::venues;

namespace {

I256 wad(int64_t whole) { return I256{whole} * kWadI; }
U256 uwad(uint64_t whole) { return U256{whole} * kWad; }

RefModel make_model() {
  MarketParams eth{"ETH-PERP", uwad(100'000), U256{100'000'000'000'000'000ull}, U256{50'000'000'000'000'000ull},
                   U256{500'000'000'000'000ull}, U256{100'000'000'000'000'000ull}};
  VenueParams vp{U256{10'000'000'000'000'000ull}, 1, 20, 5};
  return RefModel(vp, {eth}, 1000);
}

const Address kAlice = *core::parse_address("0x00000000000000000000000000000000000a11ce");
const Address kKeeper = *core::parse_address("0x000000000000000000000000000000000000beef");

}  // namespace

TEST_CASE("I256 follows Solidity int256", "[venues][fixed]") {
  CHECK(to_decimal(I256{-7}) == "-7");
  CHECK(to_decimal(I256{-7} / I256{2}) == "-3");  // toward zero
  CHECK(to_decimal(I256{7} / I256{-2}) == "-3");
  CHECK(to_decimal(I256{-7} / I256{-2}) == "3");
  CHECK(to_decimal(I256{-3} * I256{4}) == "-12");
  CHECK(to_decimal(I256{-3} - I256{4}) == "-7");
  CHECK(to_decimal(-I256{5}) == "-5");
  CHECK(I256{-1} < I256{0});
  CHECK(I256{-2} < I256{-1});
  CHECK(I256{1} > I256{-100});
  CHECK(I256::max() > wad(1'000'000));
  CHECK(I256{-5}.abs() == U256{5});
  CHECK(*parse_i256(core::Json("-123")) == I256{-123});
  CHECK(*parse_i256(core::Json("0x10")) == I256{16});
  CHECK_FALSE(parse_i256(core::Json("57896044618658097711785492504343953926634992332820282019728792003956564819968")));
  CHECK(*parse_i256(core::Json("-57896044618658097711785492504343953926634992332820282019728792003956564819968")) ==
        -I256::max() - I256{1});
  CHECK(wad_to_string(I256{-1500} * I256{1'000'000'000'000'000ll}) == "-1.5");
  CHECK(wad_to_string(U256{1}) == "0.000000000000000001");
  CHECK(wad_to_string(uwad(3000)) == "3000");
}

TEST_CASE("oracle index: median of two fresh sources, the fresh one, or a named refusal", "[venues][oracle]") {
  const U256 dev{100};
  CHECK(*oracle_index({uwad(3000), true, uwad(3001), true, dev}) == uwad(3000) + kWad / U256{2});
  CHECK(*oracle_index({uwad(3000), true, uwad(3030), true, dev}) == uwad(3015));  // exactly 1%: allowed
  CHECK(oracle_index({uwad(3000), true, uwad(3030) + U256{1}, true, dev}).error() == VenueErrc::kOracleDeviation);
  CHECK(*oracle_index({uwad(3000), false, uwad(3100), true, dev}) == uwad(3100));
  CHECK(*oracle_index({uwad(2900), true, uwad(3100), false, dev}) == uwad(2900));
  CHECK(oracle_index({uwad(2900), false, uwad(3100), false, dev}).error() == VenueErrc::kOracleStale);
  CHECK(*oracle_index({U256{3}, true, U256{4}, true, U256{5000}}) == U256{3});  // rounded down
}

TEST_CASE("impact price and funding follow the skew", "[venues][model]") {
  RefModel m = make_model();
  // (0 + 25/2) / 100000 above 3000.
  CHECK(*m.impact_price(0, uwad(3000), I256{}, wad(25)) == uwad(3000) + U256{375} * kWad / U256{1000});
  // (-1000 - 50/2) / 100000 below: 3000 * (1 - 0.01025) = 2969.25
  CHECK(wad_to_string(*m.impact_price(0, uwad(3000), wad(-1000), wad(-50))) == "2969.25");
  CHECK(m.impact_price(0, uwad(3000), wad(-200'000), wad(-1)).error() == VenueErrc::kNonPositivePrice);

  REQUIRE(m.deposit(kAlice, U256{100'000'000'000ull}));  // 100,000 USD
  const std::vector<U256> prices = {uwad(3000)};
  auto f = m.place_order(kAlice, 0, wad(100), U256::max(), 2000, prices, 1000);
  REQUIRE(f);
  // skew 100 of 100000 -> 0.1% of 10%/day = 0.0001/day.
  CHECK(m.funding_rate(0) == I256{100'000'000'000'000ll});
  // A day later at 3000: index grows by 0.0001 * 3000 = 0.3 USD per unit; 100 units owe 30.
  CHECK(wad_to_string(m.accrued_funding_index(0, uwad(3000), 1000 + 86400)) == "0.3");
  CHECK(wad_to_string(m.pending_funding(kAlice, 0, uwad(3000), 1000 + 86400)) == "30");
}

TEST_CASE("trades: entry, realised PnL, fees, margin check", "[venues][model]") {
  RefModel m = make_model();
  REQUIRE(m.deposit(kAlice, U256{10'000'000'000ull}));  // 10,000 USD
  const std::vector<U256> p3000 = {uwad(3000)};
  // 10 ETH at 3000.15 (premium 5/100000), fee 5 bps of 30001.5.
  auto a = m.place_order(kAlice, 0, wad(10), U256::max(), 5000, p3000, 1000);
  REQUIRE(a);
  CHECK(wad_to_string(a->price) == "3000.15");
  CHECK(wad_to_string(a->fee) == "15.00075");
  // 10 more: fill at (10 + 5)/100000 -> 3000.45; entry the size-weighted mean 3000.3.
  auto b = m.place_order(kAlice, 0, wad(10), U256::max(), 5000, p3000, 1000);
  REQUIRE(b);
  CHECK(wad_to_string(b->price) == "3000.45");
  CHECK(wad_to_string(m.account(kAlice).positions[0].entry_price) == "3000.3");
  // Sell 25 at 3100: closes 20 (realises 20 * (fill - 3000.3)) and opens 5 short at the fill.
  const std::vector<U256> p3100 = {uwad(3100)};
  auto c = m.place_order(kAlice, 0, wad(-25), U256{}, 5000, p3100, 1000);
  REQUIRE(c);
  CHECK(wad_to_string(c->price) == "3100.2325");  // (2*20 - 25)/200000 above 3100
  CHECK(wad_to_string(c->realized_pnl) == "1998.65");  // 20 * (3100.2325 - 3000.3)
  CHECK(c->new_size == wad(-5));
  CHECK(c->new_entry_price == c->price);
  // Too big for 10% IM: refused, and nothing changes.
  const Account before = m.account(kAlice);
  const MarketState market_before = m.market(0);
  CHECK(m.place_order(kAlice, 0, wad(100), U256::max(), 5000, p3100, 1000).error() == VenueErrc::kInsufficientMargin);
  CHECK(m.account(kAlice) == before);
  CHECK(m.market(0) == market_before);
  CHECK(m.place_order(kAlice, 0, I256{}, U256::max(), 5000, p3100, 1000).error() == VenueErrc::kZeroSize);
  CHECK(m.place_order(kAlice, 0, wad(1), U256::max(), 999, p3100, 1000).error() == VenueErrc::kDeadlineExpired);
  CHECK(m.place_order(kAlice, 0, wad(1), uwad(3000), 5000, p3100, 1000).error() == VenueErrc::kLimitPriceExceeded);
  CHECK(m.withdraw(kAlice, U256{20'000'000'000ull}, p3100, 1000).error() == VenueErrc::kWithdrawBelowMargin);
}

TEST_CASE("liquidation: partial when half restores health, else full with bad debt written off", "[venues][model]") {
  RefModel m = make_model();
  REQUIRE(m.deposit(kAlice, U256{10'000'000'000ull}));
  const std::vector<U256> p3000 = {uwad(3000)};
  REQUIRE(m.place_order(kAlice, 0, wad(30), U256::max(), 5000, p3000, 1000));
  CHECK(m.liquidate(kAlice, kKeeper, p3000, 1000).error() == VenueErrc::kAccountHealthy);
  // 30 ETH at 3000.45 on 9955 after fees. At 2790: equity 3641.5 < MM 4185; closing 15
  // (reward 418.5) leaves 3223 >= MM 2092.5 of the rest -> partial.
  const std::vector<U256> p2790 = {uwad(2790)};
  const Figures f = m.cross_figures(kAlice, p2790, 1000);
  REQUIRE(f.equity < I256::from_u256(f.maintenance_margin));
  auto l = m.liquidate(kAlice, kKeeper, p2790, 1000);
  REQUIRE(l);
  CHECK(l->partial);
  CHECK(m.account(kAlice).positions[0].size == wad(15));
  CHECK(wad_to_string(l->reward) == "418.5");  // 1% of the closed notional
  CHECK(m.account(kKeeper).cross_margin == I256::from_u256(l->reward));
  // A crash: everything closes and the negative margin is bad debt.
  const std::vector<U256> p2000 = {uwad(2000)};
  auto full = m.liquidate(kAlice, kKeeper, p2000, 1000);
  REQUIRE(full);
  CHECK_FALSE(full->partial);
  CHECK(m.account(kAlice).positions[0].size.is_zero());
  CHECK(m.account(kAlice).cross_margin.is_zero());
  CHECK(m.bad_debt() > I256{});
  CHECK(m.market(0).skew.is_zero());
}

TEST_CASE("venue errors decode from their selectors, commitments hash as abi.encode", "[venues][bindings]") {
  for (int i = 0; i < kVenueErrcCount; ++i) {
    const auto e = static_cast<VenueErrc>(i);
    const auto sel = error_selector(e);
    core::Bytes data(sel.begin(), sel.end());
    data.resize(4 + 64);
    CHECK(venue_error(data) == e);
  }
  CHECK_FALSE(venue_error(core::Bytes{0x08, 0xc3, 0x79, 0xa0}));  // Error(string)
  CHECK_FALSE(venue_error(core::Bytes{0x01}));
  // ZeroSize() = 0x... first four bytes of keccak256("ZeroSize()").
  const auto z = error_selector(VenueErrc::kZeroSize);
  CHECK(z == chain::selector("ZeroSize()"));
  VenueOrder o;
  o.market = 1;
  o.size_delta = I256{-5};
  o.limit_price = U256{7};
  o.deadline = 9;
  const auto h1 = commitment_of(kAlice, o, core::Hash32{});
  o.deadline = 10;
  CHECK(commitment_of(kAlice, o, core::Hash32{}) != h1);
  // Calldata: selector + 4 static words.
  CHECK(place_order_call(o).size() == 4 + 4 * 32);
}
