#pragma once
// A small account for the risk gate and fencing tests: venue "ref", ETH at
// 3000 (venue cap 20x, maintenance 5%) and BTC at 60000 (50x, 1%), equity
// 50000 USD, flat unless a test adds positions; limits in risk_config().
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "perpx/executor/fence.hpp"
#include "perpx/executor/risk.hpp"

namespace perpx::test {

using core::I256;
using core::U256;
using executor::AccountView;
using executor::MarketView;
using executor::Order;
using executor::PositionView;
using executor::Projection;
using executor::RiskInputs;
using executor::Side;
using executor::TradingState;

inline const U256 kW = core::kWad;
inline const U256 kWei{1};

inline U256 wad(uint64_t n) { return U256{n} * kW; }
// n / d in 1e18 (exact for the values used here).
inline U256 wad_frac(uint64_t n, uint64_t d) { return U256{n} * kW / U256{d}; }
inline I256 iwad(int64_t n) { return I256{n} * core::kWadI; }
inline I256 signed_of(const U256& u, bool negative) {
  const I256 v = I256::from_u256(u);
  return negative ? -v : v;
}

inline executor::RiskConfig risk_config() {
  executor::RiskConfig c;
  c.max_gross_usd = wad(100'000);
  c.max_net_usd = wad(60'000);
  c.daily_loss_usd = wad(5'000);
  c.max_orders_per_second = 3;
  c.margin_buffer_bps = 2'000;
  c.defaults.max_order_size = wad(10);
  c.defaults.max_position = wad(20);
  c.defaults.max_leverage = wad(5);
  c.defaults.price_band_bps = 100;
  c.markets["BTC"].max_order_size = wad(1);
  c.markets["BTC"].max_position = wad(2);
  return c;
}

// Notional at the world's marks.
inline U256 mark_of(std::string_view market) { return market == "BTC" ? wad(60'000) : wad(3'000); }
inline PositionView position(std::string market, const I256& size) {
  const U256 n = size.abs() * mark_of(market) / kW;
  return PositionView{std::move(market), size, n};
}

struct World {
  AccountView account;
  std::vector<MarketView> markets;
  Projection after;
  TradingState state = TradingState::kActive;
  uint64_t now_ms = 1'000'000;

  World() {
    account.venue = "ref";
    account.equity = iwad(50'000);
    account.maintenance_margin = wad(1'000);
    markets = {MarketView{"ETH", wad(3'000), wad(20), wad_frac(5, 100)},
               MarketView{"BTC", wad(60'000), wad(50), wad_frac(1, 100)}};
    after = Projection{iwad(50'000), wad(1'000)};
  }
  [[nodiscard]] RiskInputs in() const { return RiskInputs{account, markets, after, state, now_ms}; }
  MarketView& market(std::string_view name) {
    for (auto& m : markets)
      if (m.market == name) return m;
    FAIL("no market " << name);
    return markets.front();
  }
};

inline Order order(Side side, std::string market, const U256& size, const U256& limit, std::string strategy = "alpha",
                   bool reduce_only = false) {
  Order o;
  o.venue = "ref";
  o.market = std::move(market);
  o.side = side;
  o.size = size;
  o.limit_price = limit;
  o.reduce_only = reduce_only;
  o.strategy = std::move(strategy);
  o.client_id = "t";
  return o;
}
inline Order buy(std::string market, const U256& size, std::string strategy = "alpha") {
  const U256 limit = mark_of(market);
  return order(Side::kBuy, std::move(market), size, limit, std::move(strategy));
}
inline Order sell(std::string market, const U256& size, std::string strategy = "alpha") {
  const U256 limit = mark_of(market);
  return order(Side::kSell, std::move(market), size, limit, std::move(strategy));
}
inline Order reduce(Order o) {
  o.reduce_only = true;
  return o;
}

}  // namespace perpx::test
