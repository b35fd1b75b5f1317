// perpx demo (--fast), through its C++ entry point (the command's body) on a
// real anvil that the demo starts itself, without a terminal (JSON lines).
// While the demo's chain is still up the test reads the chain and the
// journal itself and checks the summary against them: the carry's two legs
// (the venue's OrderFilled for the perp leg, the pool's Swap to the spot
// wallet), the urgent hedges' transactions in blocks with our fills, the
// kill-switch changes as the journal has them (REDUCING, then a manual
// ACTIVE), the probe the kill switch refused, the searcher's sandwiches and
// profit from its own fills, our venue position against our fills; then
// the recording replays to identical decisions and the report is one
// self-contained page.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "demo_scenario.hpp"
#include "demo_spot.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/store/sqlite.hpp"
#include "perpx/strategies/recording.hpp"
#include "perpx/venues/ref_venue.hpp"

using namespace perpx;
using core::I256;
using core::Json;
using core::U256;

namespace {

namespace fs = std::filesystem;

chain::Address address(const Json& j) {
  auto a = core::parse_address(j.get<std::string>());
  REQUIRE(a);
  return *a;
}

chain::Hash32 topic_of(const chain::Address& a) {
  chain::Hash32 h{};
  std::copy(a.bytes.begin(), a.bytes.end(), h.bytes.begin() + 12);
  return h;
}

double dbl(const I256& v) { return std::stod(core::wad_to_string(v)); }

std::vector<venues::OrderFilledEvent> fills_of(chain::RpcClient& rpc, const chain::Address& venue, const chain::Address& who,
                                               uint64_t from, uint64_t to) {
  const chain::LogFilter f{{venue}, {{venues::order_filled_topic()}, {topic_of(who)}}};
  auto logs = rpc.get_logs(f, from, to);
  REQUIRE(logs);
  std::vector<venues::OrderFilledEvent> out;
  for (const auto& log : *logs) {
    auto e = venues::decode_order_filled(log);
    REQUIRE(e);
    out.push_back(*e);
  }
  return out;
}

}  // namespace

TEST_CASE("perpx demo: every phase happens on chain and the summary is what the chain and the journal say",
          "[anvil][strategies][demo]") {
  const fs::path dir = fs::temp_directory_path() / ("perpx-demo-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  app::DemoOptions o;
  o.fast = true;
  o.report = dir / "demo-report.html";
  o.contracts_dir = PERPX_CONTRACTS_DIR;
  size_t streamed = 0;
  o.on_line = [&](const Json&) { ++streamed; };
  bool checked = false;

  const app::DemoResult r = app::run_demo(o, [&](chain::RpcClient& rpc, const app::DrillResult& res) {
    checked = true;
    INFO(res.why);
    REQUIRE(res.ok);
    const Json& s = res.lines.back()["summary"];
    const chain::Address venue = address(s["venue"]);
    const chain::Address account = address(s["account"]);
    const chain::Address spot_wallet = address(s["spot_wallet"]);
    const chain::Address searcher = address(s["searcher"]);
    const chain::Address pool = address(s["pool"]);
    const uint64_t first = s["first_block"].get<uint64_t>(), last = s["last_block"].get<uint64_t>();

    // The phases, in order, over consecutive blocks.
    std::vector<std::string> names;
    uint64_t next = first;
    for (const Json& p : s["phases"]) {
      names.push_back(p["name"].get<std::string>());
      CHECK(p["first_block"].get<uint64_t>() == next);
      CHECK(p["last_block"].get<uint64_t>() >= p["first_block"].get<uint64_t>());
      next = p["last_block"].get<uint64_t>() + 1;
    }
    CHECK(names == std::vector<std::string>{"calm", "funding_spike", "crash", "oracle_anomaly", "sandwich", "settle"});

    auto journal = executor::Journal::open(s["journal"].get<std::string>());
    REQUIRE(journal);
    auto orders = journal->orders(false);
    REQUIRE(orders);

    // Our venue position is the sum of our fills on chain.
    const auto ours = fills_of(rpc, venue, account, first, last);
    I256 net;
    for (const auto& e : ours) net += e.size_delta;
    venues::RefVenue ref(rpc, venue);
    auto pos = ref.position(account, 0);
    REQUIRE(pos);
    CHECK(pos->size == net);
    CHECK(net.negative());  // the desk ends short the perp: inventory hedged, carry short

    // The carry: its perp leg filled (journal: included, its txn's receipt
    // holds our OrderFilled of that size) and the pool swapped to the spot wallet.
    CHECK(s["carry_opened"].get<bool>());
    bool carry_perp = false;
    unsigned urgent_on_chain = 0;
    for (const auto& rec : *orders) {
      if (rec.state != "included" && rec.state != "finalized") continue;
      const bool carry = rec.strategy == "carry" && rec.venue == "ref";
      const bool urgent = rec.strategy == "hedger" && (rec.urgency == "urgent" || rec.urgency == "critical");
      if (!carry && !urgent) continue;
      auto txns = journal->txns(rec.id);
      REQUIRE(txns);
      bool filled = false;
      for (const auto& t : *txns) {
        auto rc = rpc.transaction_receipt(t.hash);
        REQUIRE(rc);
        if (!*rc || !(*rc)->success) continue;
        CHECK((*rc)->block_number >= first);
        CHECK((*rc)->block_number <= last);
        const auto want = core::parse_wad(rec.size);
        REQUIRE(want);
        for (const auto& e : venues::fills_in(**rc))
          if (e.account == account && (e.size_delta.negative() ? -e.size_delta : e.size_delta).as_u256() == *want)
            filled = true;
      }
      // A batch hedge's fill may sit in a settle transaction of another order; urgent hedges and
      // the carry's perp leg here go by their own transactions.
      if (carry) carry_perp = carry_perp || filled;
      if (urgent && filled) ++urgent_on_chain;
    }
    CHECK(carry_perp);
    CHECK(urgent_on_chain >= 1);
    CHECK(s["urgent_hedges"].get<unsigned>() == urgent_on_chain);
    {
      const chain::LogFilter f{{pool}, {{app::swap_topic()}, {}, {topic_of(spot_wallet)}}};
      auto swaps = rpc.get_logs(f, first, last);
      REQUIRE(swaps);
      CHECK(!swaps->empty());
    }

    // The kill switch: the summary's changes are the journal's rows; REDUCING, then a manual ACTIVE.
    {
      auto db = store::Db::open(s["journal"].get<std::string>(), false);
      REQUIRE(db);
      auto st = db->prepare("SELECT from_state, to_state, cause FROM trading_state ORDER BY seq");
      REQUIRE(st);
      Json rows = Json::array();
      while (st->step() == 100) rows.push_back({st->text(0), st->text(1), st->text(2)});
      REQUIRE(rows.size() == s["kill_switch_changes"].size());
      bool reducing = false, resumed = false;
      for (size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i][1] == s["kill_switch_changes"][i]["to"]);
        CHECK(rows[i][2] == s["kill_switch_changes"][i]["cause"]);
        if (rows[i][1] == "reducing") reducing = true;
        if (reducing && rows[i][1] == "active" && rows[i][2] == "manual") resumed = true;
      }
      CHECK(reducing);
      CHECK(resumed);
    }
    auto add = journal->order_by_client_id("operator-probe-add");
    REQUIRE(add);
    REQUIRE(*add);
    CHECK((*add)->state == "rejected");
    auto reduce = journal->order_by_client_id("operator-probe-reduce");
    REQUIRE(reduce);
    REQUIRE(*reduce);
    CHECK((*reduce)->state != "rejected");

    // The searcher: it sandwiched the public orders; its profit is its own fills' PnL minus fees.
    CHECK(s["sandwich_attempts"].get<unsigned>() > 0);
    I256 profit;
    const auto theirs = fills_of(rpc, venue, searcher, first, last);
    CHECK(theirs.size() >= 2);
    for (const auto& e : theirs) profit += e.realized_pnl - I256::from_u256(e.fee);
    CHECK(std::fabs(dbl(profit) - s["searcher_profit_usd"].get<double>()) < 0.01);
    CHECK(s["value_protected_usd"].get<double>() > 0);

    const Json& lat = s["hedge_latency_us"];
    CHECK(lat["samples"].get<size_t>() >= 1);
    CHECK(lat["p50"].get<double>() > 0);
    CHECK(lat["p99"].get<double>() >= lat["p50"].get<double>());
  });
  REQUIRE(checked);
  CHECK(streamed == r.lines.size());
  CHECK(r.lines.back().contains("summary"));

  // The recording replays to the same decisions.
  auto rep = strategies::replay(r.record.string());
  REQUIRE(rep);
  CHECK(rep->identical);
  CHECK(rep->decisions > 0);
  CHECK(rep->events > 0);

  // The report: one page, four inline charts, nothing fetched from elsewhere.
  std::ifstream in(r.report);
  std::stringstream html;
  html << in.rdbuf();
  const std::string page = html.str();
  size_t charts = 0;
  for (size_t at = page.find("<svg"); at != std::string::npos; at = page.find("<svg", at + 1)) ++charts;
  CHECK(charts == 4);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  fs::remove_all(dir);
}
