// perpx order place --venue hyperliquid, the binary end to end against the
// STAND-IN Hyperliquid API on loopback (venues_hl_standin.hpp; not
// Hyperliquid): keystore keys (password from PERPX_KEYSTORE_PASSWORD),
// resting, filled and per-order errors, the kill switch, and a real crash
// after the send (the process SIGKILLed at PERPX_DRILL_FAILPOINT=after_send)
// recovered by orderStatus on the next run.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli_run.hpp"
#include "perpx/signer/keystore.hpp"
#include "perpx/venues/hyperliquid_venue.hpp"
#include "venues_hl_standin.hpp"

using namespace perpx;
namespace fs = std::filesystem;
using core::Json;
using perpx::test::run_perpx;

namespace {

const char* kKey = "0x0123456789012345678901234567890123456789012345678901234567890123";

struct Dir {
  fs::path path;
  Dir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("perpx-cli-hl-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string keystore(const Dir& d, mode_t mode) {
  const auto key = signer::SecretKey::from_hex(kKey).value();
  const std::string ks = signer::encrypt_keystore(key, "hunter2", signer::ScryptParams{1024, 8, 1}).value();
  const fs::path p = d.path / "key.json";
  std::ofstream(p) << ks;
  ::chmod(p.c_str(), mode);
  return p.string();
}

std::vector<std::string> place(const std::string& url, const Dir& d, const std::string& ks, std::vector<std::string> extra) {
  std::vector<std::string> a{"order", "place", "--venue", "hyperliquid", "--hl-url", url, "--keystore", ks,
                             "--journal", (d.path / "journal.sqlite").string(), "--market", "ETH", "--json"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

const std::vector<std::string> kPassword{"PERPX_KEYSTORE_PASSWORD=hunter2"};

Json json_of(const test::RunResult& r) {
  INFO(r.err);
  return core::parse_json(r.out).value();
}

}  // namespace

TEST_CASE("cli hl order: resting, filled and a per-order error (stand-in)", "[cli][hl][order]") {
  test::HlStandIn api;
  api.add_user(signer::address_of(signer::SecretKey::from_hex(kKey).value()));
  Dir d;
  const std::string ks = keystore(d, 0600);

  auto r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "2990", "--tif", "gtc", "--client-id", "a-1"}),
                     {}, kPassword);
  REQUIRE(r.status == 0);
  Json j = json_of(r);
  CHECK(j["state"] == "resting");
  CHECK(j["venue"] == "hyperliquid");
  CHECK(j["cloid"] == venues::hl::cloid_for("a-1"));
  REQUIRE(api.orders().size() == 1);
  CHECK(j["venue_order_id"] == std::to_string(api.orders()[0].oid));
  CHECK(r.out.find(kKey + 2) == std::string::npos);

  r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.2", "--limit", "3050", "--tif", "ioc", "--client-id", "a-2"}),
                {}, kPassword);
  REQUIRE(r.status == 0);
  j = json_of(r);
  CHECK(j["state"] == "filled");
  CHECK(j["filled_size"] == "0.2");
  CHECK(j["avg_price"] == "3000.0");

  r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.001", "--limit", "2990", "--tif", "gtc", "--client-id", "a-3"}),
                {}, kPassword);
  CHECK(r.status == 1);
  j = json_of(r);
  CHECK(j["state"] == "rejected");
  CHECK(j["why"] == "Order must have minimum value of $10.");

  // The journal tells the same story.
  r = run_perpx({"order", "status", "a-1", "--journal", (d.path / "journal.sqlite").string(), "--json"});
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["state"] == "resting");
}

TEST_CASE("cli hl order: keystores others can read are refused, bad flags change nothing", "[cli][hl][order]") {
  test::HlStandIn api;
  Dir d;
  const std::string ks = keystore(d, 0644);
  auto r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "2990"}), {}, kPassword);
  CHECK(r.status == 1);
  CHECK(r.err.find("readable by others") != std::string::npos);
  CHECK(r.out.empty());
  ::chmod(ks.c_str(), 0600);
  r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "2990"}), {}, {"PERPX_KEYSTORE_PASSWORD=wrong"});
  CHECK(r.status == 1);
  CHECK(r.err.find("--keystore") != std::string::npos);
  r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "2990", "--path", "private"}), {}, kPassword);
  CHECK(r.status == 1);
  CHECK(r.err.find("--path") != std::string::npos);
  r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "2990", "--tpsl", "tp"}), {}, kPassword);
  CHECK(r.status == 1);
  CHECK(r.err.find("--trigger-px") != std::string::npos);
  CHECK(api.exchange_requests() == 0);
}

TEST_CASE("cli hl order: kill switch REDUCING denies a non-reduce-only order (stand-in)", "[cli][hl][order]") {
  test::HlStandIn api;
  const auto me = signer::address_of(signer::SecretKey::from_hex(kKey).value());
  api.add_user(me);
  api.set_position(me, "ETH", "1.0");
  Dir d;
  const std::string ks = keystore(d, 0600);
  REQUIRE(run_perpx({"killswitch", "reduce", "--reason", "drill", "--journal", (d.path / "journal.sqlite").string()}).status == 0);
  auto r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "3010", "--client-id", "k-1"}), {}, kPassword);
  CHECK(r.status == 1);
  Json j = json_of(r);
  CHECK(j["state"] == "rejected");
  CHECK(j["why"].get<std::string>().find("reducing") != std::string::npos);
  CHECK(api.exchange_requests() == 0);
  r = run_perpx(place(api.url(), d, ks, {"--side", "sell", "--size", "0.5", "--limit", "2990", "--reduce-only", "--client-id", "k-2"}),
                {}, kPassword);
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["state"] == "filled");
}

TEST_CASE("cli hl order: killed after the send, recovered by orderStatus on the next run (stand-in)", "[cli][hl][order]") {
  test::HlStandIn api;
  api.add_user(signer::address_of(signer::SecretKey::from_hex(kKey).value()));
  Dir d;
  const std::string ks = keystore(d, 0600);
  std::vector<std::string> env = kPassword;
  env.push_back("PERPX_DRILL_FAILPOINT=after_send");
  auto r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "2990", "--tif", "gtc", "--client-id", "c-1"}),
                     {}, env);
  CHECK(r.status == 128 + 9);  // SIGKILL
  CHECK(r.out.empty());
  REQUIRE(api.orders().size() == 1);
  const size_t sent = api.exchange_requests();
  // The next run recovers first: orderStatus by cloid finds it resting; nothing is resent.
  r = run_perpx(place(api.url(), d, ks, {"--side", "sell", "--size", "0.1", "--limit", "3100", "--tif", "gtc", "--client-id", "c-2"}),
                {}, kPassword);
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["recovered"] == 1);
  CHECK(api.exchange_requests() == sent + 1);  // c-2 only
  CHECK(api.orders().size() == 2);
  r = run_perpx({"order", "status", "c-1", "--journal", (d.path / "journal.sqlite").string(), "--json"});
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["state"] == "resting");
  // Placing c-1 again is that order, not a second one.
  r = run_perpx(place(api.url(), d, ks, {"--side", "buy", "--size", "0.5", "--limit", "2990", "--tif", "gtc", "--client-id", "c-1"}),
                {}, kPassword);
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["existing"] == true);
  CHECK(api.orders().size() == 2);
}
