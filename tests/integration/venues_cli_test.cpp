// perpx venue info|account as a user runs them (the built binary) against the
// drill world's venue on a real anvil: the figures they print are the
// contract's own, and the model's column equals the contract's.
#include <catch2/catch.hpp>

#include "cli_run.hpp"
#include "venues_fixture.hpp"

using namespace venue_test;
using namespace perpx::venues;
using perpx::test::run_perpx;

TEST_CASE("perpx venue info and account print the venue and the model beside the contract", "[anvil][venue][cli]") {
  VenueChain vc;
  const std::string url = vc.lw.chain.rpc_url();
  const std::string venue = core::to_checksum(vc.lw.world.venue);
  const std::string trader = core::to_checksum(vc.who(kTrader1));
  const uint64_t dl = vc.head().timestamp + 3600;
  vc.send_venue(kTrader1, place_order_call(order(0, size_e18(120), dl)));
  vc.send_venue(kTrader1, set_isolated_call(1, true));
  vc.send_venue(kTrader1, transfer_margin_call(1, I256{15000} * kWadI));
  vc.send_venue(kTrader1, place_order_call(order(1, -size_e18(1), dl)));
  vc.send_venue(kTrader2, place_order_call(order(0, -size_e18(30), dl)));
  vc.skip(5000);
  vc.set_price(0, U256{290'000'000'000ull});
  vc.set_price(1, U256{6'600'000'000'000ull});

  const auto info = run_perpx({"venue", "info", "--rpc-url", url, "--venue", venue, "--json"});
  REQUIRE(info.status == 0);
  CHECK(info.err.empty());
  const auto ij = core::parse_json(info.out);
  REQUIRE(ij);
  const uint64_t at = (*ij)["block_num"].get<uint64_t>();
  REQUIRE((*ij)["markets"].size() == 2);
  const Json& eth = (*ij)["markets"][0];
  CHECK(eth["name"] == "ETH-PERP");
  CHECK(eth["index_price"] == "2900000000000000000000");
  CHECK(eth["skew"] == to_decimal(size_e18(90)));
  CHECK(eth["open_interest_long"] == to_decimal(size_e18(120)));
  CHECK(eth["open_interest_short"] == to_decimal(size_e18(30)));
  CHECK(eth["funding_rate_per_day"] == to_decimal(ok(vc.venue.funding_rate(0, at))));
  CHECK(eth["funding_index"] == to_decimal(ok(vc.venue.accrued_funding_index(0, at))));
  CHECK((*ij)["markets"][1]["skew"] == to_decimal(-size_e18(1)));

  const auto acc = run_perpx({"venue", "account", "--rpc-url", url, "--venue", venue, "--account", trader, "--json"});
  REQUIRE(acc.status == 0);
  const auto aj = core::parse_json(acc.out);
  REQUIRE(aj);
  CHECK((*aj)["match"] == true);
  CHECK((*aj)["model"] == (*aj)["contract"]);
  const uint64_t block = (*aj)["block_num"].get<uint64_t>();
  const AccountSummary s = ok(vc.venue.account_summary(vc.who(kTrader1), block));
  CHECK((*aj)["contract"]["equity"] == to_decimal(s.figures.equity));
  CHECK((*aj)["model"]["maintenance_margin"] == core::to_decimal(s.figures.maintenance_margin));
  REQUIRE((*aj)["model"]["positions"].size() == 2);
  const Json& btc = (*aj)["model"]["positions"][1];
  CHECK(btc["isolated"] == true);
  CHECK(btc["size"] == to_decimal(-size_e18(1)));
  const PositionFigures pf = ok(vc.venue.position_summary(vc.who(kTrader1), 1, block));
  CHECK(btc["liquidation_price"] == core::to_decimal(pf.liquidation_price));
  CHECK(btc["pending_funding"] == to_decimal(ok(vc.venue.pending_funding(vc.who(kTrader1), 1, block))));

  const auto text = run_perpx({"venue", "account", "--rpc-url", url, "--venue", venue, "--account", trader});
  CHECK(text.status == 0);
  CHECK(text.out.find("model and contract agree") != std::string::npos);

  // Bad input and failures: one line on stderr, exit 1, nothing on stdout.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"venue", "info", "--rpc-url", url, "--venue", "0x1234"},
           {"venue", "info", "--rpc-url", url, "--venue", trader},
           {"venue", "account", "--rpc-url", url, "--venue", venue, "--account", "nope"},
           {"venue", "account", "--rpc-url", url, "--venue", venue},
           {"venue", "info", "--rpc-url", "http://127.0.0.1:1", "--venue", venue}}) {
    const auto r = run_perpx(args);
    INFO(args[1] << " " << args.back());
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }

  // A stale oracle shows as such in info rather than failing it.
  vc.skip(app::kOracleMaxAge + 10);
  vc.mine();
  const auto stale = run_perpx({"venue", "info", "--rpc-url", url, "--venue", venue, "--json"});
  REQUIRE(stale.status == 0);
  const auto sj = core::parse_json(stale.out);
  REQUIRE(sj);
  CHECK((*sj)["markets"][0]["oracle_error"] == "OracleStale");
  CHECK((*sj)["markets"][0]["index_price"].is_null());
}
