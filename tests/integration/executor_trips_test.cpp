// The kill switch's oracle trips in a running session, on a real anvil with
// the drill world: the session (exec_session.hpp, as `perpx order place`
// runs it) reads the world's Chainlink, Pyth and Uniswap v3 ETH feeds at
// every head through the oracle pipeline. Outlier rounds are pushed through
// the world's Chainlink aggregator, dated ahead of the chain (the venue's
// own oracle then ignores them and keeps trading on Pyth; the pipeline
// rejects them): the third rejection reduces the session at that head, a
// commit waiting for its reveal at that same head is withheld, a new
// non-reduce-only order is refused with the typed reason, and a
// reduce-only one still fills; all of it journalled. With two sources, one
// rejected round loses the quorum and halts. The chain is read on its own
// (the venue's position) to check what filled.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include "session_world.hpp"

using namespace venue_test;
using perpx::test::value_of;

namespace {

struct TripWorld : SessionWorld {
  uint64_t round = 100;

  TripWorld() : SessionWorld("perpx-trips") {}
  app::SessionOptions options(bool with_pool) {
    const auto& w = vc.lw.world;
    app::SessionOptions o = base_options();
    o.oracle_feeds = {"ETH:chainlink=chainlink:" + core::to_hex(w.eth_usd.view()),
                      "ETH:pyth=pyth:" + core::to_hex(w.pyth.view()) + ":" + std::string(app::kPythEthUsd)};
    if (with_pool)
      o.oracle_feeds.push_back("ETH:univ3=univ3:" + core::to_hex(w.pool.view()) + (w.token0 == w.usd ? ":invert" : ""));
    o.executor.reveal_depth = 2;  // a commit reveals two blocks after its own
    return o;
  }
  // A Chainlink round at `dollars`, dated 10 minutes ahead of the chain.
  void outlier(uint64_t dollars) {
    const uint64_t ahead = vc.head().timestamp + 600;
    vc.transact(kDeployer, vc.lw.world.eth_usd, "submitRound(uint80,int256,uint256,uint256)",
                Json::array({std::to_string(++round), std::to_string(dollars) + "00000000", std::to_string(ahead),
                             std::to_string(ahead)}));
  }
  executor::Order order(std::string id, executor::Side side, uint64_t limit, executor::Path path, bool reduce_only) {
    executor::Order o;
    o.venue = "ref";
    o.market = "ETH";
    o.side = side;
    o.size = kE18;
    o.limit_price = kE18 * U256{limit};
    o.path = path;
    o.reduce_only = reduce_only;
    o.strategy = "test";
    o.client_id = std::move(id);
    return o;
  }
  std::string last_detail(app::ExecSession& s, int64_t id) { return value_of(s.journal.events(id)).back().detail; }
};

}  // namespace

TEST_CASE("a burst of outlier prices reduces the running session at that head: a waiting reveal is withheld, "
          "new orders are refused, reduce-only ones fill",
          "[anvil][executor][trips]") {
  TripWorld t;
  app::ExecSession s(t.options(true), t.vc.lw.chain.dev_key(kTrader1));
  REQUIRE(s.kill.state() == executor::TradingState::kActive);
  REQUIRE(s.trips.mark("ETH").has_value());  // three sources at 3000: a quorum

  // A position to reduce later.
  const int64_t buy = value_of(s.ex.place(t.order("buy-1", executor::Side::kBuy, 3100, executor::Path::kPublic, false), ++t.now));
  REQUIRE(t.follow(s, buy) == "included");
  REQUIRE(ok(t.vc.venue.position(t.vc.who(kTrader1), 0)).size == I256::from_u256(kE18));

  // Two outliers, each seen at its own head: rejected, not yet a burst.
  t.outlier(6000);
  value_of(s.poll(++t.now));
  t.outlier(6010);
  value_of(s.poll(++t.now));
  CHECK(s.kill.state() == executor::TradingState::kActive);
  CHECK(s.tripped.empty());

  // A commit-reveal order: committed now, its reveal due two blocks on.
  const int64_t cr =
      value_of(s.ex.place(t.order("cr-1", executor::Side::kBuy, 3100, executor::Path::kCommitReveal, false), ++t.now));
  REQUIRE(value_of(s.journal.order(cr)).state == "committing");
  // The third outlier lands in the block after the commit; one poll sees both heads.
  t.outlier(6020);
  value_of(s.poll(++t.now));  // commit's head: committed; outlier's head: the trip, then the reveal's turn
  t.vc.mine();
  value_of(s.poll(++t.now));

  CHECK(s.kill.state() == executor::TradingState::kReducing);
  REQUIRE(s.tripped.size() == 1);
  CHECK(s.tripped[0].cause == executor::TripCause::kOracleRejectBurst);
  CHECK(s.tripped[0].detail.find("chainlink") != std::string::npos);
  const auto rows = t.trading_rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0] == std::pair<std::string, std::string>{"reducing", "oracle_reject_burst"});
  CHECK(value_of(s.journal.trading_state()) == executor::TradingState::kReducing);

  // The commit was never revealed: cancelled with the typed reason.
  CHECK(value_of(s.journal.order(cr)).state == "cancelled");
  CHECK(t.last_detail(s, cr).find("\"reason\":\"reducing\"") != std::string::npos);
  for (const auto& x : value_of(s.journal.txns(cr))) CHECK(x.step == "commit");

  // A new order that adds risk is refused before anything is signed, journalled with the reason.
  auto refused = s.ex.place(t.order("buy-2", executor::Side::kBuy, 3100, executor::Path::kPublic, false), ++t.now);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == executor::ExecErrc::kHalted);
  CHECK(refused.error().message.starts_with("reducing"));
  REQUIRE(refused.error().order_id != 0);
  CHECK(value_of(s.journal.order(refused.error().order_id)).state == "rejected");
  CHECK(t.last_detail(s, refused.error().order_id).find("\"reason\":\"reducing\"") != std::string::npos);
  CHECK(value_of(s.journal.txns(refused.error().order_id)).empty());

  // Reduce-only still passes and fills: the position is closed on the venue.
  const int64_t sell =
      value_of(s.ex.place(t.order("sell-1", executor::Side::kSell, 2900, executor::Path::kPublic, true), ++t.now));
  CHECK(t.follow(s, sell) == "included");
  CHECK(ok(t.vc.venue.position(t.vc.who(kTrader1), 0)).size == I256{0});

  // A new session on the same journal starts reducing.
  executor::Journal again = value_of(executor::Journal::open(t.dir / "journal.sqlite"));
  CHECK(value_of(again.trading_state()) == executor::TradingState::kReducing);
}

TEST_CASE("one rejected price of two sources loses the quorum and halts the session", "[anvil][executor][trips]") {
  TripWorld t;
  app::ExecSession s(t.options(false), t.vc.lw.chain.dev_key(kTrader1));
  REQUIRE(s.kill.state() == executor::TradingState::kActive);
  REQUIRE(s.trips.mark("ETH").has_value());
  t.outlier(4500);
  value_of(s.poll(++t.now));
  CHECK(s.kill.state() == executor::TradingState::kHalted);
  REQUIRE_FALSE(s.tripped.empty());
  CHECK(s.tripped.back().cause == executor::TripCause::kOracleNoQuorum);
  CHECK(s.tripped.back().to == executor::TradingState::kHalted);
  CHECK_FALSE(s.trips.mark("ETH").has_value());
  CHECK(t.trading_rows().back() == std::pair<std::string, std::string>{"halted", "oracle_no_quorum"});
  // Halted: even a reduce-only order is refused, with its reason.
  auto refused = s.ex.place(t.order("ro-1", executor::Side::kSell, 2900, executor::Path::kPublic, true), ++t.now);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == executor::ExecErrc::kHalted);
  CHECK(t.last_detail(s, refused.error().order_id).find("\"reason\":\"halted\"") != std::string::npos);
}

namespace {

// 100 ETH long at about 3000 on trader1's 100,000 USD, placed through the session.
void open_long(TripWorld& t, app::ExecSession& s) {
  executor::Order o = t.order("long-100", executor::Side::kBuy, 3100, executor::Path::kPublic, false);
  o.size = kE18 * U256{100};
  const int64_t id = value_of(s.ex.place(o, ++t.now));
  REQUIRE(t.follow(s, id) == "included");
  REQUIRE(ok(t.vc.venue.position(t.vc.who(kTrader1), 0)).size == I256::from_u256(o.size));
}

// Loss of `equity` against `start`, in bps of start (0 for a gain).
uint64_t loss_bps(const I256& start, const I256& equity) {
  if (!(equity < start)) return 0;
  return ((start - equity) * I256{10'000} / start).as_u256().w[0];
}

}  // namespace

TEST_CASE("a falling price draws the account down: the running session reduces, then halts, each at the head "
          "whose equity crossed the level", "[anvil][executor][trips]") {
  TripWorld t;
  // The day's start: the equity the session reads (and journals) when it starts.
  const I256 start = ok(t.vc.venue.account_summary(t.vc.who(kTrader1))).figures.equity;
  app::ExecSession s(t.options(false), t.vc.lw.chain.dev_key(kTrader1));
  REQUIRE(s.kill.state() == executor::TradingState::kActive);
  open_long(t, s);
  executor::TradingState expected = executor::TradingState::kActive;
  // 1% lower at each head; the venue's own figures say where the levels are crossed.
  uint64_t price = 3000, steps = 0;
  while (expected != executor::TradingState::kHalted && steps++ < 20) {
    price = price * 99 / 100;
    t.vc.set_price(0, U256{price} * U256{100'000'000});
    value_of(s.poll(++t.now));
    const uint64_t loss = loss_bps(start, ok(t.vc.venue.account_summary(t.vc.who(kTrader1))).figures.equity);
    if (loss >= 1000) expected = executor::TradingState::kHalted;
    else if (loss >= 500) expected = executor::TradingState::kReducing;
    INFO("price " << price << ", loss " << loss << " bps");
    CHECK(s.kill.state() == expected);
  }
  REQUIRE(expected == executor::TradingState::kHalted);
  // Two trips, both drawdown, journalled in order (read back from the file).
  const auto rows = t.trading_rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::pair<std::string, std::string>{"reducing", "drawdown"});
  CHECK(rows[1] == std::pair<std::string, std::string>{"halted", "drawdown"});
  REQUIRE(s.tripped.size() == 2);
  CHECK(s.tripped[1].detail.find("bps") != std::string::npos);
}

TEST_CASE("a falling price breaches the margin buffer: the running session reduces at that head, cause margin",
          "[anvil][executor][trips]") {
  TripWorld t;
  app::SessionOptions o = t.options(false);
  o.kill.drawdown_reduce_bps = 9'900;  // the drawdown levels out of the way: the buffer trips first
  o.kill.drawdown_halt_bps = 10'000;
  app::ExecSession s(o, t.vc.lw.chain.dev_key(kTrader1));
  open_long(t, s);
  const uint32_t buffer_bps = o.risk.margin_buffer_bps;
  uint64_t price = 3000, steps = 0;
  bool breached = false;
  while (!breached && steps++ < 60) {
    price = price * 99 / 100;
    t.vc.set_price(0, U256{price} * U256{100'000'000});
    value_of(s.poll(++t.now));
    const auto f = ok(t.vc.venue.account_summary(t.vc.who(kTrader1))).figures;
    // The venue's own figures: equity under maintenance plus the buffer.
    const U256 floor = f.maintenance_margin * U256{10'000 + buffer_bps} / U256{10'000};
    breached = f.equity < I256::from_u256(floor);
    INFO("price " << price << ", equity " << core::to_decimal(f.equity) << ", floor "
                  << core::to_decimal(floor));
    CHECK(s.kill.state() == (breached ? executor::TradingState::kReducing : executor::TradingState::kActive));
  }
  REQUIRE(breached);
  REQUIRE(s.tripped.size() == 1);
  CHECK(s.tripped[0].cause == executor::TripCause::kMarginBuffer);
  CHECK(t.trading_rows() == std::vector<std::pair<std::string, std::string>>{{"reducing", "margin_buffer"}});
  // Reducing: nothing can be added (that reduce-only orders still fill is
  // the oracle-burst case's check above).
  auto refused = s.ex.place(t.order("add-1", executor::Side::kBuy, price * 102 / 100, executor::Path::kPublic, false), ++t.now);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == executor::ExecErrc::kHalted);
}
