// The executor on the reference venue, on a real anvil with the drill world
// and a real SQLite journal: each path takes an order from intent to a fill
// on chain (position and OrderFilled path checked on the venue itself),
// simulation rejects what would revert before anything is signed, a client
// order id is placed once, the kill switch gates, the path policy picks by
// exposure and urgency, and a crash between commit and reveal resumes to
// exactly one fill. Blocks are mined by the test (automine off after the
// world is deployed).
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include "value_of.hpp"
#include "venues_fixture.hpp"
#include "perpx/executor/executor.hpp"
#include "perpx/venues/ref_adapter.hpp"

using namespace venue_test;
using executor::Executor;
using executor::Order;
using executor::Path;
using executor::Urgency;
using perpx::test::value_of;

namespace {

struct ExecWorld {
  VenueChain vc;
  std::filesystem::path dir;
  std::optional<executor::Journal> journal;
  venues::RefAdapter venue;
  executor::KillSwitch kill;
  std::optional<executor::Submitter> submitter;
  std::optional<Executor> ex;
  int orders = 0;

  ExecWorld() : dir(make_dir()), venue(vc.rpc, vc.lw.world.venue) {
    vc.rpc_call("evm_setAutomine", Json::array({false}));
    journal.emplace(value_of(executor::Journal::open(dir / "journal.sqlite")));
    start();
  }
  ~ExecWorld() {
    ex.reset();
    submitter.reset();
    journal.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static std::filesystem::path make_dir() {
    char t[] = "/tmp/perpx-exec-XXXXXX";
    REQUIRE(mkdtemp(t) != nullptr);
    return t;
  }
  // A fresh process: submitter and executor from nothing but the journal.
  void start() {
    ex.reset();
    submitter.reset();
    submitter.emplace(value_of(executor::Submitter::make(vc.rpc, vc.lw.chain.dev_key(kTrader1), *journal)));
    ex.emplace(venue, *submitter, *journal, kill, vc.rpc);
  }
  Order order(Path path, double size, uint64_t limit, Urgency u = Urgency::kNormal) {
    Order o;
    o.venue = "ref";
    o.market = "ETH";
    o.side = size > 0 ? executor::Side::kBuy : executor::Side::kSell;
    o.size = value_of(core::parse_wad(std::to_string(std::abs(size)).substr(0, 8)));
    o.limit_price = kE18 * U256{limit};
    o.urgency = u;
    o.path = path;
    o.strategy = "test";
    o.client_id = "t-" + std::to_string(++orders);
    return o;
  }
  // One block: mined, then the executor sees it.
  std::vector<executor::OrderUpdate> step() {
    vc.mine();
    return value_of(ex->on_head(vc.head(), ++now_ms));
  }
  std::string state(int64_t id) { return value_of(journal->order(id)).state; }
  // Mines until the order reaches a final-ish state, bounded.
  std::string run(int64_t id, int blocks = 30) {
    for (int i = 0; i < blocks; ++i) {
      const std::string s = state(id);
      if (s == "failed" || s == "cancelled" || s == "rejected")
        for (const auto& e : value_of(journal->events(id))) UNSCOPED_INFO(e.state << " " << e.detail);
      if (s == "included" || s == "failed" || s == "cancelled" || s == "rejected") return s;
      step();
    }
    return state(id);
  }
  I256 position() { return ok(vc.venue.position(vc.who(kTrader1), 0)).size; }
  std::vector<venues::OrderFilledEvent> fills() {
    chain::LogFilter f{{vc.lw.world.venue}, {{venues::order_filled_topic()}}};
    auto logs = value_of(vc.rpc.get_logs(f, 0, vc.head().number));
    std::vector<venues::OrderFilledEvent> out;
    for (const auto& l : logs) {
      auto e = venues::decode_order_filled(l);
      REQUIRE(e);
      if (e->account == vc.who(kTrader1)) out.push_back(*e);
    }
    return out;
  }
  uint64_t now_ms = 1;
};

}  // namespace

TEST_CASE("each path takes an order to exactly one fill on chain", "[anvil][executor][paths]") {
  const auto [path, venue_path] = GENERATE(table<Path, uint8_t>({{Path::kPublic, venues::kPathPublic},
                                                                 {Path::kCommitReveal, venues::kPathCommit},
                                                                 {Path::kBatch, venues::kPathBatch}}));
  ExecWorld w;
  const int64_t id = value_of(w.ex->place(w.order(path, 1.5, 3100), w.now_ms));
  CHECK(w.state(id) == (path == Path::kPublic ? "sent" : path == Path::kCommitReveal ? "committing" : "queued"));
  REQUIRE(w.run(id) == "included");
  CHECK(w.position() == I256::from_u256(kE18 * U256{3} / U256{2}));
  const auto fills = w.fills();
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].path == venue_path);
  CHECK(fills[0].size_delta == I256::from_u256(kE18 * U256{3} / U256{2}));
  CHECK(fills[0].fill_price <= kE18 * U256{3100});
  // Every transaction the journal holds landed or was replaced; none is pending.
  for (const auto& x : value_of(w.journal->txns(id))) {
    INFO(x.step << " " << x.state);
    CHECK((x.state == "included" || x.state == "replaced"));
  }
  for (const auto& x : value_of(w.journal->txns(id))) {
    auto r = value_of(w.vc.rpc.transaction_receipt(x.hash));
    if (r) WARN(executor::path_name(path) << " " << x.step << ": gas used " << r->gas_used);
  }
  // Finality closes it.
  value_of(w.ex->on_finalized(w.vc.head().number, ++w.now_ms));
  CHECK(w.state(id) == "finalized");
  CHECK(w.ex->open() == 0);
}

TEST_CASE("simulation rejects an order that would revert, before anything is signed", "[anvil][executor]") {
  ExecWorld w;
  const uint64_t nonce = w.vc.nonce(kTrader1);
  auto r = w.ex->place(w.order(Path::kPublic, 1, 2000), w.now_ms);  // a buy limited far below the index
  REQUIRE_FALSE(r);
  CHECK(r.error().code == executor::ExecErrc::kReverts);
  CHECK(r.error().message.starts_with("LimitPriceExceeded"));
  CHECK(w.state(r.error().order_id) == "rejected");
  CHECK(value_of(w.journal->txns(r.error().order_id)).empty());
  w.vc.mine();
  CHECK(w.vc.nonce(kTrader1) == nonce);
}

TEST_CASE("a client order id is placed once, however often it is asked", "[anvil][executor]") {
  ExecWorld w;
  Order o = w.order(Path::kPublic, 1, 3100);
  const int64_t id = value_of(w.ex->place(o, w.now_ms));
  CHECK(value_of(w.ex->place(o, w.now_ms)) == id);
  REQUIRE(w.run(id) == "included");
  w.start();  // and after a restart
  value_of(w.ex->recover(++w.now_ms));
  CHECK(value_of(w.ex->place(o, w.now_ms)) == id);
  w.step();
  CHECK(w.fills().size() == 1);
  CHECK(value_of(w.journal->txns(id)).size() == 1);
}

TEST_CASE("the kill switch gates orders: halted refuses all, reducing only reduce-only", "[anvil][executor]") {
  ExecWorld w;
  const int64_t id = value_of(w.ex->place(w.order(Path::kPublic, 2, 3100), w.now_ms));
  REQUIRE(w.run(id) == "included");
  REQUIRE(w.kill.manual(executor::TradingState::kHalted, "test", w.now_ms));
  Order close = w.order(Path::kPublic, -1, 2900);
  close.reduce_only = true;
  auto halted = w.ex->place(close, w.now_ms);
  REQUIRE_FALSE(halted);
  CHECK(halted.error().code == executor::ExecErrc::kHalted);
  REQUIRE(w.kill.manual(executor::TradingState::kReducing, "test", w.now_ms));
  auto more = w.ex->place(w.order(Path::kPublic, 1, 3100), w.now_ms);
  REQUIRE_FALSE(more);
  CHECK(more.error().code == executor::ExecErrc::kHalted);
  close.client_id = "close-2";
  const int64_t cid = value_of(w.ex->place(close, w.now_ms));
  CHECK(w.run(cid) == "included");
  CHECK(w.position() == I256::from_u256(kE18));
}

TEST_CASE("the path policy picks public for small exposure, batch for exposed normal, commit-reveal for urgent",
          "[anvil][executor][paths]") {
  ExecWorld w;
  // 1 ETH with a 2 USD limit allowance: exposure about 2 USD, below the public limit.
  const int64_t small = value_of(w.ex->place(w.order(Path::kAuto, 1, 3002), w.now_ms));
  CHECK(value_of(w.journal->facts(small)).at("path") == "public");
  // 10 ETH with 100 USD of slack each: 1000 USD exposed.
  const int64_t exposed = value_of(w.ex->place(w.order(Path::kAuto, 10, 3100), w.now_ms));
  CHECK(value_of(w.journal->facts(exposed)).at("path") == "batch");
  const int64_t urgent = value_of(w.ex->place(w.order(Path::kAuto, 10, 3100, Urgency::kUrgent), w.now_ms));
  CHECK(value_of(w.journal->facts(urgent)).at("path") == "commit-reveal");  // no relay configured
  const auto events = value_of(w.journal->events(exposed));
  bool reasons = false;
  for (const auto& e : events) reasons = reasons || (e.state == "routed" && e.detail.find("exposure_usd") != std::string::npos);
  CHECK(reasons);
  for (int64_t id : {small, exposed, urgent}) CHECK(w.run(id) == "included");
}

TEST_CASE("a crash between commit and reveal resumes to one fill", "[anvil][executor][paths][crash]") {
  ExecWorld w;
  const int64_t id = value_of(w.ex->place(w.order(Path::kCommitReveal, 1, 3100), w.now_ms));
  // The commit lands; the process dies before it sees that.
  w.vc.mine();
  w.start();
  const auto resumed = value_of(w.ex->recover(++w.now_ms));
  CHECK(w.state(id) == "committed");
  CHECK_FALSE(resumed.empty());
  CHECK(w.run(id) == "included");
  CHECK(w.fills().size() == 1);
  // A second crash after the reveal was sent: still one fill.
  const int64_t id2 = value_of(w.ex->place(w.order(Path::kCommitReveal, 1, 3100), w.now_ms));
  w.step();  // commit in, reveal sent
  REQUIRE(w.state(id2) == "revealing");
  w.start();
  value_of(w.ex->recover(++w.now_ms));
  CHECK(w.run(id2) == "included");
  CHECK(w.fills().size() == 2);
  CHECK(w.position() == I256::from_u256(kE18 * U256{2}));
}

TEST_CASE("a commit-reveal order is final only when its reveal is, not when its commit is", "[anvil][executor][paths]") {
  // Found by the soak under load: the commit's finality closed the order
  // while its reveal was still shallow, so a reorg that then dropped the
  // reveal went unfollowed (the order was final) and the fill was lost.
  ExecWorld w;
  const int64_t id = value_of(w.ex->place(w.order(Path::kCommitReveal, 1, 3100), w.now_ms));
  REQUIRE(w.run(id) == "included");
  chain::BlockNum commit_block = 0, reveal_block = 0;
  for (const auto& x : value_of(w.journal->txns(id))) {
    if (x.state != "included") continue;
    auto r = value_of(w.vc.rpc.transaction_receipt(x.hash));
    REQUIRE(r);
    (x.step == "commit" ? commit_block : reveal_block) = r->block_number;
  }
  REQUIRE(commit_block > 0);
  REQUIRE(reveal_block > commit_block);
  // The commit's block is final, the reveal's is not: the order stays open.
  value_of(w.ex->on_finalized(reveal_block - 1, ++w.now_ms));
  CHECK(w.state(id) == "included");
  CHECK(w.ex->open() == 1);
  value_of(w.ex->on_finalized(reveal_block, ++w.now_ms));
  CHECK(w.state(id) == "finalized");
  CHECK(w.ex->open() == 0);
}
