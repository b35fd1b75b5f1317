#pragma once
// DeltaHedger: holds the book's net delta in one perp market inside a band.
//
// Net delta = the account's position in `market` (from the Book's model)
// plus its spot holdings in `spot_pairs` (1:1 in base units), then every
// FillEvent in those markets (any client id: the book is the account's).
// On each PriceEvent of `market`, when |delta| > band and no hedge is in
// flight, it sends one IOC hedge on the venue:
//   size     |delta| - residual, where residual = band * min(1, vol_ref / vol)
//            (vol: sample stdev of log returns over the last vol_window
//            prices, per sample); so a volatile market is hedged closer to
//            flat; then clamped to [min_hedge, max_hedge], and cut to the
//            largest size whose whole fill price (RefModel impact at the
//            worst skew: snapshot skew plus our own fills) is inside
//            slippage_budget_bps (depth: the venue's skew scale); below
//            min_hedge after the cut: no hedge (the next price retries).
//   limit    budget_price(index, side, slippage_budget_bps): never pays more.
//   urgency  kUrgent (path urgent_path: private or commit-reveal) when the
//            price moved faster than fast_bps_per_s over speed_window_us, or
//            the account's distance to liquidation (Portfolio, in sigma of
//            the same vol) is below urgent_sigma; kCritical below
//            critical_sigma; otherwise kNormal with normal_path (batch).
// Idempotent legs: one hedge in flight at a time, never a second on top. Its
// FillEvent (by client id) updates the position and ends it; an
// OrderFailedEvent ends it and, if delta is still outside the band, retries
// at once with the same sequence and "-r<k>" (k <= max_retries) sized for
// the current delta; after max_retries the leg is dropped and the next
// price starts a new sequence. A fill of an id already given up is still
// counted (delta), and the next hedge unwinds any overshoot.
//
// Single-threaded; allocates (decisions, the price window, a Portfolio per
// price when a position exists). Statistics in double; sizes and prices
// U256.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "perpx/core/json.hpp"
#include "perpx/strategies/strategy.hpp"

namespace perpx::strategies {

struct HedgerConfig {
  std::string name = "hedger";
  std::string venue = "ref";
  std::string market = "ETH-PERP";
  std::vector<std::string> spot_pairs{"WETH/USD"};  // holdings that count as delta
  core::U256 band{core::U256{1} * core::kWad};       // |delta| allowed, base units
  core::U256 min_hedge{core::U256{1} * core::kWad / core::U256{10}};
  core::U256 max_hedge{core::U256{100} * core::kWad};
  core::U256 size_step{core::U256{1'000'000'000'000'000ull}};  // 0.001: hedge sizes are multiples
  uint32_t vol_window = 20;   // prices
  double vol_ref = 0.001;     // per-sample vol at which the residual is the whole band
  uint32_t slippage_budget_bps = 30;
  double fast_bps_per_s = 20.0;          // |move| speed that makes a hedge urgent
  uint64_t speed_window_us = 10'000'000; // measured over this much event time
  double urgent_sigma = 6.0;
  double critical_sigma = 2.0;
  executor::Path urgent_path = executor::Path::kPrivate;
  executor::Path normal_path = executor::Path::kBatch;
  uint32_t max_retries = 2;
};
core::Json to_json(const HedgerConfig& c);
std::expected<HedgerConfig, std::string> hedger_config_from_json(const core::Json& j);

class DeltaHedger : public Strategy {
 public:
  DeltaHedger(HedgerConfig config, const Book& book);

  [[nodiscard]] std::string_view name() const override { return config_.name; }
  std::vector<Decision> on_event(const Event& e) override;

  [[nodiscard]] const HedgerConfig& config() const noexcept { return config_; }
  [[nodiscard]] const core::I256& delta() const noexcept { return delta_; }
  // The hedge in flight, if any.
  [[nodiscard]] const std::optional<executor::Order>& in_flight() const noexcept { return in_flight_; }
  // Realised vol over the window (per sample); none with fewer than three prices.
  [[nodiscard]] std::optional<double> vol() const;
  // |ln(p_now / p_base)| in bps per second of event time, p_base the latest
  // price at or before speed_window_us ago (or the oldest kept); 0 with one price.
  [[nodiscard]] double speed_bps_per_s() const;
  // The account's position in the market: distance to liquidation in sigma
  // of vol() (Portfolio); none without a position or a vol.
  [[nodiscard]] std::optional<double> liquidation_sigma() const;
  // The model as the hedger sees it: the Book's, with our fills applied.
  [[nodiscard]] const venues::RefModel& model() const noexcept { return model_; }

 private:
  std::optional<Decision> hedge(uint32_t retry);
  void apply_fill(const FillEvent& f);
  [[nodiscard]] std::string client_id(uint64_t seq, uint32_t retry) const;

  HedgerConfig config_;
  venues::RefModel model_;
  core::Address account_;
  std::vector<core::U256> prices_;
  std::optional<size_t> market_;
  uint64_t now_us_ = 0;
  core::I256 delta_;
  std::deque<std::pair<uint64_t, core::U256>> window_;  // (time_us, index)
  std::optional<executor::Order> in_flight_;
  uint64_t seq_ = 0;
  uint32_t retry_ = 0;
};

}  // namespace perpx::strategies
