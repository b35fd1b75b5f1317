#include "perpx/executor/metrics.hpp"

#include <array>

#include "perpx/core/metrics.hpp"

namespace perpx::executor::metrics {

namespace {

constexpr std::array<std::string_view, 15> kStates{"new",     "routed",   "sent",      "committing", "committed",
                                                   "revealing", "queued", "settling",  "settled",    "included",
                                                   "finalized", "failed", "rejected",  "cancelled",  "other"};
constexpr std::array<Path, 5> kPaths{Path::kAuto, Path::kPublic, Path::kPrivate, Path::kCommitReveal, Path::kBatch};
constexpr std::array<Urgency, 4> kUrgencies{Urgency::kLow, Urgency::kNormal, Urgency::kUrgent, Urgency::kCritical};
constexpr std::array<TradingState, 3> kTradingStates{TradingState::kActive, TradingState::kReducing,
                                                     TradingState::kHalted};

struct Series {
  std::array<std::array<core::Counter*, kPaths.size()>, kStates.size()> orders{};
  std::array<core::Counter*, kUrgencies.size()> gas_used{};
  std::array<core::Counter*, kUrgencies.size()> gas_gwei{};
  std::array<core::Gauge*, kTradingStates.size()> trading{};
  core::Histogram* tick_to_wire = nullptr;

  Series() {
    core::Registry& r = core::default_registry();
    for (size_t i = 0; i < kStates.size(); ++i)
      for (size_t j = 0; j < kPaths.size(); ++j)
        orders[i][j] = &r.counter("perpx_orders_total", "Order state transitions, by the state entered and the path.",
                                  {{"state", kStates[i]}, {"path", path_name(kPaths[j])}});
    for (size_t i = 0; i < kUrgencies.size(); ++i) {
      const std::string_view u = urgency_name(kUrgencies[i]);
      gas_used[i] = &r.counter("perpx_gas_used_total", "Gas used by included transactions, by urgency.", {{"urgency", u}});
      gas_gwei[i] = &r.counter("perpx_gas_spent_gwei_total",
                               "Fees paid by included transactions (gas used x effective gas price), in gwei, by urgency.",
                               {{"urgency", u}});
    }
    for (size_t i = 0; i < kTradingStates.size(); ++i)
      trading[i] = &r.gauge("perpx_kill_switch_state", "1 for the kill switch's journalled trading state, 0 for the others.",
                            {{"state", trading_state_name(kTradingStates[i])}});
    tick_to_wire = &r.histogram("perpx_tick_to_wire_seconds",
                                "From the event an order answers to its first transaction written to the node.",
                                core::kLatencyBuckets);
  }
};

Series& series() {
  static Series s;
  return s;
}

template <class T, size_t N>
size_t index_of(const std::array<T, N>& a, const T& v) {
  size_t i = 0;
  while (i + 1 < N && !(a[i] == v)) ++i;
  return i;
}

}  // namespace

void order_state(std::string_view state, Path path) {
  series().orders[index_of(kStates, state)][index_of(kPaths, path)]->inc();
}

void gas_spent(Urgency urgency, uint64_t gas_used, const core::U256& effective_gas_price) {
  Series& s = series();
  const size_t i = index_of(kUrgencies, urgency);
  s.gas_used[i]->inc(gas_used);
  const core::U256 gwei = core::U256{gas_used} * effective_gas_price / core::U256{1'000'000'000};
  s.gas_gwei[i]->inc(gwei.fits_u64() ? gwei.w[0] : ~uint64_t{0});
}

void trading_state(TradingState state) {
  Series& s = series();
  for (size_t i = 0; i < kTradingStates.size(); ++i) s.trading[i]->set(kTradingStates[i] == state ? 1 : 0);
}

void tick_to_wire(std::chrono::nanoseconds d) { series().tick_to_wire->observe(d); }

}  // namespace perpx::executor::metrics
