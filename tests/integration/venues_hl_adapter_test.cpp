// The Hyperliquid venue adapter end to end against the STAND-IN API on
// loopback (tests/unit/venues_hl_standin.hpp; not Hyperliquid, no chain
// needed): BookExecutor (journal, kill switch, risk gate) over HlVenue
// (mapping, signing, REST). The stand-in recovers the signer from every
// signature, so a wrong signature is an unknown user, as on the exchange.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "exec_session.hpp"
#include "temp_dir.hpp"
#include "perpx/executor/book_venue.hpp"
#include "perpx/venues/hyperliquid_venue.hpp"
#include "venues_hl_standin.hpp"

using namespace perpx;
namespace fs = std::filesystem;
namespace hl = perpx::venues::hl;
using executor::BookState;
using core::Json;

namespace {

const char* kKey = "0x0123456789012345678901234567890123456789012345678901234567890123";
const char* kAgentKey = "0xe908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

signer::SecretKey key(const char* k = kKey) { return signer::SecretKey::from_hex(k).value(); }
core::Address address(const char* k = kKey) { return signer::address_of(key(k)); }

using perpx::test::TempDir;

// A trader's default limits (as `perpx order place` starts from), faster:
// the tests place orders back to back.
executor::RiskConfig risk_config() {
  executor::RiskConfig c = app::SessionOptions::default_risk_config();
  c.max_orders_per_second = 100;
  return c;
}

// One trader's stack on one journal file, as `perpx order place` builds it.
struct Stack {
  Stack(const std::string& url, const fs::path& journal_path, hl::HlVenueOptions vo = {}, const char* k = kKey,
        executor::BookExecutorOptions eo = {})
      : client(url),
        nonces(hl::HlNonceSource::open(journal_path).value()),
        venue(client, nonces, key(k), vo),
        journal(executor::Journal::open(journal_path).value()),
        risk(risk_config()),
        ex(venue, journal, kill, std::move(eo)) {
    ex.set_risk(&risk, &fencing);
  }
  hl::HlRestClient client;
  hl::HlNonceSource nonces;
  hl::HlVenue venue;
  executor::Journal journal;
  executor::KillSwitch kill;
  executor::RiskGate risk;
  executor::Fencing fencing;
  executor::BookExecutor ex;
};

executor::BookOrder order(std::string_view side, std::string_view size, std::string_view limit, executor::TimeInForce tif,
                          std::string client_id) {
  executor::BookOrder b;
  b.order.venue = "hyperliquid";
  b.order.market = "ETH";
  b.order.side = executor::parse_side(side).value();
  b.order.size = core::parse_wad(size).value();
  b.order.limit_price = core::parse_wad(limit).value();
  b.order.tif = tif;
  b.order.strategy = "test";
  b.order.client_id = std::move(client_id);
  return b;
}

executor::BookPlaced placed(executor::ExecResult<executor::BookPlaced> r) {
  if (!r) FAIL(std::string(executor::describe(r.error().code)) + ": " + r.error().message);
  return *r;
}

std::string state_of(executor::Journal& j, int64_t id) { return j.order(id).value().state; }

}  // namespace

TEST_CASE("hl adapter: resting, filled and per-order errors, journalled before sending (stand-in)", "[venues][hl][adapter]") {
  test::HlStandIn api;
  api.add_user(address());
  TempDir d;
  Stack s(api.url(), d.path / "journal.sqlite");
  using TIF = executor::TimeInForce;

  // A GTC bid under the mid rests.
  auto rest = placed(s.ex.place(order("buy", "0.5", "2990.129", TIF::kGtc, "gtc-1"), 1000));
  CHECK(rest.state == "resting");
  CHECK(rest.report.state == BookState::kResting);
  REQUIRE(api.orders().size() == 1);
  const auto booked = api.orders()[0];
  CHECK(booked.cloid == hl::cloid_for("gtc-1"));
  CHECK(booked.limit_px == "2990.1");  // a bid rounds down onto the tick
  CHECK(booked.tif == "Gtc");
  CHECK(rest.report.venue_order_id == std::to_string(booked.oid));
  CHECK(state_of(s.journal, rest.order_id) == "resting");
  // The request on the wire is the journalled one, byte for byte.
  const auto facts = s.journal.facts(rest.order_id).value();
  REQUIRE(facts.count("request") == 1);
  const auto bodies = api.bodies();
  CHECK(std::find(bodies.begin(), bodies.end(), facts.at("request")) != bodies.end());
  CHECK(facts.at("venue_client_id") == hl::cloid_for("gtc-1"));
  CHECK(facts.at("tif") == "gtc");
  CHECK(facts.at("request").find(kKey + 2) == std::string::npos);
  // The journal's events say sending came before resting.
  const auto events = s.journal.events(rest.order_id).value();
  std::vector<std::string> states;
  for (const auto& e : events) states.push_back(e.state);
  CHECK(states == std::vector<std::string>{"new", "routed", "sending", "resting"});

  // An IOC bid through the mid fills.
  auto fill = placed(s.ex.place(order("buy", "0.25", "3010", TIF::kIoc, "ioc-1"), 1001));
  CHECK(fill.state == "filled");
  CHECK(fill.report.filled_size == "0.25");
  CHECK(fill.report.avg_price == "3000.0");
  // An IOC that cannot match is cancelled, an ALO that would cross is rejected, as is a $5 order.
  CHECK(placed(s.ex.place(order("buy", "0.25", "2900", TIF::kIoc, "ioc-2"), 1002)).state == "cancelled");
  auto alo = placed(s.ex.place(order("buy", "0.25", "3001", TIF::kPostOnly, "alo-1"), 1003));
  CHECK(alo.state == "rejected");
  CHECK(alo.report.error.find("Post only order would have immediately matched") != std::string::npos);
  auto small = placed(s.ex.place(order("buy", "0.001", "2990", TIF::kGtc, "small-1"), 1004));
  CHECK(small.state == "rejected");
  CHECK(small.report.error == "Order must have minimum value of $10.");
  CHECK(s.journal.events(small.order_id).value().back().detail.find("minimum value") != std::string::npos);

  // The same client id again is that order: nothing new leaves.
  const size_t sent = api.exchange_requests();
  auto again = placed(s.ex.place(order("buy", "0.25", "3010", TIF::kIoc, "ioc-1"), 1005));
  CHECK(again.existing);
  CHECK(again.order_id == fill.order_id);
  CHECK(api.exchange_requests() == sent);

  // Trigger and TWAP orders.
  auto tb = order("sell", "0.1", "2860", TIF::kGtc, "sl-1");  // inside the risk gate's 5% band
  tb.order.reduce_only = true;
  tb.trigger = executor::BookTrigger{core::parse_wad("2850").value(), false, true};
  CHECK(placed(s.ex.place(tb, 1006)).state == "resting");
  CHECK(api.last_action().value()["orders"][0]["t"].dump() == R"({"trigger":{"isMarket":true,"triggerPx":"2850","tpsl":"sl"}})");
  auto tw = order("buy", "2", "3100", TIF::kGtc, "twap-1");
  tw.twap = executor::BookTwap{10, false};
  auto twap = placed(s.ex.place(tw, 1007));
  CHECK(twap.state == "twap_running");
  CHECK(api.last_action().value()["type"] == "twapOrder");
}

TEST_CASE("hl adapter: a duplicate cloid reports the order the exchange has (stand-in)", "[venues][hl][adapter]") {
  test::HlStandIn api;
  api.add_user(address());
  TempDir d1, d2;
  Stack first(api.url(), d1.path / "journal.sqlite");
  auto a = placed(first.ex.place(order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "dup-1"), 1000));
  CHECK(a.state == "resting");
  // Another process with its own journal retries the same client id: same
  // cloid, the exchange refuses it, and the adapter adopts the resting order.
  Stack second(api.url(), d2.path / "journal.sqlite");
  auto b = placed(second.ex.place(order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "dup-1"), 2000));
  CHECK(b.state == "resting");
  CHECK(b.report.venue_order_id == a.report.venue_order_id);
  CHECK(api.orders().size() == 1);
  CHECK(api.exchange_requests() == 2);
}

TEST_CASE("hl adapter: 429 fails the order with nothing booked (stand-in)", "[venues][hl][adapter]") {
  test::HlStandIn api;
  api.add_user(address());
  TempDir d;
  Stack s(api.url(), d.path / "journal.sqlite");
  // market() and project() read /info first: let those through, then limit the /exchange post.
  REQUIRE(s.venue.market("ETH").has_value());
  REQUIRE(s.venue.project(order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "x").order).has_value());
  auto o = order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "rl-1");
  // Limit exactly the /exchange request: the /info reads before it go through.
  struct Limiter : executor::BookVenue {
    hl::HlVenue* v;
    test::HlStandIn* api;
    std::string_view name() const noexcept override { return v->name(); }
    executor::VenueResult<executor::VenueMarket> market(std::string_view m) override { return v->market(m); }
    executor::VenueResult<executor::VenueProjection> project(const executor::Order& x) override { return v->project(x); }
    executor::BookResult<executor::BookRequest> prepare(const executor::BookOrder& x) override { return v->prepare(x); }
    executor::BookResult<executor::BookReport> send(const executor::BookRequest& r) override {
      api->answer_429(1);
      return v->send(r);
    }
    executor::BookResult<executor::BookReport> lookup(const executor::BookRequest& r) override { return v->lookup(r); }
  } limiter;
  limiter.v = &s.venue;
  limiter.api = &api;
  executor::BookExecutor ex(limiter, s.journal, s.kill);
  auto r = ex.place(o, 1000);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == executor::ExecErrc::kSubmit);
  CHECK(r.error().message.find("rate limited") != std::string::npos);
  CHECK(state_of(s.journal, r.error().order_id) == "failed");
  const auto detail = core::parse_json(s.journal.events(r.error().order_id).value().back().detail).value();
  CHECK(detail["retry_after_ms"] == 1000);
  CHECK(api.orders().empty());
}

TEST_CASE("hl adapter: a crash after the send is recovered by orderStatus, never a blind resend (stand-in)",
          "[venues][hl][adapter]") {
  test::HlStandIn api;
  api.add_user(address());
  TempDir d;
  const fs::path jp = d.path / "journal.sqlite";
  int64_t lost_id = 0, unsent_id = 0;
  {
    // The reply is lost on the wire: the exchange booked it, we cannot tell.
    Stack s(api.url(), jp);
    api.lose_next_reply();
    auto r = placed(s.ex.place(order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "crash-1"), 1000));
    CHECK(r.state == "outcome_unknown");
    lost_id = r.order_id;
    CHECK(api.orders().size() == 1);
  }
  {
    // The process dies after journalling, before sending.
    executor::BookExecutorOptions eo;
    eo.stop_at = "after_journal";
    Stack s(api.url(), jp, {}, kKey, eo);
    auto r = placed(s.ex.place(order("buy", "0.5", "2980", executor::TimeInForce::kGtc, "crash-2"), 1001));
    CHECK(r.state == "sending");
    unsent_id = r.order_id;
    CHECK(api.orders().size() == 1);
  }
  const size_t before = api.exchange_requests();
  {
    // The dead process after the send: journalled "sending", the reply never read.
    executor::BookExecutorOptions eo;
    eo.stop_at = "after_send";
    Stack s(api.url(), jp, {}, kKey, eo);
    auto r = placed(s.ex.place(order("buy", "0.5", "2970", executor::TimeInForce::kIoc, "crash-3"), 1002));
    CHECK(r.state == "sending");
  }
  CHECK(api.exchange_requests() == before + 1);
  // crash-3 was an IOC that could not match: the stand-in booked nothing for it.
  Stack s(api.url(), jp);
  auto rec = s.ex.recover(2000);
  REQUIRE(rec.has_value());
  REQUIRE(rec->size() == 3);
  // crash-1: found by its cloid, resting; not sent again.
  CHECK(state_of(s.journal, lost_id) == "resting");
  // crash-2: the exchange never saw it: the same journalled bytes once.
  CHECK(state_of(s.journal, unsent_id) == "resting");
  const auto orders = api.orders();
  REQUIRE(orders.size() == 2);
  CHECK(orders[0].cloid == hl::cloid_for("crash-1"));
  CHECK(orders[1].cloid == hl::cloid_for("crash-2"));
  CHECK(orders[1].limit_px == "2980");
  const auto all = api.bodies();
  const std::string body2 = s.journal.facts(unsent_id).value().at("request");
  CHECK(std::count(all.begin(), all.end(), body2) == 1);
  const std::string body1 = s.journal.facts(lost_id).value().at("request");
  CHECK(std::count(all.begin(), all.end(), body1) == 1);
  // crash-3 (unknown to the exchange: an IOC leaves no order): resent, the
  // same nonce is refused whole, and the order fails; nothing is doubled.
  int64_t ioc_id = 0;
  for (const auto& p : *rec)
    if (p.order_id != lost_id && p.order_id != unsent_id) ioc_id = p.order_id;
  CHECK(state_of(s.journal, ioc_id) == "failed");
  const std::string body3 = s.journal.facts(ioc_id).value().at("request");
  CHECK(std::count(all.begin(), all.end(), body3) == 2);
  // Exchange requests during recovery: crash-2's first send and crash-3's resend.
  CHECK(api.exchange_requests() == before + 3);
  auto rec2 = s.ex.recover(3000);
  REQUIRE(rec2.has_value());
  CHECK(api.exchange_requests() == before + 3);  // resting orders are looked up, not resent
}

TEST_CASE("hl adapter: the kill switch and risk gate apply as for every venue (stand-in)", "[venues][hl][adapter]") {
  test::HlStandIn api;
  api.add_user(address());
  api.set_position(address(), "ETH", "1.0");
  TempDir d;
  Stack s(api.url(), d.path / "journal.sqlite");
  REQUIRE(s.kill.manual(executor::TradingState::kReducing, "test", 1).has_value());
  auto denied = s.ex.place(order("buy", "0.5", "3010", executor::TimeInForce::kIoc, "ks-1"), 1000);
  REQUIRE_FALSE(denied.has_value());
  CHECK(denied.error().code == executor::ExecErrc::kHalted);
  CHECK(state_of(s.journal, denied.error().order_id) == "rejected");
  CHECK(api.exchange_requests() == 0);
  // A reduce-only sell of the long passes and fills.
  auto sell = order("sell", "0.5", "2990", executor::TimeInForce::kIoc, "ks-2");
  sell.order.reduce_only = true;
  CHECK(placed(s.ex.place(sell, 1001)).state == "filled");
  CHECK(api.last_action().value()["orders"][0]["r"] == true);
  // The risk gate: a limit far from the mark is outside the price band.
  REQUIRE(s.kill.manual(executor::TradingState::kActive, "test", 2).has_value());
  auto band = s.ex.place(order("buy", "0.5", "3300", executor::TimeInForce::kIoc, "band-1"), 1002);
  REQUIRE_FALSE(band.has_value());
  CHECK(band.error().code == executor::ExecErrc::kRisk);
  CHECK(band.error().message.find("price_band") != std::string::npos);
  CHECK(api.exchange_requests() == 1);
}

TEST_CASE("hl adapter: leverage, testnet signing and agent wallets (stand-in)", "[venues][hl][adapter]") {
  SECTION("updateLeverage cross and isolated") {
    test::HlStandIn api;
    api.add_user(address());
    TempDir d;
    Stack s(api.url(), d.path / "journal.sqlite");
    REQUIRE(s.venue.set_leverage("ETH", 10, false).has_value());
    CHECK(api.leverage().at("1") == std::pair<bool, uint32_t>{false, 10});
    REQUIRE(s.venue.set_leverage("BTC", 20, true).has_value());
    CHECK(api.leverage().at("0") == std::pair<bool, uint32_t>{true, 20});
    auto too_high = s.venue.set_leverage("ETH", 26, true);
    REQUIRE_FALSE(too_high.has_value());
    CHECK(too_high.error().code == executor::BookErrc::kInvalid);
    CHECK(s.venue.set_leverage("DOGE", 2, true).error().code == executor::BookErrc::kInvalid);
  }
  SECTION("a testnet signature on the mainnet API recovers a stranger") {
    test::HlStandIn api;  // mainnet
    api.add_user(address());
    TempDir d;
    hl::HlVenueOptions vo;
    vo.testnet = true;
    Stack s(api.url(), d.path / "journal.sqlite", vo);
    auto r = s.ex.place(order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "tn-1"), 1000);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("does not exist") != std::string::npos);
    CHECK(api.orders().empty());
    // The same on a testnet stand-in is booked.
    test::HlStandIn testnet(true);
    testnet.add_user(address());
    TempDir d2;
    Stack t(testnet.url(), d2.path / "journal.sqlite", vo);
    CHECK(placed(t.ex.place(order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "tn-1"), 1000)).state == "resting");
  }
  SECTION("an agent key books on its master") {
    test::HlStandIn api;
    api.add_user(address());
    api.approve_agent(address(kAgentKey), address());
    TempDir d;
    hl::HlVenueOptions vo;
    vo.master = address();
    Stack s(api.url(), d.path / "journal.sqlite", vo, kAgentKey);
    CHECK(s.venue.account() == address());
    CHECK(s.venue.signer_address() == address(kAgentKey));
    CHECK(placed(s.ex.place(order("buy", "0.5", "2990", executor::TimeInForce::kGtc, "ag-1"), 1000)).state == "resting");
    CHECK(api.orders().at(0).user == core::to_hex(address().view()));
    // orderStatus names the master, so a lookup finds it.
    executor::BookRequest req;
    req.venue_client_id = hl::cloid_for("ag-1");
    CHECK(s.venue.lookup(req).value().state == BookState::kResting);
  }
}
