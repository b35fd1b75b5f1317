#include "perpx/executor/risk.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "perpx/executor/fence.hpp"

namespace perpx::executor {
namespace {

using core::kWad;
using core::U256;

const U256 kBps{10'000};

std::string w(const U256& v) { return core::wad_to_string(v); }
std::string w(const I256& v) { return core::wad_to_string(v); }

// a * b, or the maximum when it does not fit: only ever on the side of a
// comparison where a larger value denies.
U256 mul_or_max(const U256& a, const U256& b) noexcept {
  auto r = core::checked_mul(a, b);
  return r ? *r : U256::max();
}

U256 notional_at(const I256& size, const U256& mark) noexcept { return size.abs() * mark / kWad; }

I256 signed_notional(const I256& size, const U256& notional) noexcept {
  const I256 n = I256::from_u256(notional);
  return size.negative() ? -n : n;
}

std::unexpected<RiskDenial> deny(DenyReason r, std::string detail) {
  return std::unexpected(RiskDenial{r, std::move(detail)});
}

// In DenyReason's order.
constexpr std::array<std::string_view, kDenyReasonCount> kReasonNames{
    "halted",          "reducing",          "bad_order",      "wrong_venue", "unknown_market",
    "no_mark",         "price_band",        "reduce_only_increases",          "order_size",
    "strategy_fenced", "strategy_position", "strategy_gross", "rate_limit",  "position",
    "gross_exposure",  "net_exposure",      "leverage",       "daily_loss",  "margin",
};

}  // namespace

std::string_view deny_reason_name(DenyReason r) noexcept {
  const auto i = static_cast<size_t>(r);
  return i < kReasonNames.size() ? kReasonNames[i] : "?";
}

const MarketView* find_market(std::span<const MarketView> markets, std::string_view market) noexcept {
  for (const auto& m : markets)
    if (m.market == market) return &m;
  return nullptr;
}

const PositionView* find_position(std::span<const PositionView> positions, std::string_view market) noexcept {
  for (const auto& p : positions)
    if (p.market == market) return &p;
  return nullptr;
}

const StrategyView* find_strategy(const AccountView& account, std::string_view strategy) noexcept {
  for (const auto& s : account.strategies)
    if (s.strategy == strategy) return &s;
  return nullptr;
}

I256 size_in(std::span<const PositionView> positions, std::string_view market) noexcept {
  const PositionView* p = find_position(positions, market);
  return p ? p->size : I256{};
}

bool only_reduces(const I256& position, Side side, const core::U256& size) noexcept {
  if (position.is_zero()) return false;
  const bool opposite = position.negative() ? side == Side::kBuy : side == Side::kSell;
  return opposite && size <= position.abs();
}

MarketLimits RiskConfig::limits_for(std::string_view market) const noexcept {
  MarketLimits l = defaults;
  if (auto it = markets.find(market); it != markets.end()) {
    const MarketLimitOverrides& o = it->second;
    if (o.max_order_size) l.max_order_size = *o.max_order_size;
    if (o.max_position) l.max_position = *o.max_position;
    if (o.max_leverage) l.max_leverage = *o.max_leverage;
    if (o.price_band_bps) l.price_band_bps = *o.price_band_bps;
  }
  return l;
}

RiskGate::RiskGate(RiskConfig config) : config_(std::move(config)), sent_(config_.max_orders_per_second, 0) {}

uint32_t RiskGate::orders_in_window(uint64_t now_ms) const noexcept {
  uint32_t n = 0;
  for (size_t i = 0; i < filled_; ++i)
    if (sent_[i] + 1000 > now_ms) ++n;  // a time after now (replay out of order) counts: conservative
  return n;
}

void RiskGate::record(const Approved& /*approved: proof it passed*/, uint64_t now_ms) noexcept {
  if (sent_.empty()) return;
  // The ring keeps the newest max_orders_per_second times: an older one can
  // no longer decide a denial once that many newer ones exist.
  sent_[next_] = now_ms;
  next_ = (next_ + 1) % sent_.size();
  filled_ = std::min(filled_ + 1, sent_.size());
}

std::expected<Approved, RiskDenial> RiskGate::check(const Order& o, const RiskInputs& in,
                                                    const Fencing& fencing) const {
  if (in.state == TradingState::kHalted) return deny(DenyReason::kHalted, "trading is halted: nothing passes");
  if (in.state == TradingState::kReducing && !o.reduce_only)
    return deny(DenyReason::kReducing, "trading is reducing: only reduce-only orders pass");
  if (o.size.is_zero()) return deny(DenyReason::kBadOrder, "order size is zero");
  if (o.limit_price.is_zero()) return deny(DenyReason::kBadOrder, "order limit price is zero");
  if (o.venue != in.account.venue)
    return deny(DenyReason::kWrongVenue, "order for venue " + o.venue + ", account on " + in.account.venue);

  const MarketView* m = find_market(in.markets, o.market);
  if (!m) return deny(DenyReason::kUnknownMarket, "no market view for " + o.market);
  if (!m->mark) return deny(DenyReason::kNoMark, "no oracle mark for " + o.market + " (no quorum): fail closed");
  const U256& mark = *m->mark;
  const MarketLimits lim = config_.limits_for(o.market);

  const U256 diff = o.limit_price >= mark ? o.limit_price - mark : mark - o.limit_price;
  if (mul_or_max(diff, kBps) > U256{lim.price_band_bps} * mark)
    return deny(DenyReason::kPriceBand, o.market + " limit " + w(o.limit_price) + " is " +
                                            w(mul_or_max(mul_or_max(diff, kBps), kWad) / mark) + " bps from mark " +
                                            w(mark) + ", band " + std::to_string(lim.price_band_bps) + " bps");

  const I256 position = size_in(in.account.positions, o.market);
  const StrategyView* strategy = find_strategy(in.account, o.strategy);
  if (o.reduce_only) {
    if (!only_reduces(position, o.side, o.size))
      return deny(DenyReason::kReduceOnlyIncreases, "reduce-only " + std::string(side_name(o.side)) + " " +
                                                        w(o.size) + " " + o.market + " against account position " +
                                                        w(position));
    if (strategy) {
      const I256 own = size_in(strategy->positions, o.market);
      if (!only_reduces(own, o.side, o.size))
        return deny(DenyReason::kReduceOnlyIncreases, "reduce-only " + std::string(side_name(o.side)) + " " +
                                                          w(o.size) + " " + o.market + " against strategy " +
                                                          o.strategy + " position " + w(own));
    }
  } else if (o.size > lim.max_order_size) {
    return deny(DenyReason::kOrderSize,
                o.market + " order size " + w(o.size) + " > max " + w(lim.max_order_size));
  }

  if (auto f = fencing.check(o, o.reduce_only, in.account, mark); !f) return std::unexpected(std::move(f.error()));

  const uint32_t recent = orders_in_window(in.now_ms);
  if (recent >= config_.max_orders_per_second)
    return deny(DenyReason::kRateLimit, std::to_string(recent) + " orders in the last 1000 ms, max " +
                                            std::to_string(config_.max_orders_per_second) + " per second");

  // Sizes are bounded from here on: by max_order_size, or by the position a
  // reduce-only order shrinks.
  const I256 after = position + signed_size(o);
  const U256 market_notional = notional_at(after, mark);
  U256 gross = market_notional;
  I256 net = signed_notional(after, market_notional);
  for (const auto& p : in.account.positions) {
    if (p.market == o.market) continue;
    gross = gross + p.notional;
    net += signed_notional(p.size, p.notional);
  }
  const Approved ok{after, gross, net, notional(o), in.now_ms};
  if (o.reduce_only) return ok;

  if (after.abs() > lim.max_position)
    return deny(DenyReason::kPosition,
                o.market + " position after fill " + w(after) + ", |size| > max " + w(lim.max_position));
  if (gross > config_.max_gross_usd)
    return deny(DenyReason::kGrossExposure,
                "gross exposure after fill " + w(gross) + " USD > max " + w(config_.max_gross_usd) + " USD");
  if (net.abs() > config_.max_net_usd)
    return deny(DenyReason::kNetExposure,
                "net exposure after fill " + w(net) + " USD, |net| > max " + w(config_.max_net_usd) + " USD");

  if (!market_notional.is_zero()) {
    const I256& equity = in.after.equity;
    if (equity.negative() || equity.is_zero())
      return deny(DenyReason::kLeverage, "equity after fill " + w(equity) + " USD with " + w(market_notional) +
                                             " USD of " + o.market + ": leverage unbounded");
    U256 cap = lim.max_leverage;
    std::string_view source = "config";
    if (!m->max_leverage.is_zero() && m->max_leverage < cap) {
      cap = m->max_leverage;
      source = "venue";
    }
    if (market_notional * kWad > cap * equity.as_u256())
      return deny(DenyReason::kLeverage, o.market + " leverage after fill " +
                                             w(market_notional * kWad / equity.as_u256()) + "x > max " + w(cap) +
                                             "x (" + std::string(source) + ")");
  }

  const I256 loss = -(in.account.day_realized_pnl + in.account.day_unrealized_pnl);
  if (loss >= I256::from_u256(config_.daily_loss_usd))
    return deny(DenyReason::kDailyLoss, "loss since the day's start " + w(loss) + " USD reached the limit " +
                                            w(config_.daily_loss_usd) + " USD");

  const U256 scaled_required = in.after.maintenance_margin * U256{uint64_t{10'000} + config_.margin_buffer_bps};
  if (in.after.equity * I256{10'000} < I256::from_u256(scaled_required))
    return deny(DenyReason::kMargin, "equity after fill " + w(in.after.equity) + " USD < maintenance " +
                                         w(in.after.maintenance_margin) + " USD + " +
                                         std::to_string(config_.margin_buffer_bps) + " bps buffer = " +
                                         w(scaled_required / kBps) + " USD");
  return ok;
}

}  // namespace perpx::executor
