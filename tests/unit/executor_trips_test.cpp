// The kill switch's trips without a chain: chain feed samples through the
// real oracle pipeline (a rejected burst reduces, a lost quorum halts), the
// account against the margin buffer and the journalled day start
// (drawdown), each change journalled with its cause on a real SQLite file;
// fences journalled and restored; a version-2 journal opened by this one.
#include <catch2/catch.hpp>

#include <filesystem>

#include "temp_dir.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/trips.hpp"
#include "perpx/store/sqlite.hpp"

using namespace perpx;
using executor::FenceMode;
using executor::Journal;
using executor::KillSwitch;
using executor::TradingState;
using executor::TripCause;
using executor::Trips;

namespace {

using perpx::test::TempDir;

Journal open_ok(const std::filesystem::path& p) {
  auto j = Journal::open(p);
  if (!j) FAIL(j.error().message);
  return std::move(*j);
}

// A Chainlink-style reading: `dollars` at 8 decimals, published at `t` (s), round `round`.
chain::PriceSample chainlink(uint64_t dollars, uint64_t t, uint64_t round) {
  chain::PriceSample s;
  s.source = chain::FeedSource::kChainlink;
  s.price = chain::FixedPrice{core::U256{dollars} * core::U256{100'000'000}, false, -8};
  s.publish_time = t;
  s.round_id = core::U256{round};
  s.answered_in_round = core::U256{round};
  s.block_number = round;
  return s;
}
chain::PriceSample pyth(uint64_t dollars, uint64_t t) {
  chain::PriceSample s;
  s.source = chain::FeedSource::kPyth;
  s.price = chain::FixedPrice{core::U256{dollars} * core::U256{100'000'000}, false, -8};
  s.conf = core::U256{100'000'000};  // 1 USD
  s.publish_time = t;
  return s;
}

core::I256 usd(int64_t v) { return core::I256{v} * core::kWadI; }

executor::VenueAccount account(int64_t equity, int64_t maintenance) {
  executor::VenueAccount a;
  a.equity = usd(equity);
  a.maintenance_margin = (usd(maintenance)).abs();
  return a;
}

struct Row {
  std::string to, cause, detail;
};
std::vector<Row> state_rows(const std::filesystem::path& p) {
  auto db = store::Db::open(p, false);
  REQUIRE(db);
  auto s = db->prepare("SELECT to_state, cause, detail FROM trading_state ORDER BY seq");
  REQUIRE(s);
  std::vector<Row> out;
  while (s->step() == 100 /* SQLITE_ROW */) out.push_back({s->text(0), s->text(1), s->text(2)});
  return out;
}

constexpr uint64_t kT0 = 1'700'000'000;  // s
constexpr uint64_t kMs0 = kT0 * 1000;

}  // namespace

TEST_CASE("a burst of rejected prices on a traded market reduces, journalled with its cause",
          "[executor][trips]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  KillSwitch kill;
  Trips trips(kill, j);
  const auto cl = trips.add_source("ETH", "chainlink");
  const auto py = trips.add_source("ETH", "pyth");
  const auto uni = trips.add_source("ETH", "univ3");
  CHECK(trips.trades("ETH"));
  CHECK_FALSE(trips.trades("BTC"));
  CHECK_FALSE(trips.mark("ETH").has_value());  // nothing yet: no quorum, no mark

  // Three sources agree at 3000.
  for (auto [src, s] : {std::pair{cl, chainlink(3000, kT0, 1)}, std::pair{py, pyth(3000, kT0)},
                        std::pair{uni, pyth(3001, kT0)}}) {
    auto r = trips.on_sample("ETH", src, s, kMs0);
    REQUIRE(r);
    CHECK(r->decision.accepted);
    CHECK(r->changes.empty());
  }
  REQUIRE(trips.mark("ETH").has_value());
  CHECK(*trips.mark("ETH") == core::U256{3000} * core::kWad);  // 1e18, the first reference

  // Chainlink publishes 6000 three times: each is rejected; the third is the burst.
  for (uint64_t k = 0; k < 3; ++k) {
    auto r = trips.on_sample("ETH", cl, chainlink(6000 + k, kT0 + 1 + k, 2 + k), kMs0 + 1000 * (k + 1));
    REQUIRE(r);
    CHECK_FALSE(r->decision.accepted);
    CHECK(kill.state() == (k < 2 ? TradingState::kActive : TradingState::kReducing));
    CHECK(r->changes.size() == (k < 2 ? 0u : 1u));
  }
  CHECK(kill.allows(true));
  CHECK_FALSE(kill.allows(false));
  REQUIRE(trips.mark("ETH").has_value());  // pyth and univ3 still make a quorum
  const auto rows = state_rows(j.path());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].to == "reducing");
  CHECK(rows[0].cause == "oracle_reject_burst");
  CHECK(rows[0].detail.find("ETH") != std::string::npos);
  CHECK(rows[0].detail.find("chainlink") != std::string::npos);
  CHECK(*j.trading_state() == TradingState::kReducing);

  // Samples of a market that is not traded here are refused, not counted.
  auto other = trips.on_sample("BTC", 0, chainlink(60000, kT0, 1), kMs0);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == executor::TripErrc::kUnknownSource);
}

TEST_CASE("a lost quorum halts and leaves no mark", "[executor][trips]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  KillSwitch kill;
  Trips trips(kill, j);
  const auto cl = trips.add_source("ETH", "chainlink");
  const auto py = trips.add_source("ETH", "pyth");  // quorum 2 of 2
  REQUIRE(trips.on_sample("ETH", cl, chainlink(3000, kT0, 1), kMs0));
  REQUIRE(trips.on_sample("ETH", py, pyth(3000, kT0), kMs0));
  REQUIRE(trips.mark("ETH").has_value());
  CHECK(kill.state() == TradingState::kActive);
  // Chainlink jumps 50% alone: rejected, and pyth alone is no quorum.
  auto r = trips.on_sample("ETH", cl, chainlink(4500, kT0 + 10, 2), kMs0 + 10'000);
  REQUIRE(r);
  CHECK_FALSE(r->decision.accepted);
  REQUIRE_FALSE(r->changes.empty());
  CHECK(r->changes.back().to == TradingState::kHalted);
  CHECK(r->changes.back().cause == TripCause::kOracleNoQuorum);
  CHECK(kill.state() == TradingState::kHalted);
  CHECK_FALSE(kill.allows(true));
  CHECK_FALSE(trips.mark("ETH").has_value());
  const auto rows = state_rows(j.path());
  REQUIRE_FALSE(rows.empty());
  CHECK(rows.back().to == "halted");
  CHECK(rows.back().cause == "oracle_no_quorum");
}

TEST_CASE("a price that does not fit is bad input and changes nothing", "[executor][trips]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  KillSwitch kill;
  Trips trips(kill, j);
  const auto cl = trips.add_source("ETH", "chainlink");
  chain::PriceSample s = chainlink(3000, kT0, 1);
  s.price.magnitude = ~core::U256{};
  auto r = trips.on_sample("ETH", cl, s, kMs0);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == executor::TripErrc::kBadSample);
  CHECK(kill.state() == TradingState::kActive);
  CHECK(state_rows(j.path()).empty());
  for (auto e : {executor::TripErrc::kUnknownSource, executor::TripErrc::kBadSample, executor::TripErrc::kJournal})
    CHECK(executor::describe(e) != "?");
}

TEST_CASE("margin under maintenance plus the buffer reduces", "[executor][trips]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  KillSwitch kill;
  Trips trips(kill, j, executor::TripConfig{2000});
  // 12000 >= 10000 * 1.2: inside the buffer (inclusive).
  auto ok = trips.on_account(account(12'000, 10'000), kMs0);
  REQUIRE(ok);
  CHECK(ok->empty());
  CHECK(kill.state() == TradingState::kActive);
  // No positions, no maintenance: nothing to breach.
  REQUIRE(trips.on_account(account(12'000, 0), kMs0 + 1)->empty());
  auto breached = trips.on_account(account(11'999, 10'000), kMs0 + 2);
  REQUIRE(breached);
  REQUIRE(breached->size() == 1);
  CHECK((*breached)[0].cause == TripCause::kMarginBuffer);
  CHECK((*breached)[0].to == TradingState::kReducing);
  CHECK((*breached)[0].detail.find("11999") != std::string::npos);
  CHECK(kill.state() == TradingState::kReducing);
  CHECK(state_rows(j.path()).back().cause == "margin_buffer");
  // Told once: the state only tightens, the same breach is no new change.
  CHECK(trips.on_account(account(11'000, 10'000), kMs0 + 3)->empty());
}

TEST_CASE("drawdown from the journalled day start reduces, then halts, across a restart", "[executor][trips]") {
  TempDir d;
  const auto p = d.path / "j.sqlite";
  {
    Journal j = open_ok(p);
    KillSwitch kill;
    Trips trips(kill, j);
    REQUIRE(trips.on_account(account(100'000, 0), kMs0)->empty());  // the day's start
    REQUIRE(trips.on_account(account(95'001, 0), kMs0 + 1)->empty());  // 499 bps
    CHECK(kill.state() == TradingState::kActive);
  }
  // A restart later that day: the start is still 100000, not the equity now.
  Journal j = open_ok(p);
  KillSwitch kill(executor::KillSwitchConfig{}, *j.trading_state());
  Trips trips(kill, j);
  auto reduce = trips.on_account(account(95'000, 0), kMs0 + 60'000);  // 500 bps
  REQUIRE(reduce);
  REQUIRE(reduce->size() == 1);
  CHECK((*reduce)[0].cause == TripCause::kDrawdown);
  CHECK((*reduce)[0].to == TradingState::kReducing);
  CHECK((*reduce)[0].detail == "drawdown 500 bps");
  auto halt = trips.on_account(account(90'000, 0), kMs0 + 120'000);  // 1000 bps
  REQUIRE(halt);
  REQUIRE(halt->size() == 1);
  CHECK((*halt)[0].to == TradingState::kHalted);
  const auto rows = state_rows(p);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].to == "reducing");
  CHECK(rows[1].to == "halted");
  CHECK(rows[1].cause == "drawdown");
  // The next UTC day starts from its own first equity.
  CHECK(*j.day_start_equity("ref", kMs0 / 86'400'000 + 1, usd(90'000), kMs0 + 86'400'000) == usd(90'000));
  CHECK(*j.day_start_equity("ref", kMs0 / 86'400'000, usd(1), kMs0) == usd(100'000));
  CHECK(*j.day_start_equity("ref", 7, usd(-5), 1) == usd(-5));  // signed equity reads back
  // Another venue's account in the same journal keeps its own start.
  CHECK(*j.day_start_equity("hyperliquid", kMs0 / 86'400'000, usd(3), kMs0) == usd(3));
  CHECK(*j.day_start_equity("ref", kMs0 / 86'400'000, usd(2), kMs0) == usd(100'000));
}

TEST_CASE("fence changes are journalled, read back and restored", "[executor][fence][journal]") {
  TempDir d;
  const auto p = d.path / "j.sqlite";
  {
    Journal j = open_ok(p);
    CHECK(j.fences()->empty());
    executor::Fencing f;
    auto a = f.fence("hedger", FenceMode::kFlatten, "losing", 10, executor::AccountView{}, {});
    REQUIRE(j.add_fence_change(a.record));
    auto b = f.fence("carry", FenceMode::kDenyNew, "bad fills", 20, executor::AccountView{}, {});
    REQUIRE(j.add_fence_change(b.record));
    auto c = f.unfence("carry", "fixed", 30);
    REQUIRE(c);
    REQUIRE(j.add_fence_change(*c));
    auto e = f.fence("hedger", FenceMode::kIsolate, "isolate instead", 40, executor::AccountView{}, {});
    REQUIRE(e.record.from == FenceMode::kFlatten);
    REQUIRE(j.add_fence_change(e.record));
  }
  Journal j = open_ok(p);
  const auto changes = *j.fence_changes();
  REQUIRE(changes.size() == 4);
  CHECK(changes[2].strategy == "carry");
  CHECK(changes[2].from == FenceMode::kDenyNew);
  CHECK_FALSE(changes[2].to.has_value());
  CHECK(changes[2].reason == "fixed");
  CHECK(changes[3].from == FenceMode::kFlatten);
  CHECK(changes[3].time_ms == 40);
  const auto now = *j.fences();
  REQUIRE(now.size() == 1);
  CHECK(now.at("hedger") == FenceMode::kIsolate);

  executor::Fencing restored;
  for (const auto& [s, m] : now) restored.restore(s, m);
  CHECK(restored.mode("hedger") == FenceMode::kIsolate);
  CHECK_FALSE(restored.mode("carry").has_value());
  executor::Order o;
  o.strategy = "hedger";
  o.market = "ETH";
  o.size = core::kWad;
  auto denied = restored.check(o, false, executor::AccountView{}, core::kWad);
  REQUIRE_FALSE(denied);
  CHECK(denied.error().reason == executor::DenyReason::kStrategyFenced);
  CHECK(restored.check(o, true, executor::AccountView{}, core::kWad));  // its reduce-only orders pass
  o.strategy = "carry";
  CHECK(restored.check(o, false, executor::AccountView{}, core::kWad));
}

TEST_CASE("a version-2 journal opens, keeps its rows and gains fences and day equity", "[executor][journal]") {
  TempDir d;
  const auto p = d.path / "v2.sqlite";
  {
    // The tables of schema 2 as version 2 wrote them, with one kill-switch change.
    auto db = store::Db::open(p, true);
    REQUIRE(db);
    REQUIRE(db->exec(R"(
CREATE TABLE orders (
  id INTEGER PRIMARY KEY, client_order_id TEXT NOT NULL UNIQUE, venue TEXT NOT NULL, market TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')), size TEXT NOT NULL, limit_price TEXT NOT NULL,
  urgency TEXT NOT NULL, path TEXT NOT NULL, reduce_only INTEGER NOT NULL, strategy TEXT NOT NULL,
  state TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE order_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),
  time_ms INTEGER NOT NULL, state TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE txns (
  hash TEXT PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), step TEXT NOT NULL, route TEXT NOT NULL,
  route_until INTEGER NOT NULL, chain_id INTEGER NOT NULL,
  sender TEXT NOT NULL, nonce INTEGER NOT NULL, raw BLOB NOT NULL, max_fee TEXT NOT NULL, tip TEXT NOT NULL,
  state TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE order_facts (
  order_id INTEGER NOT NULL REFERENCES orders(id), key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (order_id, key));
CREATE TABLE trading_state (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, from_state TEXT NOT NULL,
  to_state TEXT NOT NULL, cause TEXT NOT NULL, detail TEXT NOT NULL);
INSERT INTO trading_state(time_ms, from_state, to_state, cause, detail) VALUES (5, 'active', 'reducing', 'manual', 'v2');
PRAGMA user_version = 2;
)"));
  }
  {
    Journal j = open_ok(p);
    CHECK(*j.trading_state() == TradingState::kReducing);
    CHECK(j.fences()->empty());
    executor::Fencing f;
    REQUIRE(j.add_fence_change(f.fence("hedger", FenceMode::kDenyNew, "x", 1, executor::AccountView{}, {}).record));
    CHECK(*j.day_start_equity("ref", 1, usd(7), 1) == usd(7));
  }
  Journal j = open_ok(p);  // now version 3: opens again
  CHECK(j.fences()->at("hedger") == FenceMode::kDenyNew);
  {
    auto db = store::Db::open(p, false);
    REQUIRE(db);
    auto v = db->prepare("PRAGMA user_version");
    REQUIRE(v);
    REQUIRE(v->step() == 100);
    CHECK(v->i64(0) == 3);
  }
  // A newer schema than this perpx reads is refused, naming the versions.
  const auto p9 = d.path / "v9.sqlite";
  {
    auto db = store::Db::open(p9, true);
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t(x); PRAGMA user_version = 9;"));
  }
  auto nine = Journal::open(p9);
  REQUIRE_FALSE(nine);
  CHECK(nine.error().code == executor::JournalErrc::kOpen);
  CHECK(nine.error().message.find("version 9") != std::string::npos);
}
