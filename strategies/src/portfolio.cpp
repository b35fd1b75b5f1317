// Portfolio: margin figures from RefModel; liquidation prices by bisection on it.
#include "perpx/strategies/portfolio.hpp"

#include <cmath>
#include <utility>

#include "search.hpp"

namespace perpx::strategies {

namespace {

using core::kWad;
using core::kWadI;

I256 I(const U256& u) { return I256::from_u256(u); }

// Doublings tried when looking for the far side of a liquidation boundary.
constexpr int kMaxDoublings = 40;
constexpr unsigned kMaxMoveShift = 20;  // uniform moves up to +2^20 x 100%

}  // namespace

double to_double(const U256& wad) {
  double v = 0;
  for (int i = 3; i >= 0; --i) v = v * 18446744073709551616.0 + static_cast<double>(wad.w[i]);
  return v / 1e18;
}

double to_double(const I256& wad) { return wad.negative() ? -to_double(wad.abs()) : to_double(wad.abs()); }

std::optional<double> realised_vol(std::span<const double> prices) {
  if (prices.size() < 3) return std::nullopt;
  for (double p : prices)
    if (!(p > 0) || !std::isfinite(p)) return std::nullopt;
  const size_t n = prices.size() - 1;
  double mean = 0;
  for (size_t i = 1; i < prices.size(); ++i) mean += std::log(prices[i] / prices[i - 1]);
  mean /= static_cast<double>(n);
  double ss = 0;
  for (size_t i = 1; i < prices.size(); ++i) {
    const double d = std::log(prices[i] / prices[i - 1]) - mean;
    ss += d * d;
  }
  return std::sqrt(ss / static_cast<double>(n - 1));
}

std::optional<double> realised_vol(std::span<const U256> prices) {
  std::vector<double> d;
  d.reserve(prices.size());
  for (const auto& p : prices) d.push_back(to_double(p));
  return realised_vol(std::span<const double>(d));
}

I256 account_equity(const venues::RefModel& model, const Address& a, std::span<const U256> prices, uint64_t now) {
  I256 e = model.cross_figures(a, prices, now).equity;
  const venues::Account ac = model.account(a);
  for (size_t m = 0; m < model.market_count(); ++m) {
    const venues::Position& p = ac.positions[m];
    if (p.isolated && (!p.size.is_zero() || !p.margin.is_zero())) e += model.isolated_figures(a, m, prices[m], now).equity;
  }
  return e;
}

Portfolio::Portfolio(venues::RefModel model, std::vector<Address> accounts, std::vector<U256> prices, uint64_t now)
    : model_(std::move(model)), accounts_(std::move(accounts)), prices_(std::move(prices)), now_(now),
      vols_(model_.market_count()) {
  prices_.resize(model_.market_count());
}

void Portfolio::set_vol(size_t m, double vol) { vols_.at(m) = vol; }

std::optional<double> Portfolio::vol(size_t m) const { return vols_.at(m); }

I256 Portfolio::equity(const Address& a) const { return account_equity(model_, a, prices_, now_); }

I256 Portfolio::total_equity() const {
  I256 t;
  for (const auto& a : accounts_) t += equity(a);
  return t;
}

std::optional<U256> Portfolio::liquidation_price(const Address& a, size_t m) const {
  const venues::Account ac = model_.account(a);
  const venues::Position& p = ac.positions.at(m);
  if (p.size.is_zero()) return std::nullopt;
  std::vector<U256> px = prices_;
  auto liquidatable = [&](const U256& price) {
    if (p.isolated) return model_.can_liquidate_position(a, m, price, now_);
    px[m] = price;
    return model_.can_liquidate(a, px, now_);
  };
  const U256 p0 = prices_[m];
  const bool long_side = !p.size.negative();
  const bool now_liq = liquidatable(p0);
  // Bracket [lo, hi] around the boundary, lo below hi in price.
  U256 lo = p0, hi = p0;
  const bool search_up = long_side ? now_liq : !now_liq;  // the other side lies above
  bool found = false;
  if (search_up) {
    U256 x = p0.is_zero() ? U256{1} : p0;
    for (int i = 0; i < kMaxDoublings; ++i) {
      x = x * U256{2};
      if (liquidatable(x) != now_liq) {
        hi = x;
        found = true;
        break;
      }
      lo = x;
    }
  } else {
    U256 x = p0;
    while (!x.is_zero()) {
      x = x / U256{2};
      if (liquidatable(x) != now_liq) {
        lo = x;
        found = true;
        break;
      }
      hi = x;
    }
  }
  if (!found) return std::nullopt;
  const auto [l, h] = detail::bisect(lo, hi, liquidatable);
  // Long: liquidatable at l, healthy at l + 1. Short: healthy at h - 1, liquidatable at h.
  return long_side ? l : h;
}

AccountMargin Portfolio::account(const Address& a) const {
  AccountMargin out;
  out.account = a;
  out.cross = model_.cross_figures(a, prices_, now_);
  out.cross_liquidatable = model_.can_liquidate(a, prices_, now_);
  out.equity = equity(a);
  const venues::Account ac = model_.account(a);
  bool any_cross = false;
  for (size_t m = 0; m < model_.market_count(); ++m) {
    const venues::Position& p = ac.positions[m];
    if (p.size.is_zero()) continue;
    any_cross |= !p.isolated;
    PositionMargin pm;
    pm.market = m;
    pm.size = p.size;
    pm.entry_price = p.entry_price;
    pm.isolated = p.isolated;
    pm.figures = model_.position_figures(a, m, prices_, now_);
    pm.liquidatable = p.isolated ? model_.can_liquidate_position(a, m, prices_[m], now_) : out.cross_liquidatable;
    pm.liquidation_price = liquidation_price(a, m);
    if (pm.liquidation_price) {
      const U256& liq = *pm.liquidation_price;
      const U256& idx = prices_[m];
      pm.distance_price = liq > idx ? liq - idx : idx - liq;
      if (vols_[m] && *vols_[m] > 0 && !liq.is_zero() && !idx.is_zero())
        pm.distance_sigma = std::fabs(std::log(to_double(liq) / to_double(idx))) / *vols_[m];
    }
    out.positions.push_back(std::move(pm));
  }
  if (!any_cross) return out;
  std::vector<U256> px(prices_.size());
  auto liquidatable = [&](const I256& move) {
    for (size_t m = 0; m < prices_.size(); ++m) px[m] = (I(prices_[m]) * (kWadI + move) / kWadI).as_u256();
    return model_.can_liquidate(a, px, now_);
  };
  if (out.cross_liquidatable) {
    out.move_down = I256{};
    out.move_up = I256{};
    return out;
  }
  const I256 floor = -kWadI + I256{1};
  if (liquidatable(floor)) out.move_down = detail::bisect(floor, I256{}, liquidatable).first;
  I256 lo, x = kWadI;
  for (unsigned i = 0; i <= kMaxMoveShift; ++i, x = x * I256{2}) {
    if (liquidatable(x)) {
      out.move_up = detail::bisect(lo, x, liquidatable).second;
      break;
    }
    lo = x;
  }
  return out;
}

std::vector<AccountMargin> Portfolio::all() const {
  std::vector<AccountMargin> out;
  out.reserve(accounts_.size());
  for (const auto& a : accounts_) out.push_back(account(a));
  return out;
}

}  // namespace perpx::strategies
