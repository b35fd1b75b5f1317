// Recording and replay: a run of the hedger, the carry and the slicer (with
// fills and failures fed back as the executor would) replays to identical
// decisions; a changed config, a changed decision or a missing decision is
// found, with the first difference; bad recordings are errors naming the line.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "temp_dir.hpp"
#include "perpx/strategies/carry.hpp"
#include "perpx/strategies/hedger.hpp"
#include "perpx/strategies/recording.hpp"
#include "perpx/strategies/slicer.hpp"
#include "strategies_book.hpp"

using namespace strategies_test;
using namespace perpx;
namespace fs = std::filesystem;

namespace {

using perpx::test::TempDir;

std::vector<strategies::StrategySpec> specs() {
  strategies::SlicerConfig sc;
  sc.parent.venue = "ref";
  sc.parent.market = "ETH-PERP";
  sc.parent.side = executor::Side::kSell;
  sc.parent.size = wad(40);
  sc.parent.limit_price = wad(2500);
  sc.parent.strategy = "manual";
  sc.parent.client_id = "parent";
  sc.start_us = kT0us;
  sc.interval_us = 120 * kUs;
  sc.slices = 4;
  sc.mode = strategies::SliceMode::kVwap;
  sc.weights = {1, 2, 2, 1};
  return {{"hedger", strategies::to_json(strategies::HedgerConfig{})},
          {"carry", strategies::to_json(strategies::CarryConfig{})},
          {"slicer", strategies::to_json(sc)}};
}

// A calm start (a price every 20 s), funding that opens the carry, a fast crash leg; every third order fails,
// the others fill at their limit. Returns the number of events and decisions recorded.
std::pair<size_t, size_t> record(const std::string& path) {
  const auto book = make_book(200'000, 0, 5);
  auto set = strategies::make_strategies(specs(), book);
  REQUIRE(set);
  auto rec = strategies::Recorder::open(path, book, specs());
  REQUIRE(rec);
  size_t events = 0, decisions = 0, orders = 0;
  std::vector<strategies::Event> queue;
  auto run = [&](const strategies::Event& e) {
    queue.push_back(e);
    while (!queue.empty()) {
      const auto ev = queue.front();
      queue.erase(queue.begin());
      auto d = rec->feed(*set, ev);
      REQUIRE(d);
      ++events;
      decisions += d->size();
      for (const auto& x : *d) {
        const uint64_t t = strategies::event_time_us(ev) + 1;
        if (++orders % 3 == 0) queue.push_back(strategies::OrderFailedEvent{x.order.client_id, "reverted", t});
        else {
          const I256 s = I256::from_u256(x.order.size);
          queue.push_back(strategies::FillEvent{x.order.client_id, x.order.market,
                                                x.order.side == executor::Side::kBuy ? s : -s, x.order.limit_price, t});
        }
      }
    }
  };
  for (uint64_t i = 0; i < 60; ++i) {
    const double p = i < 30 ? 3000 + 2 * std::sin(static_cast<double>(i)) : 3000 - 15.0 * static_cast<double>(i - 29);
    const uint64_t t = i < 30 ? i * 20 : 600 + (i - 30);  // the crash leg: -15 USD a second
    run(price(p, t));
    run(strategies::SpotEvent{"WETH/USD", px(p), kT0us + t * kUs});
    if (i % 5 == 0) run(strategies::FundingEvent{"ETH-PERP", i < 45 ? I256{2} * kWadI / I256{1000} : -kWadI / I256{1000},
                                                 kT0us + t * kUs});
    run(strategies::TimerEvent{kT0us + t * kUs});
    // Mid-crash another desk buys 8 WETH on the account: the hedger must sell into a fast move.
    if (i == 40) run(strategies::FillEvent{"desk-1", "WETH/USD", iwad(8), px(p), kT0us + t * kUs});
    run(strategies::HeadEvent{100 + i, kT0us + t * kUs});
  }
  return {events, decisions};
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

}  // namespace

TEST_CASE("replay: a recorded run gives identical decisions", "[strategies][replay]") {
  TempDir dir;
  const std::string path = (dir.path / "run.jsonl").string();
  const auto [events, decisions] = record(path);
  REQUIRE(decisions > 5);  // the run did something: hedges, carry legs, slices
  const auto r = strategies::replay(path);
  REQUIRE(r);
  CHECK(r->identical);
  CHECK_FALSE(r->first_difference);
  CHECK(r->events == events);
  CHECK(r->decisions == decisions);
  CHECK(r->strategies == std::vector<std::string>{"hedger", "carry", "slicer"});
  // Every kind decided something, and the hedger met the crash with urgent hedges.
  const auto lines = lines_of(path);
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) ++n;
    return n;
  };
  CHECK(count("\"client_id\":\"hedger-") > 0);
  CHECK(count("\"client_id\":\"carry-1-spot\"") > 0);
  CHECK(count("\"client_id\":\"slicer-") > 0);
  size_t urgent_hedges = 0;
  for (const auto& l : lines)
    if (l.find("\"client_id\":\"hedger-") != std::string::npos && l.find("\"urgency\":\"urgent\"") != std::string::npos)
      ++urgent_hedges;
  CHECK(urgent_hedges > 0);
  // The same recording, recorded again, is the same text.
  const std::string again = (dir.path / "again.jsonl").string();
  record(again);
  CHECK(lines_of(again) == lines);
}

TEST_CASE("replay: a changed config is a different run", "[strategies][replay]") {
  TempDir dir;
  const std::string path = (dir.path / "run.jsonl").string();
  record(path);
  auto lines = lines_of(path);
  auto header = core::parse_json(lines[0]);
  REQUIRE(header);
  auto& hedger = (*header)["header"]["strategies"][0]["config"];
  REQUIRE(hedger["name"] == "hedger");
  hedger["band"] = core::to_decimal(wad(2));  // 2 ETH instead of 1
  lines[0] = header->dump();
  write_lines(path, lines);
  const auto r = strategies::replay(path);
  REQUIRE(r);
  CHECK_FALSE(r->identical);
  REQUIRE(r->first_difference);
  const auto& d = *r->first_difference;
  CHECK(d.recorded != d.replayed);
  CHECK((d.recorded.find("hedger-") != std::string::npos || d.replayed.find("hedger-") != std::string::npos));
}

TEST_CASE("replay: a changed or missing decision is found where it is", "[strategies][replay]") {
  TempDir dir;
  const std::string path = (dir.path / "run.jsonl").string();
  record(path);
  const auto lines = lines_of(path);
  size_t at = 0, nth = 0;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind("{\"decision\"", 0) == 0) {
      if (nth == 2) {
        at = i;
        break;
      }
      ++nth;
    }
  REQUIRE(at > 0);
  SECTION("changed") {
    auto changed = lines;
    auto j = core::parse_json(changed[at]);
    REQUIRE(j);
    (*j)["decision"]["order"]["size"] = "1";
    changed[at] = j->dump();
    write_lines(path, changed);
    const auto r = strategies::replay(path);
    REQUIRE(r);
    CHECK_FALSE(r->identical);
    REQUIRE(r->first_difference);
    CHECK(r->first_difference->decision_index == 2);
    CHECK(r->first_difference->recorded == core::parse_json(changed[at])->at("decision").dump());
    CHECK(r->first_difference->replayed == core::parse_json(lines[at])->at("decision").dump());
  }
  SECTION("missing") {
    auto cut = lines;
    cut.erase(cut.begin() + static_cast<std::ptrdiff_t>(at));
    write_lines(path, cut);
    const auto r = strategies::replay(path);
    REQUIRE(r);
    CHECK_FALSE(r->identical);
    REQUIRE(r->first_difference);
    CHECK(r->first_difference->decision_index == 2);
  }
}

TEST_CASE("replay: bad recordings are errors that name the line", "[strategies][replay]") {
  TempDir dir;
  const std::string path = (dir.path / "run.jsonl").string();
  CHECK_FALSE(strategies::replay(path));  // no file
  record(path);
  auto lines = lines_of(path);
  SECTION("garbage line") {
    lines[3] = "{not json";
    write_lines(path, lines);
    const auto r = strategies::replay(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find(":4:") != std::string::npos);
  }
  SECTION("unknown strategy kind") {
    auto header = core::parse_json(lines[0]);
    (*header)["header"]["strategies"][1]["kind"] = "martingale";
    lines[0] = header->dump();
    write_lines(path, lines);
    const auto r = strategies::replay(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("martingale") != std::string::npos);
  }
  SECTION("bad event field") {
    auto j = core::parse_json(lines[1]);
    REQUIRE(j->contains("event"));
    (*j)["event"]["time_us"] = "soon";
    lines[1] = j->dump();
    write_lines(path, lines);
    const auto r = strategies::replay(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("time_us") != std::string::npos);
  }
  SECTION("no header") {
    lines.erase(lines.begin());
    write_lines(path, lines);
    CHECK_FALSE(strategies::replay(path));
  }
}

TEST_CASE("replay: events and decisions round-trip through JSON", "[strategies][replay]") {
  const std::vector<strategies::Event> events = {
      strategies::PriceEvent{"ETH-PERP", wad(3000), wad(2999), 1},
      strategies::FundingEvent{"ETH-PERP", -kWadI / I256{1000}, 2},
      strategies::SpotEvent{"WETH/USD", wad(3001), 3},
      strategies::FillEvent{"hedger-1", "ETH-PERP", iwad(-3), wad(2998), 4},
      strategies::OrderFailedEvent{"hedger-2", "reverted", 5},
      strategies::HeadEvent{77, 6},
      strategies::TimerEvent{7}};
  for (const auto& e : events) {
    const auto j = strategies::event_to_json(e);
    const auto back = strategies::event_from_json(j);
    REQUIRE(back);
    CHECK(strategies::event_to_json(*back) == j);
    CHECK(strategies::event_time_us(*back) == strategies::event_time_us(e));
  }
  const auto book = make_book(50'000, 3, 2);
  const auto bj = strategies::book_to_json(book);
  const auto b2 = strategies::book_from_json(bj);
  REQUIRE(b2);
  CHECK(strategies::book_to_json(*b2) == bj);
  CHECK(b2->model.account(book.account) == book.model.account(book.account));
  CHECK(b2->model.market(0) == book.model.market(0));
}
