// perpx oracle audit against a real anvil with the real feed contracts:
// Chainlink-style aggregators (DrillAggregator: MockV3Aggregator plus its
// events), Pyth's MockPyth, an L2 sequencer uptime feed. The audit is run
// in ranges, resumed, re-run (nothing counted twice), fed a bad log (its
// range rolled back), and its report opened in headless Chromium.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "cli_run.hpp"
#include "contract_chain.hpp"
#include "oracle_chromium.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/oracle/audit.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kEthUsdId = "0xff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";

struct Chain : test::ContractChain {
  uint64_t now() { return head().timestamp; }
  void pyth_update(const Address& pyth, int64_t price, uint64_t conf) {
    const uint64_t t = now();
    auto data = chain::call(rpc, pyth,
                            "createPriceFeedUpdateData(bytes32,int64,uint64,int32,int64,uint64,uint64,uint64)(bytes)",
                            Json::array({kEthUsdId, std::to_string(price), std::to_string(conf), -8,
                                         std::to_string(price), std::to_string(conf), t, 0}));
    REQUIRE(data);
    send(pyth, "updatePriceFeeds(bytes[])", Json::array({Json::array({(*data)[0]})}), U256{1});
  }
};

std::string hex(const Address& a) { return core::to_checksum(a); }

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("perpx-audit-" + std::to_string(::getpid()) + "-" + name);
}

void remove_db(const fs::path& p) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
}

}  // namespace

TEST_CASE("oracle audit: real feeds, ranges, resume without double counting, bad log, report in Chromium",
          "[anvil][oracle][audit]") {
  Chain c;
  // The uptime feed says "up" from its deployment: the grace period (an hour) passes first.
  const Address seq = c.deploy("DrillAggregator", "(uint8,int256)", Json::array({0, "0"}));
  c.advance(3700);
  const Address cl = c.deploy("DrillAggregator", "(uint8,int256)", Json::array({8, "300000000000"}));
  const Address venue = c.deploy("DrillAggregator", "(uint8,int256)", Json::array({8, "300000000000"}));
  const Address pyth = c.deploy("MockPyth", "(uint256,uint256)", Json::array({60, 1}));
  c.pyth_update(pyth, 300000000000, 150000000);

  // 16 rounds, 12 s apart; round 8: the venue prints +30% (the DAI shape).
  for (int i = 1; i <= 16; ++i) {
    c.advance(12);
    const int64_t p = 300000000000 + i * 100000000;  // +1 USD a round
    c.send(cl, "submit(int256)", Json::array({std::to_string(p)}));
    c.send(venue, "submit(int256)", Json::array({std::to_string(i == 8 ? p * 13 / 10 : p + 50000000)}));
    c.pyth_update(pyth, p - 20000000, 150000000);
  }
  auto mid = c.rpc.block_number();
  REQUIRE(mid);
  const BlockNum first_to = *mid - 20;  // stop in the middle of the series
  for (int i = 17; i <= 20; ++i) {
    c.advance(12);
    const int64_t p = 300000000000 + i * 100000000;
    c.send(cl, "submit(int256)", Json::array({std::to_string(p)}));
    c.send(venue, "submit(int256)", Json::array({std::to_string(p)}));
    c.pyth_update(pyth, p, 150000000);
  }
  auto end = c.rpc.block_number();
  REQUIRE(end);

  // Every feed log there is, to compare with what the audit stores.
  LogFilter f;
  f.addresses = {cl, venue, seq, pyth};
  f.topics = {{answer_updated_topic(), price_feed_update_topic()}};
  auto all_logs = c.rpc.get_logs(f, 0, *end);
  REQUIRE(all_logs);
  const size_t expected = all_logs->size();
  REQUIRE(expected == 3 + 1 + 16 * 3 + 4 * 3);  // constructors announce round 1 (not MockPyth)

  oracle::AuditOptions o;
  for (const std::string& spec : {"chainlink:" + hex(cl), "venue=chainlink:" + hex(venue),
                                 "pyth:" + hex(pyth) + ":" + std::string(kEthUsdId), "sequencer:" + hex(seq)}) {
    auto feed = oracle::open_audit_feed(c.rpc, spec);
    INFO((feed ? "" : feed.error()));
    REQUIRE(feed);
    o.feeds.push_back(*feed);
  }
  oracle::name_feeds(o.feeds);
  CHECK(o.feeds[0].name == "chainlink");
  CHECK(o.feeds[1].name == "venue");
  CHECK(o.feeds[2].expo == -8);
  o.db = temp_path("a.sqlite");
  remove_db(o.db);
  o.from_block = 0;
  o.to_block = first_to;
  o.step = 7;  // many ranges, one transaction each

  std::vector<oracle::AuditProgress> progress;
  auto r1 = oracle::run_audit(c.rpc, o, [&](const oracle::AuditProgress& p) { progress.push_back(p); });
  INFO((r1 ? "" : r1.error()));
  REQUIRE(r1);
  CHECK_FALSE(r1->resumed);
  CHECK(r1->scanned_to == first_to);
  CHECK(progress.size() == (first_to + 7) / 7);
  CHECK(progress.back().done == first_to);
  CHECK(r1->new_samples > 0);
  CHECK(r1->new_samples < expected);

  // Resumed: continues after first_to; the whole history once.
  o.to_block.reset();
  std::vector<oracle::AuditRow> seen;
  auto r2 = oracle::run_audit(c.rpc, o, {}, [&](const oracle::AuditRow& r) { seen.push_back(r); });
  INFO((r2 ? "" : r2.error()));
  REQUIRE(r2);
  CHECK(r2->resumed);
  CHECK(r2->scanned_from == first_to + 1);
  CHECK(r2->new_samples + r1->new_samples == expected);
  CHECK(r2->total_samples == expected);
  CHECK(seen.size() == r2->new_samples);
  for (const auto& row : seen) CHECK(row.block > first_to);

  // Once more: nothing new, nothing counted twice.
  auto r3 = oracle::run_audit(c.rpc, o);
  REQUIRE(r3);
  CHECK(r3->new_samples == 0);
  CHECK(r3->total_samples == expected);

  // Decisions: the venue's +30% print is rejected, the rest of the market accepted.
  auto data = oracle::load_audit(o.db);
  REQUIRE(data);
  REQUIRE(data->rows.size() == expected);
  size_t venue_rejected = 0, others_rejected = 0;
  for (const auto& row : data->rows) {
    if (row.accepted) continue;
    if (row.feed == 1) {
      ++venue_rejected;
      CHECK(row.reasons.has(oracle::Reason::kJump));
      CHECK(row.reasons.has(oracle::Reason::kDeviation));
      CHECK(row.sample.price == oracle::Price{(300000000000 + 8 * 100000000) * 13 / 10 * 10});
    } else {
      ++others_rejected;
    }
  }
  CHECK(venue_rejected == 1);
  CHECK(others_rejected == 0);
  REQUIRE(r3->stats.size() == 4);
  CHECK(r3->stats[1].rejected == 1);
  CHECK(r3->stats[0].mean_gap_s > 11);
  CHECK(r3->stats[1].largest_deviation > 0.25);

  // A bad log (an uptime answer of 2): the run fails naming it, and its range is rolled back.
  c.send(seq, "submit(int256)", Json::array({"2"}));
  auto bad = oracle::run_audit(c.rpc, o);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("sequencer status is neither 0 (up) nor 1 (down)") != std::string::npos);
  CHECK(bad.error().find("block ") == 0);
  auto after = oracle::load_audit(o.db);
  REQUIRE(after);
  CHECK(after->rows.size() == expected);
  CHECK(after->next_block == data->next_block);

  // Other feeds into the same store: refused.
  oracle::AuditOptions other = o;
  other.feeds.pop_back();
  auto refused = oracle::run_audit(c.rpc, other);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().find("made for other feeds") != std::string::npos);

  // The report in a real browser.
  const fs::path html = temp_path("report.html");
  REQUIRE(oracle::write_report(*data, html, "perpx oracle audit"));
  const std::string dom = perpx::test::chromium_dump_dom(html);
  fs::remove(html);
  INFO(dom.substr(0, 300));
  CHECK(dom.find("data-rendered=\"1\"") != std::string::npos);
  CHECK(dom.find("1 anomalies marked.") != std::string::npos);
  CHECK(perpx::test::count_of(dom, "<polyline class=\"series\"") == 3);
  CHECK(perpx::test::count_of(dom, "<tr data-source=") == 4);
  remove_db(o.db);
}

TEST_CASE("perpx oracle audit as a program: JSON summary, report file, bad input exits 1", "[anvil][oracle][audit][cli]") {
  Chain c;
  const Address cl = c.deploy("DrillAggregator", "(uint8,int256)", Json::array({8, "300000000000"}));
  const Address venue = c.deploy("DrillAggregator", "(uint8,int256)", Json::array({8, "300100000000"}));
  for (int i = 0; i < 5; ++i) {
    c.advance(30);
    c.send(cl, "submit(int256)", Json::array({"3001" + std::to_string(i) + "0000000"}));
    c.send(venue, "submit(int256)", Json::array({i == 3 ? "3" : "3001" + std::to_string(i) + "5000000"}));
  }
  const fs::path db = temp_path("cli.sqlite");
  const fs::path html = temp_path("cli.html");
  remove_db(db);
  auto r = perpx::test::run_perpx({"oracle", "audit", "--rpc-url", c.lc.rpc_url(), "--feed", "chainlink:" + hex(cl),
                                   "--feed", "venue=chainlink:" + hex(venue), "--from-block", "0", "--db", db.string(),
                                   "--report", html.string(), "--json"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const Json j = Json::parse(r.out);
  CHECK(j["total_samples"] == 12);
  CHECK(j["rejected"] == 1);
  CHECK(j["reasons"]["jump"] == 1);
  CHECK(j["sources"][1]["source"] == "venue");
  CHECK(j["report"] == html.string());
  CHECK(fs::file_size(html) > 1000);
  // Again: resumed, nothing new.
  r = perpx::test::run_perpx({"oracle", "audit", "--rpc-url", c.lc.rpc_url(), "--feed", "chainlink:" + hex(cl),
                              "--feed", "venue=chainlink:" + hex(venue), "--from-block", "0", "--db", db.string(), "--json"});
  REQUIRE(r.status == 0);
  CHECK(Json::parse(r.out)["new_samples"] == 0);
  CHECK(Json::parse(r.out)["resumed"] == true);

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--feed", "chainlink:0x1234", "--from-block", "0", "--db", db.string()},
           {"--feed", "binance:" + hex(cl), "--from-block", "0", "--db", db.string()},
           {"--feed", "chainlink:" + hex(cl), "--from-block", "5", "--to-block", "2", "--db", db.string()}}) {
    std::vector<std::string> full = {"oracle", "audit", "--rpc-url", c.lc.rpc_url()};
    full.insert(full.end(), args.begin(), args.end());
    const auto e = perpx::test::run_perpx(full);
    CHECK(e.status == 1);
    CHECK(e.out.empty());
    CHECK(std::count(e.err.begin(), e.err.end(), '\n') == 1);
  }
  remove_db(db);
  fs::remove(html);
}
