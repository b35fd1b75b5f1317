// One test per check (checks.hpp), each seen both passing and failing.
#include <catch2/catch.hpp>

#include <vector>

#include "perpx/oracle/checks.hpp"

using namespace perpx::oracle;

namespace {
Price px(double v) { return Price{static_cast<int64_t>(v * 1e9 + (v >= 0 ? 0.5 : -0.5))}; }
constexpr int64_t kS = 1'000'000;
}  // namespace

TEST_CASE("reason names round-trip", "[oracle][checks]") {
  const char* names[] = {"stale", "future", "non_positive", "bounds", "confidence", "deviation",
                         "outlier", "jump", "frozen", "incomplete_round", "sequencer_down"};
  for (size_t i = 0; i < kReasonCount; ++i) {
    CHECK(reason_name(static_cast<Reason>(i)) == names[i]);
    CHECK(parse_reason(names[i]) == static_cast<Reason>(i));
  }
  CHECK_FALSE(parse_reason("nope"));
  ReasonSet s;
  CHECK(s.empty());
  s.add(Reason::kJump);
  s.add(Reason::kSequencerDown);
  CHECK(s.has(Reason::kJump));
  CHECK_FALSE(s.has(Reason::kStale));
  CHECK(ReasonSet::from_bits(s.bits()) == s);
}

TEST_CASE("median_in_place", "[oracle][checks]") {
  std::vector<Price> v = {px(3), px(1), px(2)};
  CHECK(median_in_place(v) == px(2));
  v = {px(4), px(1), px(3), px(2)};
  CHECK(median_in_place(v) == px(2.5));
  std::vector<Price> none;
  CHECK_FALSE(median_in_place(none));
}

TEST_CASE("stale: older than the clock by more than the heartbeat", "[oracle][checks]") {
  CHECK_FALSE(is_stale(1000 * kS, 4600 * kS, 3600 * kS));  // exactly the heartbeat
  CHECK(is_stale(1000 * kS, 4600 * kS + 1, 3600 * kS));
}

TEST_CASE("future: ahead of the clock by more than the tolerance", "[oracle][checks]") {
  CHECK_FALSE(is_future(1060 * kS, 1000 * kS, 60 * kS));
  CHECK(is_future(1060 * kS + 1, 1000 * kS, 60 * kS));
}

TEST_CASE("non_positive", "[oracle][checks]") {
  CHECK(is_non_positive(px(0)));
  CHECK(is_non_positive(px(-1)));
  CHECK_FALSE(is_non_positive(Price{1}));
}

TEST_CASE("bounds: at or beyond the circuit breakers", "[oracle][checks]") {
  CHECK_FALSE(is_out_of_bounds(px(5), std::nullopt, std::nullopt));
  CHECK(is_out_of_bounds(px(0.1), px(0.1), std::nullopt));  // pinned at the floor
  CHECK(is_out_of_bounds(px(0.05), px(0.1), std::nullopt));
  CHECK_FALSE(is_out_of_bounds(px(0.11), px(0.1), px(100)));
  CHECK(is_out_of_bounds(px(100), px(0.1), px(100)));
}

TEST_CASE("confidence: conf / price above the limit", "[oracle][checks]") {
  CHECK_FALSE(is_low_confidence(px(100), px(2), Ppm{20'000}));
  CHECK(is_low_confidence(px(100), px(2.000000001), Ppm{20'000}));
}

TEST_CASE("deviation: from the median of at least two others", "[oracle][checks]") {
  const std::vector<Price> two = {px(100), px(100.2)};
  CHECK_FALSE(is_deviation(px(102), two, Ppm{20'000}));
  CHECK(is_deviation(px(102.5), two, Ppm{20'000}));
  const std::vector<Price> one = {px(100)};
  CHECK_FALSE(is_deviation(px(150), one, Ppm{20'000}));  // one other source is not enough
}

TEST_CASE("outlier: MAD z-score among three or more", "[oracle][checks]") {
  const std::vector<Price> tight = {px(100), px(100.05), px(99.95), px(100.02)};
  CHECK(is_outlier(px(101.5), tight, 5000, Ppm{10'000}));
  CHECK_FALSE(is_outlier(px(100.9), tight, 5000, Ppm{10'000}));  // under 1% from the median
  // A wide market: 1.5% off is within 5 robust standard deviations.
  const std::vector<Price> wide = {px(100), px(101), px(99), px(100.8), px(99.3)};
  CHECK_FALSE(is_outlier(px(101.6), wide, 5000, Ppm{10'000}));
  const std::vector<Price> two = {px(100), px(100)};
  CHECK(is_outlier(px(102), two, 5000, Ppm{10'000}));
  const std::vector<Price> one = {px(100)};
  CHECK_FALSE(is_outlier(px(200), one, 5000, Ppm{10'000}));  // two values in all
}

TEST_CASE("jump: a large unconfirmed move from the last accepted price", "[oracle][checks]") {
  const std::vector<Price> none;
  CHECK(is_jump(px(120), px(100), none, Ppm{150'000}, Ppm{20'000}));
  CHECK_FALSE(is_jump(px(114), px(100), none, Ppm{150'000}, Ppm{20'000}));
  CHECK_FALSE(is_jump(px(120), std::nullopt, none, Ppm{150'000}, Ppm{20'000}));
  const std::vector<Price> confirmed = {px(100.1), px(119.5)};
  CHECK_FALSE(is_jump(px(120), px(100), confirmed, Ppm{150'000}, Ppm{20'000}));
  const std::vector<Price> unconfirmed = {px(100.1), px(101)};
  CHECK(is_jump(px(120), px(100), unconfirmed, Ppm{150'000}, Ppm{20'000}));
}

TEST_CASE("frozen: a run of repeats while the others moved", "[oracle][checks]") {
  CHECK(is_frozen(5, px(100), px(101.5), 5, Ppm{10'000}));
  CHECK_FALSE(is_frozen(4, px(100), px(101.5), 5, Ppm{10'000}));
  CHECK_FALSE(is_frozen(9, px(100), px(100.9), 5, Ppm{10'000}));
  CHECK_FALSE(is_frozen(9, std::nullopt, px(110), 5, Ppm{10'000}));
}

TEST_CASE("incomplete_round: answeredInRound below roundId", "[oracle][checks]") {
  CHECK(is_incomplete_round(7, 6));
  CHECK_FALSE(is_incomplete_round(7, 7));
}

TEST_CASE("sequencer_down: down, or within the grace period", "[oracle][checks]") {
  CHECK(is_sequencer_down(false, 0, 10'000 * kS, 3600 * kS));
  CHECK(is_sequencer_down(true, 1000 * kS, 4599 * kS, 3600 * kS));
  CHECK_FALSE(is_sequencer_down(true, 1000 * kS, 4600 * kS, 3600 * kS));
}
