// perpx killswitch / orders / order status against a real journal file.
#include <catch2/catch.hpp>

#include <filesystem>

#include "cli_run.hpp"
#include "perpx/core/json.hpp"
#include "perpx/executor/journal.hpp"

using namespace perpx;
using perpx::test::run_perpx;

namespace {

struct TempJournal {
  std::filesystem::path dir;
  std::string path;
  TempJournal() {
    char t[] = "/tmp/perpx-cli-journal-XXXXXX";
    REQUIRE(mkdtemp(t) != nullptr);
    dir = t;
    path = (dir / "j.sqlite").string();
  }
  ~TempJournal() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

core::Json json_of(const std::string& out) {
  auto j = core::parse_json(out);
  REQUIRE(j);
  return *j;
}

}  // namespace

TEST_CASE("perpx killswitch journals manual changes with their reason", "[cli][executor]") {
  TempJournal t;
  auto st = run_perpx({"killswitch", "status", "--journal", t.path});
  REQUIRE(st.status == 0);
  CHECK(st.out == "active\n");
  auto halt = run_perpx({"killswitch", "halt", "--reason", "oracle anomaly on ETH", "--journal", t.path, "--json"});
  REQUIRE(halt.status == 0);
  const auto j = json_of(halt.out);
  CHECK(j["changed"] == true);
  CHECK(j["from"] == "active");
  CHECK(j["to"] == "halted");
  CHECK(j["cause"] == "manual");
  CHECK(j["reason"] == "oracle anomaly on ETH");
  CHECK(json_of(run_perpx({"killswitch", "halt", "--reason", "x", "--journal", t.path, "--json"}).out)["changed"] == false);
  CHECK(run_perpx({"killswitch", "status", "--journal", t.path}).out == "halted\n");
  REQUIRE(run_perpx({"killswitch", "reduce", "--reason", "review", "--journal", t.path}).status == 0);
  CHECK(run_perpx({"killswitch", "status", "--journal", t.path}).out == "reducing\n");
  // The journal file itself holds the history.
  auto journal = executor::Journal::open(t.path);
  REQUIRE(journal);
  CHECK(*journal->trading_state() == executor::TradingState::kReducing);
}

TEST_CASE("perpx killswitch and order status: bad input is one line on stderr", "[cli][executor]") {
  TempJournal t;
  auto no_reason = run_perpx({"killswitch", "halt", "--journal", t.path});
  CHECK(no_reason.status == 1);
  CHECK(no_reason.out.empty());
  CHECK(no_reason.err.find("--reason") != std::string::npos);
  auto missing = run_perpx({"order", "status", "nope", "--journal", t.path});
  CHECK(missing.status == 1);
  CHECK(missing.out.empty());
  CHECK(missing.err == "perpx: order: no order nope in the journal\n");
  auto bad_file = run_perpx({"orders", "--journal", "/proc/nonexistent/dir/j.sqlite"});
  CHECK(bad_file.status == 1);
  CHECK(bad_file.out.empty());
  CHECK(bad_file.err.find("--journal") != std::string::npos);
}

TEST_CASE("perpx orders and order status read what the executor journalled", "[cli][executor]") {
  TempJournal t;
  {
    auto journal = executor::Journal::open(t.path);
    REQUIRE(journal);
    executor::OrderRecord o;
    o.client_order_id = "hedge-7";
    o.venue = "ref";
    o.market = "ETH";
    o.side = "sell";
    o.size = "2.5";
    o.limit_price = "2990";
    o.urgency = "urgent";
    o.path = "commit-reveal";
    o.strategy = "delta";
    o.created_ms = 100;
    auto id = journal->add_order(o);
    REQUIRE(id);
    REQUIRE(journal->set_order_state(*id, "sent", R"({"hash":"0xab"})", 200));
    o.client_order_id = "hedge-8";
    auto id2 = journal->add_order(o);
    REQUIRE(id2);
    REQUIRE(journal->set_order_state(*id2, "failed", "{}", 300));
  }
  const auto all = json_of(run_perpx({"orders", "--journal", t.path, "--json"}).out);
  CHECK(all["orders"].size() == 2);
  const auto open = json_of(run_perpx({"orders", "--open", "--journal", t.path, "--json"}).out);
  REQUIRE(open["orders"].size() == 1);
  CHECK(open["orders"][0]["client_order_id"] == "hedge-7");
  CHECK(open["orders"][0]["state"] == "sent");
  const auto st = json_of(run_perpx({"order", "status", "hedge-7", "--journal", t.path, "--json"}).out);
  CHECK(st["path"] == "commit-reveal");
  REQUIRE(st["events"].size() == 2);
  CHECK(st["events"][1]["detail"]["hash"] == "0xab");
  CHECK(json_of(run_perpx({"order", "status", "1", "--journal", t.path, "--json"}).out)["client_order_id"] == "hedge-7");
}
