// `perpx watch` against an anvil it did not start: heads, a reorg of depth 3
// with the right depth and unwind point, safe and finalized matching the
// node's tags, and a clean exit 0 on SIGINT. ETH_RPC_URL supplies the URL.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "value_of.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/hex.hpp"

extern char** environ;

using namespace perpx;
using namespace perpx::chain;
using perpx::test::Child;
using core::Json;
using Clock = std::chrono::steady_clock;

using perpx::test::value_of;

TEST_CASE("perpx watch: heads, a reorg of depth 3, safe and finalized as the node says, exit 0 on SIGINT",
          "[anvil][chain][heads][cli]") {
  LocalChainOptions o;
  o.slots_in_an_epoch = 2;
  LocalChain node(o);
  auto rpc = node.client();
  value_of(rpc.request("anvil_mine", Json::array({"0x6"})));

  Child watch({PERPX_BIN, "watch", "--json", "--interval-ms", "20"}, "ETH_RPC_URL=" + node.rpc_url());
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  std::vector<Json> events;
  // Reads events until one satisfies `done`.
  auto until = [&](auto done) {
    while (auto l = watch.line(deadline)) {
      auto j = core::parse_json(*l);
      REQUIRE(j);
      events.push_back(*j);
      if (done(*j)) return true;
    }
    return false;
  };
  auto head_at = [](uint64_t n) {
    return [n](const Json& j) { return j["event"] == "head" && j["block_num"] == n; };
  };
  REQUIRE(until(head_at(6)));
  CHECK(events.front()["event"] == "head");
  value_of(rpc.request("anvil_mine", Json::array({"0x2"})));
  REQUIRE(until(head_at(8)));
  const auto old_tip = events.back()["hash"].get<std::string>();

  value_of(rpc.request("anvil_reorg", Json::array({3, Json::array()})));
  REQUIRE(until([](const Json& j) { return j["event"] == "reorg"; }));
  const Json reorg = events.back();
  CHECK(reorg["depth"] == 3);
  CHECK(reorg["unwind_to"] == 5);
  CHECK(reorg["old_hash"] == old_tip);
  const auto latest = value_of(rpc.block_header(Tag::kLatest)).value();
  CHECK(reorg["new_hash"] == core::to_hex(latest.hash));
  for (uint64_t n = 6; n <= 8; ++n) {
    REQUIRE(until(head_at(n)));
    const auto b = value_of(rpc.block_header(BlockRef{n})).value();
    CHECK(events.back()["hash"] == core::to_hex(b.hash));
    CHECK(events.back()["parent_hash"] == core::to_hex(b.parent_hash));
  }
  // The stream's latest safe and finalized must come to equal the node's
  // tags (the reorg dropped safe block 6: the new block 6 is announced again).
  const uint64_t node_safe = value_of(rpc.block_header(Tag::kSafe)).value().number;
  const uint64_t node_finalized = value_of(rpc.block_header(Tag::kFinalized)).value().number;
  std::optional<uint64_t> safe, finalized;
  auto settled = [&](const Json& j) {
    if (j["event"] == "safe") safe = j["block_num"].get<uint64_t>();
    if (j["event"] == "finalized") finalized = j["block_num"].get<uint64_t>();
    return safe == node_safe && finalized == node_finalized;
  };
  bool done = false;
  for (const Json& j : events) done = settled(j);
  if (!done) done = until(settled);
  CHECK(done);
  CHECK(safe == node_safe);
  CHECK(finalized == node_finalized);
  uint64_t heads = 0;
  for (const Json& j : events) heads += j["event"] == "head" ? 1 : 0;
  CHECK(heads == 6);  // 6, 7, 8, then 6, 7, 8 of the new branch
  CHECK(std::count_if(events.begin(), events.end(), [](const Json& j) { return j["event"] == "reorg"; }) == 1);
  CHECK(watch.stop(SIGINT, std::chrono::seconds(5)) == 0);
}

TEST_CASE("perpx watch: an unreachable node is one line on stderr and exit 1", "[anvil][chain][heads][cli]") {
  Child watch({PERPX_BIN, "watch", "--rpc-url", "http://127.0.0.1:1"}, "PERPX_UNUSED=1");
  CHECK_FALSE(watch.line(Clock::now() + std::chrono::seconds(20)).has_value());  // nothing on stdout
  CHECK(watch.stop(0, std::chrono::seconds(20)) == 1);
}

TEST_CASE("perpx watch: several endpoints fail over and report their health", "[anvil][chain][heads][cli][endpoints]") {
  LocalChain node;
  auto rpc = node.client();
  value_of(rpc.request("anvil_mine", Json::array({"0x3"})));
  // Endpoint 0 refuses connections (port 1); endpoint 1 is the node.
  Child watch({PERPX_BIN, "watch", "--json", "--interval-ms", "20", "--health-interval-ms", "200", "--rpc-url",
               "http://127.0.0.1:1", "--rpc-url", "http://apikey:secret-key@127.0.0.1:" + std::to_string(node.port())});
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  std::optional<Json> dead, live;
  bool head3 = false;
  while (!(dead && live && head3)) {
    auto l = watch.line(deadline);
    REQUIRE(l);
    auto j = core::parse_json(*l);
    REQUIRE(j);
    if ((*j)["event"] == "head" && (*j)["block_num"] == 3) head3 = true;
    if ((*j)["event"] != "endpoint") continue;
    CHECK(l->find("secret-key") == std::string::npos);  // credentials in URLs are never printed
    if ((*j)["index"] == 0) dead = *j;
    if ((*j)["index"] == 1 && (*j)["head"] == 3) live = *j;
  }
  CHECK((*dead)["url"] == "http://127.0.0.1:1");
  CHECK((*dead)["healthy"] == false);
  CHECK((*dead)["errors"].get<uint64_t>() >= 1);
  CHECK((*dead)["head"].is_null());
  CHECK((*live)["url"] == node.rpc_url());
  CHECK((*live)["healthy"] == true);
  CHECK((*live)["errors"] == 0);
  CHECK((*live)["head_lag"] == 0);
  CHECK((*live)["calls"].get<uint64_t>() >= 1);
  CHECK((*live)["latency_p50_us"].get<double>() > 0);
  CHECK(watch.stop(SIGINT, std::chrono::seconds(5)) == 0);
}
