#pragma once
// The sanity checks (ARCHITECTURE.md: "price checks in oracle/checks"):
// small pure functions, one per reason code, each separately tested. The
// pipeline (pipeline.hpp) gathers their inputs; nothing here keeps state,
// allocates or touches a double (z-scores are compared as exact integer
// products: |x - m| * 1000 > z_milli * 1.4826 * MAD).
//
// Times are microseconds (int64); ratios are Ppm; prices are Price.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "perpx/oracle/price.hpp"

namespace perpx::oracle {

enum class Reason : uint8_t {
  kStale,            // older than the stream clock by more than the heartbeat
  kFuture,           // ahead of the stream clock by more than the tolerance
  kNonPositive,      // price <= 0
  kBounds,           // at or beyond the source's [min, max] circuit breakers
  kConfidence,       // conf / price above the limit (Pyth)
  kDeviation,        // too far from the median of the other fresh sources
  kOutlier,          // robust (MAD) z-score too high among >= 3 fresh sources
  kJump,             // a large move from its own last accepted price, unconfirmed
  kFrozen,           // the same price repeated while the others moved
  kIncompleteRound,  // answeredInRound < roundId (Chainlink)
  kSequencerDown,    // L2 sequencer down, or up for less than the grace period
};
inline constexpr size_t kReasonCount = 11;
// "stale", "future", "non_positive", "bounds", "confidence", "deviation",
// "outlier", "jump", "frozen", "incomplete_round", "sequencer_down".
std::string_view reason_name(Reason r) noexcept;
std::optional<Reason> parse_reason(std::string_view name) noexcept;

// A set of reasons (bit i = Reason i), in enum order when iterated.
class ReasonSet {
 public:
  constexpr ReasonSet() = default;
  constexpr void add(Reason r) noexcept { bits_ |= static_cast<uint16_t>(1u << static_cast<unsigned>(r)); }
  [[nodiscard]] constexpr bool has(Reason r) const noexcept { return (bits_ >> static_cast<unsigned>(r)) & 1u; }
  [[nodiscard]] constexpr bool empty() const noexcept { return bits_ == 0; }
  [[nodiscard]] constexpr uint16_t bits() const noexcept { return bits_; }
  static constexpr ReasonSet from_bits(uint16_t b) noexcept { ReasonSet s; s.bits_ = b; return s; }
  friend constexpr bool operator==(const ReasonSet&, const ReasonSet&) = default;

 private:
  uint16_t bits_ = 0;
};

// Upper bound on sources per market: the pipeline's fixed arrays.
inline constexpr size_t kMaxSources = 32;

// The median of `values` (the mean of the middle two for an even count,
// truncated toward zero); `values` is reordered. Empty: nullopt.
std::optional<Price> median_in_place(std::span<Price> values) noexcept;

// ---- one function per reason ----------------------------------------------

constexpr bool is_stale(int64_t time_us, int64_t clock_us, int64_t heartbeat_us) noexcept {
  return clock_us - time_us > heartbeat_us;
}
constexpr bool is_future(int64_t time_us, int64_t clock_us, int64_t tolerance_us) noexcept {
  return time_us - clock_us > tolerance_us;
}
constexpr bool is_non_positive(Price p) noexcept { return p.raw <= 0; }
// A breaker-clamped feed reports exactly its bound, so the bound itself fails.
constexpr bool is_out_of_bounds(Price p, std::optional<Price> min, std::optional<Price> max) noexcept {
  return (min && p <= *min) || (max && p >= *max);
}
// conf / price > limit (price > 0).
constexpr bool is_low_confidence(Price p, Price conf, Ppm limit) noexcept {
  return static_cast<Int128>(conf.raw) * 1'000'000 > static_cast<Int128>(p.raw) * to_u32(limit);
}
// More than `limit` from the median of `others` (needs >= min_others of them).
bool is_deviation(Price p, std::span<const Price> others, Ppm limit, size_t min_others = 2) noexcept;
// Among p and `others` (>= 3 values in all): robust z-score of p above
// z_milli/1000 and more than `min_move` from their median. MAD 0 with p off
// the median counts as an infinite z-score.
bool is_outlier(Price p, std::span<const Price> others, uint32_t z_milli, Ppm min_move) noexcept;
// A move from `last` larger than `limit` that none of `confirmers` (other
// sources' latest prices) confirms: a confirmer within `confirm` of p.
bool is_jump(Price p, std::optional<Price> last, std::span<const Price> confirmers, Ppm limit, Ppm confirm) noexcept;
// `run_length` identical prices in a row (this one included), while the
// median of the others went from `median_at_start` to `median_now`.
constexpr bool is_frozen(uint32_t run_length, std::optional<Price> median_at_start, std::optional<Price> median_now,
                         uint32_t min_run, Ppm min_move) noexcept {
  return run_length >= min_run && median_at_start && median_now &&
         differs_by_more(*median_now, *median_at_start, *median_at_start, min_move);
}
constexpr bool is_incomplete_round(uint64_t round_id, uint64_t answered_in_round) noexcept {
  return answered_in_round < round_id;
}
// Sequencer: down, or up since `up_since_us` for less than the grace period.
constexpr bool is_sequencer_down(bool up, int64_t up_since_us, int64_t now_us, int64_t grace_us) noexcept {
  return !up || now_us - up_since_us < grace_us;
}

}  // namespace perpx::oracle
