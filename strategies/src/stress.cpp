// Stress scenarios and the liquidation cascade on RefModel (see stress.hpp).
#include "perpx/strategies/stress.hpp"

#include <cmath>
#include <array>
#include <map>
#include <utility>

#include "perpx/strategies/portfolio.hpp"
#include "search.hpp"

namespace perpx::strategies {

namespace {

using core::kWadI;

I256 I(const U256& u) { return I256::from_u256(u); }

// A relative move as a 1e18 fraction (1e-12 resolution: moves are statistics).
I256 move_wad(double move) { return I256{static_cast<int64_t>(std::llround(move * 1e12))} * I256{1'000'000}; }

// At most this many liquidation rounds per step (each round liquidates
// every account that is still liquidatable; a partial one leaves it healthy).
constexpr int kMaxRounds = 64;
constexpr int kMaxDoublings = 160;

}  // namespace

std::vector<double> correlated_move(const Correlation& c, size_t driver, double k, bool correlations_to_one) {
  std::vector<double> out(c.vols.size());
  for (size_t j = 0; j < c.vols.size(); ++j) {
    double rho = j == driver ? 1.0 : 0.0;
    if (correlations_to_one) rho = 1.0;
    else if (driver < c.matrix.size() && j < c.matrix[driver].size()) rho = c.matrix[driver][j];
    out[j] = k * c.vols[j] * rho;
  }
  return out;
}

std::expected<Path, std::string> make_path(std::span<const U256> prices, uint64_t now, const Scenario& s) {
  if (s.steps == 0) return std::unexpected("steps: must be at least 1");
  if (!s.moves.empty() && s.moves.size() != prices.size())
    return std::unexpected("moves: one per market (" + std::to_string(prices.size()) + ")");
  std::vector<I256> start, target;
  for (size_t m = 0; m < prices.size(); ++m) {
    const double mv = s.moves.empty() ? 0.0 : s.moves[m];
    if (!std::isfinite(mv) || mv <= -1.0) return std::unexpected("move of market " + std::to_string(m) + ": must be above -100%");
    if (mv > 1e6) return std::unexpected("move of market " + std::to_string(m) + ": too large");
    start.push_back(I(prices[m]));
    target.push_back(I(prices[m]) * (kWadI + move_wad(mv)) / kWadI);
  }
  const uint32_t n = s.steps;
  Path real(n + 1);
  for (uint32_t i = 0; i <= n; ++i) {
    real[i].time = now + s.duration * i / n;
    for (size_t m = 0; m < prices.size(); ++m) {
      I256 p = start[m] + (target[m] - start[m]) * I256{static_cast<int64_t>(i)} / I256{static_cast<int64_t>(n)};
      if (p.negative() || p.is_zero()) p = I256{1};
      real[i].prices.push_back(p.as_u256());
    }
  }
  if (s.oracle_delay_steps <= 1) return real;
  Path seen = real;
  for (uint32_t i = 0; i < n; ++i) seen[i].prices = real[(i / s.oracle_delay_steps) * s.oracle_delay_steps].prices;
  return seen;
}

venues::RefModel scenario_model(const venues::RefModel& model, std::span<const Address> accounts,
                                std::span<const U256> prices, uint64_t now, const Scenario& s) {
  bool funding = false;
  for (auto f : s.funding) funding |= f != 0;
  if (!funding && s.depth_divisor <= 1) return model;
  std::vector<venues::MarketParams> mps;
  std::vector<venues::MarketState> states;
  for (size_t m = 0; m < model.market_count(); ++m) {
    venues::MarketParams mp = model.market_params(m);
    venues::MarketState st = model.market(m);
    // Funding up to now at the old rate, as the venue's next touch would.
    st.funding_index = model.accrued_funding_index(m, prices[m], now);
    st.last_funding_time = now;
    if (s.depth_divisor > 1) {
      mp.skew_scale = mp.skew_scale / U256{s.depth_divisor};
      if (mp.skew_scale.is_zero()) mp.skew_scale = U256{1};
    }
    const int8_t f = m < s.funding.size() ? s.funding[m] : 0;
    if (f != 0) {
      const I256 two_scales = I(mp.skew_scale) * I256{2};
      st.skew = f > 0 ? two_scales : -two_scales;
    }
    mps.push_back(std::move(mp));
    states.push_back(st);
  }
  venues::RefModel out(model.params(), std::move(mps), now);
  for (size_t m = 0; m < states.size(); ++m) out.set_market_state(m, states[m]);
  for (const auto& a : accounts) out.set_account(a, model.account(a));
  return out;
}

CascadeResult run_cascade(const venues::RefModel& model, std::span<const Address> accounts, const Path& path,
                          const CascadeOptions& options, std::span<const ExtraCollateral> extra) {
  CascadeResult out;
  if (path.empty()) return out;
  venues::RefModel m = model;
  for (const auto& x : extra) {
    venues::Account ac = m.account(x.account);
    if (x.isolated_market) ac.positions.at(*x.isolated_market).margin += I(x.amount);
    else ac.cross_margin += I(x.amount);
    m.set_account(x.account, std::move(ac));
  }
  const I256 bad_debt_before = m.bad_debt();
  for (const auto& a : accounts) {
    AccountOutcome o;
    o.account = a;
    o.equity_before = account_equity(m, a, path.front().prices, path.front().time);
    out.accounts.push_back(o);
  }
  auto record = [&](const Address& a, const venues::Liquidation& liq, bool isolated, size_t step, const Step& st) {
    for (const auto& [market, closed] : liq.closed) {
      LiquidationRecord r;
      r.account = a;
      r.market = market;
      r.isolated = isolated;
      r.step = step;
      r.time = st.time;
      r.price = st.prices[market];
      r.size_closed = closed;
      r.partial = liq.partial;
      r.reward = closed.abs() * st.prices[market] / core::kWad * m.params().liquidation_reward / core::kWad;
      out.liquidations.push_back(r);
    }
  };
  for (size_t s = 0; s < path.size(); ++s) {
    const Step& st = path[s];
    for (int round = 0; round < kMaxRounds; ++round) {
      bool any = false;
      for (const auto& a : accounts) {
        if (m.can_liquidate(a, st.prices, st.time)) {
          if (auto liq = m.liquidate(a, options.liquidator, st.prices, st.time)) {
            record(a, *liq, false, s, st);
            any = true;
          }
        }
        for (size_t k = 0; k < m.market_count(); ++k) {
          if (!m.can_liquidate_position(a, k, st.prices[k], st.time)) continue;
          if (auto liq = m.liquidate_position(a, k, options.liquidator, st.prices[k], st.time)) {
            record(a, *liq, true, s, st);
            any = true;
          }
        }
      }
      if (!any) break;
    }
  }
  for (auto& o : out.accounts) {
    o.equity_after = account_equity(m, o.account, path.back().prices, path.back().time);
    o.loss = o.equity_before - o.equity_after;
    out.loss += o.loss;
  }
  out.bad_debt = m.bad_debt() - bad_debt_before;
  if (!options.collateral_search) return out;
  // One search per bucket; every record of the bucket gets its answer.
  std::map<std::pair<std::array<uint8_t, 20>, size_t>, U256> found;  // (account, market+1 or 0 for cross)
  for (auto& r : out.liquidations) {
    const std::optional<size_t> iso = r.isolated ? std::optional<size_t>(r.market) : std::nullopt;
    const auto key = std::make_pair(r.account.bytes, iso ? *iso + 1 : 0);
    auto it = found.find(key);
    if (it == found.end())
      it = found.emplace(key, collateral_to_survive(model, accounts, path, options, r.account, iso)).first;
    r.collateral_to_survive = it->second;
  }
  return out;
}

bool survives(const CascadeResult& r, const Address& account, std::optional<size_t> isolated_market) {
  for (const auto& l : r.liquidations) {
    if (l.account != account) continue;
    if (isolated_market ? (l.isolated && l.market == *isolated_market) : !l.isolated) return false;
  }
  return true;
}

U256 collateral_to_survive(const venues::RefModel& model, std::span<const Address> accounts, const Path& path,
                           const CascadeOptions& options, const Address& account, std::optional<size_t> isolated_market) {
  CascadeOptions plain = options;
  plain.collateral_search = false;
  const U256 unit = options.collateral_unit.is_zero() ? U256{1} : options.collateral_unit;
  auto ok = [&](const U256& units) {
    const ExtraCollateral x{account, isolated_market, units * unit};
    return survives(run_cascade(model, accounts, path, plain, std::span<const ExtraCollateral>(&x, 1)), account,
                    isolated_market);
  };
  if (ok(U256{})) return U256{};
  U256 lo{}, hi{1};
  for (int i = 0; i < kMaxDoublings && !ok(hi); ++i) {
    lo = hi;
    hi = hi * U256{2};
  }
  return detail::bisect(lo, hi, ok).second * unit;
}

std::expected<StressReport, std::string> run_stress(const venues::RefModel& model, std::span<const Address> accounts,
                                                    std::span<const U256> prices, uint64_t now,
                                                    std::span<const Scenario> scenarios, const CascadeOptions& options) {
  StressReport rep;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& s = scenarios[i];
    auto path = make_path(prices, now, s);
    if (!path) return std::unexpected("scenario \"" + s.name + "\": " + path.error());
    const venues::RefModel sm = scenario_model(model, accounts, prices, now, s);
    ScenarioResult r{s, run_cascade(sm, accounts, *path, options)};
    if (r.cascade.loss > rep.worst_loss) {
      rep.worst_loss = r.cascade.loss;
      rep.worst = i;
    }
    rep.results.push_back(std::move(r));
  }
  return rep;
}

std::optional<executor::TradingState> stress_state(const I256& loss, const StressLimits& limits) {
  if (loss.negative()) return std::nullopt;
  if (loss.as_u256() > limits.halt_loss) return executor::TradingState::kHalted;
  if (loss.as_u256() > limits.reduce_loss) return executor::TradingState::kReducing;
  return std::nullopt;
}

std::optional<executor::StateChange> apply_stress(executor::KillSwitch& ks, const I256& loss, const StressLimits& limits,
                                                  std::string_view scenario, uint64_t time_ms) {
  const auto to = stress_state(loss, limits);
  if (!to) return std::nullopt;
  const U256& limit = *to == executor::TradingState::kHalted ? limits.halt_loss : limits.reduce_loss;
  return ks.on_stress(*to,
                      "stress scenario \"" + std::string(scenario) + "\": loss " + core::wad_to_string(loss) +
                          " USD over " + core::wad_to_string(limit) + " USD",
                      time_ms);
}

}  // namespace perpx::strategies
