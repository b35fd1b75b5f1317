// perpx drill soak, short, through its C++ entry point (the order processes
// are the real perpx binary): orders on every path through the fault proxy
// while the chain reorgs, the node restarts and perpx is killed. Then the
// chain is read here, independently of the drill's own account, while its
// anvil is still up: OrderFilled per order size, the accounts' nonces and
// every block's transactions of theirs.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "soak_drill.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/venues/ref_venue.hpp"

using namespace perpx;
using core::Json;

TEST_CASE("drill soak: faults, reorgs, node and perpx restarts, nothing lost, doubled or gapped", "[anvil][executor][drill][soak]") {
  app::SoakOptions o;
  o.seconds = 45;
  o.seed = 5;
  o.contracts_dir = PERPX_CONTRACTS_DIR;
  o.perpx_bin = PERPX_BIN;
  bool checked = false;
  const auto r = app::run_soak_drill(o, [&](chain::RpcClient& rpc, const app::DrillResult& res) {
    checked = true;
    const Json& s = res.lines.back();
    INFO(s.dump());
    const auto venue = core::parse_address(s["venue"].get<std::string>());
    REQUIRE(venue);
    std::set<std::string> accounts;
    for (const auto& a : s["accounts"]) accounts.insert(a.get<std::string>());
    const uint64_t from = s["start_block"].get<uint64_t>() + 1, to = s["head"].get<uint64_t>();
    REQUIRE(rpc.block_number());
    CHECK(*rpc.block_number() == to);
    // Fills on chain, by account and signed size.
    chain::LogFilter f{{*venue}, {{venues::order_filled_topic()}}};
    auto logs = rpc.get_logs(f, from, to);
    REQUIRE(logs);
    std::map<std::string, int> fills;
    for (const auto& l : *logs) {
      auto e = venues::decode_order_filled(l);
      REQUIRE(e);
      const std::string who = core::to_checksum(e->account);
      if (accounts.contains(who)) ++fills[who + " " + core::wad_to_string(e->size_delta)];
    }
    // Every order the drill reports: its final state against the chain's fills.
    int orders = 0, filled = 0;
    for (size_t i = 0; i + 1 < res.lines.size(); ++i) {
      const Json& l = res.lines[i];
      if (!l.contains("order")) continue;
      ++orders;
      const std::string state = l["state"];
      INFO(l.dump());
      CHECK((state == "included" || state == "finalized" || state == "cancelled" || state == "rejected" ||
             state == "failed"));
    }
    for (const auto& [k, n] : fills) {
      INFO(k);
      CHECK(n == 1);  // no order filled twice
      filled += n;
    }
    CHECK(orders == s["orders"].get<int>());
    CHECK(filled == s["landed"].get<int>());
    // Transactions by sender: every nonce below the account's count is on chain once, in a scanned block.
    std::map<std::string, std::set<uint64_t>> nonces;
    for (uint64_t n = from; n <= to; ++n) {
      auto b = rpc.request("eth_getBlockByNumber", Json::array({"0x" + [&] { char x[20]; std::snprintf(x, sizeof x, "%llx", static_cast<unsigned long long>(n)); return std::string(x); }(), true}));
      REQUIRE(b);
      for (const auto& t : (*b)["transactions"]) {
        const auto a = core::parse_address(t["from"].get<std::string>());
        REQUIRE(a);
        const std::string who = core::to_checksum(*a);
        if (!accounts.contains(who)) continue;
        auto nonce = chain::parse_quantity_u64(t["nonce"]);
        REQUIRE(nonce);
        CHECK(nonces[who].insert(*nonce).second);
      }
    }
    for (const auto& who : accounts) {
      const auto a = core::parse_address(who);
      auto latest = rpc.transaction_count(*a, chain::Tag::kLatest);
      auto pending = rpc.transaction_count(*a, chain::Tag::kPending);
      REQUIRE(latest);
      REQUIRE(pending);
      CHECK(*pending == *latest);  // nothing left waiting behind a gap
      REQUIRE_FALSE(nonces[who].empty());
      CHECK(*nonces[who].rbegin() + 1 == *latest);
      CHECK(nonces[who].size() == *latest - *nonces[who].begin());
    }
  });
  REQUIRE(checked);
  const Json& s = r.lines.back();
  INFO(s.dump());
  CHECK(r.ok);
  CHECK(s["drill"] == "soak");
  CHECK(s["duplicates"] == 0);
  CHECK(s["lost"] == 0);
  CHECK(s["nonce_gaps"] == 0);
  CHECK(s["journal_matches_chain"] == true);
  CHECK(s["orders"].get<int>() >= 8);
  CHECK(s["landed"].get<int>() >= s["orders"].get<int>() / 2);
  CHECK(s["faults_injected"].get<int>() > 0);
  CHECK(s["reorgs"].get<int>() >= 1);
  CHECK(s["node_restarts"].get<int>() >= 1);
  CHECK(s["feed_refreshes"].get<int>() >= 1);
  // The WebSocket head follower, cut by the proxy and by the node's restarts, ends on the chain's head.
  CHECK(s["ws"]["caught_up"] == true);
  CHECK(s["ws"]["reconnects"].get<int>() >= 1);
  CHECK(s["ws"]["heads"].get<int>() > 0);
  CHECK(s["faults"]["ws_connections"].get<int>() >= 2);  // prices published again mid-run (hours-long runs need it)
  CHECK(s["restarts"].get<int>() >= 1);  // the first order is always killed after its send
  // Every path was used.
  std::set<std::string> paths;
  for (const auto& l : r.lines)
    if (l.contains("order")) paths.insert(l["path"].get<std::string>());
  CHECK(paths.size() == 4);
}
