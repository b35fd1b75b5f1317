// Hyperliquid WebSocket client against a STAND-IN server on loopback (not
// Hyperliquid): a small synchronous Beast server that speaks the messages of
// the public documentation (hyperliquid.gitbook.io, "Websocket",
// "Subscriptions", "Timeouts and heartbeats") byte for byte:
//   {"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{...}}},
//   {"channel":"userFills","data":{"isSnapshot":true,"user":..,"fills":[WsFill..]}},
//   {"channel":"pong"}, {"channel":"error","data":"Cannot send more than 2000 messages per minute."},
// and that closes a connection it has not heard from in a while (the
// documented 60 s, scaled down) or drops it mid-stream on purpose. The
// client must reconnect, resubscribe, take the snapshot, and deliver every
// fill exactly once; bad messages are typed errors, never a crash.
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "perpx/venues/hyperliquid_ws.hpp"

using namespace perpx;
namespace hl = perpx::venues::hl;
using core::Json;
using namespace std::chrono_literals;

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

// What the stand-in does with one client message: send these text messages,
// then maybe drop the connection (TCP close, no WebSocket close frame).
struct Act {
  std::vector<std::string> send;
  bool drop = false;
};
// handler(message, connection number from 0)
using Handler = std::function<Act(const Json& msg, int conn)>;

// One connection at a time on its own thread. Declare it before the client,
// so the client goes first and its connection's end releases the session.
class HlWsStandIn {
 public:
  // idle: close a connection that has sent nothing for this long (0: never).
  explicit HlWsStandIn(Handler handler, std::chrono::milliseconds idle = 0ms)
      : handler_(std::move(handler)), idle_(idle), acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }
  ~HlWsStandIn() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  HlWsStandIn(const HlWsStandIn&) = delete;
  HlWsStandIn& operator=(const HlWsStandIn&) = delete;

  [[nodiscard]] std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/ws"; }
  [[nodiscard]] int connections() const { return conns_; }
  [[nodiscard]] int idle_closes() const { return idle_closes_; }
  std::vector<std::string> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  void run() {
    while (!stop_) {
      boost::system::error_code ec;
      tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec || stop_) continue;
      websocket::stream<tcp::socket> ws(std::move(s));
      session(ws, conns_++);
    }
  }
  void session(websocket::stream<tcp::socket>& ws, int conn) {
    // The idle rule: a watchdog shuts the socket down when the client has
    // sent nothing for idle_, which ends the blocked read below.
    using SteadyClock = std::chrono::steady_clock;
    std::atomic<int64_t> last_heard{SteadyClock::now().time_since_epoch().count()};
    std::atomic<bool> done{false};
    std::thread watchdog;
    if (idle_.count() > 0) {
      watchdog = std::thread([&, fd = ws.next_layer().native_handle()] {
        while (!done) {
          std::this_thread::sleep_for(5ms);
          const auto quiet = SteadyClock::now() - SteadyClock::time_point(SteadyClock::duration(last_heard.load()));
          if (quiet > idle_) {
            ++idle_closes_;
            ::shutdown(fd, SHUT_RDWR);
            return;
          }
        }
      });
    }
    boost::system::error_code ec;
    ws.accept(ec);
    while (!ec && !stop_) {
      beast::flat_buffer buf;
      ws.read(buf, ec);
      if (ec) break;
      last_heard = SteadyClock::now().time_since_epoch().count();
      const std::string text = beast::buffers_to_string(buf.data());
      {
        std::lock_guard lock(mu_);
        received_.push_back(text);
      }
      const Act act = handler_(Json::parse(text, nullptr, false), conn);
      for (const auto& m : act.send) ws.write(boost::asio::buffer(m), ec);
      if (act.drop) break;
    }
    done = true;
    if (watchdog.joinable()) watchdog.join();
    boost::system::error_code ignored;
    ws.next_layer().close(ignored);
  }

  Handler handler_;
  std::chrono::milliseconds idle_;
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> conns_{0};
  std::atomic<int> idle_closes_{0};
  std::mutex mu_;
  std::vector<std::string> received_;
  std::thread thread_;
};

// The documented messages.
std::string ack(const Json& subscription) {
  return R"({"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":)" + subscription.dump() + "}}";
}
const std::string kPong = R"({"channel":"pong"})";

const std::string kUser = "0x0123456789abcdef0123456789abcdef01234567";

// WsFill, as the documentation lists its fields.
Json ws_fill(uint64_t tid, uint64_t oid, const std::string& side = "B") {
  std::string hash = "0x" + std::string(60, 'a') + std::to_string(1000 + tid % 9000);
  return Json::parse(R"({"coin":"ETH","px":"2000.5","sz":"0.1","side":")" + side + R"(","time":)" +
                     std::to_string(1700000000000 + tid) +
                     R"(,"startPosition":"0.0","dir":"Open Long","closedPnl":"0.0","hash":")" + hash + R"(","oid":)" +
                     std::to_string(oid) + R"(,"crossed":true,"fee":"0.01","tid":)" + std::to_string(tid) +
                     R"(,"feeToken":"USDC"})");
}

std::string user_fills_msg(const std::vector<Json>& fills, bool snapshot) {
  Json data = Json::object();
  if (snapshot) data["isSnapshot"] = true;
  data["user"] = kUser;
  data["fills"] = fills;
  return Json{{"channel", "userFills"}, {"data", data}}.dump();
}

const std::string kBook =
    R"({"channel":"l2Book","data":{"coin":"ETH","time":1754450974231,"levels":[[{"px":"2000.1","sz":"7.5","n":3}],[{"px":"2000.2","sz":"1.25","n":1}]]}})";

hl::HlWsOptions fast() {
  hl::HlWsOptions o;
  o.backoff_base = 1ms;
  o.backoff_max = 5ms;
  o.connect_timeout = 2000ms;
  o.request_timeout = 2000ms;
  return o;
}

template <class Pred>
bool poll_until(hl::HlWsClient& ws, Pred pred, std::chrono::seconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < deadline) ws.poll(20ms);
  return pred();
}

}  // namespace

TEST_CASE("hl ws: parse_ws_message reads the documented channels", "[venues][hl][ws]") {
  using Catch::Matchers::Contains;
  auto m = hl::parse_ws_message(kBook);
  REQUIRE(m.has_value());
  const auto& book = std::get<hl::L2Book>(*m);
  CHECK(book.coin == "ETH");
  CHECK(book.asks[0].sz == "1.25");

  m = hl::parse_ws_message(
      R"({"channel":"trades","data":[{"coin":"SOL","side":"A","px":"150.25","sz":"3","hash":"0xab","time":1,"tid":42,"users":["0x01","0x02"]}]})");
  REQUIRE(m.has_value());
  CHECK(std::get<hl::Trades>(*m).trades[0].tid == 42);
  CHECK(std::get<hl::Trades>(*m).trades[0].seller == "0x02");

  m = hl::parse_ws_message(R"({"channel":"allMids","data":{"mids":{"BTC":"65000.5","@107":"39.0"}}})");
  REQUIRE(m.has_value());
  CHECK(std::get<hl::AllMids>(*m).mids.at("@107") == "39.0");

  m = hl::parse_ws_message(R"({"channel":"orderUpdates","data":[{"order":{"coin":"ETH","side":"B","limitPx":"2000","sz":"0.5",
    "oid":7,"timestamp":1700000000000,"origSz":"1.0","cloid":"0x00000000000000000000000000000001"},"status":"open","statusTimestamp":1700000000001}]})");
  REQUIRE(m.has_value());
  const auto& up = std::get<hl::OrderUpdates>(*m).orders[0];
  CHECK(up.status == "open");
  CHECK(up.orig_sz == "1.0");
  CHECK(up.order.cloid == "0x00000000000000000000000000000001");

  m = hl::parse_ws_message(user_fills_msg({ws_fill(5, 9)}, true));
  REQUIRE(m.has_value());
  CHECK(std::get<hl::UserFills>(*m).is_snapshot);
  CHECK(std::get<hl::UserFills>(*m).fills[0].tid == 5);
  m = hl::parse_ws_message(user_fills_msg({ws_fill(5, 9)}, false));
  CHECK_FALSE(std::get<hl::UserFills>(*m).is_snapshot);  // isSnapshot absent: a live update

  m = hl::parse_ws_message(R"({"channel":"user","data":{"funding":{"time":1,"coin":"ETH","usdc":"-0.5","szi":"1.2","fundingRate":"0.0001"}}})");
  REQUIRE(m.has_value());
  CHECK(std::get<hl::UserEvent>(*m).kind == hl::UserEvent::Kind::kFunding);
  CHECK(std::get<hl::UserEvent>(*m).funding.funding_rate == "0.0001");
  m = hl::parse_ws_message(R"({"channel":"user","data":{"nonUserCancel":[{"coin":"ETH","oid":77}]}})");
  REQUIRE(m.has_value());
  CHECK(std::get<hl::UserEvent>(*m).cancels[0].oid == 77);
  m = hl::parse_ws_message(R"({"channel":"user","data":{"liquidation":{"lid":1,"liquidator":"0x01","liquidated_user":"0x02",
    "liquidated_ntl_pos":"100.0","liquidated_account_value":"5.0"}}})");
  REQUIRE(m.has_value());
  CHECK(std::get<hl::UserEvent>(*m).liquidation.liquidated_user == "0x02");

  CHECK(std::holds_alternative<hl::Pong>(*hl::parse_ws_message(kPong)));
  CHECK(std::holds_alternative<hl::SubscriptionAck>(*hl::parse_ws_message(ack(hl::Subscription::l2_book("ETH").to_json()))));
  CHECK(std::get<hl::ServerError>(*hl::parse_ws_message(R"({"channel":"error","data":"Already subscribed"})")).message ==
        "Already subscribed");

  // Bad messages: a typed kBadReply naming the field.
  auto where = [](std::string_view text) {
    auto r = hl::parse_ws_message(text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == hl::HlClientErrc::kBadReply);
    return r.error().where;
  };
  CHECK(where("not json") == "ws");
  CHECK(where("[1,2]") == "ws channel");
  CHECK(where(R"({"channel":"candles","data":[]})") == "ws channel");
  CHECK(where(R"({"channel":"l2Book"})") == "ws l2Book data");
  CHECK(where(R"({"channel":"l2Book","data":{"coin":"ETH","time":1,"levels":[[{"px":1,"sz":"1","n":1}],[]]}})") ==
        "ws l2Book data.levels[0][0].px");
  CHECK(where(R"({"channel":"userFills","data":{"user":"0x01","fills":[{"coin":"ETH"}]}})") == "ws userFills data.fills[0].px");
  CHECK(where(R"({"channel":"trades","data":[{"coin":"SOL","side":"A","px":"1","sz":"3","hash":"0xab","time":1,"tid":"42","users":[]}]})") ==
        "ws trades data[0].tid");
  CHECK(where(R"({"channel":"user","data":{"something":1}})") == "ws user data");
  CHECK(where(R"({"channel":"allMids","data":{"mids":{"BTC":1}}})") == "ws allMids data.mids.BTC");

  // {"channel":"error"}: limits are kRateLimited (retryable), the rest kRejected.
  CHECK(hl::classify_ws_error("Cannot send more than 2000 messages per minute.").code == hl::HlClientErrc::kRateLimited);
  CHECK(hl::classify_ws_error("Cannot subscribe to more than 1000 channels.").cls == chain::ErrorClass::kRetryable);
  CHECK(hl::classify_ws_error("Invalid subscription").code == hl::HlClientErrc::kRejected);
}

TEST_CASE("hl ws: FillReconciler keeps each fill once, by tid, oid and hash", "[venues][hl][ws]") {
  auto fill = [](uint64_t tid, uint64_t oid) { return *hl::parse_user_fills(Json::array({ws_fill(tid, oid)})).value().begin(); };
  hl::FillReconciler r(3);
  CHECK(r.accept(fill(1, 10)));
  CHECK_FALSE(r.accept(fill(1, 10)));
  CHECK(r.accept(fill(1, 11)));  // a self-trade: the same tid on the user's other order
  CHECK(r.reconcile({fill(1, 10), fill(2, 10), fill(2, 10)}).size() == 1);
  CHECK(r.size() == 3);
  CHECK(r.accept(fill(3, 10)));  // over capacity: the oldest (tid 1) is forgotten
  CHECK(r.size() == 3);
  CHECK_FALSE(r.accept(fill(3, 10)));
}

TEST_CASE("hl ws: dropped mid-stream, the client reconnects, resubscribes and sees every fill exactly once",
          "[venues][hl][ws]") {
  // The exchange's fills: 30 of them (tid 1..30), one a self-trade twin
  // (tid 7 on two orders). A fill is "produced" when the exchange makes it;
  // the snapshot on each subscription holds every fill produced so far.
  std::vector<Json> all;
  for (uint64_t tid = 1; tid <= 30; ++tid) {
    all.push_back(ws_fill(tid, 100 + tid));
    if (tid == 7) all.push_back(ws_fill(7, 999, "A"));
  }
  std::mutex mu;
  size_t produced = 3;  // three fills before the client ever connects
  std::map<std::string, int> subscribes;
  // Per connection: live fills up to `live_to` (index into all), then the
  // fills up to `missed_to` happen while the connection is down.
  struct Plan {
    size_t live_to, missed_to;
    bool drop;
  };
  const std::vector<Plan> plans = {{13, 18, true}, {26, 28, true}, {all.size(), all.size(), false}};
  HlWsStandIn server([&](const Json& msg, int conn) -> Act {
    std::lock_guard lock(mu);
    if (msg.value("method", "") == "ping") return {{kPong}};
    if (msg.value("method", "") != "subscribe") return {};
    const Json& sub = msg["subscription"];
    const std::string type = sub["type"];
    ++subscribes[type];
    Act act;
    act.send.push_back(ack(sub));
    if (type == "l2Book") {
      act.send.push_back(kBook);
      return act;
    }
    if (type != "userFills") return act;
    const Plan& p = plans.at(static_cast<size_t>(std::min(conn, 2)));
    act.send.push_back(user_fills_msg(std::vector<Json>(all.begin(), all.begin() + static_cast<long>(produced)), true));
    for (; produced < p.live_to; ++produced) {
      act.send.push_back(user_fills_msg({all[produced]}, false));
      if (produced == 5) act.send.push_back("{\"channel\":\"userFills\",\"data\":");  // garbled, mid-stream
      if (produced == 6) act.send.push_back(R"({"channel":"userFills","data":{"user":"0x01","fills":[{"coin":"ETH"}]}})");
    }
    produced = std::max(produced, p.missed_to);  // made while the client is away
    act.drop = p.drop;
    return act;
  });

  hl::HlWsClient ws(server.url(), fast());
  std::vector<hl::Fill> seen;
  std::vector<bool> snapshots;
  int books = 0, reconnects = 0;
  std::vector<hl::HlClientError> errors;
  ws.on_event([&](const hl::WsEvent& e) {
    if (auto* f = std::get_if<hl::UserFills>(&e)) {
      snapshots.push_back(f->is_snapshot);
      seen.insert(seen.end(), f->fills.begin(), f->fills.end());
    }
    if (std::holds_alternative<hl::L2Book>(e)) ++books;
  });
  ws.on_reconnect([&] { ++reconnects; });
  ws.on_error([&](const hl::HlClientError& e) { errors.push_back(e); });

  REQUIRE(ws.subscribe(hl::Subscription::l2_book("ETH")).has_value());
  REQUIRE(ws.subscribe(hl::Subscription::user_fills(kUser).value()).has_value());
  CHECK(ws.subscribe(hl::Subscription::l2_book("ETH")).has_value());  // already: nothing sent
  REQUIRE(poll_until(ws, [&] { return seen.size() >= all.size() && reconnects == 2; }));
  ws.poll(50ms);  // anything further would be a duplicate

  // Exactly once: the fills seen are the fills the exchange made.
  std::multiset<std::tuple<uint64_t, uint64_t>> sent_ids, seen_ids;
  for (const auto& f : all) sent_ids.emplace(f["tid"].get<uint64_t>(), f["oid"].get<uint64_t>());
  for (const auto& f : seen) seen_ids.emplace(f.tid, f.oid);
  CHECK(seen.size() == all.size());
  CHECK(seen_ids == sent_ids);
  CHECK(ws.stats().duplicate_fills > 0);  // the snapshots repeated what had been seen
  // Three connections, each subscription renewed on each.
  CHECK(server.connections() == 3);
  CHECK(ws.stats().connects == 3);
  CHECK(ws.stats().drops == 2);
  CHECK(reconnects == 2);
  CHECK(subscribes["l2Book"] == 3);
  CHECK(subscribes["userFills"] == 3);
  CHECK(books == 3);
  CHECK(std::count(snapshots.begin(), snapshots.end(), true) == 3);
  // The subscribe message went out as documented.
  CHECK(server.received()[0] == R"({"method":"subscribe","subscription":{"type":"l2Book","coin":"ETH"}})");
  CHECK(server.received()[1] == R"({"method":"subscribe","subscription":{"type":"userFills","user":")" + kUser + "\"}}");
  // Two bad messages (typed, the stream went on) and two drops (transport).
  auto count = [&](hl::HlClientErrc c) { return std::count_if(errors.begin(), errors.end(), [&](const auto& e) { return e.code == c; }); };
  CHECK(count(hl::HlClientErrc::kBadReply) == 2);
  CHECK(count(hl::HlClientErrc::kTransport) == 2);
  CHECK(ws.stats().bad_messages == 2);
  // A REST backfill after the fact is reconciled against the same ids.
  std::vector<hl::Fill> rest = hl::parse_user_fills(Json(all)).value();
  CHECK(ws.reconcile_fills(kUser, rest).empty());
  rest.push_back(hl::parse_user_fills(Json::array({ws_fill(31, 131)})).value()[0]);
  CHECK(ws.reconcile_fills(kUser, rest).size() == 1);
}

TEST_CASE("hl ws: ping keeps an idle connection open, silence gets it closed", "[venues][hl][ws]") {
  auto handler = [](const Json& msg, int) -> Act {
    if (msg.value("method", "") == "ping") return {{kPong}};
    if (msg.value("method", "") == "subscribe") return {{ack(msg["subscription"])}};
    return {};
  };
  SECTION("pinging") {
    // The stand-in closes a connection it has not heard from in 600 ms; the
    // client pings after 50 ms of quiet. Twenty pongs span well over 600 ms.
    HlWsStandIn server(handler, 600ms);
    auto o = fast();
    o.ping_interval = 50ms;
    o.pong_timeout = 2000ms;
    hl::HlWsClient ws(server.url(), o);
    REQUIRE(ws.subscribe(hl::Subscription::all_mids()).has_value());
    REQUIRE(poll_until(ws, [&] { return ws.stats().pongs >= 20; }));
    CHECK(ws.stats().drops == 0);
    CHECK(ws.stats().connects == 1);
    CHECK(server.idle_closes() == 0);
    CHECK(ws.connected());
    CHECK(server.received()[1] == R"({"method":"ping"})");
  }
  SECTION("not pinging") {
    HlWsStandIn server(handler, 300ms);
    auto o = fast();
    o.ping_interval = std::chrono::hours(1);
    hl::HlWsClient ws(server.url(), o);
    REQUIRE(ws.subscribe(hl::Subscription::all_mids()).has_value());
    REQUIRE(poll_until(ws, [&] { return ws.stats().drops >= 1; }));
    CHECK(server.idle_closes() >= 1);
    // ... and it comes back with its subscription.
    REQUIRE(poll_until(ws, [&] { return server.received().size() >= 2; }));
    CHECK(server.received()[1] == R"({"method":"subscribe","subscription":{"type":"allMids"}})");
  }
  SECTION("a server that stops answering pings is dropped by the client") {
    HlWsStandIn server([](const Json& msg, int) -> Act {
      if (msg.value("method", "") == "subscribe") return {{ack(msg["subscription"])}};
      return {};  // pings go unanswered
    });
    auto o = fast();
    o.ping_interval = 20ms;
    o.pong_timeout = 100ms;
    hl::HlWsClient ws(server.url(), o);
    std::vector<hl::HlClientError> errors;
    ws.on_error([&](const hl::HlClientError& e) { errors.push_back(e); });
    REQUIRE(ws.subscribe(hl::Subscription::all_mids()).has_value());
    REQUIRE(poll_until(ws, [&] { return !errors.empty(); }));
    CHECK(errors[0].code == hl::HlClientErrc::kTransport);
    CHECK(errors[0].message.find("no pong") != std::string::npos);
    CHECK(ws.stats().drops == 1);
  }
}

TEST_CASE("hl ws: error and rate-limit messages are typed", "[venues][hl][ws]") {
  const std::string btc_trade =
      R"({"channel":"trades","data":[{"coin":"BTC","side":"B","px":"65000","sz":"0.1","hash":"0x01","time":5,"tid":9,"users":["0xa","0xb"]}]})";
  HlWsStandIn server([&](const Json& msg, int) -> Act {
    if (msg.value("method", "") == "unsubscribe")  // its answer, and a trade already on its way
      return {{R"({"channel":"subscriptionResponse","data":{"method":"unsubscribe","subscription":)" + msg["subscription"].dump() + "}}",
               btc_trade}};
    if (msg.value("method", "") != "subscribe") return {};
    const Json& sub = msg["subscription"];
    const std::string coin = sub.value("coin", "");
    if (coin == "SPAM") return {{R"({"channel":"error","data":"Cannot send more than 2000 messages per minute."})"}};
    if (coin == "NOPE") return {{R"({"channel":"error","data":"Invalid subscription {\"type\":\"trades\",\"coin\":\"NOPE\"}"})"}};
    // Acknowledged, then news: a limit reached, and a message on a channel nobody knows.
    return {{ack(sub), R"({"channel":"error","data":"Cannot track more than 10 total users."})",
             R"({"channel":"mystery","data":{}})", btc_trade}};
  });
  hl::HlWsClient ws(server.url(), fast());
  std::vector<hl::HlClientError> errors;
  std::vector<hl::Trades> trades;
  ws.on_error([&](const hl::HlClientError& e) { errors.push_back(e); });
  ws.on_event([&](const hl::WsEvent& e) {
    if (auto* t = std::get_if<hl::Trades>(&e)) trades.push_back(*t);
  });
  auto spam = ws.subscribe(hl::Subscription::trades("SPAM"));
  REQUIRE_FALSE(spam.has_value());
  CHECK(spam.error().code == hl::HlClientErrc::kRateLimited);
  CHECK(spam.error().cls == chain::ErrorClass::kRetryable);
  auto nope = ws.subscribe(hl::Subscription::trades("NOPE"));
  REQUIRE_FALSE(nope.has_value());
  CHECK(nope.error().code == hl::HlClientErrc::kRejected);
  CHECK(nope.error().where.find("NOPE") != std::string::npos);
  REQUIRE(ws.subscribe(hl::Subscription::trades("BTC")).has_value());
  REQUIRE(poll_until(ws, [&] { return errors.size() >= 2 && !trades.empty(); }));
  CHECK(errors[0].code == hl::HlClientErrc::kRateLimited);
  CHECK(errors[0].message == "Cannot track more than 10 total users.");
  CHECK(errors[1].code == hl::HlClientErrc::kBadReply);
  CHECK(trades[0].trades[0].tid == 9);
  CHECK(ws.connected());  // none of it cost the connection
  CHECK(ws.stats().connects == 1);
  // Unsubscribed: its messages are no longer delivered.
  CHECK(ws.unsubscribe(hl::Subscription::trades("BTC")).has_value());
  const std::string unsub = R"({"method":"unsubscribe","subscription":{"type":"trades","coin":"BTC"}})";
  CHECK(poll_until(ws, [&] { return server.received().back() == unsub; }));
  ws.poll(100ms);
  CHECK(trades.size() == 1);
  CHECK(errors.size() == 2);
}

TEST_CASE("hl ws: subscriptions and URLs", "[venues][hl][ws]") {
  CHECK(hl::Subscription::l2_book("ETH").to_json().dump() == R"({"type":"l2Book","coin":"ETH"})");
  CHECK(hl::Subscription::user_events("0x0123456789ABCDEF0123456789abcdef01234567").error() == hl::WireError::kBadAddress);
  const auto ev = hl::Subscription::user_events(kUser).value();
  CHECK(ev.to_json().dump() == R"({"type":"userEvents","user":")" + kUser + "\"}");
  CHECK(ev.channel() == "user");
  CHECK(hl::Subscription::order_updates("nope").error() == hl::WireError::kBadAddress);
  CHECK_THROWS_AS(hl::HlWsClient("https://api.hyperliquid.xyz/ws"), std::invalid_argument);
  CHECK(hl::HlWsClient("wss://user:secret@example.org/ws").url().find("secret") == std::string::npos);
  // Nothing listens: kTransport, retryable.
  uint16_t port = 0;
  {
    boost::asio::io_context ioc;
    tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  hl::HlWsClient ws("ws://127.0.0.1:" + std::to_string(port), fast());
  auto r = ws.subscribe(hl::Subscription::all_mids());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == hl::HlClientErrc::kTransport);
  CHECK(r.error().cls == chain::ErrorClass::kRetryable);
}

TEST_CASE("hl ws: post requests for info and actions, matched by id", "[venues][hl][ws][post]") {
  // The stand-in answers a post as the documentation's "Post requests" page
  // shows: {"channel":"post","data":{"id":n,"response":{"type","payload"}}};
  // a stale answer (an id nobody waits for) comes first and must be ignored.
  auto answer = [](uint64_t id, const std::string& type, const std::string& payload) {
    return R"({"channel":"post","data":{"id":)" + std::to_string(id) + R"(,"response":{"type":")" + type +
           R"(","payload":)" + payload + "}}}";
  };
  HlWsStandIn server([&](const Json& msg, int) -> Act {
    if (msg.value("method", "") != "post") return {};
    const uint64_t id = msg["id"].get<uint64_t>();
    const Json& req = msg["request"];
    if (req["type"] == "info") {
      const std::string t = req["payload"].value("type", "");
      if (t == "l2Book")
        return {{answer(id + 100, "info", R"({"type":"l2Book","data":{"coin":"BTC","time":1,"levels":[[],[]]}})"),
                 answer(id, "info", R"({"type":"l2Book","data":{"coin":"ETH","time":1754450974231,"levels":[[{"px":"3007.1","sz":"2.7954","n":1}],[{"px":"3040.1","sz":"3.9499","n":1}]]}})")}};
      if (t == "userRateLimit") return {{answer(id, "error", R"("429 Too Many Requests")")}};
      return {{answer(id, "error", R"("422 Unprocessable Entity: Failed to deserialize the JSON body into the target type")")}};
    }
    if (req["payload"]["action"]["type"] == "scheduleCancel") return {{}, true};  // the connection dies with the action in flight
    return {{answer(id, "action", R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":88383}}]}}})")}};
  });
  auto o = fast();
  o.reconnect = false;
  hl::HlWsClient ws(server.url(), o);

  auto book = ws.post_info(Json{{"type", "l2Book"}, {"coin", "ETH"}});
  REQUIRE(book.has_value());
  const auto parsed = hl::parse_l2_book(*book);
  REQUIRE(parsed.has_value());
  CHECK(parsed->coin == "ETH");
  CHECK(parsed->asks.at(0).px == "3040.1");
  CHECK(server.received().at(0) == R"({"method":"post","id":1,"request":{"type":"info","payload":{"type":"l2Book","coin":"ETH"}}})");

  const auto key = signer::SecretKey::from_hex("0x0123456789012345678901234567890123456789012345678901234567890123").value();
  hl::SignOptions so;
  so.nonce = 1700000000000;
  const Json body =
      hl::sign_action(key, hl::parse_action(R"({"type":"order","orders":[{"a":4,"b":true,"p":"1100","s":"0.2","r":false,"t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"})").value(), so)
          .value();
  auto placed = ws.post_action(body);
  REQUIRE(placed.has_value());
  REQUIRE(placed->statuses.size() == 1);
  CHECK(placed->statuses[0].kind == hl::OrderStatus::Kind::kResting);
  CHECK(placed->statuses[0].oid == 88383);
  CHECK(server.received().at(1) == R"({"method":"post","id":2,"request":{"type":"action","payload":)" + body.dump() + "}}");

  auto limited = ws.post_info(Json{{"type", "userRateLimit"}, {"user", kUser}});
  REQUIRE_FALSE(limited.has_value());
  CHECK(limited.error().code == hl::HlClientErrc::kRateLimited);
  auto refused = ws.post_info(Json{{"type", "noSuchQuery"}});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == hl::HlClientErrc::kRejected);
  CHECK(refused.error().message.find("422") != std::string::npos);

  // An action whose answer never comes (the connection lost) may have been taken.
  auto lost = ws.post_action(hl::sign_action(key, hl::parse_action(R"({"type":"scheduleCancel"})").value(), so).value());
  REQUIRE_FALSE(lost.has_value());
  CHECK(lost.error().code == hl::HlClientErrc::kTransport);
  CHECK(lost.error().cls == chain::ErrorClass::kOutcomeUnknown);
}
