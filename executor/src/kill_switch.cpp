#include "perpx/executor/kill_switch.hpp"

namespace perpx::executor {

std::string_view trading_state_name(TradingState s) noexcept {
  switch (s) {
    case TradingState::kActive: return "active";
    case TradingState::kReducing: return "reducing";
    case TradingState::kHalted: return "halted";
  }
  return "?";
}

std::optional<TradingState> parse_trading_state(std::string_view s) noexcept {
  for (TradingState t : {TradingState::kActive, TradingState::kReducing, TradingState::kHalted})
    if (s == trading_state_name(t)) return t;
  return std::nullopt;
}

std::string_view trip_cause_name(TripCause c) noexcept {
  switch (c) {
    case TripCause::kManual: return "manual";
    case TripCause::kOracleNoQuorum: return "oracle_no_quorum";
    case TripCause::kOracleRejectBurst: return "oracle_reject_burst";
    case TripCause::kMarginBuffer: return "margin_buffer";
    case TripCause::kDrawdown: return "drawdown";
    case TripCause::kSendFailures: return "send_failures";
    case TripCause::kStress: return "stress";
  }
  return "?";
}

std::optional<TripCause> parse_trip_cause(std::string_view s) noexcept {
  for (TripCause c : {TripCause::kManual, TripCause::kOracleNoQuorum, TripCause::kOracleRejectBurst,
                      TripCause::kMarginBuffer, TripCause::kDrawdown, TripCause::kSendFailures, TripCause::kStress})
    if (trip_cause_name(c) == s) return c;
  return std::nullopt;
}

std::optional<StateChange> KillSwitch::move(TradingState to, TripCause cause, std::string detail, uint64_t time_ms,
                                            bool may_relax) {
  if (to == state_ || (!may_relax && to < state_)) return std::nullopt;
  StateChange c{state_, to, cause, std::move(detail), time_ms};
  state_ = to;
  return c;
}

void KillSwitch::expire(std::deque<uint64_t>& times, uint64_t now, uint64_t window) {
  while (!times.empty() && now - times.front() >= window) times.pop_front();
}

std::optional<StateChange> KillSwitch::manual(TradingState to, std::string reason, uint64_t time_ms) {
  auto c = move(to, TripCause::kManual, std::move(reason), time_ms, true);
  if (c && to == TradingState::kActive) {
    // A resume starts the bursts afresh: the events before it were judged.
    rejects_.clear();
    send_failures_.clear();
  }
  return c;
}

std::optional<StateChange> KillSwitch::on_oracle_no_quorum(std::string_view market, uint64_t time_ms) {
  return move(TradingState::kHalted, TripCause::kOracleNoQuorum, "no quorum on " + std::string(market), time_ms);
}

std::optional<StateChange> KillSwitch::on_oracle_rejected(std::string_view market, std::string_view reason,
                                                          uint64_t time_ms) {
  expire(rejects_, time_ms, config_.reject_window_ms);
  rejects_.push_back(time_ms);
  if (rejects_.size() < config_.reject_burst) return std::nullopt;
  return move(TradingState::kReducing, TripCause::kOracleRejectBurst,
              std::to_string(rejects_.size()) + " rejected prices within " + std::to_string(config_.reject_window_ms) +
                  " ms, last on " + std::string(market) + " (" + std::string(reason) + ")",
              time_ms);
}

std::optional<StateChange> KillSwitch::on_margin_buffer(bool breached, std::string detail, uint64_t time_ms) {
  if (!breached) return std::nullopt;
  return move(TradingState::kReducing, TripCause::kMarginBuffer, std::move(detail), time_ms);
}

std::optional<StateChange> KillSwitch::on_drawdown(uint32_t loss_bps, uint64_t time_ms) {
  const std::string detail = "drawdown " + std::to_string(loss_bps) + " bps";
  if (loss_bps >= config_.drawdown_halt_bps) return move(TradingState::kHalted, TripCause::kDrawdown, detail, time_ms);
  if (loss_bps >= config_.drawdown_reduce_bps)
    return move(TradingState::kReducing, TripCause::kDrawdown, detail, time_ms);
  return std::nullopt;
}

std::optional<StateChange> KillSwitch::on_send_failed(std::string_view why, uint64_t time_ms) {
  expire(send_failures_, time_ms, config_.send_fail_window_ms);
  send_failures_.push_back(time_ms);
  if (send_failures_.size() < config_.send_fail_burst) return std::nullopt;
  return move(TradingState::kHalted, TripCause::kSendFailures,
              std::to_string(send_failures_.size()) + " failed sends within " +
                  std::to_string(config_.send_fail_window_ms) + " ms, last: " + std::string(why),
              time_ms);
}

std::optional<StateChange> KillSwitch::on_stress(TradingState to, std::string detail, uint64_t time_ms) {
  return move(to, TripCause::kStress, std::move(detail), time_ms);
}

}  // namespace perpx::executor
