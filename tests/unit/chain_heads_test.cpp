// HeadTracker on an in-memory chain with forks: advance, gaps, reorgs of every
// depth, shorter chains, reorgs past the window, finality from depth and from
// tags, finality violations, source failures. Events are rendered as short
// strings so each scenario is one CHECK.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "memory_chain.hpp"
#include "perpx/chain/heads.hpp"

using namespace perpx;
using chain::BlockHeader;
using chain::BlockNum;
using chain::Hash32;
using chain::HeadErrc;
using chain::HeadEvent;
using chain::HeadTracker;
using chain::HeadTrackerOptions;
using test::MemoryChain;

namespace {

std::string render(const HeadEvent& ev) {
  struct {
    std::string operator()(const chain::Advance& a) const { return "adv " + std::to_string(a.header.number); }
    std::string operator()(const chain::Reorg& r) const {
      return "reorg " + std::to_string(r.depth) + "@" + std::to_string(r.unwind_to);
    }
    std::string operator()(const chain::Safe& s) const { return "safe " + std::to_string(s.block_num); }
    std::string operator()(const chain::Finalized& f) const { return "fin " + std::to_string(f.block_num); }
    std::string operator()(const chain::FinalityViolation& v) const {
      return "VIOLATION " + std::to_string(v.unwind_to) + "<" + std::to_string(v.finalized);
    }
  } v;
  return std::visit(v, ev);
}

struct Recorder {
  std::vector<HeadEvent> events;
  chain::HeadSink sink() {
    return [this](const HeadEvent& e) { events.push_back(e); };
  }
  // All events since the last take(), joined by ", ".
  std::string take() {
    std::string s;
    for (const auto& e : events) s += (s.empty() ? "" : ", ") + render(e);
    events.clear();
    return s;
  }
};

struct Fixture {
  MemoryChain chain;
  Recorder rec;
  HeadTracker heads;
  explicit Fixture(HeadTrackerOptions o = {}) : heads(chain, rec.sink(), o) {}
  // Feeds the chain's head; requires success.
  std::string feed() {
    auto r = heads.on_head(chain.head());
    if (!r) FAIL(chain::to_string(r.error()));
    return rec.take();
  }
  // Mines one block at a time and feeds each head.
  void follow(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      chain.mine();
      feed();
    }
  }
};

HeadTrackerOptions no_finality() {
  HeadTrackerOptions o;
  o.tag_poll_every = 1;  // the chain has no tags unless slots_in_epoch is set
  return o;
}

}  // namespace

TEST_CASE("heads: first head anchors, each next head advances", "[chain][heads]") {
  Fixture f(no_finality());
  f.chain.mine(3);
  CHECK(f.feed() == "adv 3");
  CHECK(f.heads.oldest() == 3);
  f.chain.mine();
  CHECK(f.feed() == "adv 4");
  f.chain.mine();
  CHECK(f.feed() == "adv 5");
  CHECK(f.heads.tip() == 5);
  REQUIRE(f.heads.at(5) != nullptr);
  CHECK(*f.heads.at(5) == f.chain.at(5));
  CHECK(f.heads.at(2) == nullptr);
  CHECK(f.heads.at(6) == nullptr);
}

TEST_CASE("heads: repeated and older heads of our chain are ignored", "[chain][heads]") {
  Fixture f(no_finality());
  f.chain.mine(2);
  f.feed();
  f.follow(3);
  const auto calls = f.chain.by_hash_calls + f.chain.by_number_calls;
  CHECK(f.feed().empty());
  REQUIRE(f.heads.on_head(f.chain.at(3)));
  REQUIRE(f.heads.on_head(f.chain.at(4)));
  REQUIRE(f.heads.on_head(f.chain.at(1)));  // below the window
  CHECK(f.rec.take().empty());
  CHECK(f.heads.tip() == 5);
  CHECK(f.chain.by_hash_calls + f.chain.by_number_calls == calls);
}

TEST_CASE("heads: a gap is filled by number, every block once and in order", "[chain][heads]") {
  Fixture f(no_finality());
  f.chain.mine(2);
  f.feed();
  f.chain.mine(5);
  CHECK(f.feed() == "adv 3, adv 4, adv 5, adv 6, adv 7");
  CHECK(f.chain.by_number_calls == 4);
  CHECK(f.chain.by_hash_calls == 0);
}

TEST_CASE("heads: reorgs of depth 1 to 10 report exact depth and unwind point", "[chain][heads]") {
  for (uint64_t depth = 1; depth <= 10; ++depth) {
    INFO("depth " << depth);
    Fixture f(no_finality());
    f.chain.mine(5);
    f.feed();
    f.follow(15);  // tip 20
    const auto old_tip = f.chain.head().hash;
    f.chain.reorg(depth, depth);
    REQUIRE(f.heads.on_head(f.chain.head()));
    REQUIRE(f.rec.events.size() == depth + 1);
    const auto& r = std::get<chain::Reorg>(f.rec.events[0]);
    CHECK(r.depth == depth);
    CHECK(r.unwind_to == 20 - depth);
    CHECK(r.old_hash == old_tip);
    CHECK(r.new_hash == f.chain.head().hash);
    for (uint64_t i = 1; i <= depth; ++i) CHECK(std::get<chain::Advance>(f.rec.events[i]).header == f.chain.at(20 - depth + i));
    f.rec.events.clear();
    CHECK(f.chain.by_hash_calls == depth - 1);  // the walk back stops at the common ancestor
    for (BlockNum n = 5; n <= 20; ++n) CHECK(f.heads.at(n)->hash == f.chain.at(n).hash);
  }
}

TEST_CASE("heads: reorg to a shorter chain, and a reorg behind a gap", "[chain][heads]") {
  Fixture f(no_finality());
  f.chain.mine(10);
  f.feed();
  f.follow(10);  // tip 20
  f.chain.reorg(4, 2);
  CHECK(f.feed() == "reorg 4@16, adv 17, adv 18");
  CHECK(f.heads.tip() == 18);
  CHECK(f.heads.at(19) == nullptr);
  // A new branch whose head is far ahead: filled by number, the first filled
  // block does not link to our tip, so the fork is found by walking back.
  f.chain.reorg(3, 8);
  CHECK(f.feed() == "reorg 3@15, adv 16, adv 17, adv 18, adv 19, adv 20, adv 21, adv 22, adv 23");
  for (BlockNum n = 10; n <= 23; ++n) CHECK(f.heads.at(n)->hash == f.chain.at(n).hash);
  const BlockHeader orphan = f.chain.at(22);
  f.chain.reorg(3, 3);
  CHECK(f.feed() == "reorg 3@20, adv 21, adv 22, adv 23");
  // An orphaned head arriving late (a lagging node) is taken as the node's
  // choice: a reorg back to its branch, and forward again on the next head.
  REQUIRE(f.heads.on_head(orphan));
  CHECK(f.rec.take() == "reorg 3@20, adv 21, adv 22");
  CHECK(f.feed() == "reorg 2@20, adv 21, adv 22, adv 23");

}

TEST_CASE("heads: a reorg deeper than the window is an error that changes nothing", "[chain][heads]") {
  HeadTrackerOptions o = no_finality();
  o.window = 8;
  Fixture f(o);
  f.chain.mine(2);
  f.feed();
  f.follow(18);  // tip 20, window [13, 20]
  CHECK(f.heads.oldest() == 13);
  const auto tip_hash = f.heads.at(20)->hash;
  f.chain.reorg(8, 8);  // fork point 12: below the window
  auto r = f.heads.on_head(f.chain.head());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == HeadErrc::kReorgTooDeep);
  CHECK(f.rec.take().empty());
  CHECK(f.heads.tip() == 20);
  CHECK(f.heads.at(20)->hash == tip_hash);
  f.chain.mine();
  CHECK(f.heads.on_head(f.chain.head()).error().code == HeadErrc::kReorgTooDeep);
  // The caller resyncs: the next head anchors again.
  f.heads.reset();
  CHECK(f.feed() == "adv 21");

  // Depth window-1 is the deepest that still works.
  Fixture g(o);
  g.chain.mine(2);
  g.feed();
  g.follow(18);
  g.chain.reorg(7, 7);
  CHECK(g.feed() == "reorg 7@13, adv 14, adv 15, adv 16, adv 17, adv 18, adv 19, adv 20");
}

TEST_CASE("heads: seeded history lets an early reorg find its fork point", "[chain][heads]") {
  HeadTrackerOptions o = no_finality();
  o.seed = 4;
  Fixture f(o);
  f.chain.mine(20);
  CHECK(f.feed() == "adv 20");  // seeded blocks are history, not events
  CHECK(f.heads.oldest() == 16);
  f.chain.reorg(3, 3);
  CHECK(f.feed() == "reorg 3@17, adv 18, adv 19, adv 20");

  Fixture unseeded(no_finality());
  unseeded.chain.mine(20);
  unseeded.feed();
  unseeded.chain.reorg(3, 3);
  CHECK(unseeded.heads.on_head(unseeded.chain.head()).error().code == HeadErrc::kReorgTooDeep);

  HeadTrackerOptions near_genesis = no_finality();
  near_genesis.seed = 50;
  Fixture g(near_genesis);
  g.chain.mine(3);
  g.feed();
  CHECK(g.heads.oldest() == 0);
}

TEST_CASE("heads: finality by confirmation depth", "[chain][heads][finality]") {
  HeadTrackerOptions o;
  o.confirmations = 3;
  Fixture f(o);
  f.chain.mine(2);
  CHECK(f.feed() == "adv 2");
  f.chain.mine();
  CHECK(f.feed() == "adv 3, safe 0, fin 0");
  f.chain.mine(2);
  CHECK(f.feed() == "adv 4, adv 5, safe 2, fin 2");
  f.chain.reorg(1, 1);
  CHECK(f.feed() == "reorg 1@4, adv 5");  // nothing advanced
  CHECK(f.chain.tag_calls == 0);
}

TEST_CASE("heads: finality from the node's safe and finalized tags", "[chain][heads][finality]") {
  Fixture f;
  f.chain.slots_in_epoch = 2;  // safe = latest-2, finalized = latest-4
  f.chain.mine(10);
  CHECK(f.feed() == "adv 10, safe 8, fin 6");
  f.chain.mine();
  CHECK(f.feed() == "adv 11, safe 9, fin 7");
  CHECK(f.heads.safe() == 9);
  CHECK(f.heads.finalized() == 7);
  CHECK(f.feed().empty());  // a repeated head polls nothing
  CHECK(f.chain.tag_calls == 4);

  // A chain without the tags never reports finality.
  Fixture none;
  none.chain.mine(3);
  CHECK(none.feed() == "adv 3");

  // Polled every third new head.
  HeadTrackerOptions o;
  o.tag_poll_every = 3;
  Fixture sparse(o);
  sparse.chain.slots_in_epoch = 1;
  sparse.chain.mine(5);
  CHECK(sparse.feed() == "adv 5, safe 4, fin 3");
  sparse.chain.mine();
  CHECK(sparse.feed() == "adv 6");
  sparse.chain.mine();
  CHECK(sparse.feed() == "adv 7");
  sparse.chain.mine();
  CHECK(sparse.feed() == "adv 8, safe 7, fin 6");
}

TEST_CASE("heads: a reorg below finalized is a finality violation", "[chain][heads][finality]") {
  Fixture f(HeadTrackerOptions{.window = 128, .seed = 10, .confirmations = {}, .tag_poll_every = 1});
  f.chain.slots_in_epoch = 1;  // safe = latest-1, finalized = latest-2
  f.chain.mine(10);
  CHECK(f.feed() == "adv 10, safe 9, fin 8");
  f.chain.reorg(2, 2);  // drops 9 and 10: safe block lost, finalized kept
  CHECK(f.feed() == "reorg 2@8, adv 9, adv 10, safe 9");
  f.chain.reorg(4, 4);  // drops 7..10: finalized 8 is gone
  CHECK(f.feed() == "VIOLATION 6<8, reorg 4@6, adv 7, adv 8, adv 9, adv 10, safe 9, fin 8");
  const auto& v = f.heads.finalized();
  CHECK(v == 8);
}

TEST_CASE("heads: source failures are typed errors and retried cleanly", "[chain][heads]") {
  SECTION("kSource mid walk-back: nothing applied, the retry applies all") {
    Fixture f(no_finality());
    f.chain.mine(5);
    f.feed();
    f.follow(5);
    f.chain.reorg(4, 4);
    f.chain.fail_calls = 1;
    auto r = f.heads.on_head(f.chain.head());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == HeadErrc::kSource);
    CHECK(r.error().rpc.code == chain::RpcErrc::kTimeout);
    CHECK(chain::to_string(r.error()).find("injected timeout") != std::string::npos);
    CHECK(f.rec.take().empty());
    CHECK(f.heads.tip() == 10);
    CHECK(f.feed() == "reorg 4@6, adv 7, adv 8, adv 9, adv 10");
  }
  SECTION("kSource mid gap: the blocks before the failure stay delivered") {
    Fixture f(no_finality());
    f.chain.mine();
    f.feed();
    f.chain.mine(5);
    f.chain.fail_after = 2;  // fetches 2 and 3 succeed, 4 fails
    f.chain.fail_calls = 1;
    auto r = f.heads.on_head(f.chain.head());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == HeadErrc::kSource);
    CHECK(r.error().block_num == 4);
    CHECK(f.rec.take() == "adv 2, adv 3");
    CHECK(f.heads.tip() == 3);
    CHECK(f.feed() == "adv 4, adv 5, adv 6");
  }
  SECTION("kMissingHeader: a head whose parent the source does not know") {
    Fixture f(no_finality());
    f.chain.mine(3);
    f.feed();
    BlockHeader h = f.chain.at(3);
    h.number = 4;
    h.hash.bytes[5] = 0x77;
    h.parent_hash.bytes[5] = 0x77;
    auto r = f.heads.on_head(h);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == HeadErrc::kMissingHeader);
    CHECK(r.error().block_num == 3);
  }
  SECTION("kBadLink: the parent hash names a block at another height") {
    Fixture f(no_finality());
    f.chain.mine(2);
    f.feed();
    f.follow(3);
    BlockHeader h = f.chain.head();
    h.number = 6;
    h.hash.bytes[5] = 0x77;
    h.parent_hash = f.chain.at(3).hash;
    auto r = f.heads.on_head(h);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == HeadErrc::kBadLink);
    CHECK(f.heads.tip() == 5);
  }
  SECTION("kSource from poll()") {
    Fixture f(no_finality());
    f.chain.fail_calls = 1;
    CHECK(f.heads.poll().error().code == HeadErrc::kSource);
    REQUIRE(f.heads.poll());
    CHECK(f.rec.take() == "adv 0");
  }
}

TEST_CASE("heads: the window is a ring of contiguous blocks", "[chain][heads]") {
  HeadTrackerOptions o = no_finality();
  o.window = 4;
  Fixture f(o);
  f.follow(20);
  CHECK(f.heads.tip() == 20);
  CHECK(f.heads.oldest() == 17);
  for (BlockNum n = 17; n <= 20; ++n) CHECK(f.heads.at(n)->hash == f.chain.at(n).hash);
  CHECK(f.heads.at(16) == nullptr);
  CHECK_THROWS_AS(HeadTracker(f.chain, f.rec.sink(), HeadTrackerOptions{.window = 1, .seed = 0, .confirmations = {}, .tag_poll_every = 1}), std::invalid_argument);
}

// Random mining, gaps, repeated heads and reorgs (depth <= 10, some to
// shorter chains): a consumer that applies the events as forward/unwind must
// end with exactly the node's chain, and every Advance must extend it.
TEST_CASE("heads: random forks keep a forward/unwind consumer equal to the chain", "[chain][heads]") {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    MemoryChain c;
    c.slots_in_epoch = 3;
    std::vector<Hash32> model;  // consumer state keyed by block number
    uint64_t violations = 0;
    std::optional<BlockNum> fin;
    HeadTracker heads(c, [&](const HeadEvent& ev) {
      if (auto* a = std::get_if<chain::Advance>(&ev)) {
        REQUIRE(a->header.number == model.size());
        if (!model.empty()) REQUIRE(a->header.parent_hash == model.back());
        model.push_back(a->header.hash);
      } else if (auto* r = std::get_if<chain::Reorg>(&ev)) {
        REQUIRE(r->unwind_to + r->depth + 1 == model.size());
        REQUIRE(r->old_hash == model.back());
        model.resize(r->unwind_to + 1);
      } else if (auto* fz = std::get_if<chain::Finalized>(&ev)) {
        REQUIRE(fz->block_num < model.size());
        fin = fz->block_num;
      } else if (std::holds_alternative<chain::FinalityViolation>(ev)) {
        ++violations;
      }
    }, HeadTrackerOptions{.window = 16, .seed = 0, .confirmations = {}, .tag_poll_every = 1});
    REQUIRE(heads.on_head(c.head()));  // anchors at genesis
    for (int step = 0; step < 200; ++step) {
      const auto roll = rng() % 10;
      if (roll < 5) c.mine(1 + rng() % 3);
      else if (roll < 8 && c.head().number > 10) {
        const uint64_t depth = 1 + rng() % 10;
        const uint64_t replacement = depth + rng() % 5;  // depth-2 .. depth+2, at least 1
        c.reorg(depth, replacement > 2 ? replacement - 2 : 1);
      }
      auto r = heads.on_head(roll == 9 && c.head().number > 2 ? c.at(c.head().number - 2) : c.head());
      REQUIRE(r);
    }
    REQUIRE(heads.on_head(c.head()));
    REQUIRE(model.size() == c.head().number + 1);
    for (BlockNum n = 0; n <= c.head().number; ++n) REQUIRE(model[n] == c.at(n).hash);
    CHECK(fin.has_value());
    (void)violations;
  }
}
