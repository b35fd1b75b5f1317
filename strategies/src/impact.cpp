#include "perpx/strategies/impact.hpp"

namespace perpx::strategies {

using core::I256;
using core::U256;
using executor::Side;

namespace {
const U256 kBps{10'000};
}  // namespace

U256 budget_price(const U256& index, Side side, uint32_t budget_bps) {
  if (side == Side::kBuy) return index * (kBps + U256{budget_bps}) / kBps;
  const U256 bps = U256{budget_bps} >= kBps ? kBps : U256{budget_bps};
  const U256 num = index * (kBps - bps);
  U256 q = num / kBps;
  if (!(num % kBps).is_zero()) q = q + U256{1};
  return q;
}

bool within_limit(const venues::RefModel& model, size_t market, const U256& index, const I256& skew, Side side,
                  const U256& size, const U256& limit) {
  if (size.is_zero()) return true;
  const auto fill = model.impact_price(market, index, skew, executor::signed_size(side, size));
  if (!fill) return false;  // the venue would revert (a non-positive price): never within a limit
  return side == Side::kBuy ? *fill <= limit : *fill >= limit;
}

std::optional<U256> max_size_within_limit(const venues::RefModel& model, size_t market, const U256& index,
                                          const I256& skew, Side side, const U256& cap, const U256& limit,
                                          const U256& step) {
  if (step.is_zero() || cap < step) return std::nullopt;
  // Bisection over multiples of step: the whole-order fill price moves monotonically with size.
  U256 lo{0};
  U256 hi = cap / step;
  if (within_limit(model, market, index, skew, side, hi * step, limit)) return hi * step;
  // Invariant: lo fits (0 always does), hi does not.
  while (hi - lo > U256{1}) {
    const U256 mid = lo + (hi - lo) / U256{2};
    if (within_limit(model, market, index, skew, side, mid * step, limit)) lo = mid;
    else hi = mid;
  }
  if (lo.is_zero()) return std::nullopt;
  return lo * step;
}

bool within_budget(const venues::RefModel& model, size_t market, const U256& index, const I256& skew, Side side,
                   const U256& size, uint32_t budget_bps) {
  return within_limit(model, market, index, skew, side, size, budget_price(index, side, budget_bps));
}

std::optional<U256> max_size_within_budget(const venues::RefModel& model, size_t market, const U256& index,
                                           const I256& skew, Side side, const U256& cap, uint32_t budget_bps,
                                           const U256& step) {
  return max_size_within_limit(model, market, index, skew, side, cap, budget_price(index, side, budget_bps), step);
}

}  // namespace perpx::strategies
