// perpx drill congestion, small, through its C++ entry point on a real
// anvil: urgent hedges land within 2 blocks while the base fee climbs,
// normal orders wait and never pay (or offer) past their gas budget, and the
// chain itself agrees: read here, independently of the drill's own account,
// while its anvil is still up (transactions by hash and sender, nonces,
// receipts, the venue's ETH price for the budgets).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "congestion_drill.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/executor/fees.hpp"
#include "perpx/venues/ref_adapter.hpp"

using namespace perpx;
using core::Json;
using core::U256;

namespace {

U256 quantity(const Json& j) {
  auto v = chain::parse_quantity(j);
  REQUIRE(v);
  return *v;
}

// What the chain says of the orders the drill reports, per urgency.
struct Seen {
  unsigned landed = 0;
  U256 paid;
  uint64_t max_blocks = 0;
};

}  // namespace

TEST_CASE("drill congestion: urgent hedges within 2 blocks, normal orders under their cap, the chain agrees",
          "[anvil][executor][drill]") {
  app::CongestionOptions o;
  o.urgent = 3;
  o.normal = 3;
  o.congestion_blocks = 8;
  o.contracts_dir = PERPX_CONTRACTS_DIR;
  bool checked = false;
  const auto r = app::run_congestion_drill(o, [&](chain::RpcClient& rpc, const app::CongestionResult& res) {
    checked = true;
    const Json& s = res.lines.back();
    const auto venue_address = core::parse_address(s["venue"].get<std::string>());
    REQUIRE(venue_address);
    venues::RefAdapter venue(rpc, *venue_address);
    auto eth = venue.market("ETH");
    REQUIRE(eth);
    const executor::FeeConfig fees;
    std::map<std::string, Seen> seen;
    std::map<std::string, std::set<uint64_t>> nonces;  // by sender
    for (size_t i = 0; i + 1 < res.lines.size(); ++i) {
      const Json& l = res.lines[i];
      if (l["event"] != "order") continue;
      INFO(l.dump());
      REQUIRE_FALSE(l.contains("refused"));
      if (!l["landed"].get<bool>()) continue;
      const std::string urgency = l["urgency"].get<std::string>();
      auto txn = rpc.request("eth_getTransactionByHash", Json::array({l["hash"]}));
      auto receipt = rpc.request("eth_getTransactionReceipt", Json::array({l["hash"]}));
      REQUIRE(txn);
      REQUIRE(receipt);
      REQUIRE(receipt->is_object());
      CHECK(core::to_checksum(*core::parse_address((*txn)["from"].get<std::string>())) == l["sender"]);
      CHECK((*receipt)["status"] == "0x1");
      const uint64_t block = quantity((*receipt)["blockNumber"]).w[0];
      const uint64_t blocks = block - l["placed_at"].get<uint64_t>();
      const U256 paid = quantity((*receipt)["gasUsed"]) * quantity((*receipt)["effectiveGasPrice"]);
      // The budget from the order's own terms: size x limit at the venue's ETH price, cap_bps of it.
      const bool urgent = urgency == "urgent";
      const U256 notional_usd = core::kWad * U256{urgent ? 2u * 2900u : 5u * 3100u};
      const U256 notional_wei = notional_usd * core::kWad / eth->index;
      const U256 budget = notional_wei * U256{fees.levels[urgent ? 2 : 1].cap_bps} / U256{10'000};
      CHECK(paid <= budget);
      CHECK(nonces[l["sender"].get<std::string>()].insert(quantity((*txn)["nonce"]).w[0]).second);
      Seen& x = seen[urgency];
      ++x.landed;
      x.paid = x.paid + paid;
      x.max_blocks = std::max(x.max_blocks, blocks);
    }
    // Each sender's nonce moved by exactly its landed orders, at consecutive nonces from where it started.
    for (const Json& sender : s["chain"]["senders"]) {
      INFO(sender.dump());
      const auto who = core::parse_address(sender["address"].get<std::string>());
      REQUIRE(who);
      auto count = rpc.transaction_count(*who, chain::Tag::kLatest);
      REQUIRE(count);
      const auto& ns = nonces[sender["address"].get<std::string>()];
      CHECK(*count - sender["nonce_start"].get<uint64_t>() == ns.size());
      if (!ns.empty()) {
        CHECK(*ns.begin() == sender["nonce_start"].get<uint64_t>());
        CHECK(*ns.rbegin() + 1 == *count);
      }
    }
    // The drill's figures are the chain's.
    for (const char* k : {"urgent", "normal"}) {
      INFO(k);
      CHECK(s[k]["landed"] == seen[k].landed);
      CHECK(s[k]["max_blocks_to_inclusion"] == seen[k].max_blocks);
      CHECK(std::abs(s[k]["gas_paid_gwei"].get<double>() - std::stod(core::to_decimal(seen[k].paid)) / 1e9) < 1e-3);
    }
  });
  REQUIRE(checked);
  INFO(r.why);
  const Json& s = r.lines.back();
  INFO(s.dump());
  CHECK(s["drill"] == "congestion");
  CHECK(s["urgent"]["orders"] == 3);
  CHECK(s["normal"]["orders"] == 3);
  CHECK(s["urgent"]["landed"] == 3);
  CHECK(s["urgent"]["max_blocks_to_inclusion"].get<uint64_t>() <= 2);
  CHECK(s["urgent"]["gas_paid_gwei"].get<double>() > 0);
  CHECK(s["normal"]["over_cap"] == 0);
  CHECK(s["normal"]["offer_over_cap"] == 0);
  CHECK(s["chain"]["agrees"] == true);
  CHECK(s["urgent"]["duplicates"] == 0);
  CHECK(s["normal"]["duplicates"] == 0);
  // It was a congestion: the base fee at least doubled, the urgent hedges had to
  // escalate, and the normal orders waited longer than the hedges.
  CHECK(s["base_fee_peak_gwei"].get<double>() >= 2 * s["base_fee_start_gwei"].get<double>());
  CHECK(s["urgent"]["bumps"].get<unsigned>() > 0);
  CHECK((s["normal"]["landed"].get<unsigned>() < 3 ||
         s["normal"]["max_blocks_to_inclusion"].get<uint64_t>() > s["urgent"]["max_blocks_to_inclusion"].get<uint64_t>()));
  CHECK(r.ok);
}
