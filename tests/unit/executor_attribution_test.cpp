// Attribution (Journal::strategy_positions): each strategy's net filled size
// per market from the orders that filled, kept in step with this
// connection's state changes (a fill, a reorg that takes it back, a book
// fill of part of an order) and with another connection's writes to the same
// file; fence changes numbered by seq and read after a seq; a journalled
// flatten fence's orders named after its seq, from the attribution valued
// at the marks (strategy_views).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "risk_world.hpp"
#include "temp_dir.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/journal.hpp"

using namespace perpx;
using namespace perpx::test;
using executor::FenceMode;
using executor::Fencing;
using executor::Journal;
using executor::OrderRecord;
using executor::StrategyPosition;

namespace {

Journal open_ok(const std::filesystem::path& p) {
  auto j = Journal::open(p);
  INFO((j ? "" : j.error().message));
  REQUIRE(j);
  return std::move(*j);
}

int64_t add(Journal& j, std::string client_id, std::string strategy, std::string market, std::string side,
            std::string size, std::string venue = "ref") {
  OrderRecord r;
  r.client_order_id = std::move(client_id);
  r.venue = std::move(venue);
  r.market = std::move(market);
  r.side = std::move(side);
  r.size = std::move(size);
  r.limit_price = "3000";
  r.urgency = "normal";
  r.path = "public";
  r.strategy = std::move(strategy);
  r.created_ms = 1;
  auto id = j.add_order(r);
  REQUIRE(id);
  return *id;
}

void set_state(Journal& j, int64_t id, std::string_view state, std::string_view detail = "{}") {
  REQUIRE(j.set_order_state(id, state, detail, 2));
}

std::vector<StrategyPosition> held(Journal& j, std::string_view venue = "ref") {
  auto h = j.strategy_positions(venue);
  INFO((h ? "" : h.error().message));
  REQUIRE(h);
  return *h;
}

I256 size_of(const std::vector<StrategyPosition>& h, std::string_view strategy, std::string_view market) {
  for (const auto& p : h)
    if (p.strategy == strategy && p.market == market) return p.size;
  FAIL("no attribution for " << strategy << " " << market);
  return {};
}

}  // namespace

TEST_CASE("attribution: net filled size per strategy and market, only from fills", "[executor][journal][fence]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  CHECK(held(j).empty());
  const int64_t a1 = add(j, "a1", "alpha", "ETH", "buy", "2");
  const int64_t a2 = add(j, "a2", "alpha", "ETH", "sell", "0.5");
  const int64_t b1 = add(j, "b1", "beta", "ETH", "buy", "3");
  const int64_t a3 = add(j, "a3", "alpha", "BTC", "sell", "0.25");
  const int64_t a4 = add(j, "a4", "alpha", "ETH", "buy", "7");  // never fills
  CHECK(held(j).empty());  // nothing filled yet: read (and cached) as empty

  set_state(j, a1, "sent");
  set_state(j, a1, "included");
  set_state(j, b1, "sent");
  set_state(j, b1, "included");
  set_state(j, b1, "finalized");  // the same fill, not a second one
  set_state(j, a2, "included");
  set_state(j, a3, "included");
  set_state(j, a4, "rejected");
  const auto h = held(j);
  REQUIRE(h.size() == 3);
  CHECK(h[0] == StrategyPosition{"alpha", "BTC", -I256::from_u256(wad_frac(1, 4))});
  CHECK(h[1] == StrategyPosition{"alpha", "ETH", I256::from_u256(wad_frac(3, 2))});
  CHECK(h[2] == StrategyPosition{"beta", "ETH", iwad(3)});

  // A reorg takes a fill back out (included -> sent), and a second inclusion puts it back.
  set_state(j, a1, "sent");
  CHECK(size_of(held(j), "alpha", "ETH") == -I256::from_u256(wad_frac(1, 2)));
  set_state(j, a1, "included");
  CHECK(size_of(held(j), "alpha", "ETH") == I256::from_u256(wad_frac(3, 2)));

  // Flat: still listed, at 0 (the strategy has traded there).
  const int64_t a5 = add(j, "a5", "alpha", "ETH", "sell", "1.5");
  set_state(j, a5, "included");
  CHECK(size_of(held(j), "alpha", "ETH") == I256{0});

  // What the cache says is what a fresh read of the file says.
  Journal fresh = open_ok(d.path / "j.sqlite");
  CHECK(held(fresh) == held(j));
  // Another venue's orders are its own.
  CHECK(held(j, "hyperliquid").empty());
}

TEST_CASE("attribution: a book fill counts its filled size, and an order journalled filled counts at once",
          "[executor][journal][fence]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  CHECK(held(j, "hyperliquid").empty());
  const int64_t h1 = add(j, "h1", "carry", "ETH", "sell", "4", "hyperliquid");
  set_state(j, h1, "sending");
  set_state(j, h1, "filled", R"({"venue_state":"filled","filled_size":"2.5"})");
  CHECK(size_of(held(j, "hyperliquid"), "carry", "ETH") == -I256::from_u256(wad_frac(5, 2)));
  const int64_t h2 = add(j, "h2", "carry", "ETH", "buy", "1", "hyperliquid");
  set_state(j, h2, "filled", R"({"venue_state":"filled"})");  // no size named: whole
  CHECK(size_of(held(j, "hyperliquid"), "carry", "ETH") == -I256::from_u256(wad_frac(3, 2)));
  Journal fresh = open_ok(d.path / "j.sqlite");
  CHECK(held(fresh, "hyperliquid") == held(j, "hyperliquid"));

  OrderRecord r;
  r.client_order_id = "imported";
  r.venue = "hyperliquid";
  r.market = "BTC";
  r.side = "buy";
  r.size = "1";
  r.limit_price = "1";
  r.urgency = "normal";
  r.path = "book";
  r.strategy = "carry";
  r.state = "finalized";
  REQUIRE(j.add_order(r));
  CHECK(size_of(held(j, "hyperliquid"), "carry", "BTC") == iwad(1));
}

TEST_CASE("attribution: a fill written by another connection is seen on the next read", "[executor][journal][fence]") {
  TempDir d;
  Journal session = open_ok(d.path / "j.sqlite");
  Journal cli = open_ok(d.path / "j.sqlite");
  const int64_t a1 = add(session, "a1", "alpha", "ETH", "buy", "2");
  set_state(session, a1, "included");
  CHECK(size_of(held(session), "alpha", "ETH") == iwad(2));  // cached now
  const int64_t f1 = add(cli, "fence-1-alpha-ETH", "alpha", "ETH", "sell", "2");
  set_state(cli, f1, "included");
  CHECK(size_of(held(session), "alpha", "ETH") == I256{0});
  set_state(cli, f1, "sent");  // the other side's reorg
  CHECK(size_of(held(session), "alpha", "ETH") == iwad(2));
}

TEST_CASE("fence changes carry their seq and read back after a seq", "[executor][journal][fence]") {
  TempDir d;
  Journal j = open_ok(d.path / "j.sqlite");
  Fencing f;
  const auto a = j.add_fence_change(f.fence("alpha", FenceMode::kDenyNew, "one", 1, {}, {}).record);
  const auto b = j.add_fence_change(f.fence("alpha", FenceMode::kFlatten, "two", 2, {}, {}).record);
  const auto c = j.add_fence_change(*f.unfence("alpha", "three", 3));
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(*a < *b);
  CHECK(*b < *c);
  const auto all = *j.fence_changes();
  REQUIRE(all.size() == 3);
  CHECK(all[1].seq == *b);
  CHECK(all[1].to == FenceMode::kFlatten);
  const auto after = *j.fence_changes(*a);
  REQUIRE(after.size() == 2);
  CHECK(after[0].seq == *b);
  CHECK(after[0].reason == "two");
  CHECK(after[1].seq == *c);
  CHECK_FALSE(after[1].to.has_value());
  CHECK(j.fence_changes(*c)->empty());
}

TEST_CASE("a journalled flatten fence's orders are named after its seq and close the attributed positions",
          "[executor][fence]") {
  World w;
  // Attribution as the journal gives it: alpha ETH +2, BTC flat; beta ETH +1.
  const std::vector<StrategyPosition> attribution{
      {"alpha", "BTC", I256{0}}, {"alpha", "ETH", iwad(2)}, {"beta", "ETH", iwad(1)}};
  w.account.positions = {position("ETH", iwad(3))};
  w.account.strategies = executor::strategy_views(attribution, w.markets);
  REQUIRE(w.account.strategies.size() == 2);
  CHECK(w.account.strategies[0].strategy == "alpha");
  REQUIRE(w.account.strategies[0].positions.size() == 1);  // the flat market is not a position
  CHECK(w.account.strategies[0].positions[0].notional == wad(6'000));
  CHECK(w.account.strategies[1].positions[0].notional == wad(3'000));

  Fencing f;
  executor::FenceRecord r = f.fence("alpha", FenceMode::kFlatten, "diverged", 5, w.account, w.markets).record;
  r.seq = 41;
  const auto d = f.actions(r, w.account, w.markets);
  REQUIRE(d.flatten.size() == 1);
  CHECK(d.flatten[0].client_id == "fence-41-alpha-ETH");
  CHECK(d.flatten[0].client_id == executor::flatten_client_id(41, "alpha", "ETH"));
  CHECK(d.flatten[0].side == Side::kSell);
  CHECK(d.flatten[0].size == wad(2));
  CHECK(d.flatten[0].reduce_only);
  // The same record acted on again gives the same orders (the journal then refuses a second send).
  CHECK(f.actions(r, w.account, w.markets).flatten[0].client_id == d.flatten[0].client_id);
  // A lifted or deny-new fence asks for nothing.
  executor::FenceRecord lifted = r;
  lifted.to.reset();
  CHECK(f.actions(lifted, w.account, w.markets).flatten.empty());
  lifted.to = FenceMode::kDenyNew;
  CHECK(f.actions(lifted, w.account, w.markets).flatten.empty());
  // Without a mark, nothing is made for the market.
  w.market("ETH").mark.reset();
  const auto unpriced = f.actions(r, w.account, w.markets);
  CHECK(unpriced.flatten.empty());
  CHECK(unpriced.unpriced == std::vector<std::string>{"ETH"});
}

TEST_CASE("per-strategy max position acts on the attributed size", "[executor][fence][risk]") {
  World w;
  executor::FencingConfig cfg;
  cfg.strategies["alpha"].max_position["ETH"] = wad(3);
  Fencing f(cfg);
  executor::RiskGate g(risk_config());
  w.account.positions = {position("ETH", iwad(3))};
  // Before attribution alpha holds nothing: 3 more is within its 3.
  CHECK(g.check(buy("ETH", wad(3), "alpha"), w.in(), f));
  w.account.strategies = executor::strategy_views(std::vector<StrategyPosition>{{"alpha", "ETH", iwad(2)}}, w.markets);
  auto r = g.check(buy("ETH", wad(3), "alpha"), w.in(), f);
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == executor::DenyReason::kStrategyPosition);
  CHECK(g.check(buy("ETH", wad(1), "alpha"), w.in(), f));  // exactly at its max
  CHECK(g.check(buy("ETH", wad(3), "beta"), w.in(), f));   // another strategy is not bounded by alpha's table
}
