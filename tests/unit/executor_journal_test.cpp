// Journal on a real SQLite file: orders (idempotent by client order id),
// events, signed transactions before they are sent, trading-state changes;
// persistence across reopen; and a process SIGKILLed mid-write loses nothing
// it had been told was written.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <thread>

#include "temp_dir.hpp"
#include "perpx/executor/journal.hpp"

using namespace perpx;
using executor::Journal;
using executor::JournalErrc;
using executor::OrderRecord;
using executor::TxnRecord;

namespace {

using perpx::test::TempDir;

Journal open_ok(const std::filesystem::path& p) {
  auto j = Journal::open(p);
  if (!j) FAIL(j.error().message);
  return std::move(*j);
}

OrderRecord order(std::string id, uint64_t t = 1000) {
  OrderRecord o;
  o.client_order_id = std::move(id);
  o.venue = "ref";
  o.market = "ETH";
  o.side = "buy";
  o.size = "1.5";
  o.limit_price = "3100";
  o.urgency = "normal";
  o.path = "auto";
  o.strategy = "hedger";
  o.created_ms = t;
  return o;
}

TxnRecord txn(int64_t order_id, uint8_t tag, uint64_t nonce) {
  TxnRecord x;
  x.order_id = order_id;
  x.chain_id = 31337;
  x.sender.bytes.fill(0x11);
  x.nonce = nonce;
  x.hash.bytes.fill(tag);
  x.raw = {0x02, 0xf8, tag, 0x01};
  x.max_fee = "30000000000";
  x.tip = "1000000000";
  x.created_ms = 2000 + tag;
  return x;
}

}  // namespace

TEST_CASE("orders are journalled once per client order id, with their events", "[executor][journal]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  auto id = j.add_order(order("leg-1"));
  REQUIRE(id);
  auto again = j.add_order(order("leg-1"));
  REQUIRE(!again);
  CHECK(again.error().code == JournalErrc::kDuplicate);
  REQUIRE(j.set_order_state(*id, "signed", R"({"nonce":4})", 1100));
  REQUIRE(j.set_order_state(*id, "sent", "", 1200));
  auto o = j.order(*id);
  REQUIRE(o);
  CHECK(o->state == "sent");
  CHECK(o->updated_ms == 1200);
  CHECK(o->size == "1.5");
  auto ev = j.events(*id);
  REQUIRE(ev);
  REQUIRE(ev->size() == 3);
  CHECK((*ev)[0].state == "new");
  CHECK((*ev)[1].detail == R"({"nonce":4})");
  CHECK((*ev)[2].detail == "{}");
  auto by_client = j.order_by_client_id("leg-1");
  REQUIRE(by_client);
  REQUIRE(by_client->has_value());
  CHECK((*by_client)->id == *id);
  CHECK_FALSE(j.order_by_client_id("leg-2")->has_value());

  auto id2 = j.add_order(order("leg-2"));
  REQUIRE(id2);
  REQUIRE(j.set_order_state(*id2, "filled", "", 1300));
  auto open = j.open_orders();
  REQUIRE(open);
  REQUIRE(open->size() == 1);
  CHECK(open->front().client_order_id == "leg-1");
}

TEST_CASE("signed transactions are journalled before the send, once per hash", "[executor][journal]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  const int64_t id = *j.add_order(order("leg-1"));
  REQUIRE(j.add_txn(txn(id, 0xa1, 7)));
  REQUIRE(j.add_txn(txn(id, 0xa2, 7)));  // a replacement: same nonce, new hash
  CHECK(j.add_txn(txn(id, 0xa1, 7)).error().code == JournalErrc::kDuplicate);
  CHECK(j.add_txn(txn(999, 0xb1, 8)).error().code == JournalErrc::kUnknown);
  REQUIRE(j.set_txn_state(txn(id, 0xa1, 7).hash, "replaced", 3000));
  CHECK(j.set_txn_state(txn(id, 0xee, 7).hash, "sent", 3000).error().code == JournalErrc::kUnknown);
  auto xs = j.txns(id);
  REQUIRE(xs);
  REQUIRE(xs->size() == 2);
  CHECK((*xs)[0].state == "replaced");
  TxnRecord want = txn(id, 0xa2, 7);
  CHECK((*xs)[1] == want);
}

TEST_CASE("trading-state changes persist across a reopen", "[executor][journal]") {
  TempDir d;
  const auto p = d.path / "j.sqlite";
  {
    Journal j = open_ok(p);
    CHECK(*j.trading_state() == executor::TradingState::kActive);
    REQUIRE(j.add_state_change({executor::TradingState::kActive, executor::TradingState::kReducing,
                                executor::TripCause::kMarginBuffer, "buffer 40 bps", 10}));
    REQUIRE(j.add_state_change({executor::TradingState::kReducing, executor::TradingState::kHalted,
                                executor::TripCause::kManual, "by hand", 20}));
    REQUIRE(j.add_order(order("leg-9")));
  }
  Journal j = open_ok(p);
  CHECK(*j.trading_state() == executor::TradingState::kHalted);
  CHECK(j.order_by_client_id("leg-9")->has_value());
  CHECK(j.add_order(order("leg-9")).error().code == JournalErrc::kDuplicate);
}

TEST_CASE("a file that is not a journal is refused", "[executor][journal]") {
  TempDir d;
  const auto junk = d.path / "junk";
  {
    std::FILE* f = std::fopen(junk.c_str(), "wb");
    REQUIRE(f);
    std::fputs("this is not an SQLite database, not even close; it is long enough to have a header.", f);
    std::fclose(f);
  }
  auto j = Journal::open(junk);
  REQUIRE(!j);
  CHECK(j.error().code == JournalErrc::kOpen);
  CHECK(j.error().message.find(junk.string()) != std::string::npos);
  auto missing = Journal::open(d.path / "no" / "such" / "dir" / "j.sqlite");
  REQUIRE(!missing);
  CHECK(missing.error().code == JournalErrc::kOpen);
  for (JournalErrc e : {JournalErrc::kOpen, JournalErrc::kDuplicate, JournalErrc::kUnknown, JournalErrc::kIo})
    CHECK(executor::describe(e) != "?");
}

TEST_CASE("SIGKILL mid-write loses nothing that was acknowledged", "[executor][journal][crash]") {
  TempDir d;
  const auto p = d.path / "j.sqlite";
  std::mt19937 rng(20261201);
  uint64_t acked_total = 0;
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      auto j = Journal::open(p);
      if (!j) _exit(2);
      for (int i = 0;; ++i) {
        const std::string id = "r" + std::to_string(round) + "-" + std::to_string(i);
        auto oid = j->add_order(order(id));
        if (!oid) _exit(3);
        if (!j->add_txn(txn(*oid, static_cast<uint8_t>(i), static_cast<uint64_t>(i)))) {
          // hashes repeat every 256 orders: a duplicate is the journal working
        }
        const int32_t n = i;
        if (write(fds[1], &n, sizeof n) != sizeof n) _exit(4);  // acknowledged: committed
      }
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 80));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    int32_t last = -1, n = 0;
    while (read(fds[0], &n, sizeof n) == sizeof n) last = n;
    close(fds[0]);
    Journal j = open_ok(p);
    for (int32_t i = 0; i <= last; ++i) {
      auto o = j.order_by_client_id("r" + std::to_string(round) + "-" + std::to_string(i));
      REQUIRE(o);
      REQUIRE(o->has_value());
    }
    acked_total += static_cast<uint64_t>(last + 1);
  }
  CHECK(acked_total > 0);
  auto db = store::Db::open(p, false);
  REQUIRE(db);
  auto check = db->prepare("PRAGMA integrity_check");
  REQUIRE(check);
  REQUIRE(check->step() == 100);  // SQLITE_ROW
  CHECK(check->text(0) == "ok");
}
