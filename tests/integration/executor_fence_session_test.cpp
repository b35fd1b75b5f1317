// Fencing acting for real, on a real anvil with the drill world: two
// strategies trade the same venue account (a netted position) through the
// session `perpx order place` runs (exec_session.hpp); the journal
// attributes each one's fills. Flattening one closes exactly its share on
// the venue (the venue's position read from chain) and leaves the other's;
// a second flatten, a rerun and a restart send nothing more (the sender's
// nonce read from chain); a running session picks up a fence `perpx fence`
// journals at its next head; a per-strategy max position denies once the
// strategy's fills are attributed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <set>

#include "cli_run.hpp"
#include "session_world.hpp"
#include "value_of.hpp"

using namespace venue_test;
using perpx::test::run_perpx;
using perpx::test::value_of;

namespace {

// anvil's well-known dev account 1 (trader1): a public test key.
constexpr const char* kTrader1Key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

struct FenceWorld : SessionWorld {
  FenceWorld() : SessionWorld("perpx-fence") {}
  app::SessionOptions options() const { return base_options(); }
  static executor::Order order(std::string id, std::string strategy, executor::Side side, uint64_t size) {
    executor::Order o;
    o.venue = "ref";
    o.market = "ETH";
    o.side = side;
    o.size = kE18 * U256{size};
    o.limit_price = kE18 * U256{side == executor::Side::kBuy ? 3100u : 2900u};
    o.path = executor::Path::kPublic;
    o.strategy = std::move(strategy);
    o.client_id = std::move(id);
    return o;
  }
  std::string fill(app::ExecSession& s, const executor::Order& o) {
    auto id = s.ex.place(o, ++now);
    INFO((id ? "" : id.error().message));
    REQUIRE(id);
    return follow(s, *id);
  }
  I256 chain_position() { return ok(vc.venue.position(vc.who(kTrader1), 0)).size; }
  I256 attributed(app::ExecSession& s, std::string_view strategy) {
    for (const auto& p : value_of(s.journal.strategy_positions("ref")))
      if (p.strategy == strategy && p.market == "ETH") return p.size;
    return I256{};
  }
  // Nonces an order's journalled transactions used (a replacement reuses one; commit-reveal uses two).
  static uint64_t nonces_used(app::ExecSession& s, int64_t id) {
    std::set<uint64_t> n;
    for (const auto& t : value_of(s.journal.txns(id))) n.insert(t.nonce);
    return n.size();
  }
  perpx::test::RunResult fence(std::vector<std::string> args, bool with_rpc) {
    std::vector<std::string> a{"fence"};
    a.insert(a.end(), args.begin(), args.end());
    a.insert(a.end(), {"--journal", journal().string(), "--json"});
    std::vector<std::string> env{"PERPX_VENUE=" + core::to_checksum(vc.lw.world.venue)};
    if (with_rpc) {
      env.push_back("ETH_PRIVATE_KEY=" + std::string(kTrader1Key));
      env.push_back("ETH_RPC_URL=" + vc.lw.chain.rpc_url());
    } else {
      env.push_back("ETH_RPC_URL=");  // none, whatever the test's environment holds
    }
    return run_perpx(a, {}, env);
  }
};

}  // namespace

TEST_CASE("perpx fence flatten with an RPC URL closes only the fenced strategy's share, and never twice",
          "[anvil][executor][fence]") {
  FenceWorld w;
  {
    app::ExecSession s(w.options(), w.vc.lw.chain.dev_key(kTrader1));
    REQUIRE(w.fill(s, FenceWorld::order("a-1", "alpha", executor::Side::kBuy, 3)) == "included");
    REQUIRE(w.fill(s, FenceWorld::order("a-2", "alpha", executor::Side::kSell, 1)) == "included");
    REQUIRE(w.fill(s, FenceWorld::order("b-1", "beta", executor::Side::kBuy, 1)) == "included");
    CHECK(w.attributed(s, "alpha") == I256::from_u256(kE18 * U256{2}));
    CHECK(w.attributed(s, "beta") == I256::from_u256(kE18));
  }
  REQUIRE(w.chain_position() == I256::from_u256(kE18 * U256{3}));
  const uint64_t nonce_before = w.vc.nonce(kTrader1);

  auto r = w.fence({"alpha", "flatten", "--reason", "diverged from model"}, true);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const Json j = value_of(core::parse_json(r.out));
  CHECK(j["changed"] == true);
  CHECK(j["to"] == "flatten");
  const int64_t seq = j["seq"].get<int64_t>();
  REQUIRE(j["orders"].size() == 1);
  const Json& o = j["orders"][0];
  CHECK(o["client_order_id"] == executor::flatten_client_id(seq, "alpha", "ETH"));
  CHECK(o["side"] == "sell");
  CHECK(o["size"] == "2");
  CHECK(o["state"] == "included");
  std::set<uint64_t> nonces;
  for (const auto& t : o["txns"]) nonces.insert(t["nonce"].get<uint64_t>());
  const uint64_t sent = nonces.size();  // its path's steps (one, or commit and reveal)
  CHECK(sent >= 1);
  // On chain: alpha's 2 are gone, beta's 1 stays; only the flatten order's transactions were sent.
  CHECK(w.chain_position() == I256::from_u256(kE18));
  CHECK(w.vc.nonce(kTrader1) == nonce_before + sent);

  // Again by hand: no change, and nothing more is sent (the order is the journalled one).
  auto again = w.fence({"alpha", "flatten", "--reason", "again"}, true);
  INFO(again.err);
  REQUIRE(again.status == 0);
  const Json j2 = value_of(core::parse_json(again.out));
  CHECK(j2["changed"] == false);
  CHECK(w.vc.nonce(kTrader1) == nonce_before + sent);

  // A restart: the fence is restored and acted on again, which sends nothing.
  app::ExecSession s(w.options(), w.vc.lw.chain.dev_key(kTrader1));
  CHECK(s.fencing.mode("alpha") == executor::FenceMode::kFlatten);
  w.vc.mine();
  value_of(s.poll(++w.now));
  CHECK(w.vc.nonce(kTrader1) == nonce_before + sent);
  CHECK(w.chain_position() == I256::from_u256(kE18));
  CHECK(w.attributed(s, "alpha") == I256{0});
  CHECK(w.attributed(s, "beta") == I256::from_u256(kE18));

  // alpha may not trade again; beta trades on.
  auto refused = s.ex.place(FenceWorld::order("a-3", "alpha", executor::Side::kBuy, 1), ++w.now);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == executor::ExecErrc::kRisk);
  CHECK(refused.error().message.starts_with("strategy_fenced"));
  CHECK(w.fill(s, FenceWorld::order("b-2", "beta", executor::Side::kBuy, 1)) == "included");
  CHECK(w.chain_position() == I256::from_u256(kE18 * U256{2}));
}

TEST_CASE("a running session flattens a strategy fenced by perpx fence at its next head, once",
          "[anvil][executor][fence]") {
  FenceWorld w;
  app::ExecSession s(w.options(), w.vc.lw.chain.dev_key(kTrader1));
  REQUIRE(w.fill(s, FenceWorld::order("a-1", "alpha", executor::Side::kBuy, 1)) == "included");
  REQUIRE(w.fill(s, FenceWorld::order("b-1", "beta", executor::Side::kBuy, 2)) == "included");
  REQUIRE(w.chain_position() == I256::from_u256(kE18 * U256{3}));

  // Recorded only (no RPC URL): the session acts on it.
  auto r = w.fence({"alpha", "flatten", "--reason", "bad fills"}, false);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const Json j = value_of(core::parse_json(r.out));
  CHECK_FALSE(j.contains("orders"));
  const uint64_t nonce_before = w.vc.nonce(kTrader1);
  CHECK_FALSE(s.fencing.mode("alpha").has_value());  // not seen before a head

  w.vc.mine();
  value_of(s.poll(++w.now));
  CHECK(s.fencing.mode("alpha") == executor::FenceMode::kFlatten);
  REQUIRE(s.fence_orders.size() == 1);
  const auto rec = value_of(s.journal.order(s.fence_orders[0]));
  CHECK(rec.client_order_id == executor::flatten_client_id(j["seq"].get<int64_t>(), "alpha", "ETH"));
  CHECK(rec.reduce_only);
  CHECK(w.follow(s, s.fence_orders[0]) == "included");
  CHECK(w.chain_position() == I256::from_u256(kE18 * U256{2}));
  const uint64_t sent = FenceWorld::nonces_used(s, s.fence_orders[0]);
  CHECK(sent >= 1);
  CHECK(w.vc.nonce(kTrader1) == nonce_before + sent);
  // Later heads send nothing more.
  for (int i = 0; i < 3; ++i) {
    w.vc.mine();
    value_of(s.poll(++w.now));
  }
  CHECK(w.vc.nonce(kTrader1) == nonce_before + sent);
  CHECK(s.fence_orders.size() == 1);

  // Cleared by hand: the session sees that at its next head too.
  REQUIRE(w.fence({"alpha", "clear", "--reason", "fixed"}, false).status == 0);
  w.vc.mine();
  value_of(s.poll(++w.now));
  CHECK_FALSE(s.fencing.mode("alpha").has_value());
  CHECK(w.fill(s, FenceWorld::order("a-2", "alpha", executor::Side::kBuy, 1)) == "included");
}

TEST_CASE("a per-strategy max position denies once the strategy's fills are attributed", "[anvil][executor][fence]") {
  FenceWorld w;
  app::SessionOptions o = w.options();
  o.fencing.strategies["alpha"].max_position["ETH"] = kE18 * U256{2};
  app::ExecSession s(o, w.vc.lw.chain.dev_key(kTrader1));
  REQUIRE(w.fill(s, FenceWorld::order("b-1", "beta", executor::Side::kBuy, 5)) == "included");
  REQUIRE(w.fill(s, FenceWorld::order("a-1", "alpha", executor::Side::kBuy, 2)) == "included");  // at its max
  auto over = s.ex.place(FenceWorld::order("a-2", "alpha", executor::Side::kBuy, 1), ++w.now);
  REQUIRE_FALSE(over);
  CHECK(over.error().code == executor::ExecErrc::kRisk);
  CHECK(over.error().message.starts_with("strategy_position"));
  CHECK(value_of(s.journal.order(over.error().order_id)).state == "rejected");
  // Its reductions and the other strategy's orders pass.
  CHECK(w.fill(s, FenceWorld::order("a-3", "alpha", executor::Side::kSell, 1)) == "included");
  CHECK(w.fill(s, FenceWorld::order("b-2", "beta", executor::Side::kBuy, 1)) == "included");
  CHECK(w.chain_position() == I256::from_u256(kE18 * U256{7}));
}
