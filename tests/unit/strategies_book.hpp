#pragma once
// Books and event helpers for the strategy tests: the strategies world's model
// (strategies_world.hpp) with one account, and events at whole seconds.
#include <string>
#include <vector>

#include "perpx/strategies/strategy.hpp"
#include "strategies_world.hpp"

namespace strategies_test {

namespace st = perpx::strategies;

inline constexpr uint64_t kUs = 1'000'000;
inline constexpr uint64_t kT0us = kT0 * kUs;

// An account with `margin_usd` of cross margin, an optional ETH-PERP position
// (traded at `eth`), and `weth` of spot WETH.
inline st::Book make_book(uint64_t margin_usd, int64_t eth_position = 0, int64_t weth = 0, uint64_t eth = 3000) {
  st::Book b;
  b.model = make_model();
  b.account = addr(0xa1);
  b.prices = prices(eth, 65'000);
  b.time_us = kT0us;
  fund(b.model, b.account, margin_usd);
  if (eth_position != 0) REQUIRE(b.model.trade(b.account, 0, iwad(eth_position), wad(eth), b.prices, kT0));
  if (weth != 0) b.spot["WETH/USD"] = iwad(weth);
  return b;
}

// 1e18 price from a double (test inputs only).
inline U256 px(double usd) { return U256{static_cast<uint64_t>(usd * 1e6 + 0.5)} * U256{1'000'000'000'000ull}; }

inline st::PriceEvent price(double usd, uint64_t t_s, std::string market = "ETH-PERP") {
  return st::PriceEvent{std::move(market), px(usd), px(usd), kT0us + t_s * kUs};
}
inline st::FillEvent fill_of(const perpx::executor::Order& o, uint64_t t_s, const U256& at) {
  const I256 s = I256::from_u256(o.size);
  return st::FillEvent{o.client_id, o.market, o.side == perpx::executor::Side::kBuy ? s : -s, at, kT0us + t_s * kUs};
}
inline st::OrderFailedEvent failed(const perpx::executor::Order& o, uint64_t t_s) {
  return st::OrderFailedEvent{o.client_id, "reverted: LimitPriceExceeded", kT0us + t_s * kUs};
}

}  // namespace strategies_test
