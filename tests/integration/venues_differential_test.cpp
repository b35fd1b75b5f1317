// The differential test: RefModel (C++) against PerpVenue's own views on a
// real anvil, over a randomised (seeded) sequence of trades, price moves, time
// moves, deposits and withdrawals, isolation changes and liquidation attempts.
// After every operation every stored value and every computed figure of every
// account and market is compared, to the last unit. The model is driven only
// by what it is told (the operation, the block time, the feed prices); it
// never copies state from the chain after the start.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <sstream>
#include <thread>

#include "venues_fixture.hpp"

using namespace venue_test;
using namespace perpx::venues;

namespace {

struct Tally {
  uint64_t cases = 0, comparisons = 0, mismatches = 0;
  uint64_t fills = 0, rejected = 0, liquidations = 0, partial_liquidations = 0;
  std::map<std::string, uint64_t> rejections;
  std::ostringstream first;

  template <class A, class B>
  void eq(const std::string& what, const A& chain_value, const B& model_value) {
    ++comparisons;
    if (chain_value == model_value) return;
    if (++mismatches <= 10) first << "case " << cases << ": " << what << "\n";
  }
};

}  // namespace

TEST_CASE("RefModel equals PerpVenue's views over randomised trades and price moves",
          "[anvil][venue][differential]") {
  const auto t0 = std::chrono::steady_clock::now();
  VenueChain vc;
  const size_t traders[] = {kTrader1, kTrader2, kSearcher};
  const std::vector<Address> accounts = {vc.who(kTrader1), vc.who(kTrader2), vc.who(kSearcher), vc.who(kKeeper)};
  for (size_t t : traders) vc.approve(t);
  // The starting point (deposits only) from the chain; from here on the model runs on its own.
  RefModel model = ok(vc.venue.load_model(accounts, vc.head().number), "load model");

  std::mt19937_64 rng(20261201);
  auto pick = [&](uint64_t n) { return rng() % n; };
  Tally tally;

  auto compare = [&](uint64_t block) {
    const uint64_t now = vc.block_time(block);
    const auto prices = vc.model_prices();
    for (uint64_t m = 0; m < 2; ++m) {
      const std::string mk = "market " + std::to_string(m) + " ";
      tally.eq(mk + "index", ok(vc.venue.index_price(m, block)), prices[m]);
      tally.eq(mk + "state", ok(vc.venue.market_state(m, block)), model.market(m));
      tally.eq(mk + "funding rate", ok(vc.venue.funding_rate(m, block)), model.funding_rate(m));
      tally.eq(mk + "accrued funding index", ok(vc.venue.accrued_funding_index(m, block)),
               model.accrued_funding_index(m, prices[m], now));
    }
    const VenueConfig cfg = ok(vc.venue.config(block));
    tally.eq("fee pool", cfg.fee_pool, model.fee_pool());
    tally.eq("bad debt", cfg.bad_debt, model.bad_debt());
    for (size_t i = 0; i < accounts.size(); ++i) {
      const Address& a = accounts[i];
      const std::string ak = "account " + std::to_string(i) + " ";
      const Account chain_acc = ok(vc.venue.account(a, 2, block));
      const Account model_acc = model.account(a);
      tally.eq(ak + "cross margin", chain_acc.cross_margin, model_acc.cross_margin);
      tally.eq(ak + "realized pnl", chain_acc.realized_pnl, model_acc.realized_pnl);
      tally.eq(ak + "fees", chain_acc.fees_paid, model_acc.fees_paid);
      tally.eq(ak + "funding paid", chain_acc.funding_paid, model_acc.funding_paid);
      const AccountSummary s = ok(vc.venue.account_summary(a, block));
      const Figures f = model.cross_figures(a, prices, now);
      tally.eq(ak + "summary margin", s.margin, model_acc.cross_margin);
      tally.eq(ak + "equity", s.figures.equity, f.equity);
      tally.eq(ak + "initial margin", s.figures.initial_margin, f.initial_margin);
      tally.eq(ak + "maintenance margin", s.figures.maintenance_margin, f.maintenance_margin);
      tally.eq(ak + "margin ratio", s.figures.margin_ratio, f.margin_ratio);
      tally.eq(ak + "can liquidate", ok(vc.venue.can_liquidate(a, block)), model.can_liquidate(a, prices, now));
      for (uint64_t m = 0; m < 2; ++m) {
        const std::string pk = ak + "market " + std::to_string(m) + " ";
        const Position& cp = chain_acc.positions[m];
        const Position& mp = model_acc.positions[m];
        tally.eq(pk + "size", cp.size, mp.size);
        tally.eq(pk + "entry", cp.entry_price, mp.entry_price);
        tally.eq(pk + "last funding index", cp.last_funding_index, mp.last_funding_index);
        tally.eq(pk + "isolated margin", cp.margin, mp.margin);
        tally.eq(pk + "isolated", cp.isolated, mp.isolated);
        const PositionFigures cf = ok(vc.venue.position_summary(a, m, block));
        const PositionFigures mf = model.position_figures(a, m, prices, now);
        tally.eq(pk + "position equity", cf.equity, mf.equity);
        tally.eq(pk + "position IM", cf.initial_margin, mf.initial_margin);
        tally.eq(pk + "position MM", cf.maintenance_margin, mf.maintenance_margin);
        tally.eq(pk + "position ratio", cf.margin_ratio, mf.margin_ratio);
        tally.eq(pk + "liquidation price", cf.liquidation_price, mf.liquidation_price);
        tally.eq(pk + "pending funding", ok(vc.venue.pending_funding(a, m, block)),
                 model.pending_funding(a, m, prices[m], now));
        tally.eq(pk + "unrealized pnl", ok(vc.venue.unrealized_pnl(a, m, block)),
                 model.unrealized_pnl(a, m, prices[m]));
        tally.eq(pk + "can liquidate position", ok(vc.venue.can_liquidate_position(a, m, block)),
                 model.can_liquidate_position(a, m, prices[m], now));
      }
    }
  };

  // Sends `data` from `from` with a fixed gas limit, so a reverting
  // transaction is mined too (status 0) and its block time is known.
  auto exec = [&](size_t from, core::Bytes data) {
    chain::TxnOptions o;
    o.gas_limit = 3'000'000;
    const chain::Hash32 h = ok(vc.senders[from].submit(vc.lw.world.venue, std::move(data), o), "submit");
    for (int i = 0; i < 200; ++i) {
      auto r = vc.rpc.transaction_receipt(h);
      REQUIRE(r);
      if (r->has_value()) return **r;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    FAIL("no receipt");
    return chain::Receipt{};
  };
  auto outcome = [&](const chain::Receipt& r, const auto& model_result, const char* what) {
    ++tally.comparisons;
    if (r.success != model_result.has_value()) {
      ++tally.mismatches;
      tally.first << "case " << tally.cases << ": " << what << " chain " << (r.success ? "ok" : "reverted")
                  << ", model " << (model_result ? "ok" : std::string(error_name(model_result.error()))) << "\n";
    }
    if (model_result) {
      ++tally.fills;
    } else {
      ++tally.rejected;
      ++tally.rejections[std::string(error_name(model_result.error()))];
    }
  };

  compare(vc.head().number);
  ++tally.cases;
  const uint64_t kCases = 600;
  for (uint64_t step = 0; step < kCases; ++step, ++tally.cases) {
    const uint64_t r = pick(100);
    const size_t t = traders[pick(3)];
    const Address& a = vc.who(t);
    const uint64_t m = pick(10) < 7 ? app::kMarketEth : app::kMarketBtc;
    uint64_t block = 0;
    if (r < 55) {
      // A public order: new risk, a reduce, a close, or one with a tight limit.
      const Position pos = model.account(a).positions[m];
      I256 size;
      const uint64_t kind = pick(10);
      if (kind < 2 && !pos.size.is_zero()) size = -pos.size;
      else if (kind < 4 && !(pos.size / I256{2}).is_zero()) size = -(pos.size / I256{2});
      else {
        // A size that uses 20%..105% of the free margin (a few fail the IM check on purpose).
        const auto prices = vc.model_prices();
        const Figures f = pos.isolated ? model.isolated_figures(a, m, prices[m], vc.head().timestamp)
                                       : model.cross_figures(a, prices, vc.head().timestamp);
        I256 free_margin = f.equity - I256::from_u256(f.initial_margin);
        if (free_margin < I256{1000} * kWadI) free_margin = I256{1000} * kWadI;
        const I256 notional = free_margin * I256{10} * I256{static_cast<int64_t>(20 + pick(86))} / I256{100};
        size = notional * kWadI / I256::from_u256(prices[m]);
        if (pick(2)) size = -size;
      }
      const uint64_t now_guess = vc.head().timestamp;
      std::optional<U256> limit;
      if (pick(10) == 0) {
        auto predicted = model.impact_price(m, vc.model_prices()[m], model.market(m).skew, size);
        REQUIRE(predicted);
        const bool breaks = pick(2);  // one wei past the fill, or exactly the fill
        limit = size.negative() ? *predicted + U256{breaks ? 1u : 0u} : *predicted - U256{breaks ? 1u : 0u};
      }
      const VenueOrder o = order(m, size, now_guess + 3600, limit);
      const chain::Receipt rc = exec(t, place_order_call(o));
      block = rc.block_number;
      const auto res = model.place_order(a, m, size, o.limit_price, o.deadline, vc.model_prices(), vc.block_time(block));
      outcome(rc, res, "placeOrder");
      if (res && rc.success) {
        const auto fills = fills_in(rc);
        tally.eq("OrderFilled event count", fills.size(), size_t{1});
        if (fills.size() == 1) {
          tally.eq("fill price (event)", fills[0].fill_price, res->price);
          tally.eq("fee (event)", fills[0].fee, res->fee);
          tally.eq("realized (event)", fills[0].realized_pnl, res->realized_pnl);
        }
      }
    } else if (r < 65) {
      // A price move of up to +-8% on both feeds, Pyth sometimes off by up to 0.3%.
      const int64_t bps = static_cast<int64_t>(pick(1601)) - 800;
      const U256 old = vc.cl_price[m];
      const U256 moved = bps >= 0 ? old + old * U256{static_cast<uint64_t>(bps)} / U256{10000}
                                  : old - old * U256{static_cast<uint64_t>(-bps)} / U256{10000};
      std::optional<U256> pyth;
      if (pick(3) == 0) pyth = moved + moved * U256{pick(30)} / U256{10000};
      vc.set_price(m, moved, pyth);
      block = vc.head().number;
    } else if (r < 72) {
      // Time passes (funding accrues); both feeds are refreshed at their prices.
      vc.skip(30 + pick(2000));
      vc.set_price(app::kMarketEth, vc.cl_price[0], vc.py_price[0]);
      vc.set_price(app::kMarketBtc, vc.cl_price[1], vc.py_price[1]);
      block = vc.head().number;
    } else if (r < 80) {
      if (pick(2)) {
        const U256 amount = U256{1000 + pick(60000)} * U256{1'000'000};
        const chain::Receipt rc = exec(t, withdraw_call(amount));
        block = rc.block_number;
        outcome(rc, model.withdraw(a, amount, vc.model_prices(), vc.block_time(block)), "withdraw");
      } else {
        const U256 amount = U256{1000 + pick(20000)} * U256{1'000'000};
        const chain::Receipt rc = exec(t, deposit_call(amount));
        block = rc.block_number;
        outcome(rc, model.deposit(a, amount), "deposit");
      }
    } else if (r < 90) {
      // The keeper tries the weakest trader (by the model's margin ratio).
      size_t weakest = traders[0];
      I256 lowest = I256::max();
      const auto prices = vc.model_prices();
      const uint64_t now = vc.head().timestamp;
      for (size_t c : traders) {
        const Figures f = model.cross_figures(vc.who(c), prices, now);
        if (f.margin_ratio < lowest) {
          lowest = f.margin_ratio;
          weakest = c;
        }
      }
      const chain::Receipt rc = exec(kKeeper, liquidate_call(vc.who(weakest)));
      block = rc.block_number;
      const auto res = model.liquidate(vc.who(weakest), vc.who(kKeeper), prices, vc.block_time(block));
      outcome(rc, res, "liquidate");
      if (res) {
        ++tally.liquidations;
        if (res->partial) ++tally.partial_liquidations;
      }
    } else if (r < 95) {
      // Isolation: flat positions toggle (mostly into isolated), isolated ones move margin.
      const Position pos = model.account(a).positions[m];
      if (pos.size.is_zero() && (!pos.isolated || pick(4) == 0)) {
        const chain::Receipt rc = exec(t, set_isolated_call(m, !pos.isolated));
        block = rc.block_number;
        outcome(rc, model.set_isolated(a, m, !pos.isolated), "setIsolated");
      } else if (!pos.isolated) {
        const U256 amount = U256{1000 + pick(20000)} * U256{1'000'000};
        const chain::Receipt rc = exec(t, deposit_call(amount));
        block = rc.block_number;
        outcome(rc, model.deposit(a, amount), "deposit");
      } else {
        I256 amount = I256{static_cast<int64_t>(1 + pick(20000))} * kWadI;
        if (pick(3) == 0) amount = -amount;
        const chain::Receipt rc = exec(t, transfer_margin_call(m, amount));
        block = rc.block_number;
        outcome(rc, model.transfer_margin(a, m, amount, vc.model_prices(), vc.block_time(block)), "transferMargin");
      }
    } else {
      // The keeper tries an isolated position when there is one.
      size_t target = t;
      uint64_t market = m;
      for (size_t c : traders)
        for (uint64_t k = 0; k < 2; ++k)
          if (model.account(vc.who(c)).positions[k].isolated && !model.account(vc.who(c)).positions[k].size.is_zero()) {
            target = c;
            market = k;
          }
      const Address& a_target = vc.who(target);
      const chain::Receipt rc = exec(kKeeper, liquidate_position_call(a_target, market));
      block = rc.block_number;
      const auto res =
          model.liquidate_position(a_target, market, vc.who(kKeeper), vc.model_prices()[market], vc.block_time(block));
      outcome(rc, res, "liquidatePosition");
      if (res) {
        ++tally.liquidations;
        if (res->partial) ++tally.partial_liquidations;
      }
    }
    compare(block);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ostringstream rej;
  for (const auto& [k, v] : tally.rejections) rej << k << "=" << v << " ";
  WARN("differential: " << tally.cases << " cases, " << tally.comparisons << " comparisons, " << tally.mismatches
                        << " mismatches; " << tally.fills << " accepted, " << tally.rejected << " rejected (" << rej.str()
                        << "), " << tally.liquidations << " liquidations (" << tally.partial_liquidations
                        << " partial); " << seconds << " s");
  INFO(tally.first.str());
  CHECK(tally.mismatches == 0);
  CHECK(tally.cases > 600);
  CHECK(tally.liquidations > 0);
  CHECK(tally.fills > 100);
  CHECK(tally.rejected > 10);
}
