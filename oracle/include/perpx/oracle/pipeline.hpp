#pragma once
// SanityPipeline: every price sample of one market, in arrival order,
// through the checks (checks.hpp), giving a decision per sample, a reference
// price (median of the fresh accepted sources, fail-closed below a quorum)
// and a mark price (time-weighted reference, clamped), with events for the
// kill switch: Accepted, Rejected(reasons), NoQuorum, Recovered.
//
// The stream clock is the largest time of the samples accepted so far; a
// rejected sample does not move it. A source is "fresh" when its last
// sample was accepted and is within its heartbeat of the clock; a source
// whose latest sample was rejected is no reference for the others until it
// is accepted again (a stuck or manipulated feed must not veto the honest
// ones). A sample ahead of the clock is not `future` when another source's
// latest sample is as far ahead (a gap in the stream, not a skewed clock).
// A jump is confirmed by another source's latest well-formed price,
// accepted or not, within the deviation limit of the new one: a market that
// really moves is followed once two sources agree.
//
// Sources are registered before the stream starts (add_source allocates);
// process() and the sequencer updates never allocate, take O(sources), and
// are deterministic. One thread.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/core/metrics.hpp"
#include "perpx/oracle/checks.hpp"
#include "perpx/oracle/price.hpp"

namespace perpx::oracle {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;

// Every per-source threshold, with the defaults.
struct Thresholds {
  int64_t heartbeat_us = 3600 * kMicrosPerSecond;
  int64_t future_us = 60 * kMicrosPerSecond;
  std::optional<Price> min;  // Chainlink minAnswer-style floor (a price at it fails)
  std::optional<Price> max;
  Ppm max_conf{20'000};      // 2%
  Ppm deviation{20'000};     // 2%
  uint32_t outlier_z_milli = 5'000;  // z > 5
  Ppm outlier_min{10'000};   // and > 1% from the median
  Ppm jump{150'000};         // 15%
  uint32_t frozen_run = 5;   // 5 identical prices in a row
  Ppm frozen_move{10'000};   // while the others moved > 1%
  friend bool operator==(const Thresholds&, const Thresholds&) = default;
};

// Market-wide settings.
struct MarketParams {
  uint32_t quorum = 2;
  int64_t sequencer_grace_us = 3600 * kMicrosPerSecond;
  int64_t mark_window_us = 300 * kMicrosPerSecond;
  Ppm mark_clamp{10'000};  // a reference enters the mark at most 1% from it
  friend bool operator==(const MarketParams&, const MarketParams&) = default;
};

using SourceId = uint16_t;

struct Sample {
  SourceId source = 0;
  int64_t time_us = 0;             // publish time
  Price price;
  std::optional<Price> conf;       // Pyth confidence
  uint64_t round_id = 0;           // Chainlink; both 0 when unknown
  uint64_t answered_in_round = 0;
  uint64_t block_num = 0;          // informational
};

enum class EventKind : uint8_t { kAccepted, kRejected, kNoQuorum, kRecovered };
std::string_view event_name(EventKind k) noexcept;  // "accepted", "rejected", "no_quorum", "recovered"

struct Event {
  EventKind kind = EventKind::kAccepted;
  SourceId source = 0;
  int64_t time_us = 0;
  Price price;          // the sample's (Accepted/Rejected) or the reference (Recovered)
  ReasonSet reasons;    // Rejected
};

struct Decision {
  bool accepted = false;
  ReasonSet reasons;                 // empty when accepted
  std::optional<Price> reference;    // after this sample; empty: no quorum (fail closed)
  std::optional<Price> mark;         // empty while there is no quorum
  uint32_t fresh_sources = 0;        // how many made the reference
  std::array<Event, 2> events{};     // the sample's, then NoQuorum/Recovered if the quorum changed
  uint8_t event_count = 0;
};

// A time-weighted average of the reference with clamping: each new
// reference enters clamped to within `clamp` of the current mark; the mark
// is the mean of the clamped price over the last `window` (a continuous
// accumulator with a fixed ring of checkpoints: no allocation after
// construction).
class MarkPrice {
 public:
  explicit MarkPrice(int64_t window_us = 300 * kMicrosPerSecond, Ppm clamp = Ppm{10'000});
  // The reference at time t (t not before the previous update).
  void update(int64_t time_us, Price reference) noexcept;
  // The mark at `now_us` (>= the last update), nullopt before the first.
  [[nodiscard]] std::optional<Price> value(int64_t now_us) const noexcept;
  void reset() noexcept;

 private:
  static constexpr size_t kRing = 512;
  struct Checkpoint {
    int64_t time_us;
    Int128 acc;  // integral of the clamped price up to time_us (raw * us)
  };
  [[nodiscard]] Int128 acc_at(int64_t t) const noexcept;
  int64_t window_us_;
  int64_t step_us_;  // minimum spacing of checkpoints
  Ppm clamp_;
  bool started_ = false;
  int64_t last_time_ = 0;
  Price last_price_;  // the clamped price in force since last_time_
  Int128 acc_ = 0;    // integral up to last_time_
  int64_t first_time_ = 0;
  std::array<Checkpoint, kRing> ring_{};
  size_t head_ = 0;  // oldest
  size_t size_ = 0;
};

class Pipeline {
 public:
  explicit Pipeline(MarketParams market = {});

  // Registers a source (before samples arrive). At most kMaxSources.
  // `sequencer`: the L2 sequencer uptime feed (its samples are statuses,
  // price 0 = up, 1 = down; see on_sequencer).
  SourceId add_source(std::string name, Thresholds thresholds = {});
  [[nodiscard]] size_t source_count() const noexcept { return count_; }
  [[nodiscard]] const std::string& source_name(SourceId id) const { return names_[id]; }
  [[nodiscard]] std::optional<SourceId> find_source(std::string_view name) const noexcept;
  [[nodiscard]] const Thresholds& thresholds(SourceId id) const noexcept { return sources_[id].th; }
  [[nodiscard]] const MarketParams& market() const noexcept { return market_; }

  // One sample through every check. Never allocates.
  Decision process(const Sample& s) noexcept;

  // The L2 sequencer status: up or down since `since_us` (the uptime feed's
  // startedAt). Before the first call the market is taken to be on L1
  // (no sequencer check).
  void on_sequencer(bool up, int64_t since_us) noexcept;

  [[nodiscard]] std::optional<int64_t> clock() const noexcept {
    return has_clock_ ? std::optional<int64_t>{clock_} : std::nullopt;
  }
  // The reference now (median of fresh accepted sources) if the quorum holds.
  [[nodiscard]] std::optional<Price> reference() const noexcept;
  [[nodiscard]] std::optional<Price> mark() const noexcept;

 private:
  struct SourceState {
    Thresholds th;
    bool has_accepted = false;
    Price last_accepted;
    int64_t last_accepted_us = 0;
    bool healthy = false;       // the latest sample was accepted
    bool has_observed = false;  // the latest sample was well formed (for jump confirmation)
    Price last_observed;
    int64_t last_observed_us = 0;
    bool has_seen = false;      // the latest sample with a sound price (any time), for time confirmation
    int64_t last_seen_us = 0;
    Price run_price;            // the current run of identical prices
    uint32_t run_length = 0;
    std::optional<Price> run_start_median;
  };
  [[nodiscard]] bool fresh(const SourceState& st) const noexcept;
  // Other fresh sources' accepted prices into `out`; returns the count.
  size_t gather_others(SourceId self, Price* out) const noexcept;
  [[nodiscard]] bool time_confirmed(SourceId self, int64_t time_us, int64_t tolerance_us) const noexcept;
  size_t gather_confirmers(SourceId self, int64_t now_us, Price* out) const noexcept;

  MarketParams market_;
  std::array<SourceState, kMaxSources> sources_{};
  std::vector<std::string> names_;
  size_t count_ = 0;
  bool has_clock_ = false;
  int64_t clock_ = 0;
  bool has_sequencer_ = false;
  bool sequencer_up_ = true;
  int64_t sequencer_since_ = 0;
  enum class Quorum : uint8_t { kUnknown, kHeld, kLost } quorum_ = Quorum::kUnknown;
  MarkPrice mark_;
  // Scratch for process(): members, so nothing is zeroed per sample.
  std::array<Price, kMaxSources> others_{};
  std::array<Price, kMaxSources> scratch_{};
  // perpx_oracle_rejections_total{source,reason}, registered by add_source.
  std::array<std::array<core::Counter*, kReasonCount>, kMaxSources> rejections_{};
};

}  // namespace perpx::oracle
