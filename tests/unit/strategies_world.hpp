#pragma once
// A two-market reference venue model for the strategies unit tests: the drill
// world's parameters (apps/perpx/world.hpp): ETH-PERP and BTC-PERP, IM 10%,
// MM 5%, taker fee 5 bps, funding cap 10%/day, liquidation reward 1%.
#include <string>
#include <vector>

#include "perpx/core/fixed.hpp"
#include "perpx/venues/ref_model.hpp"

namespace strategies_test {

using perpx::core::Address;
using perpx::core::I256;
using perpx::core::U256;
using perpx::core::kWad;
using perpx::core::kWadI;

inline U256 wad(uint64_t whole) { return U256{whole} * kWad; }
inline I256 iwad(int64_t whole) { return I256{whole} * kWadI; }
inline Address addr(uint8_t b) {
  Address a;
  a.bytes.fill(b);
  return a;
}

inline constexpr uint64_t kT0 = 1'700'000'000;

inline perpx::venues::RefModel make_model() {
  perpx::venues::VenueParams vp;
  vp.liquidation_reward = U256{10'000'000'000'000'000ull};
  const U256 im{100'000'000'000'000'000ull}, mm{50'000'000'000'000'000ull}, fee{500'000'000'000'000ull},
      fund{100'000'000'000'000'000ull};
  std::vector<perpx::venues::MarketParams> ms = {{"ETH-PERP", wad(100'000), im, mm, fee, fund},
                                                 {"BTC-PERP", wad(5'000), im, mm, fee, fund}};
  return perpx::venues::RefModel(vp, ms, kT0);
}

// An account with `margin` USD of cross margin (deposited as the venue takes tokens: 6 decimals).
inline void fund(perpx::venues::RefModel& m, const Address& a, uint64_t usd) {
  REQUIRE(m.deposit(a, U256{usd} * U256{1'000'000}));
}

inline std::vector<U256> prices(uint64_t eth, uint64_t btc) { return {wad(eth), wad(btc)}; }

}  // namespace strategies_test
