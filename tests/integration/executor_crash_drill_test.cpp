// `perpx drill crash` small: real processes killed at the named crash points
// and at random, restarted with the same client order ids; the drill's own
// independent read of the chain must find every order once or cleanly
// cancelled, and the journal equal to the chain.
#include <catch2/catch.hpp>

#include <sstream>

#include "cli_run.hpp"
#include "value_of.hpp"
#include "perpx/core/json.hpp"

TEST_CASE("drill crash: killed at every point, no order lost or doubled", "[anvil][executor][drill][crash]") {
  const auto r = perpx::test::run_perpx({"drill", "crash", "--orders", "9", "--seed", "3", "--json"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  const auto j = perpx::test::value_of(perpx::core::parse_json(last));
  CHECK(j["drill"] == "crash");
  CHECK(j["orders"] == 9);
  // Every order whose run armed a named crash point was killed there.
  int named = 0;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto o = perpx::core::parse_json(line);
    if (!o || !o->contains("crash_point")) continue;
    const std::string point = (*o)["crash_point"];
    if (point.empty() || point == "random") continue;
    ++named;
    INFO(line);
    CHECK((*o)["killed"] == true);
  }
  CHECK(named >= 4);
  CHECK(j["kills"].get<int>() >= named);
  CHECK(j["duplicates"] == 0);
  CHECK(j["lost"] == 0);
  CHECK(j["journal_matches_chain"] == true);
  CHECK(j["landed"].get<int>() + j["cancelled"].get<int>() == 9);
  CHECK(j["chain_nonce"].get<int>() >= 9);
}
