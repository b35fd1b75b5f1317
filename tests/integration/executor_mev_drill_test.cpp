// perpx drill mev, small, through its C++ entry point on a real anvil: the
// searcher's sandwich costs the victim on the public path and pays the
// searcher; the private, commit-reveal and batch paths cost nothing and pay
// the searcher nothing. The test reads the venue's OrderFilled events
// itself while the drill's anvil is still up and checks the drill's figures
// against them (victim fills against the venue's fillPrice view a block
// earlier; the searcher's realised PnL minus fees).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>

#include "mev_drill.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/venues/ref_venue.hpp"

using namespace perpx;
using core::I256;
using core::Json;
using core::U256;

namespace {

chain::Address address(const Json& j) {
  auto a = core::parse_address(j.get<std::string>());
  REQUIRE(a);
  return *a;
}

}  // namespace

TEST_CASE("drill mev: public orders are sandwiched, private, commit-reveal and batch are not", "[anvil][executor][drill]") {
  app::MevOptions o;
  o.orders = 1;
  o.contracts_dir = PERPX_CONTRACTS_DIR;
  bool checked = false;
  const auto r = app::run_mev_drill(o, [&](chain::RpcClient& rpc, const app::MevResult& res) {
    checked = true;
    const Json& s = res.lines.back();
    const chain::Address venue = address(s["venue"]);
    const chain::Address victim = address(s["victim"]);
    const chain::Address searcher = address(s["searcher"]);
    venues::RefVenue ref(rpc, venue);
    for (const Json& line : res.lines) {
      if (line.value("event", "") != "path") continue;
      const std::string path = line["path"].get<std::string>();
      const chain::LogFilter f{{venue}, {{venues::order_filled_topic()}}};
      auto logs = rpc.get_logs(f, line["first_block"].get<uint64_t>(), line["last_block"].get<uint64_t>());
      REQUIRE(logs);
      unsigned victim_buys = 0, searcher_fills = 0;
      I256 searcher_net;
      U256 over_fair;  // victim's fill minus fair, summed (never below fair)
      for (const auto& log : *logs) {
        auto e = venues::decode_order_filled(log);
        REQUIRE(e);
        if (e->account == searcher) {
          ++searcher_fills;
          searcher_net += e->realized_pnl - I256::from_u256(e->fee);
        } else if (e->account == victim && !e->size_delta.negative()) {
          ++victim_buys;
          auto fair = ref.fill_price(e->market, e->size_delta, log.block_number - 1);
          REQUIRE(fair);
          REQUIRE(e->fill_price >= *fair);
          over_fair = over_fair + (e->fill_price - *fair);
        }
      }
      CHECK(victim_buys == o.orders);
      INFO(path);
      if (path == "public") {
        CHECK(searcher_fills == 2 * o.orders);
        CHECK(!over_fair.is_zero());
        CHECK(searcher_net > I256{0});
      } else {
        CHECK(searcher_fills == 0);
        CHECK(over_fair.is_zero());
      }
    }
  });
  INFO(r.why);
  CHECK(checked);
  REQUIRE(r.ok);
  const Json& s = r.lines.back();
  CHECK(s["drill"] == "mev");
  REQUIRE(s["paths"].size() == 4);
  std::map<std::string, Json> by;
  for (const Json& p : s["paths"]) by[p["path"].get<std::string>()] = p;
  REQUIRE(by.size() == 4);
  for (const char* k : {"public", "private", "commit-reveal", "batch"}) {
    INFO(k);
    REQUIRE(by.contains(k));
    CHECK(by[k]["orders"].get<unsigned>() == o.orders);
  }
  CHECK(by["public"]["victim_cost_bps"].get<double>() > 0);
  CHECK(by["public"]["searcher_profit_usd"].get<double>() > 0);
  // attack/skewScale = 200 / 100000: 20 bps of the fair price (the venue's arithmetic, venues_paths_test).
  CHECK(std::abs(by["public"]["victim_cost_bps"].get<double>() - 20.0) < 0.5);
  for (const char* k : {"private", "commit-reveal", "batch"}) {
    INFO(k);
    CHECK(std::abs(by[k]["victim_cost_bps"].get<double>()) < 0.01);
    CHECK(by[k]["searcher_profit_usd"].get<double>() == 0);
  }
}
