// The pipeline end to end: every reason code reached through process(), the
// stream clock rule, the reference (median, quorum, fail-closed), events and
// the mark price.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "perpx/oracle/pipeline.hpp"

using namespace perpx::oracle;

namespace {

Price px(double v) { return Price{static_cast<int64_t>(v * 1e9 + (v >= 0 ? 0.5 : -0.5))}; }
constexpr int64_t kS = 1'000'000;
constexpr int64_t kT0 = 1'750'000'000 * kS;

struct Market {
  Pipeline p;
  explicit Market(size_t n = 4, Thresholds th = {}, MarketParams m = {}) : p(m) {
    for (size_t i = 0; i < n; ++i) p.add_source("s" + std::to_string(i), th);
  }
  Decision feed(SourceId s, double t_seconds, double price, std::optional<double> conf = std::nullopt) {
    Sample x;
    x.source = s;
    x.time_us = kT0 + static_cast<int64_t>(t_seconds * 1e6);
    x.price = px(price);
    if (conf) x.conf = px(*conf);
    return p.process(x);
  }
  // Every source at `price` at time t (accepted).
  void all(double t, double price) {
    for (SourceId s = 0; s < p.source_count(); ++s) {
      const Decision d = feed(s, t, price);
      REQUIRE(d.accepted);
    }
  }
};

bool only(const Decision& d, Reason r) {
  ReasonSet x;
  x.add(r);
  return !d.accepted && d.reasons == x;
}

}  // namespace

TEST_CASE("a clean market is accepted and gives a median reference", "[oracle][pipeline]") {
  Market m;
  m.feed(0, 0, 100);
  m.feed(1, 1, 100.1);
  m.feed(2, 2, 99.9);
  const Decision d = m.feed(3, 3, 100.3);
  CHECK(d.accepted);
  CHECK(d.reasons.empty());
  REQUIRE(d.reference);
  CHECK(*d.reference == px(100.05));
  CHECK(d.fresh_sources == 4);
  CHECK(m.p.clock() == kT0 + 3 * kS);
}

TEST_CASE("stale and future against the stream clock, a rejected row does not move it", "[oracle][pipeline]") {
  Market m;
  m.all(10'000, 100);
  CHECK(only(m.feed(0, 10'000 - 3601, 100), Reason::kStale));
  CHECK(m.feed(0, 10'000 - 3600, 100).accepted);
  CHECK(only(m.feed(1, 10'000 + 61, 100), Reason::kFuture));
  CHECK(m.p.clock() == kT0 + 10'000 * kS);  // the rejected row left the clock alone
  CHECK(m.feed(1, 10'000 + 60, 100).accepted);
  CHECK(m.p.clock() == kT0 + 10'060 * kS);
}

TEST_CASE("a gap in the stream is not a skewed clock once a second source confirms the time", "[oracle][pipeline]") {
  Market m(3);
  m.all(0, 100);
  CHECK(only(m.feed(0, 600, 100), Reason::kFuture));  // alone: could be a skewed clock
  CHECK(m.feed(1, 601, 100).accepted);                 // another source is there too
  CHECK(m.feed(0, 602, 100).accepted);
}

TEST_CASE("non_positive, bounds, confidence, incomplete_round", "[oracle][pipeline]") {
  Thresholds th;
  th.min = px(0.1);
  th.max = px(1000);
  Market m(3, th);
  m.all(0, 100);
  CHECK(only(m.feed(0, 1, 0), Reason::kNonPositive));
  const Decision neg = m.feed(0, 1, -5);
  CHECK(neg.reasons.has(Reason::kNonPositive));
  CHECK(m.feed(1, 1, 1000).reasons.has(Reason::kBounds));
  CHECK(only(m.feed(1, 1.5, 0.1), Reason::kBounds) == false);  // far off too, but the floor itself fails
  CHECK(m.feed(1, 1.5, 0.1).reasons.has(Reason::kBounds));
  CHECK(only(m.feed(2, 1, 100, 2.5), Reason::kConfidence));
  CHECK(m.feed(2, 2, 100, 1.5).accepted);
  Sample s;
  s.source = 0;
  s.time_us = kT0 + 3 * kS;
  s.price = px(100);
  s.round_id = 12;
  s.answered_in_round = 11;
  CHECK(only(m.p.process(s), Reason::kIncompleteRound));
  s.answered_in_round = 12;
  CHECK(m.p.process(s).accepted);
}

TEST_CASE("deviation needs two other fresh sources", "[oracle][pipeline]") {
  Market m(3);
  m.feed(0, 0, 100);
  m.feed(1, 0, 99);
  m.feed(2, 0, 101);
  CHECK(only(m.feed(0, 1, 103), Reason::kDeviation));  // 3% from 100, the others' median
  CHECK(m.feed(0, 2, 101.9).accepted);
  Market two(2);
  two.all(0, 100);
  CHECK(two.feed(0, 1, 105).accepted);  // one other source: no deviation check
}

TEST_CASE("outlier: 1.5% off four tight sources", "[oracle][pipeline]") {
  Market m(5);
  m.feed(0, 0, 100);
  m.feed(1, 0, 100.02);
  m.feed(2, 0, 99.98);
  m.feed(3, 0, 100.01);
  m.feed(4, 0, 100);
  CHECK(only(m.feed(4, 1, 101.5), Reason::kOutlier));
  CHECK(m.feed(4, 2, 100.5).accepted);
}

TEST_CASE("jump: 30% alone is rejected, confirmed by a second source it is followed", "[oracle][pipeline]") {
  Market m(2);
  m.all(0, 100);
  CHECK(only(m.feed(0, 1, 130), Reason::kJump));
  // The market really moved: the second source confirms the first's price.
  CHECK(m.feed(1, 2, 129.5).accepted);
  CHECK(m.feed(0, 3, 130).accepted);
  REQUIRE(m.p.reference());
  CHECK(*m.p.reference() == px(129.75));
}

TEST_CASE("a whole market that crashes 30% is followed, not deadlocked", "[oracle][pipeline]") {
  Market m(3);
  m.all(0, 100);
  CHECK_FALSE(m.feed(0, 1, 70).accepted);  // first print: unconfirmed
  CHECK(m.feed(1, 2, 70.2).accepted);      // confirms, and source 0 is no reference while rejected
  CHECK(m.feed(2, 3, 69.9).accepted);
  CHECK(m.feed(0, 4, 70).accepted);
  CHECK(*m.p.reference() == px(70));
}

TEST_CASE("frozen: five repeats while the others moved more than 1%", "[oracle][pipeline]") {
  Market m(3);
  m.all(0, 100);
  double other = 100;
  std::vector<bool> accepted;
  for (int i = 1; i <= 6; ++i) {
    other += 0.3;
    m.feed(1, i, other);
    m.feed(2, i, other + 0.01);
    accepted.push_back(m.feed(0, i + 0.5, 100).accepted);
  }
  // Others: 100.3, 100.6, 100.9, 101.2 (5th repeat, +1.2% since the run began), ...
  CHECK(accepted == std::vector<bool>{true, true, true, false, false, false});
  const Decision d = m.feed(0, 7.5, 100);
  CHECK(d.reasons.has(Reason::kFrozen));
  // Repeats in a quiet market are fine.
  Market q(3);
  for (int i = 0; i < 10; ++i) {
    q.feed(1, i, 100 + 0.01 * (i % 2));
    q.feed(2, i, 100);
    CHECK(q.feed(0, i + 0.5, 100).accepted);
  }
}

TEST_CASE("sequencer_down: while down and during the grace period", "[oracle][pipeline]") {
  Market m(2);
  m.all(0, 100);
  m.p.on_sequencer(false, kT0 + 10 * kS);
  CHECK(only(m.feed(0, 20, 100), Reason::kSequencerDown));
  m.p.on_sequencer(true, kT0 + 100 * kS);
  // Both sources keep publishing through the grace period (all rejected: the clock stays).
  for (int t = 130; t < 3700; t += 30) {
    CHECK(m.feed(0, t, 100).reasons.has(Reason::kSequencerDown));
    CHECK(m.feed(1, t + 1, 100).reasons.has(Reason::kSequencerDown));
  }
  CHECK(only(m.feed(0, 100 + 3599, 100), Reason::kSequencerDown));
  CHECK(m.feed(0, 100 + 3600, 100).accepted);  // the others' latest samples confirm the time
  CHECK(m.feed(1, 100 + 3601, 100).accepted);
  CHECK(m.p.reference());
}

TEST_CASE("quorum: NoQuorum fails closed, Recovered when two sources are fresh again", "[oracle][pipeline]") {
  Market m(3);
  Decision d = m.feed(0, 0, 100);
  CHECK_FALSE(d.reference);
  REQUIRE(d.event_count == 2);
  CHECK(d.events[0].kind == EventKind::kAccepted);
  CHECK(d.events[1].kind == EventKind::kNoQuorum);
  d = m.feed(1, 1, 100.2);
  REQUIRE(d.event_count == 2);
  CHECK(d.events[1].kind == EventKind::kRecovered);
  CHECK(*d.reference == px(100.1));
  d = m.feed(2, 2, 100.1);
  CHECK(d.event_count == 1);
  // Source 2 stops; 0 and 1 go on every 30 s: the quorum holds.
  double t = 2;
  for (; t < 4000; t += 30) {
    REQUIRE(m.feed(0, t, 100).accepted);
    d = m.feed(1, t + 1, 100.2);
    REQUIRE(d.accepted);
    CHECK(d.reference);
  }
  // Then 1 stops too: once its last price is older than the heartbeat, no quorum.
  const double last1 = t - 30 + 1;
  for (; t <= last1 + 3600; t += 30) CHECK(m.feed(0, t, 100).reference);
  d = m.feed(0, t, 100);
  CHECK(d.accepted);
  CHECK_FALSE(d.reference);
  CHECK_FALSE(d.mark);
  REQUIRE(d.event_count == 2);
  CHECK(d.events[1].kind == EventKind::kNoQuorum);
  CHECK(m.feed(0, t + 10, 100).event_count == 1);  // said once
  d = m.feed(2, t + 20, 100.4);
  REQUIRE(d.event_count == 2);
  CHECK(d.events[1].kind == EventKind::kRecovered);
  // A rejected sample's event carries its reasons.
  d = m.feed(1, t + 21, -1);
  CHECK(d.events[0].kind == EventKind::kRejected);
  CHECK(d.events[0].reasons.has(Reason::kNonPositive));
  CHECK(event_name(EventKind::kRecovered) == "recovered");
}

TEST_CASE("per-source thresholds apply to that source only", "[oracle][pipeline]") {
  Pipeline p;
  Thresholds loose;
  loose.deviation = Ppm{100'000};
  loose.outlier_min = Ppm{100'000};
  p.add_source("strict");
  p.add_source("loose", loose);
  p.add_source("third");
  for (SourceId s = 0; s < 3; ++s) p.process(Sample{s, kT0, px(100), {}, 0, 0, 0});
  CHECK(p.process(Sample{1, kT0 + kS, px(105), {}, 0, 0, 0}).accepted);
  CHECK_FALSE(p.process(Sample{0, kT0 + kS, px(105), {}, 0, 0, 0}).accepted);
  CHECK_THROWS(p.add_source("strict"));
}

TEST_CASE("mark price: time-weighted, clamped, over its window", "[oracle][mark]") {
  MarkPrice mark(100 * kS, Ppm{10'000});
  CHECK_FALSE(mark.value(0));
  mark.update(0, px(100));
  CHECK(*mark.value(0) == px(100));
  mark.update(50 * kS, px(102));          // clamped to 101 (1% of the mark 100)
  CHECK(*mark.value(50 * kS) == px(100));  // the new price has had no time yet
  CHECK(*mark.value(100 * kS) == px(100.5));  // 50 s at 100, 50 s at 101
  mark.update(100 * kS, px(101));
  CHECK(*mark.value(200 * kS) == px(101));  // the window holds only 101 now
  // A single absurd print moves the mark by the clamp at most.
  mark.update(200 * kS, px(1'000'000));
  CHECK(*mark.value(210 * kS) <= px(101 * 1.01 * 0.1 + 101 * 0.9 + 0.001));
  // Many updates (more than the ring) stay correct: constant price.
  MarkPrice m2(60 * kS, Ppm{10'000});
  for (int64_t i = 0; i < 5000; ++i) m2.update(i * kS / 10, px(50));
  CHECK(*m2.value(500 * kS) == px(50));
}
