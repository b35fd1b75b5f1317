// The stress cascade's differential check against the venue itself: on a
// local chain (the drill world), two cross accounts open positions, the
// Chainlink and Pyth prices are driven along the scenario's path, and a
// keeper liquidates whenever the venue says canLiquidate (in the cascade's
// order: accounts in turn, again until none is left). The venue's
// Liquidated events (account, market, size, price, partial) and the step at
// which each happened must be the cascade's prediction, made up front from
// the venue's state before the first price moved.
#include <catch2/catch.hpp>

#include "perpx/strategies/stress.hpp"
#include "venues_fixture.hpp"

using namespace venue_test;
using namespace perpx::venues;
using namespace perpx::strategies;

namespace {

struct Seen {
  Address account;
  uint64_t market = 0;
  size_t step = 0;
  U256 price;
  I256 size_closed;
  bool partial = false;
};

}  // namespace

TEST_CASE("the venue liquidates what the cascade predicts, in its order and at its prices",
          "[anvil][strategies][stress]") {
  VenueChain vc;
  const uint64_t dl = vc.head().timestamp + 7200;
  const Address t1 = vc.who(kTrader1), t2 = vc.who(kTrader2), keeper = vc.who(kKeeper);
  // trader1: 250 ETH long on its 100k; trader2: 150 ETH and 2 BTC long on its 100k.
  vc.send_venue(kTrader1, place_order_call(order(0, size_e18(250), dl)));
  vc.send_venue(kTrader2, place_order_call(order(0, size_e18(150), dl)));
  vc.send_venue(kTrader2, place_order_call(order(1, size_e18(2), dl)));

  // The prediction: both markets -15% in 30 steps of 0.5% (each within the oracle's 1% deviation).
  const std::vector<Address> accounts = {t1, t2};
  const chain::BlockHeader start = vc.head();
  const RefModel model = ok(vc.venue.load_model(std::vector<Address>{t1, t2, keeper}, start.number));
  const std::vector<U256> p0 = vc.model_prices();
  Scenario s;
  s.name = "crash";
  s.moves = {-0.15, -0.15};
  s.steps = 30;
  s.duration = 30 * 6;  // about the chain's seconds per step below (funding is tiny either way)
  const Path path = [&] {
    auto p = make_path(p0, start.timestamp, s);
    REQUIRE(p);
    return *p;
  }();
  CascadeOptions opt;
  opt.liquidator = keeper;
  opt.collateral_search = false;
  const CascadeResult predicted = run_cascade(model, accounts, path, opt);
  // The scenario is a real cascade: both accounts go, at different steps, one of them more than once.
  REQUIRE(predicted.liquidations.size() >= 3);
  CHECK_FALSE(survives(predicted, t1, std::nullopt));
  CHECK_FALSE(survives(predicted, t2, std::nullopt));

  // The chain along the same path, with a keeper.
  std::vector<Seen> seen;
  for (size_t step = 1; step < path.size(); ++step) {
    for (uint64_t m = 0; m < 2; ++m) {
      REQUIRE(path[step].prices[m] % kE10 == U256{});
      vc.set_price(m, path[step].prices[m] / kE10);
    }
    REQUIRE(vc.model_prices() == path[step].prices);
    REQUIRE(ok(vc.venue.index_price(0)) == path[step].prices[0]);
    REQUIRE(ok(vc.venue.index_price(1)) == path[step].prices[1]);
    for (int round = 0; round < 8; ++round) {
      bool any = false;
      for (size_t who : {kTrader1, kTrader2}) {
        if (!ok(vc.venue.can_liquidate(vc.who(who)))) continue;
        const Receipt r = vc.send_venue(kKeeper, liquidate_call(vc.who(who)));
        for (const auto& log : r.logs) {
          if (log.topics.empty() || log.topics[0] != liquidated_topic()) continue;
          const LiquidatedEvent e = ok(decode_liquidated(log));
          seen.push_back({e.account, e.market, step, e.price, e.size_closed, e.partial});
        }
        any = true;
      }
      if (!any) break;
    }
  }

  INFO("predicted " << predicted.liquidations.size() << ", seen " << seen.size());
  REQUIRE(seen.size() == predicted.liquidations.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    const LiquidationRecord& p = predicted.liquidations[i];
    INFO("liquidation " << i << ": predicted step " << p.step << " market " << p.market << ", seen step "
                        << seen[i].step << " market " << seen[i].market);
    CHECK(seen[i].account == p.account);
    CHECK(seen[i].market == p.market);
    CHECK(seen[i].step == p.step);
    CHECK(seen[i].price == p.price);
    CHECK(seen[i].size_closed == p.size_closed);
    CHECK(seen[i].partial == p.partial);
  }
}
