// Thresholds from TOML: defaults, market, source, market-source layering;
// each kind of bad configuration is an error naming the key.
#include <catch2/catch.hpp>

#include "perpx/oracle/config.hpp"

using namespace perpx::oracle;

namespace {
OracleConfig ok(std::string_view text, std::string_view market = {}) {
  auto c = parse_config(text, market);
  INFO((c ? "" : c.error()));
  REQUIRE(c);
  return std::move(*c);
}
std::string bad(std::string_view text, std::string_view market = {}) {
  auto c = parse_config(text, market);
  REQUIRE_FALSE(c);
  return c.error();
}
}  // namespace

TEST_CASE("an empty config is the issue's defaults", "[oracle][config]") {
  const OracleConfig c = ok("");
  CHECK(c.defaults == Thresholds{});
  CHECK(c.market_params == MarketParams{});
  CHECK_FALSE(c.strict());
  const Thresholds d;
  CHECK(d.heartbeat_us == 3600'000'000);
  CHECK(d.future_us == 60'000'000);
  CHECK(to_u32(d.max_conf) == 20'000);
  CHECK(to_u32(d.deviation) == 20'000);
  CHECK(d.outlier_z_milli == 5000);
  CHECK(to_u32(d.outlier_min) == 10'000);
  CHECK(to_u32(d.jump) == 150'000);
  CHECK(d.frozen_run == 5);
  CHECK(to_u32(d.frozen_move) == 10'000);
  CHECK(MarketParams{}.quorum == 2);
  CHECK(MarketParams{}.sequencer_grace_us == 3600'000'000);
}

TEST_CASE("layering: defaults < market < source < market source", "[oracle][config]") {
  const char* text = R"(
market = "ETH/USD"
[defaults]
heartbeat = 600
deviation = 0.03
[markets."ETH/USD"]
quorum = 3
deviation = "4%"
mark_window = 60
[markets."BTC/USD"]
quorum = 1
[sources.chainlink]
kind = "chainlink"
heartbeat = 86400
min = "0.10"
max = 100000
[sources.pyth]
kind = "pyth"
max_conf = 0.01
[markets."ETH/USD".sources.chainlink]
jump = 0.25
outlier_z = 4.5
frozen_updates = 8
)";
  const OracleConfig c = ok(text);
  CHECK(c.market == "ETH/USD");
  CHECK(c.market_params.quorum == 3);
  CHECK(c.market_params.mark_window_us == 60'000'000);
  CHECK(to_u32(c.defaults.deviation) == 40'000);
  CHECK(c.defaults.heartbeat_us == 600'000'000);
  REQUIRE(c.sources.size() == 2);
  const Thresholds cl = c.thresholds_for("chainlink");
  CHECK(c.find("chainlink")->kind == SourceKind::kChainlink);
  CHECK(cl.heartbeat_us == 86'400'000'000);
  CHECK(cl.min == Price{100'000'000});
  CHECK(cl.max == Price{100'000'000'000'000});
  CHECK(to_u32(cl.jump) == 250'000);
  CHECK(cl.outlier_z_milli == 4500);
  CHECK(cl.frozen_run == 8);
  CHECK(to_u32(cl.deviation) == 40'000);  // from the market
  CHECK(to_u32(c.thresholds_for("pyth").max_conf) == 10'000);
  CHECK(c.thresholds_for("other") == c.defaults);
  CHECK(c.strict());
  // The other market, chosen by the caller.
  const OracleConfig btc = ok(text, "BTC/USD");
  CHECK(btc.market_params.quorum == 1);
  CHECK(to_u32(btc.defaults.deviation) == 30'000);
  CHECK(to_u32(btc.thresholds_for("chainlink").jump) == 150'000);
}

TEST_CASE("bad configurations name the key", "[oracle][config]") {
  CHECK(bad("[defaults]\nheartbeet = 5\n").find("defaults.heartbeet: unknown key") != std::string::npos);
  CHECK(bad("[defaults]\ndeviation = 2\n").find("defaults.deviation") != std::string::npos);
  CHECK(bad("[defaults]\ndeviation = \"abc\"\n").find("defaults.deviation") != std::string::npos);
  CHECK(bad("[defaults]\nheartbeat = \"x\"\n").find("defaults.heartbeat: expected seconds") != std::string::npos);
  CHECK(bad("[sources.a]\nmin = \"nan\"\n").find("sources.a.min") != std::string::npos);
  CHECK(bad("[sources.a]\nmin = 5\nmax = 4\n").find("min must be below max") != std::string::npos);
  CHECK(bad("[sources.a]\nkind = \"binance\"\n").find("sources.a.kind") != std::string::npos);
  CHECK(bad("[sources.a]\nquorum = 2\n").find("sources.a.quorum: unknown key") != std::string::npos);
  CHECK(bad("[defaults]\nquorum = 0\n").find("defaults.quorum") != std::string::npos);
  CHECK(bad("[defaults]\nfrozen_updates = 1.5\n").find("defaults.frozen_updates") != std::string::npos);
  CHECK(bad("[defaults]\noutlier_z = -1\n").find("defaults.outlier_z") != std::string::npos);
  CHECK(bad("colour = 1\n").find("colour: unknown key") != std::string::npos);
  CHECK(bad("market = \"X\"\n[markets.Y]\n").find("market \"X\" has no [markets] table") != std::string::npos);
  CHECK(bad("[defaults\n").find("line 1") != std::string::npos);
  CHECK(bad("markets = 3\n").find("markets: expected a table") != std::string::npos);
}

TEST_CASE("ratios as text", "[oracle][config]") {
  CHECK(to_u32(*parse_ratio_text("2%")) == 20'000);
  CHECK(to_u32(*parse_ratio_text("0.015")) == 15'000);
  CHECK(to_u32(*parse_ratio_text("100%")) == 1'000'000);
  CHECK_FALSE(parse_ratio_text("101%"));
  CHECK_FALSE(parse_ratio_text("-1%"));
  CHECK_FALSE(parse_ratio_text("x"));
}
