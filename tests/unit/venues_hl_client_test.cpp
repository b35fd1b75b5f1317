// Hyperliquid REST client against a STAND-IN server on loopback (not
// Hyperliquid): tests/unit/fault_server.hpp answering /info and /exchange
// with the request and reply bodies of the public API documentation
// (hyperliquid.gitbook.io, "Info endpoint" and "Exchange endpoint"), its
// error shapes ({"status":"err"}, per-order {"error": ...} inside a 200),
// HTTP 429 with Retry-After, and broken replies. Every bad reply must give a
// typed error naming the field, never a crash.
#include <catch2/catch.hpp>

#include "fault_server.hpp"
#include "perpx/venues/hyperliquid.hpp"
#include "perpx/venues/hyperliquid_client.hpp"

using namespace perpx;
namespace hl = perpx::venues::hl;
using core::Json;
using test::FaultReply;
using test::FaultServer;
using test::http_reply;

namespace {

const char* kMeta = R"({"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},{"name":"ETH","szDecimals":4,"maxLeverage":50,"onlyIsolated":false},
  {"name":"MATIC","szDecimals":1,"maxLeverage":20,"isDelisted":true}],"marginTables":[]})";
const char* kSpotMeta = R"({"tokens":[{"name":"USDC","szDecimals":8,"weiDecimals":8,"index":0,"tokenId":"0x6d1e7cde53ba9467b783cb7c530ce054","isCanonical":true},
  {"name":"PURR","szDecimals":0,"weiDecimals":5,"index":1,"tokenId":"0xc1fb593aeffbeb02f85e0308e9956a90","isCanonical":true}],
  "universe":[{"name":"PURR/USDC","tokens":[1,0],"index":0,"isCanonical":true}]})";
const char* kBook = R"({"coin":"BTC","time":1754450974231,"levels":[[{"px":"113377.0","sz":"7.6699","n":17},{"px":"113376.0","sz":"0.01","n":1}],
  [{"px":"113397.0","sz":"0.11543","n":3}]]})";
const char* kState = R"({"marginSummary":{"accountValue":"13109.482328","totalNtlPos":"14.85","totalRawUsd":"13094.632328","totalMarginUsed":"2.97"},
  "crossMarginSummary":{"accountValue":"13109.482328","totalNtlPos":"14.85","totalRawUsd":"13094.632328","totalMarginUsed":"2.97"},
  "crossMaintenanceMarginUsed":"0.7","withdrawable":"13104.514502",
  "assetPositions":[{"type":"oneWay","position":{"coin":"ETH","cumFunding":{"allTime":"514.085417","sinceChange":"0.0","sinceOpen":"0.0"},
  "entryPx":"2986.3","leverage":{"rawUsd":"-95.059824","type":"isolated","value":20},"liquidationPx":"2866.26936529","marginUsed":"4.967826",
  "maxLeverage":50,"positionValue":"100.02765","returnOnEquity":"-0.0026789","szi":"0.0335","unrealizedPnl":"-0.0134"}},
  {"type":"oneWay","position":{"coin":"BTC","entryPx":null,"leverage":{"type":"cross","value":5},"liquidationPx":null,"marginUsed":"0.0",
  "positionValue":"0.0","szi":"0.0","unrealizedPnl":"0.0"}}],"time":1708622398623})";
const char* kOpen = R"([{"coin":"BTC","limitPx":"29792.0","oid":91490942,"side":"A","sz":"0.0","timestamp":1681247412573},
  {"coin":"ETH","limitPx":"2000.5","oid":91490943,"side":"B","sz":"1.5","timestamp":1681247412574,"cloid":"0x00000000000000000000000000000001"}])";
const char* kFills = R"([{"closedPnl":"0.0","coin":"AVAX","crossed":false,"dir":"Open Long","hash":"0xa166e3fa63c25663024b03f2e0da011a00307e4017465df020210d3d432e7cb8",
  "oid":90542681,"px":"18.435","side":"B","startPosition":"26.86","sz":"93.53","time":1681222254710,"fee":"0.01","feeToken":"USDC","builderFee":"0.01","tid":118906512037719}])";
const char* kFunding = R"([{"coin":"ETH","fundingRate":"-0.00022196","premium":"-0.00052196","time":1683849600076}])";
const char* kRate = R"({"cumVlm":"2854574.593578","nRequestsUsed":2890,"nRequestsCap":2864574})";
const char* kMids = R"({"APE":"4.33245","ARB":"1.21695","@107":"39.0"})";

// The stand-in: /info by "type", /exchange by the action's type.
FaultReply stand_in(const std::string& body) {
  const Json req = core::parse_json(body).value();
  if (req.contains("action")) {
    const std::string type = req["action"]["type"];
    if (type == "order")
      return {http_reply(200, R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":77738308}},
        {"filled":{"totalSz":"0.02","avgPx":"1891.4","oid":77747314,"cloid":"0x00000000000000000000000000000002"}},
        {"error":"Order must have minimum value of $10."},"waitingForTrigger"]}}})")};
    if (type == "cancel")
      return {http_reply(200, R"({"status":"ok","response":{"type":"cancel","data":{"statuses":["success",{"error":"Order was never placed, already canceled, or filled."}]}}})")};
    if (type == "updateLeverage") return {http_reply(200, R"({"status":"ok","response":{"type":"default"}})")};
    return {http_reply(200, R"({"status":"err","response":"User or API Wallet 0x0123 does not exist."})")};
  }
  const std::string type = req["type"];
  if (type == "meta") return {http_reply(200, kMeta)};
  if (type == "spotMeta") return {http_reply(200, kSpotMeta)};
  if (type == "allMids") return {http_reply(200, kMids)};
  if (type == "l2Book") return {http_reply(200, kBook)};
  if (type == "clearinghouseState") return {http_reply(200, kState)};
  if (type == "openOrders") return {http_reply(200, kOpen)};
  if (type == "userFills") return {http_reply(200, kFills)};
  if (type == "fundingHistory") return {http_reply(200, kFunding)};
  if (type == "userRateLimit") return {http_reply(200, kRate)};
  return {http_reply(422, "Failed to deserialize the JSON body into the target type")};
}

Json signed_body(const std::string& action) {
  const auto key = signer::SecretKey::from_hex("0x0123456789012345678901234567890123456789012345678901234567890123").value();
  hl::SignOptions o;
  o.nonce = 1700000000000;
  return hl::sign_action(key, hl::parse_action(action).value(), o).value();
}

template <class T>
T ok(hl::HlResult<T> r) {
  if (!r) FAIL(hl::to_string(r.error()));
  return std::move(*r);
}

}  // namespace

TEST_CASE("hl client: /info queries read into typed replies (stand-in server)", "[venues][hl][client]") {
  FaultServer server{[](const std::string& body, size_t) { return stand_in(body); }};
  hl::HlRestClient client(server.url());

  const auto meta = ok(client.meta());
  REQUIRE(meta.universe.size() == 3);
  CHECK(meta.universe[1].name == "ETH");
  CHECK(meta.universe[1].asset == 1);
  CHECK(meta.universe[1].sz_decimals == 4);
  CHECK(meta.universe[2].is_delisted);
  const auto spot = ok(client.spot_meta());
  REQUIRE(spot.universe.size() == 1);
  CHECK(spot.universe[0].asset == 10000);
  CHECK(spot.universe[0].sz_decimals == 0);  // PURR's
  CHECK(spot.tokens[0].wei_decimals == 8);
  const auto mids = ok(client.all_mids());
  CHECK(mids.at("@107") == "39.0");
  const auto book = ok(client.l2_book("BTC"));
  CHECK(book.bids.size() == 2);
  CHECK(book.bids[0].px == "113377.0");
  CHECK(book.asks[0].n == 3);
  const auto state = ok(client.clearinghouse_state("0x0000000000000000000000000000000000000001"));
  CHECK(state.withdrawable == "13104.514502");
  REQUIRE(state.positions.size() == 2);
  CHECK(state.positions[0].leverage_type == "isolated");
  CHECK(state.positions[0].leverage == 20);
  CHECK(state.positions[0].liquidation_px == "2866.26936529");
  CHECK_FALSE(state.positions[1].liquidation_px.has_value());
  const auto open = ok(client.open_orders("0x0000000000000000000000000000000000000001"));
  CHECK(open[1].cloid == "0x00000000000000000000000000000001");
  CHECK_FALSE(open[0].cloid.has_value());
  const auto fills = ok(client.user_fills("0x0000000000000000000000000000000000000001"));
  CHECK(fills[0].tid == 118906512037719ull);
  CHECK(ok(client.funding_history("ETH", 1683849600000))[0].funding_rate == "-0.00022196");
  CHECK(ok(client.user_rate_limit("0x0000000000000000000000000000000000000001")).n_requests_cap == 2864574);
  // The requests are the documented bodies.
  const auto bodies = server.bodies();
  CHECK(bodies[0] == R"({"type":"meta"})");
  CHECK(bodies[3] == R"({"type":"l2Book","coin":"BTC"})");
  CHECK(bodies[7] == R"({"type":"fundingHistory","coin":"ETH","startTime":1683849600000})");
}

TEST_CASE("hl client: /exchange replies, per-order statuses, refusals (stand-in server)", "[venues][hl][client]") {
  FaultServer server{[](const std::string& body, size_t) { return stand_in(body); }};
  hl::HlRestClient client(server.url());
  const auto order = ok(client.exchange(signed_body(
      R"({"type":"order","orders":[{"a":1,"b":true,"p":"1891.4","s":"0.02","r":false,"t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"})")));
  using K = hl::OrderStatus::Kind;
  REQUIRE(order.statuses.size() == 4);
  CHECK(order.statuses[0].kind == K::kResting);
  CHECK(order.statuses[0].oid == 77738308);
  CHECK(order.statuses[1].kind == K::kFilled);
  CHECK(order.statuses[1].avg_px == "1891.4");
  CHECK(order.statuses[1].cloid == "0x00000000000000000000000000000002");
  CHECK(order.statuses[2].kind == K::kError);
  CHECK(order.statuses[2].error == "Order must have minimum value of $10.");
  CHECK(order.statuses[3].kind == K::kWaitingForTrigger);
  const auto cancel = ok(client.exchange(signed_body(R"({"type":"cancel","cancels":[{"a":1,"o":1},{"a":1,"o":2}]})")));
  CHECK(cancel.statuses[0].kind == K::kSuccess);
  CHECK(cancel.statuses[1].kind == K::kError);
  CHECK(ok(client.exchange(signed_body(R"({"type":"updateLeverage","asset":1,"isCross":true,"leverage":5})"))).type == "default");
  const auto refused = client.exchange(signed_body(R"({"type":"scheduleCancel"})"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == hl::HlClientErrc::kRejected);
  CHECK(refused.error().message.find("does not exist") != std::string::npos);
  // The body on the wire is the signed body, unchanged.
  CHECK(server.bodies()[0] == signed_body(R"({"type":"order","orders":[{"a":1,"b":true,"p":"1891.4","s":"0.02","r":false,"t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"})").dump());
}

TEST_CASE("hl client: transport errors, 429 and broken replies are typed", "[venues][hl][client]") {
  SECTION("429 with Retry-After") {
    FaultServer server{[](const std::string&, size_t) { return FaultReply{http_reply(429, "null", "Retry-After: 2\r\n")}; }};
    hl::HlRestClient client(server.url());
    const auto r = client.meta();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == hl::HlClientErrc::kRateLimited);
    CHECK(r.error().retry_after == std::chrono::seconds(2));
    CHECK(r.error().cls == chain::ErrorClass::kRetryable);
  }
  SECTION("4xx") {
    FaultServer server{[](const std::string& body, size_t) { return stand_in(body); }};
    hl::HlRestClient client(server.url());
    const auto r = client.info({{"type", "noSuchQuery"}});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == hl::HlClientErrc::kTransport);
    CHECK(r.error().http_status == 422);
  }
  SECTION("a dropped /exchange reply is outcome-unknown") {
    FaultServer server{[](const std::string&, size_t) {
      FaultReply f{http_reply(200, R"({"status":"ok","response":{"type":"default"}})")};
      f.cut_after = 20;
      f.close = true;
      return f;
    }};
    hl::HlRestClient client(server.url(), {}, std::chrono::milliseconds{2000});
    const auto r = client.exchange(signed_body(R"({"type":"scheduleCancel"})"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().cls == chain::ErrorClass::kOutcomeUnknown);
  }
  SECTION("garbage and wrong shapes") {
    FaultServer server{[](const std::string& body, size_t) {
      if (body.find("\"meta\"") != std::string::npos) return FaultReply{http_reply(200, "<html>busy</html>")};
      if (body.find("\"l2Book\"") != std::string::npos) return FaultReply{http_reply(200, R"({"coin":"BTC","time":1,"levels":[[{"px":1,"sz":"1","n":1}],[]]})")};
      if (body.find("\"action\"") != std::string::npos) return FaultReply{http_reply(200, R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{}}]}}})")};
      return FaultReply{http_reply(200, "[]")};
    }};
    hl::HlRestClient client(server.url());
    auto m = client.meta();
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == hl::HlClientErrc::kBadReply);
    auto b = client.l2_book("BTC");
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().where == "info l2Book levels[0][0].px");
    auto s = client.spot_meta();
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().where == "info spotMeta reply");
    auto e = client.exchange(signed_body(R"({"type":"scheduleCancel"})"));
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().where == "exchange response.data.statuses[0].resting.oid");
    CHECK(e.error().cls == chain::ErrorClass::kOutcomeUnknown);
  }
}

TEST_CASE("hl client: parse_* refuse every missing field and wrong type", "[venues][hl][client]") {
  // Drop each field of a good reply in turn: always a typed error naming it.
  auto each_field_dropped = [](const char* text, auto parse, std::vector<std::string> required) {
    const Json good = core::parse_json(text).value();
    REQUIRE(parse(good).has_value());
    for (const auto& k : required) {
      Json j = good;
      if (j.is_array()) j[0].erase(k);
      else j.erase(k);
      const auto r = parse(j);
      INFO(k);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == hl::HlClientErrc::kBadReply);
      CHECK(r.error().where.find(k) != std::string::npos);
    }
  };
  each_field_dropped(kRate, hl::parse_user_rate_limit, {"cumVlm", "nRequestsUsed", "nRequestsCap"});
  each_field_dropped(kFills, hl::parse_user_fills, {"coin", "px", "sz", "side", "dir", "closedPnl", "fee", "hash", "time", "oid", "tid", "crossed"});
  each_field_dropped(kFunding, hl::parse_funding_history, {"coin", "fundingRate", "premium", "time"});
  each_field_dropped(kOpen, hl::parse_open_orders, {"coin", "side", "limitPx", "sz", "oid", "timestamp"});
  each_field_dropped(kState, hl::parse_clearinghouse_state, {"marginSummary", "withdrawable", "time", "assetPositions"});
  each_field_dropped(kBook, hl::parse_l2_book, {"coin", "time", "levels"});
  each_field_dropped(kMeta, hl::parse_meta, {"universe"});
  CHECK(hl::parse_meta(core::parse_json(R"({"universe":[{"name":"BTC","szDecimals":"5","maxLeverage":50}]})").value()).error().where ==
        "universe[0].szDecimals");
  CHECK(hl::parse_all_mids(core::parse_json(R"({"BTC":1})").value()).error().where == "BTC");
  CHECK(hl::parse_exchange_reply(core::parse_json(R"({"status":"maybe"})").value()).error().where == "status");
  CHECK(hl::parse_exchange_reply(core::parse_json(R"({"status":"ok","response":{"type":"order","data":{"statuses":["nope"]}}})").value())
            .error().where == "response.data.statuses[0]");
  CHECK(hl::parse_spot_meta(core::parse_json(R"({"tokens":[],"universe":[{"name":"X","tokens":[1,0],"index":0}]})").value())
            .error().message.find("base token") != std::string::npos);
  CHECK(hl::parse_open_orders(core::parse_json(R"([{"coin":"BTC","limitPx":"1","oid":1,"side":"X","sz":"1","timestamp":1}])").value())
            .error().where == "reply[0].side");
}
