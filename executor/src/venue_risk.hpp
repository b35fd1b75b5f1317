#pragma once
// The risk gate's inputs for one order, gathered the same way for every
// venue (on-chain or book): the order's market and every market the account
// holds, each marked by the mark source when one is set (else the venue's
// index); the account before and after the fill from the venue's projection;
// the day's loss from the first equity journalled this UTC day (a restart
// keeps the day's start; the drawdown trip reads the same figure); the
// account's positions attributed to strategies from the journal's fills
// (Journal::strategy_positions, cached there), valued at the marks, for the
// per-strategy limits and the fences.
// Private to executor/.
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "perpx/executor/executor.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/executor/risk.hpp"
#include "perpx/executor/venue.hpp"

namespace perpx::executor::detail {

// market_of(name) -> VenueResult<VenueMarket>: the venue's market lookup.
template <class MarketOf>
std::expected<Approved, std::string> check_venue_risk(RiskGate& gate, const Fencing& fencing, const KillSwitch& kill,
                                                      Journal& journal, const MarkSource& marks, std::string venue_name,
                                                      MarketOf&& market_of, const Order& o, const VenueMarket& m,
                                                      const VenueProjection& p, uint64_t now_ms) {
  auto mark_of = [&](const VenueMarket& vm) -> std::optional<core::U256> {
    return marks ? marks(vm.name, vm.index) : std::optional<core::U256>(vm.index);
  };
  std::vector<MarketView> markets{MarketView{m.name, mark_of(m), m.max_leverage, m.mm_fraction}};
  for (const PositionView& pos : p.before.positions) {
    if (pos.market == m.name) continue;
    auto vm = market_of(pos.market);
    if (!vm) return std::unexpected("market " + pos.market + ": " + vm.error().message);
    markets.push_back(MarketView{vm->name, mark_of(*vm), vm->max_leverage, vm->mm_fraction});
  }
  auto held = journal.strategy_positions(venue_name);
  if (!held) return std::unexpected("journal: " + held.error().message);
  for (const StrategyPosition& h : *held) {  // a market a strategy holds while the account nets it flat
    if (h.size.is_zero() || find_market(markets, h.market)) continue;
    auto vm = market_of(h.market);
    if (!vm) return std::unexpected("market " + h.market + ": " + vm.error().message);
    markets.push_back(MarketView{vm->name, mark_of(*vm), vm->max_leverage, vm->mm_fraction});
  }
  auto start = journal.day_start_equity(venue_name, now_ms / 86'400'000, p.before.equity, now_ms);
  if (!start) return std::unexpected("journal: " + start.error().message);
  AccountView account;
  account.venue = std::move(venue_name);
  account.equity = p.before.equity;
  account.maintenance_margin = p.before.maintenance_margin;
  account.positions = p.before.positions;
  account.strategies = strategy_views(*held, markets);
  account.day_realized_pnl = p.before.equity - *start;  // realised and unrealised together
  const RiskInputs in{account, markets, Projection{p.after.equity, p.after.maintenance_margin}, kill.state(), now_ms};
  auto r = gate.check(o, in, fencing);
  if (!r) return std::unexpected(std::string(deny_reason_name(r.error().reason)) + ": " + r.error().detail);
  return *r;
}

}  // namespace perpx::executor::detail
