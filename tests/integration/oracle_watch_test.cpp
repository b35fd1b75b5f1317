// perpx oracle watch on the drill world's real feeds: each new sample is a
// decision line; a venue's +30% print is rejected; the sequencer going down
// is seen and rejects what follows.
#include <catch2/catch.hpp>

#include <map>

#include "child_process.hpp"
#include "cli_run.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/json.hpp"

using perpx::test::Child;
using Clock = Child::Clock;
using namespace std::chrono_literals;
using namespace perpx;
using core::Json;

TEST_CASE("oracle watch: live decisions on real feeds", "[anvil][oracle][watch]") {
  chain::LocalChain lc{chain::LocalChainOptions{}};
  chain::RpcClient rpc = lc.client();
  auto sender = chain::TxnSender::make(rpc, lc.dev_key(0));
  REQUIRE(sender);
  auto art = chain::load_artifact(PERPX_CONTRACTS_DIR, "DrillAggregator");
  REQUIRE(art);
  auto deploy = [&](const char* answer, int decimals) {
    auto a = sender->deploy(*art, "(uint8,int256)", Json::array({decimals, answer}));
    REQUIRE(a);
    return *a;
  };
  const auto seq = deploy("0", 0);
  REQUIRE(rpc.request("evm_increaseTime", Json::array({3700})));
  const auto a = deploy("300000000000", 8);
  const auto b = deploy("300100000000", 8);
  const auto v = deploy("299900000000", 8);
  auto submit = [&](const chain::Address& to, const std::string& answer) {
    REQUIRE(rpc.request("evm_increaseTime", Json::array({5})));
    REQUIRE(sender->transact(to, "submit(int256)", Json::array({answer})));
  };

  Child w({PERPX_BIN, "oracle", "watch", "--json", "--interval-ms", "20", "--rpc-url", lc.rpc_url(), "--feed",
           "a=chainlink:" + core::to_checksum(a), "--feed", "b=chainlink:" + core::to_checksum(b), "--feed",
           "venue=chainlink:" + core::to_checksum(v), "--feed", "sequencer:" + core::to_checksum(seq)});
  auto next = [&](const std::string& event) {
    const auto deadline = Clock::now() + 20s;
    for (;;) {
      const auto line = w.line(deadline);
      REQUIRE(line);
      const Json j = Json::parse(*line);
      if (j["event"] == event) return j;
    }
  };
  std::map<std::string, Json> first;
  for (int i = 0; i < 3; ++i) {
    const Json j = next("price");
    first[j["source"].get<std::string>()] = j;
  }
  CHECK(first.size() == 3);
  CHECK(first["a"]["decision"] == "accept");
  CHECK(first["a"]["price"] == "3000");

  submit(v, "390000000000");  // the venue prints +30%
  Json j = next("price");
  INFO(j.dump());
  CHECK(j["source"] == "venue");
  CHECK(j["decision"] == "reject");
  CHECK(j["reasons"] == Json::array({"deviation", "outlier", "jump"}));
  CHECK(j["reference"] == "3000.5");

  submit(seq, "1");  // the sequencer goes down
  j = next("sequencer");
  CHECK(j["up"] == false);
  submit(a, "300200000000");
  j = next("price");
  CHECK(j["source"] == "a");
  CHECK(j["reasons"] == Json::array({"sequencer_down"}));
  CHECK(w.stop(SIGTERM) == 0);

  const auto bad = perpx::test::run_perpx({"oracle", "watch", "--rpc-url", lc.rpc_url(), "--feed", "sequencer:0x12"});
  CHECK(bad.status == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("--feed sequencer:0x12") != std::string::npos);
}
