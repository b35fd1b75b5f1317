// `perpx watch --feed`: prices from the real Chainlink, Pyth and Uniswap v3
// contracts of the drill world (`perpx chain up`) arrive as price events.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "child_process.hpp"
#include "cli_run.hpp"
#include "perpx/core/json.hpp"

using perpx::test::Child;
using Clock = Child::Clock;
using namespace std::chrono_literals;

TEST_CASE("watch --feed reports Chainlink, Pyth and Uniswap v3 prices as events", "[anvil][watch]") {
  Child up({PERPX_BIN, "chain", "up", "--json"});
  const auto world_line = up.line(Clock::now() + 120s);
  REQUIRE(world_line);
  const auto world = perpx::core::parse_json(*world_line);
  REQUIRE(world);
  const auto& c = (*world)["contracts"];
  const std::string rpc = (*world)["rpc_url"].get<std::string>();
  const std::string chainlink = c["feeds"]["chainlink"]["ETH/USD"].get<std::string>();
  const std::string pyth = c["feeds"]["pyth"].get<std::string>() + ":" + c["feeds"]["pyth_price_ids"]["ETH/USD"].get<std::string>();
  const std::string pool = c["pools"]["ETH/USD"]["address"].get<std::string>();

  Child watch({PERPX_BIN, "watch", "--json", "--interval-ms", "50", "--rpc-url", rpc, "--feed", "chainlink:" + chainlink,
               "--feed", "pyth:" + pyth, "--feed", "univ3:" + pool + ":invert"});
  std::map<std::string, perpx::core::Json> prices;  // by source
  long last_head = -1;
  const auto deadline = Clock::now() + 30s;
  while (prices.size() < 3) {
    const auto line = watch.line(deadline);
    REQUIRE(line);
    const auto ev = perpx::core::parse_json(*line);
    REQUIRE(ev);
    if ((*ev)["event"] == "head") last_head = (*ev)["block_num"].get<long>();
    if ((*ev)["event"] != "price") continue;
    CHECK((*ev)["block_num"].get<long>() == last_head);  // a price line follows the head it was read at
    prices[(*ev)["source"].get<std::string>()] = *ev;
  }
  CHECK(prices["chainlink"]["price"] == "3000.00000000");
  CHECK(prices["chainlink"]["feed"] == chainlink);
  CHECK(prices["chainlink"]["round_id"] == "1");
  CHECK(prices["pyth"]["price"] == "3000.00000000");
  CHECK(prices["pyth"].contains("conf"));
  // The pool was initialised at 3000 USD per WETH: within one tick (1 bp).
  const double spot = std::stod(prices["univ3"]["price"].get<std::string>());
  CHECK(std::abs(spot - 3000.0) / 3000.0 < 1e-4);
  CHECK(watch.stop(SIGINT) == 0);

  // A malformed --feed is bad input: exit 1, one line, nothing on stdout.
  const auto bad = perpx::test::run_perpx({"watch", "--rpc-url", rpc, "--feed", "chainlink:0x12"});
  CHECK(bad.status == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("--feed chainlink:0x12") != std::string::npos);
  CHECK(up.stop(SIGTERM) == 0);
}
