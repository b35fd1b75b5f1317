#pragma once
// Portfolio: the margin view of some accounts on the reference venue, over a
// venues::RefModel (the venue's own arithmetic, so every figure here is the
// venue's to the wei): equity, margins and margin ratio of each cross
// account and each isolated position, and how far each is from liquidation.
//
// Liquidation prices are the venue's rule solved exactly, not its closed-form
// estimate (PositionFigures::liquidation_price, which rounds): a bisection on
// the model over one market's index price, the other markets held, so that
//   long:  can_liquidate at the price, not at price + 1 wei
//   short: can_liquidate at the price, not at price - 1 wei
// (cross positions use the cross account's rule, isolated ones the
// position's own). The account's figure is the uniform relative move of all
// its cross markets at which the account goes (down and up).
//
// Distance to liquidation: in price (|liq - index|) and in sigma of realised
// volatility: |ln(liq / index)| / vol, with vol the standard deviation of log
// returns of a price series the caller gives (set_vol / realised_vol), per
// sample interval of that series. Statistics are doubles; money never is.
//
// Single-threaded value type; queries copy the model's account (allocate) and
// do not change the portfolio. No errors: a figure that does not exist (no
// price liquidates the position, no vol given) is std::nullopt.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "perpx/core/fixed.hpp"
#include "perpx/venues/ref_model.hpp"

namespace perpx::strategies {

using core::Address;
using core::I256;
using core::U256;

// Sample standard deviation of the log returns of `prices` (each > 0); none
// with fewer than three prices or a non-positive one.
std::optional<double> realised_vol(std::span<const double> prices);
// The same on 1e18 prices (converted once, here).
std::optional<double> realised_vol(std::span<const U256> prices);
// A 1e18 value as a double (statistics only).
double to_double(const U256& wad);
double to_double(const I256& wad);

struct PositionMargin {
  size_t market = 0;
  I256 size;
  U256 entry_price;
  bool isolated = false;
  venues::PositionFigures figures;         // RefModel::position_figures (its closed form included)
  bool liquidatable = false;               // now: the position (isolated) or its cross account
  std::optional<U256> liquidation_price;   // exact (see above); none: no price liquidates it
  std::optional<U256> distance_price;      // |liquidation_price - index|
  std::optional<double> distance_sigma;    // |ln(liq / index)| / vol of the market
};

struct AccountMargin {
  Address account;
  venues::Figures cross;   // RefModel::cross_figures
  bool cross_liquidatable = false;
  I256 equity;             // cross equity plus every isolated position's equity
  std::vector<PositionMargin> positions;  // open positions, by market
  // The uniform move of every cross market's index (1e18 = 100%: prices *
  // (1e18 + move) / 1e18) at which the cross account becomes liquidatable:
  // the smallest such fall (move_down <= 0) and rise (move_up >= 0); none
  // when no move within (-100%, x2^20] does it, or it has no cross position.
  std::optional<I256> move_down;
  std::optional<I256> move_up;
};

class Portfolio {
 public:
  // prices[m]: every market's index (1e18); now: the venue's time (seconds).
  Portfolio(venues::RefModel model, std::vector<Address> accounts, std::vector<U256> prices, uint64_t now);

  [[nodiscard]] const venues::RefModel& model() const noexcept { return model_; }
  [[nodiscard]] const std::vector<Address>& accounts() const noexcept { return accounts_; }
  [[nodiscard]] const std::vector<U256>& prices() const noexcept { return prices_; }
  [[nodiscard]] uint64_t now() const noexcept { return now_; }

  // The realised vol of market m per sample interval (realised_vol of the caller's series).
  void set_vol(size_t m, double vol);
  [[nodiscard]] std::optional<double> vol(size_t m) const;

  [[nodiscard]] AccountMargin account(const Address& a) const;
  [[nodiscard]] std::vector<AccountMargin> all() const;
  // Cross equity plus isolated equities (what the account is worth on the venue).
  [[nodiscard]] I256 equity(const Address& a) const;
  [[nodiscard]] I256 total_equity() const;

  // Exact liquidation price of a's position in market m (see above).
  [[nodiscard]] std::optional<U256> liquidation_price(const Address& a, size_t m) const;

 private:
  venues::RefModel model_;
  std::vector<Address> accounts_;
  std::vector<U256> prices_;
  uint64_t now_ = 0;
  std::vector<std::optional<double>> vols_;
};

// The equity of `a` in `model` at `prices`: cross equity plus isolated equities.
I256 account_equity(const venues::RefModel& model, const Address& a, std::span<const U256> prices, uint64_t now);

}  // namespace perpx::strategies
