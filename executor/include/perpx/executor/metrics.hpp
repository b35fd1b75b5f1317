#pragma once
// The executor's metrics, in core::default_registry(). Every series is
// registered on the first call (that call allocates); later calls are a scan
// of a small constant table and a relaxed atomic add: no allocation, no lock.
// Any thread.
//   perpx_orders_total{state,path}        transitions into each order state
//   perpx_gas_used_total{urgency}         gas of included transactions
//   perpx_gas_spent_gwei_total{urgency}   gas_used * effective gas price, in gwei
//   perpx_kill_switch_state{state}        1 for the journalled trading state, 0 for the others
//   perpx_tick_to_wire_seconds            from the event an order answers (Executor::place's `seen`, else
//                                         its call) to its first transaction written to the node
// One place for these names: the tick-to-wire bench observes the same series.
#include <chrono>
#include <cstdint>
#include <string_view>

#include "perpx/core/u256.hpp"
#include "perpx/executor/fees.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/executor/order.hpp"

namespace perpx::executor::metrics {

void order_state(std::string_view state, Path path);
void gas_spent(Urgency urgency, uint64_t gas_used, const core::U256& effective_gas_price);
void trading_state(TradingState s);
void tick_to_wire(std::chrono::nanoseconds d);

}  // namespace perpx::executor::metrics
