#pragma once
// KillSwitch: the one trading state every order is checked against.
//   ACTIVE    everything the risk gate passes may trade
//   REDUCING  only reduce-only orders pass
//   HALTED    nothing is sent
// Automatic trips only ever tighten the state (ACTIVE -> REDUCING -> HALTED);
// only a manual command relaxes it. Each trigger acts on the event that
// trips it: the call returns the change, and the caller journals it before
// the next order is considered (ARCHITECTURE: everything written first).
//
// Triggers and what they do (thresholds in KillSwitchConfig):
//   manual(to, reason)                  any state, by hand (perpx killswitch)
//   oracle no quorum on a traded market HALTED (no price to trade on: fail closed)
//   oracle rejections: a burst of
//     reject_burst in reject_window     REDUCING
//   margin buffer breached              REDUCING
//   drawdown over drawdown_reduce_bps   REDUCING; over drawdown_halt_bps HALTED
//   failed sends: send_fail_burst in
//     send_fail_window                  HALTED
//   stress loss over a limit            REDUCING or HALTED, as the caller says
// Time is the caller's (event time, milliseconds): deterministic on replay.
// Pure; allocates only the change records it returns.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace perpx::executor {

enum class TradingState : uint8_t { kActive, kReducing, kHalted };
std::string_view trading_state_name(TradingState s) noexcept;  // "active", "reducing", "halted"
std::optional<TradingState> parse_trading_state(std::string_view s) noexcept;

enum class TripCause : uint8_t {
  kManual, kOracleNoQuorum, kOracleRejectBurst, kMarginBuffer, kDrawdown, kSendFailures, kStress,
};
std::string_view trip_cause_name(TripCause c) noexcept;
std::optional<TripCause> parse_trip_cause(std::string_view s) noexcept;

struct StateChange {
  TradingState from = TradingState::kActive;
  TradingState to = TradingState::kActive;
  TripCause cause = TripCause::kManual;
  std::string detail;  // what tripped it (market, counts, levels); never a key
  uint64_t time_ms = 0;
};

struct KillSwitchConfig {
  uint32_t reject_burst = 3;             // oracle rejections on traded markets...
  uint64_t reject_window_ms = 60'000;    // ...within this long
  uint32_t send_fail_burst = 5;          // failed sends...
  uint64_t send_fail_window_ms = 60'000; // ...within this long
  uint32_t drawdown_reduce_bps = 500;    // of the day's starting equity
  uint32_t drawdown_halt_bps = 1000;
};

class KillSwitch {
 public:
  explicit KillSwitch(KillSwitchConfig config = {}, TradingState initial = TradingState::kActive)
      : config_(config), state_(initial) {}

  [[nodiscard]] TradingState state() const noexcept { return state_; }
  // Whether an order may pass in the current state.
  [[nodiscard]] bool allows(bool reduce_only) const noexcept {
    return state_ == TradingState::kActive || (state_ == TradingState::kReducing && reduce_only);
  }

  std::optional<StateChange> manual(TradingState to, std::string reason, uint64_t time_ms);
  std::optional<StateChange> on_oracle_no_quorum(std::string_view market, uint64_t time_ms);
  std::optional<StateChange> on_oracle_rejected(std::string_view market, std::string_view reason, uint64_t time_ms);
  std::optional<StateChange> on_margin_buffer(bool breached, std::string detail, uint64_t time_ms);
  // Loss since the day's start, in bps of its starting equity.
  std::optional<StateChange> on_drawdown(uint32_t loss_bps, uint64_t time_ms);
  std::optional<StateChange> on_send_failed(std::string_view why, uint64_t time_ms);
  std::optional<StateChange> on_stress(TradingState to, std::string detail, uint64_t time_ms);

 private:
  // Moves to `to` when it is tighter than now (or, for manual, any change).
  std::optional<StateChange> move(TradingState to, TripCause cause, std::string detail, uint64_t time_ms,
                                  bool may_relax = false);
  static void expire(std::deque<uint64_t>& times, uint64_t now, uint64_t window);

  KillSwitchConfig config_;
  TradingState state_;
  std::deque<uint64_t> rejects_;
  std::deque<uint64_t> send_failures_;
};

}  // namespace perpx::executor
