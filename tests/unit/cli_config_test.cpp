// perpx config check: the example file passes (with its key files present);
// a config with several bad fields fails once, naming each of them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"
#include "cli_run.hpp"

namespace {

namespace fs = std::filesystem;

using perpx::test::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("config check: the example passes", "[cli][config]") {
  TempDir d;
  // The example, beside the key files it names and the scenario it points at.
  std::string text = slurp(fs::path(PERPX_SOURCE_DIR) / "config/perpx.example.toml");
  const std::string from = "scenario = \"../strategies/scenarios/crash.toml\"";
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "scenario = \"" + (fs::path(PERPX_SOURCE_DIR) / "strategies/scenarios/crash.toml").string() + "\"");
  const fs::path cfg = d.write("perpx.toml", text);
  d.write("keys/trader.json", "{}");
  d.write("keys/trader.pass", "pw\n");
  const auto r = perpx::test::run_perpx({"config", "check", cfg.string()});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out == "config ok: " + cfg.string() + "\n");
  // Without the key files: each missing file is named.
  fs::remove(d.path / "keys/trader.json");
  fs::remove(d.path / "keys/trader.pass");
  const auto bad = perpx::test::run_perpx({"config", "check", cfg.string()});
  CHECK(bad.status == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("keys.trader.keystore: no such file") != std::string::npos);
  CHECK(bad.err.find("keys.trader.password_file: no such file") != std::string::npos);
}

TEST_CASE("config check names every bad field", "[cli][config]") {
  TempDir d;
  const fs::path cfg = d.write("bad.toml", R"(
colour = "blue"
[endpoints]
rpc_url = "ftp://example"
chain_id = 0
[keys.trader]
keystore = "nowhere.json"
private_key = "0x01"
[venues.ref]
kind = "ref"
address = "0x1234"
key = "nobody"
[feeds.eth]
kind = "chainlnk"
address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
market = "ETH/USD"
[oracle]
[oracle.defaults]
heartbeet = 3600
[risk]
max_gross_usd = "1000000"
max_net_usd = 250000.5
daily_loss_usd = "20000"
max_orders_per_second = 20
[risk.defaults]
max_order_size = "50"
max_position = "200"
max_leverage = "ten"
price_band_bps = 200
[fees.urgent]
bump_ppm = 1000
[strategies.h]
kind = "hedger"
venue = "dex"
market = "ETH-PERP"
band = "-5"
max_hedge = "20"
)");
  const auto r = perpx::test::run_perpx({"config", "check", cfg.string()});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  INFO(r.err);
  // One line.
  CHECK(r.err.find('\n') == r.err.size() - 1);
  for (const char* field :
       {"colour: unknown key", "endpoints.rpc_url", "endpoints.chain_id", "keys.trader.keystore: no such file",
        "keys.trader.private_key", "keys.trader: exactly one of password_file and password_env", "venues.ref.address",
        "venues.ref.key: \"nobody\"", "feeds.eth.kind", "oracle.defaults.heartbeet", "risk.max_net_usd",
        "risk.margin_buffer_bps: missing", "risk.defaults.max_leverage", "fees.urgent.bump_ppm", "strategies.h.venue",
        "strategies.h.band"})
    CHECK(r.err.find(field) != std::string::npos);
  // The key's value is never repeated.
  CHECK(r.err.find("0x01") == std::string::npos);
}

TEST_CASE("config check: unreadable and malformed files", "[cli][config]") {
  TempDir d;
  const auto missing = perpx::test::run_perpx({"config", "check", (d.path / "none.toml").string()});
  CHECK(missing.status == 1);
  CHECK(missing.out.empty());
  const fs::path broken = d.write("broken.toml", "[endpoints\nrpc_url = 1\n");
  const auto r = perpx::test::run_perpx({"config", "check", broken.string()});
  CHECK(r.status == 1);
  CHECK(r.err.find("line 1") != std::string::npos);
}
