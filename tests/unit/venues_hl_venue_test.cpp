// Hyperliquid venue adapter: the mapping from the executor's Order to the
// order action (rounding onto the tick and lot, tif, triggers, TWAP,
// reduce-only, the cloid), and from the exchange's statuses to typed
// reports and errors. Pure: no server.
#include <catch2/catch.hpp>

#include <regex>

#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/venues/hyperliquid_venue.hpp"

using namespace perpx;
namespace hl = perpx::venues::hl;
using core::Json;
using executor::BookState;

namespace {

core::U256 wad(std::string_view s) { return core::parse_wad(s).value(); }

hl::Meta meta() {
  return hl::parse_meta(core::parse_json(R"({"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},
    {"name":"ETH","szDecimals":4,"maxLeverage":25},{"name":"MATIC","szDecimals":1,"maxLeverage":20,"isDelisted":true}]})")
                            .value())
      .value();
}

executor::BookOrder order(std::string_view side, std::string_view size, std::string_view limit,
                          executor::TimeInForce tif = executor::TimeInForce::kGtc, std::string client_id = "c-1") {
  executor::BookOrder b;
  b.order.venue = "hyperliquid";
  b.order.market = "ETH";
  b.order.side = executor::parse_side(side).value();
  b.order.size = wad(size);
  b.order.limit_price = wad(limit);
  b.order.tif = tif;
  b.order.client_id = std::move(client_id);
  return b;
}

Json action_of(const executor::BookOrder& b, std::string_view market = "ETH") {
  const hl::Meta m = meta();
  const hl::PerpAsset* a = hl::find_asset(m, market);
  REQUIRE(a != nullptr);
  auto r = hl::order_action(b, *a);
  if (!r) FAIL(std::string(hl::describe(r.error().code)) + ": " + r.error().detail);
  return *r;
}

}  // namespace

TEST_CASE("hl venue: cloid is 16 bytes of keccak of the client id, the same on every retry", "[venues][hl][venue]") {
  const std::string c = hl::cloid_for("hedge-42");
  CHECK(std::regex_match(c, std::regex("0x[0-9a-f]{32}")));
  CHECK(c == hl::cloid_for("hedge-42"));
  CHECK(c != hl::cloid_for("hedge-43"));
  CHECK(c != hl::cloid_for(""));
  const std::string pre = "perpx/cloid/hedge-42";
  const core::Hash32 h = core::keccak256(core::ByteView(reinterpret_cast<const uint8_t*>(pre.data()), pre.size()));
  CHECK(c == core::to_hex(h).substr(0, 34));
  // The order carries it.
  CHECK(action_of(order("buy", "0.5", "3000"))["orders"][0]["c"] == hl::cloid_for("c-1"));
}

TEST_CASE("hl venue: time in force and the order action's exact shape", "[venues][hl][venue]") {
  CHECK(hl::wire_tif(executor::TimeInForce::kGtc) == "Gtc");
  CHECK(hl::wire_tif(executor::TimeInForce::kIoc) == "Ioc");
  CHECK(hl::wire_tif(executor::TimeInForce::kPostOnly) == "Alo");
  auto b = order("buy", "0.5", "3000.5", executor::TimeInForce::kPostOnly);
  CHECK(action_of(b).dump() == R"({"type":"order","orders":[{"a":1,"b":true,"p":"3000.5","s":"0.5","r":false,"t":{"limit":{"tif":"Alo"}},"c":")" +
                                   hl::cloid_for("c-1") + R"("}],"grouping":"na"})");
  b = order("sell", "1", "2990", executor::TimeInForce::kIoc);
  b.order.reduce_only = true;
  const Json a = action_of(b);
  CHECK(a["orders"][0]["b"] == false);
  CHECK(a["orders"][0]["r"] == true);
  CHECK(a["orders"][0]["t"]["limit"]["tif"] == "Ioc");
  CHECK(action_of(order("buy", "0.5", "3000", executor::TimeInForce::kGtc))["orders"][0]["t"]["limit"]["tif"] == "Gtc");
}

TEST_CASE("hl venue: limit prices round passively onto the tick, sizes down onto the lot", "[venues][hl][venue]") {
  // ETH: szDecimals 4 -> at most 2 price decimals, 5 significant figures.
  CHECK(action_of(order("buy", "0.5", "3000.123456"))["orders"][0]["p"] == "3000.1");
  CHECK(action_of(order("sell", "0.5", "3000.123456"))["orders"][0]["p"] == "3000.2");
  CHECK(action_of(order("buy", "0.5", "123.456789"))["orders"][0]["p"] == "123.45");
  CHECK(action_of(order("sell", "0.5", "123.456789"))["orders"][0]["p"] == "123.46");
  CHECK(action_of(order("buy", "0.123456", "3000"))["orders"][0]["s"] == "0.1234");
  CHECK(action_of(order("sell", "2.99999", "3000"))["orders"][0]["s"] == "2.9999");
  // BTC: 5 significant figures reach left of the point: an integer price.
  auto btc = order("buy", "0.001", "60000.7");
  btc.order.market = "BTC";
  CHECK(action_of(btc, "BTC")["orders"][0]["p"] == "60000");
  btc.order.side = executor::Side::kSell;
  CHECK(action_of(btc, "BTC")["orders"][0]["p"] == "60001");
  CHECK(action_of(btc, "BTC")["orders"][0]["a"] == 0);
  // Direct helpers and their errors.
  CHECK(hl::wire_price(wad("0.0000123456"), 0, hl::Rounding::kDown).value() == "0.000012");
  auto zero = hl::wire_size(wad("0.00001"), 4);
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == hl::MapErrc::kBadSize);
  const hl::Meta m = meta();
  auto tiny = hl::order_action(order("buy", "0.00001", "3000"), *hl::find_asset(m, "ETH"));
  REQUIRE_FALSE(tiny.has_value());
  CHECK(tiny.error().code == hl::MapErrc::kBadSize);
  auto no_px = hl::order_action(order("buy", "1", "0.0000001"), *hl::find_asset(m, "ETH"));
  REQUIRE_FALSE(no_px.has_value());
  CHECK(no_px.error().code == hl::MapErrc::kBadPrice);
}

TEST_CASE("hl venue: markets by name, delisted ones refused", "[venues][hl][venue]") {
  const hl::Meta m = meta();
  REQUIRE(hl::find_asset(m, "ETH") != nullptr);
  CHECK(hl::find_asset(m, "ETH")->asset == 1);
  CHECK(hl::find_asset(m, "ETH-PERP") == hl::find_asset(m, "ETH"));
  CHECK(hl::find_asset(m, "MATIC") == nullptr);
  CHECK(hl::find_asset(m, "DOGE") == nullptr);
  CHECK(hl::describe(hl::MapErrc::kUnknownMarket) == "unknown market");
}

TEST_CASE("hl venue: trigger orders and native TWAP", "[venues][hl][venue]") {
  auto b = order("sell", "0.5", "2800");
  b.order.reduce_only = true;
  b.trigger = executor::BookTrigger{wad("2850.123"), false, true};
  CHECK(action_of(b)["orders"][0]["t"].dump() == R"({"trigger":{"isMarket":true,"triggerPx":"2850.1","tpsl":"sl"}})");
  b.trigger->take_profit = true;
  b.trigger->is_market = false;
  CHECK(action_of(b)["orders"][0]["t"]["trigger"]["tpsl"] == "tp");
  CHECK(action_of(b)["orders"][0]["t"]["trigger"]["isMarket"] == false);

  auto t = order("buy", "10.123456", "3100");
  t.twap = executor::BookTwap{30, true};
  CHECK(action_of(t).dump() == R"({"type":"twapOrder","twap":{"a":1,"b":true,"s":"10.1234","r":false,"m":30,"t":true}})");
  t.twap->minutes = 4;
  const hl::Meta m = meta();
  auto bad = hl::order_action(t, *hl::find_asset(m, "ETH"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == hl::MapErrc::kBadTwap);
  t.twap->minutes = 1441;
  CHECK_FALSE(hl::order_action(t, *hl::find_asset(m, "ETH")).has_value());
  CHECK(hl::update_leverage_action(1, false, 10).dump() == R"({"type":"updateLeverage","asset":1,"isCross":false,"leverage":10})");
}

TEST_CASE("hl venue: per-order statuses become typed reports", "[venues][hl][venue]") {
  const auto reply = hl::parse_exchange_reply(core::parse_json(R"({"status":"ok","response":{"type":"order","data":{"statuses":[
    {"resting":{"oid":77738308,"cloid":"0x00000000000000000000000000000001"}},
    {"filled":{"totalSz":"0.02","avgPx":"1891.4","oid":77747314}},
    {"error":"Order must have minimum value of $10."},
    {"error":"Order could not immediately match against any resting orders. asset=1"},
    "waitingForTrigger"]}}})").value());
  REQUIRE(reply.has_value());
  REQUIRE(reply->statuses.size() == 5);
  auto r = hl::report_of(reply->statuses[0], false);
  CHECK(r.state == BookState::kResting);
  CHECK(r.venue_order_id == "77738308");
  CHECK(hl::report_of(reply->statuses[0], true).state == BookState::kTwapRunning);
  r = hl::report_of(reply->statuses[1], false);
  CHECK(r.state == BookState::kFilled);
  CHECK(r.filled_size == "0.02");
  CHECK(r.avg_price == "1891.4");
  r = hl::report_of(reply->statuses[2], false);
  CHECK(r.state == BookState::kRejected);
  CHECK(r.error == "Order must have minimum value of $10.");
  CHECK(hl::report_of(reply->statuses[3], false).state == BookState::kCancelled);
  CHECK(hl::report_of(reply->statuses[4], false).state == BookState::kResting);
  CHECK(executor::journal_state(BookState::kUnknown) == "outcome_unknown");
  CHECK(executor::journal_state(BookState::kFilled) == "filled");

  // A TWAP's one status.
  const auto twap = hl::parse_exchange_reply(
      core::parse_json(R"({"status":"ok","response":{"type":"twapOrder","data":{"status":{"running":{"twapId":1592257}}}}})").value());
  REQUIRE(twap.has_value());
  CHECK(hl::report_of(twap->statuses.at(0), true).venue_order_id == "1592257");
  const auto twap_err = hl::parse_exchange_reply(
      core::parse_json(R"({"status":"ok","response":{"type":"twapOrder","data":{"status":{"error":"Invalid TWAP duration"}}}})").value());
  REQUIRE(twap_err.has_value());
  CHECK(hl::report_of(twap_err->statuses.at(0), true).state == BookState::kRejected);
  const auto twap_bad = hl::parse_exchange_reply(
      core::parse_json(R"({"status":"ok","response":{"type":"twapOrder","data":{"status":{"running":{}}}}})").value());
  REQUIRE_FALSE(twap_bad.has_value());
  CHECK(twap_bad.error().where == "response.data.status.running.twapId");
}

TEST_CASE("hl venue: orderStatus replies, typed, and bad ones refused", "[venues][hl][venue]") {
  const char* known = R"({"status":"order","order":{"order":{"coin":"ETH","side":"B","limitPx":"2990.0","sz":"0.3","oid":91,
    "timestamp":1700000000001,"origSz":"0.5","cloid":"0x00000000000000000000000000000007","reduceOnly":false},"status":"open",
    "statusTimestamp":1700000000002}})";
  auto s = hl::parse_order_status(core::parse_json(known).value());
  REQUIRE(s.has_value());
  CHECK(s->known);
  CHECK(s->order.cloid == "0x00000000000000000000000000000007");
  auto r = hl::report_of(*s);
  CHECK(r.state == BookState::kResting);
  CHECK(r.filled_size == "0.2");
  CHECK(r.venue_order_id == "91");
  for (const auto& [status, want] : std::vector<std::pair<std::string, BookState>>{
           {"filled", BookState::kFilled}, {"canceled", BookState::kCancelled}, {"marginCanceled", BookState::kCancelled},
           {"rejected", BookState::kRejected}, {"triggered", BookState::kResting}}) {
    s->status = status;
    CHECK(hl::report_of(*s).state == want);
  }
  auto unknown = hl::parse_order_status(core::parse_json(R"({"status":"unknownOid"})").value());
  REQUIRE(unknown.has_value());
  CHECK(hl::report_of(*unknown).state == BookState::kUnknown);
  auto bad = hl::parse_order_status(core::parse_json(R"({"status":"order","order":{"order":{"coin":"ETH"},"status":"open"}})").value());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == hl::HlClientErrc::kBadReply);
  CHECK(bad.error().where == "order.order.side");
  CHECK_FALSE(hl::parse_order_status(core::parse_json(R"({"status":"what"})").value()).has_value());
}

TEST_CASE("hl venue: client errors map to book errors by class", "[venues][hl][venue]") {
  hl::HlClientError e;
  e.code = hl::HlClientErrc::kRateLimited;
  e.cls = chain::ErrorClass::kRetryable;
  e.retry_after = std::chrono::seconds(2);
  auto b = hl::book_error(e);
  CHECK(b.code == executor::BookErrc::kRateLimited);
  CHECK(b.retry_after == std::chrono::seconds(2));
  e.code = hl::HlClientErrc::kTransport;
  e.cls = chain::ErrorClass::kOutcomeUnknown;
  CHECK(hl::book_error(e).code == executor::BookErrc::kOutcomeUnknown);
  e.cls = chain::ErrorClass::kRetryable;
  CHECK(hl::book_error(e).code == executor::BookErrc::kTransport);
  e.code = hl::HlClientErrc::kRejected;
  e.cls = chain::ErrorClass::kNonRetryable;
  CHECK(hl::book_error(e).code == executor::BookErrc::kRejected);
  e.code = hl::HlClientErrc::kBadReply;
  CHECK(hl::book_error(e).code == executor::BookErrc::kBadReply);
}
