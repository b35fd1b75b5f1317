#pragma once
// Slicer: works a large parent Order as child orders on TimerEvents.
//
// Schedule: `slices` children, child i due at start_us + i * interval_us.
// TWAP gives each slice an equal share of the parent; VWAP gives slice i
// weights[i] / sum(weights) (a volume profile, one weight per slice). A
// child's size is its scheduled cumulative target minus what has filled or
// is in flight, so a failed child's quantity rolls into the next one.
//
// Worst-case slippage budget (budget_bps of the arrival index, the first
// PriceEvent of the market): each child is limit-priced at
// budget_price(arrival, side, budget_bps) and cut to the largest size whose
// whole fill price (RefModel::impact_price for the whole child) stays under
// that limit at the worst skew it can meet: the snapshot's skew plus every
// child filled or in flight (all ours push the same way), not an average
// over the schedule. A child that cannot fit even size_step is skipped
// (the slice's quantity rolls over). With limit = false the child takes the
// parent's limit price instead (a marketable order), still cut to fit the
// budget at the parent's limit.
//
// Children: the parent's venue, market, side, tif, urgency, path and
// reduce_only; client ids "<name>-<i>" (i = slice), retries of a slice
// after failure "<name>-<i>-r<k>" at the next timer. One child in flight at
// a time (a timer while one is in flight sends nothing). Done when the
// parent is filled; after the last slice each timer sends what is left.
//
// Single-threaded; allocates (decisions).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "perpx/core/json.hpp"
#include "perpx/strategies/strategy.hpp"

namespace perpx::strategies {

enum class SliceMode : uint8_t { kTwap, kVwap };
std::string_view slice_mode_name(SliceMode m) noexcept;  // "twap", "vwap"

struct SlicerConfig {
  std::string name = "slicer";
  executor::Order parent;  // venue, market, side, size, limit_price (the parent's worst), tif, urgency, path
  SliceMode mode = SliceMode::kTwap;
  uint64_t start_us = 0;
  uint64_t interval_us = 60'000'000;
  uint32_t slices = 10;
  std::vector<double> weights;  // VWAP: one per slice, >= 0, not all 0
  uint32_t budget_bps = 20;
  bool limit = true;
  core::U256 size_step{core::U256{1'000'000'000'000'000ull}};  // 0.001
};
core::Json to_json(const SlicerConfig& c);
std::expected<SlicerConfig, std::string> slicer_config_from_json(const core::Json& j);

class Slicer : public Strategy {
 public:
  Slicer(SlicerConfig config, const Book& book);

  [[nodiscard]] std::string_view name() const override { return config_.name; }
  std::vector<Decision> on_event(const Event& e) override;

  [[nodiscard]] const SlicerConfig& config() const noexcept { return config_; }
  // The cumulative target after slice i (0-based) is due.
  [[nodiscard]] core::U256 scheduled(uint32_t slice) const;
  [[nodiscard]] const core::U256& filled() const noexcept { return filled_; }
  [[nodiscard]] bool done() const noexcept;
  // The skew a next child is budgeted at: snapshot skew + filled + in flight (signed).
  [[nodiscard]] core::I256 worst_skew() const;
  [[nodiscard]] const std::optional<core::U256>& arrival() const noexcept { return arrival_; }

 private:
  std::optional<Decision> child(uint64_t time_us);

  SlicerConfig config_;
  venues::RefModel model_;
  std::optional<size_t> market_;
  core::I256 skew0_;
  std::optional<core::U256> arrival_;
  core::U256 index_;  // the latest index
  core::U256 filled_;
  std::optional<executor::Order> in_flight_;
  uint32_t next_slice_ = 0;  // slices due so far
  std::optional<uint32_t> retry_slice_;
  uint32_t retries_ = 0;
};

}  // namespace perpx::strategies
