#include "perpx/executor/fence.hpp"

#include <array>
#include <utility>

namespace perpx::executor {
namespace {

using core::kWad;
using core::U256;

const U256 kBps{10'000};

U256 div_up(const U256& a, const U256& b) noexcept {
  const U256 q = a / b;
  return (a % b).is_zero() ? q : q + U256{1};
}

constexpr std::array<std::pair<FenceMode, std::string_view>, 3> kModes{
    {{FenceMode::kDenyNew, "deny-new"}, {FenceMode::kIsolate, "isolate"}, {FenceMode::kFlatten, "flatten"}}};

}  // namespace

std::string_view fence_mode_name(FenceMode m) noexcept {
  for (const auto& [x, n] : kModes)
    if (x == m) return n;
  return "?";
}

std::optional<FenceMode> parse_fence_mode(std::string_view s) noexcept {
  for (const auto& [x, n] : kModes)
    if (n == s) return x;
  return std::nullopt;
}

std::optional<FenceMode> Fencing::mode(std::string_view strategy) const noexcept {
  auto it = fenced_.find(strategy);
  if (it == fenced_.end()) return std::nullopt;
  return it->second;
}

std::expected<void, RiskDenial> Fencing::check(const Order& o, bool reduce_only, const AccountView& account,
                                               const U256& mark) const {
  if (reduce_only) return {};
  if (auto it = fenced_.find(o.strategy); it != fenced_.end())
    return std::unexpected(RiskDenial{DenyReason::kStrategyFenced,
                                      "strategy " + o.strategy + " is fenced (" +
                                          std::string(fence_mode_name(it->second)) +
                                          "): only its reduce-only orders pass"});
  auto limits = config_.strategies.find(o.strategy);
  if (limits == config_.strategies.end()) return {};

  const StrategyView* own = find_strategy(account, o.strategy);
  const std::span<const PositionView> positions =
      own ? std::span<const PositionView>(own->positions) : std::span<const PositionView>{};
  const I256 after = size_in(positions, o.market) + signed_size(o);
  if (auto max = limits->second.max_position.find(o.market); max != limits->second.max_position.end() &&
                                                             after.abs() > max->second)
    return std::unexpected(RiskDenial{DenyReason::kStrategyPosition,
                                      "strategy " + o.strategy + " " + o.market + " position after fill " +
                                          core::wad_to_string(after) + ", |size| > max " +
                                          core::wad_to_string(max->second)});
  if (const auto& max_gross = limits->second.max_gross_usd) {
    U256 gross = after.abs() * mark / kWad;
    for (const auto& p : positions)
      if (p.market != o.market) gross = gross + p.notional;
    if (gross > *max_gross)
      return std::unexpected(RiskDenial{DenyReason::kStrategyGross,
                                        "strategy " + o.strategy + " gross after fill " + core::wad_to_string(gross) +
                                            " USD > max " + core::wad_to_string(*max_gross) + " USD"});
  }
  return {};
}

std::vector<StrategyView> strategy_views(std::span<const StrategyPosition> held, std::span<const MarketView> markets) {
  std::vector<StrategyView> out;
  for (const StrategyPosition& h : held) {
    if (out.empty() || out.back().strategy != h.strategy) out.push_back(StrategyView{h.strategy, {}});
    if (h.size.is_zero()) continue;
    const MarketView* m = find_market(markets, h.market);
    const U256 notional = m && m->mark ? h.size.abs() * *m->mark / kWad : U256{};
    out.back().positions.push_back(PositionView{h.market, h.size, notional});
  }
  return out;
}

std::string flatten_client_id(int64_t fence_seq, std::string_view strategy, std::string_view market) {
  return "fence-" + std::to_string(fence_seq) + "-" + std::string(strategy) + "-" + std::string(market);
}

FenceDecision Fencing::fence(std::string_view strategy, FenceMode mode, std::string reason, uint64_t now_ms,
                             const AccountView& account, std::span<const MarketView> markets) {
  FenceRecord r;
  r.strategy = std::string(strategy);
  r.to = mode;
  r.reason = std::move(reason);
  r.time_ms = now_ms;
  if (auto it = fenced_.find(strategy); it != fenced_.end()) {
    r.from = it->second;
    it->second = mode;
  } else {
    fenced_.emplace(std::string(strategy), mode);
  }
  return actions(r, account, markets);
}

FenceDecision Fencing::actions(const FenceRecord& record, const AccountView& account,
                               std::span<const MarketView> markets) const {
  FenceDecision d;
  d.record = record;
  const StrategyView* own = find_strategy(account, record.strategy);
  if (!own || !record.to || *record.to == FenceMode::kDenyNew) return d;
  const FenceMode mode = *record.to;
  for (const auto& p : own->positions) {
    if (p.size.is_zero()) continue;
    const MarketView* m = find_market(markets, p.market);
    if (!m || !m->mark) {
      d.unpriced.push_back(p.market);
      continue;
    }
    const U256& mark = *m->mark;
    if (mode == FenceMode::kIsolate) {
      // Maintenance at the mark plus the buffer, rounded up: the position
      // must not land in isolation already at its maintenance level.
      const U256 maintenance = p.size.abs() * mark / kWad * m->mm_fraction / kWad;
      const U256 margin = div_up(maintenance * U256{uint64_t{10'000} + config_.isolate_buffer_bps}, kBps);
      d.isolate.push_back(IsolateAction{p.market, p.size, margin});
      continue;
    }
    Order o;
    o.venue = account.venue;
    o.market = p.market;
    o.side = p.size.negative() ? Side::kBuy : Side::kSell;
    o.size = p.size.abs();
    // Rounded toward the mark: never more than the slippage away from it.
    const U256 slip{config_.flatten_slippage_bps};
    if (o.side == Side::kBuy) {
      o.limit_price = mark * (kBps + slip) / kBps;
    } else {
      const U256 factor = slip < kBps ? kBps - slip : U256{0};
      o.limit_price = div_up(mark * factor, kBps);
      if (o.limit_price.is_zero()) o.limit_price = U256{1};
    }
    o.tif = TimeInForce::kIoc;
    o.reduce_only = true;
    o.urgency = config_.flatten_urgency;
    o.path = Path::kAuto;
    o.strategy = record.strategy;
    o.client_id = flatten_client_id(record.seq, record.strategy, p.market);
    d.flatten.push_back(std::move(o));
  }
  return d;
}

std::optional<FenceRecord> Fencing::unfence(std::string_view strategy, std::string reason, uint64_t now_ms) {
  auto it = fenced_.find(strategy);
  if (it == fenced_.end()) return std::nullopt;
  FenceRecord r;
  r.strategy = std::string(strategy);
  r.from = it->second;
  r.reason = std::move(reason);
  r.time_ms = now_ms;
  fenced_.erase(it);
  return r;
}

}  // namespace perpx::executor
