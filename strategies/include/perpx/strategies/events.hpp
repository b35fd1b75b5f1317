#pragma once
// Events: everything a strategy reacts to, each stamped with its event time
// on an injected clock (time_us, microseconds). Strategies never read the
// wall clock: the same events give the same decisions, so a recorded run
// replays exactly (recording.hpp).
//
// Prices are 1e18 fixed point (USD per unit); sizes are signed base units,
// 1e18 (+ bought, - sold); funding rates are per day, 1e18 = 100%, positive
// when longs pay shorts (the reference venue's sign).
//
// Value types; copying allocates (names). event_to_json / event_from_json are
// the recording's wire form: integers as decimal strings, the kind as "type".
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <variant>

#include "perpx/core/fixed.hpp"
#include "perpx/core/json.hpp"

namespace perpx::strategies {

// Mark/oracle price of a perp market after the oracle checks; index may equal price.
struct PriceEvent {
  std::string market;  // "ETH-PERP"
  core::U256 price;
  core::U256 index;
  uint64_t time_us = 0;
};
struct FundingEvent {
  std::string market;
  core::I256 rate_per_day;
  uint64_t time_us = 0;
};
// A Uniswap v3 pool's price (quote per base, 1e18).
struct SpotEvent {
  std::string pair;  // "WETH/USD"
  core::U256 price;
  uint64_t time_us = 0;
};
// An order of ours (by client id) filled: size signed, price the fill's.
struct FillEvent {
  std::string client_id;
  std::string market;
  core::I256 size;
  core::U256 price;
  uint64_t time_us = 0;
};
// An order of ours failed for good (reverted, denied, expired): nothing of it filled.
struct OrderFailedEvent {
  std::string client_id;
  std::string reason;
  uint64_t time_us = 0;
};
struct HeadEvent {
  uint64_t number = 0;
  uint64_t time_us = 0;
};
struct TimerEvent {
  uint64_t time_us = 0;
};

using Event = std::variant<PriceEvent, FundingEvent, SpotEvent, FillEvent, OrderFailedEvent, HeadEvent, TimerEvent>;

uint64_t event_time_us(const Event& e);
// "price", "funding", "spot", "fill", "order_failed", "head", "timer".
std::string_view event_type(const Event& e);

core::Json event_to_json(const Event& e);
// The inverse; the error names the field that is missing or bad.
std::expected<Event, std::string> event_from_json(const core::Json& j);

}  // namespace perpx::strategies
