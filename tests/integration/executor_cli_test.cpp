// `perpx order place` against a real anvil (one block a second) with the
// drill world: a public and a commit-reveal order land once each, as the
// venue itself reports; a repeated --client-id is the same order; an order
// outside the price band is refused before anything is signed (exit 1).
#include <catch2/catch.hpp>

#include <filesystem>

#include "cli_run.hpp"
#include "value_of.hpp"
#include "venues_fixture.hpp"

using namespace venue_test;
using perpx::test::run_perpx;
using perpx::test::value_of;

namespace {

// anvil's well-known dev account 1 (trader1): a public test key.
constexpr const char* kTrader1Key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

chain::LocalChainOptions one_block_a_second() {
  chain::LocalChainOptions o;
  o.block_time = 1;
  return o;
}

struct CliWorld {
  VenueChain vc{one_block_a_second()};
  std::filesystem::path journal = std::filesystem::temp_directory_path() /
                                  ("perpx-cli-" + std::to_string(::getpid()) + "-" + std::to_string(rand()) + ".sqlite");
  ~CliWorld() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(journal.string() + ext);
  }
  std::vector<std::string> env() const {
    return {"ETH_PRIVATE_KEY=" + std::string(kTrader1Key), "ETH_RPC_URL=" + vc.lw.chain.rpc_url(),
            "PERPX_VENUE=" + core::to_checksum(vc.lw.world.venue)};
  }
  perpx::test::RunResult place(std::vector<std::string> extra) {
    std::vector<std::string> args{"order", "place", "--venue", "ref", "--market", "ETH", "--side", "buy",
                                  "--journal", journal.string(), "--json", "--wait-blocks", "30"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_perpx(args, {}, env());
  }
};

}  // namespace

TEST_CASE("perpx order place: public and commit-reveal orders land once, a repeated client id is the same order",
          "[anvil][executor][cli]") {
  CliWorld w;
  REQUIRE(w.vc.lw.funded[kTrader1] == *core::parse_address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
  auto pub = w.place({"--size", "1.5", "--limit", "3100", "--path", "public", "--client-id", "a"});
  INFO(pub.err);
  REQUIRE(pub.status == 0);
  const Json j = value_of(core::parse_json(pub.out));
  CHECK(j["state"] == "included");
  CHECK(j["path_taken"] == "public");
  REQUIRE(j["txns"].size() == 1);
  CHECK(ok(w.vc.venue.position(w.vc.who(kTrader1), 0)).size == size_e18(1, 500));

  auto again = w.place({"--size", "1.5", "--limit", "3100", "--path", "public", "--client-id", "a"});
  REQUIRE(again.status == 0);
  const Json j2 = value_of(core::parse_json(again.out));
  CHECK(j2["id"] == j["id"]);
  CHECK(j2["txns"].size() == 1);

  auto cr = w.place({"--size", "1", "--limit", "3100", "--path", "commit-reveal", "--client-id", "b"});
  INFO(cr.err);
  REQUIRE(cr.status == 0);
  const Json j3 = value_of(core::parse_json(cr.out));
  CHECK(j3["state"] == "included");
  REQUIRE(j3["txns"].size() == 2);
  CHECK(j3["txns"][0]["step"] == "commit");
  CHECK(j3["txns"][1]["step"] == "reveal");
  CHECK(ok(w.vc.venue.position(w.vc.who(kTrader1), 0)).size == size_e18(2, 500));
  // The chain, independently: trader1 sent exactly three transactions.
  CHECK(w.vc.nonce(kTrader1) == 3);
}

TEST_CASE("perpx order place: outside the price band is refused before anything is signed", "[anvil][executor][cli]") {
  CliWorld w;
  const uint64_t n = w.vc.nonce(kTrader1);
  auto r = w.place({"--size", "1", "--limit", "2000"});
  CHECK(r.status == 1);
  INFO(r.err);
  const Json j = value_of(core::parse_json(r.out));  // --json: the journalled order says why
  CHECK(j["state"] == "rejected");
  CHECK(j["why"].dump().find("price_band") != std::string::npos);
  CHECK(j["txns"].empty());
  CHECK(r.err.find(kTrader1Key + 2) == std::string::npos);
  CHECK(w.vc.nonce(kTrader1) == n);
  auto bad = w.place({"--size", "1e3", "--limit", "3100"});
  CHECK(bad.status == 1);
  CHECK(bad.err.find("--size") != std::string::npos);
}
