// LogWatcher on an in-memory chain with forks: backfill by ranges, live by
// block hash, orphaned logs re-delivered as removed (newest first), no
// duplicates, failures resumed without loss. A log is rendered "+N.i"
// (added, block N, log index i) or "-N.i" (removed).
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "memory_chain.hpp"
#include "perpx/chain/logs.hpp"

using namespace perpx;
using chain::BlockNum;
using chain::Hash32;
using chain::HeadTracker;
using chain::HeadTrackerOptions;
using chain::Log;
using chain::LogErrc;
using chain::LogWatcher;
using test::MemoryChain;

namespace {

// Records logs and checks the exactly-once rule as they arrive: an added log
// is not live yet, a removed one is live.
struct LogRecorder {
  std::vector<Log> logs;
  std::vector<std::pair<Hash32, uint64_t>> live;
  void on_log(const Log& l) {
    logs.push_back(l);
    const auto key = std::make_pair(l.block_hash, l.log_index);
    const auto it = std::find(live.begin(), live.end(), key);
    if (l.removed) {
      REQUIRE(it != live.end());
      live.erase(it);
    } else {
      REQUIRE(it == live.end());
      live.push_back(key);
    }
  }
  std::string take() {
    std::string s;
    for (const Log& l : logs)
      s += (s.empty() ? "" : " ") + std::string(l.removed ? "-" : "+") + std::to_string(l.block_number) + "." +
           std::to_string(l.log_index);
    logs.clear();
    return s;
  }
};

HeadTrackerOptions seeded(uint32_t seed, uint32_t window = 128) {
  return HeadTrackerOptions{.window = window, .seed = seed, .confirmations = uint64_t{1000}, .tag_poll_every = 1};
}

// The tracker's events go straight to the watcher (its sink).
struct Fixture {
  MemoryChain chain;
  LogRecorder rec;
  LogWatcher watcher;
  HeadTracker heads;
  Fixture(BlockNum from, HeadTrackerOptions o, chain::LogFilter filter = {}, uint64_t step = 2000, uint64_t keep = 128)
      : watcher(chain, std::move(filter), from, [this](const Log& l) { rec.on_log(l); },
                chain::LogWatcherOptions{.backfill_step = step, .keep_blocks = keep}),
        heads(chain, [this](const chain::HeadEvent& e) { watcher.on_event(e); }, o) {}
  // Feeds the chain's head to the tracker, then drains the watcher.
  std::string step() {
    if (auto r = heads.on_head(chain.head()); !r) FAIL(chain::to_string(r.error()));
    if (auto r = watcher.drain(); !r) FAIL(chain::to_string(r.error()));
    return rec.take();
  }
  // The logs that should be live: canonical logs from `from` to the tip.
  std::vector<std::pair<Hash32, uint64_t>> expected_live(BlockNum from, const chain::LogFilter& f = {}) {
    std::vector<std::pair<Hash32, uint64_t>> out;
    auto r = chain.logs_in_range(f, from, chain.head().number);
    for (const Log& l : *r) out.emplace_back(l.block_hash, l.log_index);
    return out;
  }
};

}  // namespace

TEST_CASE("logs: backfill by ranges up to the first head, then by block hash", "[chain][logs]") {
  Fixture f(3, seeded(0), {}, 3);
  f.chain.mine(10, 2);
  CHECK(f.step() == "+3.0 +3.1 +4.0 +4.1 +5.0 +5.1 +6.0 +6.1 +7.0 +7.1 +8.0 +8.1 +9.0 +9.1 +10.0 +10.1");
  CHECK(f.chain.range_calls == 3);  // [3,5] [6,8] [9,9]; block 10 is the first head
  CHECK(f.chain.block_log_calls == 1);
  f.chain.mine(2, 1);
  CHECK(f.step() == "+11.0 +12.0");
  CHECK(f.watcher.next_block() == 13);
  CHECK(f.step().empty());
  CHECK(f.rec.live == f.expected_live(3));
  // Logs carry the node's fields untouched.
  f.chain.mine(1, 1);
  f.heads.on_head(f.chain.head()).value();
  f.watcher.drain().value();
  REQUIRE(f.rec.logs.size() == 1);
  CHECK(f.rec.logs[0] == f.chain.logs_at(13)[0]);
}

TEST_CASE("logs: a reorg re-delivers orphaned logs as removed, newest first, then the new ones",
          "[chain][logs]") {
  Fixture f(1, seeded(20));
  f.chain.mine(10, 2);
  f.step();
  f.chain.reorg(3, 3, 1);
  CHECK(f.step() == "-10.1 -10.0 -9.1 -9.0 -8.1 -8.0 +8.0 +9.0 +10.0");
  f.chain.mine(1, 1);
  f.chain.reorg(1, 1, 3);
  f.heads.on_head(f.chain.head()).value();
  f.watcher.drain().value();
  REQUIRE(f.rec.logs.size() == 3);
  f.rec.take();
  CHECK(f.rec.live == f.expected_live(1));

  // The removed copies are the delivered logs with removed = true.
  Fixture g(1, seeded(20));
  g.chain.mine(10, 2);
  g.step();
  const std::vector<Log> before = g.chain.logs_at(10);
  g.chain.reorg(1, 1);
  g.heads.on_head(g.chain.head()).value();
  g.watcher.drain().value();
  REQUIRE(g.rec.logs.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    Log want = before[1 - i];
    want.removed = true;
    CHECK(g.rec.logs[i] == want);
  }
}

TEST_CASE("logs: reorg to a shorter chain, filtered by address", "[chain][logs]") {
  chain::LogFilter only2;
  only2.addresses = {test::test_address(2)};
  Fixture f(5, seeded(20), only2);
  f.chain.mine(12, 2);
  CHECK(f.step() == "+5.1 +6.1 +7.1 +8.1 +9.1 +10.1 +11.1 +12.1");
  f.chain.reorg(4, 1, 2);
  CHECK(f.step() == "-12.1 -11.1 -10.1 -9.1 +9.1");
  CHECK(f.watcher.next_block() == 10);
  CHECK(f.rec.live == f.expected_live(5, only2));
  // A reorg entirely below the first block watched removes nothing.
  Fixture g(8, seeded(20));
  g.chain.mine(12, 1);
  g.step();
  g.chain.reorg(8, 8, 1);  // fork at 4
  CHECK(g.step() == "-12.0 -11.0 -10.0 -9.0 -8.0 +8.0 +9.0 +10.0 +11.0 +12.0");
}

TEST_CASE("logs: one drain catches up over several tracker events", "[chain][logs]") {
  Fixture f(1, seeded(20));
  f.chain.mine(10, 1);
  f.step();
  f.chain.reorg(2, 2, 1);
  f.heads.on_head(f.chain.head()).value();
  f.chain.mine(3, 1);
  f.heads.on_head(f.chain.head()).value();
  f.chain.reorg(4, 3, 1);  // fork at 9: the first reorg's block 9 survives
  f.heads.on_head(f.chain.head()).value();
  // The watcher still holds the pre-reorg 9 and 10: both are orphaned.
  CHECK(f.step() == "-10.0 -9.0 +9.0 +10.0 +11.0 +12.0");
  CHECK(f.rec.live == f.expected_live(1));
}

TEST_CASE("logs: a failure mid-way resumes without loss or duplicates", "[chain][logs]") {
  Fixture f(1, seeded(0), {}, 4);
  f.chain.mine(2, 1);
  CHECK(f.step() == "+1.0 +2.0");
  f.chain.mine(4, 1);
  f.heads.on_head(f.chain.head()).value();  // queues 3..6
  f.chain.fail_after = 1;
  f.chain.fail_calls = 1;
  auto r = f.watcher.drain();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == LogErrc::kSource);
  CHECK(r.error().block_num == 4);
  CHECK(r.error().rpc.code == chain::RpcErrc::kTimeout);
  CHECK(f.rec.take() == "+3.0");
  CHECK(f.watcher.next_block() == 4);
  CHECK(f.watcher.queued() == 3);
  CHECK(f.step() == "+4.0 +5.0 +6.0");

  // In the backfill: the ranges before the failure stay delivered.
  Fixture g(1, seeded(0), {}, 2);
  g.chain.mine(8, 1);
  g.heads.on_head(g.chain.head()).value();  // queues 8
  g.chain.fail_after = 1;
  g.chain.fail_calls = 1;
  CHECK(g.watcher.drain().error().code == LogErrc::kSource);
  CHECK(g.rec.take() == "+1.0 +2.0");
  CHECK(g.step() == "+3.0 +4.0 +5.0 +6.0 +7.0 +8.0");
}

TEST_CASE("logs: replies that do not match the request are kBadReply", "[chain][logs]") {
  // from 1: the backfill range [1, 3]; from 4: block 4 by hash.
  auto expect_bad = [](std::function<void(std::vector<Log>&)> tamper, BlockNum from) {
    INFO("from " << from);
    Fixture f(from, seeded(0));
    f.chain.mine(4, 2);
    f.heads.on_head(f.chain.head()).value();
    f.chain.tamper_logs = std::move(tamper);
    auto r = f.watcher.drain();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == LogErrc::kBadReply);
    CHECK(f.rec.take().empty());
    CHECK(f.watcher.next_block() == from);
    CHECK(chain::to_string(r.error()).find("at block " + std::to_string(from)) != std::string::npos);
  };
  for (BlockNum from : {BlockNum{1}, BlockNum{4}}) {
    expect_bad([](std::vector<Log>& v) { v[0].block_hash.bytes[3] ^= 1; }, from);  // another block's log
    expect_bad([](std::vector<Log>& v) { v[1].log_index = v[0].log_index; }, from);
    expect_bad([](std::vector<Log>& v) { v[0].removed = true; }, from);
    expect_bad([](std::vector<Log>& v) { v[0].block_number = 0; }, from);
  }
}

TEST_CASE("logs: events that do not link and reorgs below the kept blocks are sticky errors",
          "[chain][logs]") {
  SECTION("kBadLink: the tracker was reset on another branch") {
    Fixture f(1, seeded(0, 4));
    for (int i = 0; i < 10; ++i) {
      f.chain.mine(1, 1);
      f.step();
    }
    f.chain.reorg(6, 6, 1);
    CHECK(f.heads.on_head(f.chain.head()).error().code == chain::HeadErrc::kReorgTooDeep);
    f.heads.reset();
    f.heads.on_head(f.chain.head()).value();  // Advance(10) on the new branch
    auto r = f.watcher.drain();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == LogErrc::kBadLink);
    CHECK(f.rec.take().empty());
    f.chain.mine(1, 1);
    f.heads.on_head(f.chain.head()).value();
    CHECK(f.watcher.drain().error().code == LogErrc::kBadLink);  // sticky
    f.watcher.reset(12);
    f.chain.mine(1, 1);
    CHECK(f.step() == "+12.0");
  }
  SECTION("kReorgTooDeep: below keep_blocks") {
    Fixture f(1, seeded(20), {}, 2000, 3);
    f.chain.mine(10, 1);
    f.step();  // delivered 1..10, kept 8..10
    f.chain.reorg(5, 5, 1);  // unwind to 5
    f.heads.on_head(f.chain.head()).value();
    auto r = f.watcher.drain();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == LogErrc::kReorgTooDeep);
    CHECK(r.error().block_num == 5);
    CHECK(f.rec.take().empty());
    // Depth 3 is within the kept blocks.
    Fixture g(1, seeded(20), {}, 2000, 3);
    g.chain.mine(10, 1);
    g.step();
    g.chain.reorg(3, 3, 1);
    CHECK(g.step() == "-10.0 -9.0 -8.0 +8.0 +9.0 +10.0");
  }
}

// Random mining and reorgs (depth <= 8, some to shorter chains), with the
// watcher drained only now and then: at the end exactly the canonical logs are
// live, and every add/remove kept the exactly-once rule (checked by LogRecorder).
TEST_CASE("logs: random forks leave exactly the canonical logs live", "[chain][logs]") {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    const BlockNum from = 1 + rng() % 20;
    Fixture f(from, seeded(15, 16), {}, 1 + rng() % 8);
    f.chain.mine(20 + rng() % 10, 1);
    f.step();
    for (int i = 0; i < 150; ++i) {
      const auto roll = rng() % 10;
      if (roll < 5) f.chain.mine(1 + rng() % 3, static_cast<uint32_t>(rng() % 3));
      else if (roll < 8) {
        const uint64_t depth = 1 + rng() % 8;
        const uint64_t replacement = depth + rng() % 5;
        f.chain.reorg(depth, replacement > 2 ? replacement - 2 : 1, static_cast<uint32_t>(rng() % 3));
      }
      REQUIRE(f.heads.on_head(f.chain.head()));
      if (rng() % 3 == 0) REQUIRE(f.watcher.drain());
    }
    REQUIRE(f.watcher.drain());
    CHECK(f.watcher.next_block() == f.chain.head().number + 1);
    auto live = f.rec.live;
    auto want = f.expected_live(from);
    auto less = [](const auto& a, const auto& b) { return std::tie(a.first.bytes, a.second) < std::tie(b.first.bytes, b.second); };
    std::sort(live.begin(), live.end(), less);
    std::sort(want.begin(), want.end(), less);
    CHECK(live == want);
  }
}
