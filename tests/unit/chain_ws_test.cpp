// WsClient against a tiny scripted Beast WebSocket server on 127.0.0.1: bad
// replies (malformed JSON, wrong ids, oversized frames, a close mid-request,
// silence) end in typed errors, never a crash or a wrong value, and the
// client recovers on the next call.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "perpx/chain/ws.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;
using namespace std::chrono_literals;

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

// What the server does with one request: send these text messages, then
// close the connection (a WebSocket close) if `close`.
struct Script {
  std::vector<std::string> send;
  bool close = false;
  bool ping_first = false;  // a WebSocket ping frame before the messages
};
using Handler = std::function<Script(const Json& request)>;

std::string reply(const Json& id, const Json& result) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}.dump();
}

// One connection at a time, synchronous Beast on its own thread. The client
// under test is destroyed first (declare the server before it), which ends
// the session; the destructor then wakes accept() and joins.
class ScriptServer {
 public:
  // tls: serve wss:// with this context (certificate and key set).
  explicit ScriptServer(Handler handler, boost::asio::ssl::context* tls = nullptr)
      : handler_(std::move(handler)), tls_(tls), acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptServer() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  [[nodiscard]] std::string url() const { return (tls_ ? "wss://127.0.0.1:" : "ws://127.0.0.1:") + std::to_string(port_); }
  [[nodiscard]] int sessions() const { return sessions_; }

 private:
  void run() {
    while (!stop_) {
      boost::system::error_code ec;
      tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec || stop_) continue;
      ++sessions_;
      if (!tls_) {
        websocket::stream<tcp::socket> ws(std::move(s));
        session(ws);
      } else {
        websocket::stream<beast::ssl_stream<tcp::socket>> ws(std::move(s), *tls_);
        ws.next_layer().handshake(boost::asio::ssl::stream_base::server, ec);
        if (!ec) session(ws);
      }
    }
  }
  template <class Ws>
  void session(Ws& ws) {
    boost::system::error_code ec;
    ws.accept(ec);
    while (!ec) {
      beast::flat_buffer buf;
      ws.read(buf, ec);
      if (ec) break;
      auto req = Json::parse(beast::buffers_to_string(buf.data()), nullptr, false);
      const Script script = handler_(req);
      if (script.ping_first) ws.ping({}, ec);
      for (const auto& m : script.send) ws.write(boost::asio::buffer(m), ec);
      if (script.close) {
        ws.close(websocket::close_code::normal, ec);
        break;
      }
    }
  }

  Handler handler_;
  boost::asio::ssl::context* tls_;
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> sessions_{0};
  std::thread thread_;
};

// Replies to eth_blockNumber with "0x1"; other methods per the test's table.
Script answer(const Json& req, const std::string& mode) {
  const Json id = req.is_object() ? req.value("id", Json()) : Json();
  if (mode == "ok") return {{reply(id, "0x1")}};
  if (mode == "malformed") return {{"{\"jsonrpc\":\"2.0\",\"id\":"}};
  if (mode == "wrong_id") return {{reply(id.get<uint64_t>() + 1000, "0x1")}};
  if (mode == "oversized") return {{reply(id, std::string(4096, 'a'))}};
  if (mode == "close") return {{}, true};
  if (mode == "silent") return {};
  return {{reply(id, "0x1")}};
}

WsOptions fast() {
  WsOptions o;
  o.max_message_bytes = 1024;
  o.backoff_base = 1ms;
  o.backoff_max = 1ms;
  o.connect_timeout = 1000ms;
  o.request_timeout = 500ms;
  return o;
}

std::string body(uint64_t id) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "eth_blockNumber"}, {"params", Json::array()}}.dump();
}

}  // namespace

TEST_CASE("ws: bad replies end in typed errors and the client recovers", "[chain][ws]") {
  std::mutex mu;
  std::string mode_now = "ok";
  ScriptServer server([&](const Json& req) {
    std::lock_guard lock(mu);
    return answer(req, mode_now);
  });
  auto set_mode = [&](const char* m) {
    std::lock_guard lock(mu);
    mode_now = m;
  };
  WsClient ws(server.url(), fast());
  RpcClient rpc(std::make_unique<WsTransport>(ws), RetryPolicy{.max_attempts = 1});

  CHECK(rpc.block_number().value() == 1);

  set_mode("malformed");
  auto r = ws.request(body(2), 500ms, false);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kBadReply);
  CHECK(r.error().cls == ErrorClass::kRetryable);
  r = ws.request(body(3), 500ms, true);
  REQUIRE_FALSE(r);
  CHECK(r.error().cls == ErrorClass::kOutcomeUnknown);

  set_mode("wrong_id");  // cannot be attributed: dropped, and the request times out
  const auto dropped = ws.stats().dropped_messages;
  r = ws.request(body(4), 200ms, false);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kTimeout);
  CHECK(ws.stats().dropped_messages == dropped + 1);

  set_mode("silent");
  r = ws.request(body(5), 100ms, true);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kTimeout);
  CHECK(r.error().cls == ErrorClass::kOutcomeUnknown);

  set_mode("ok");  // the connection survived all of the above
  CHECK(ws.request(body(6), 500ms, false).has_value());
  CHECK(ws.stats().connects == 1);

  set_mode("oversized");
  r = ws.request(body(7), 500ms, false);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kTooLarge);
  CHECK(r.error().cls == ErrorClass::kNonRetryable);
  CHECK_FALSE(ws.connected());

  set_mode("close");
  std::this_thread::sleep_for(5ms);  // past the 1 ms backoff
  r = ws.request(body(8), 500ms, false);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kReset);
  CHECK(r.error().cls == ErrorClass::kRetryable);
  std::this_thread::sleep_for(5ms);
  r = ws.request(body(9), 500ms, true);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kReset);
  CHECK(r.error().cls == ErrorClass::kOutcomeUnknown);

  set_mode("ok");
  std::this_thread::sleep_for(5ms);
  CHECK(rpc.block_number().value() == 1);
  CHECK(ws.stats().connects == 4);
  CHECK(ws.stats().drops == 3);
}

TEST_CASE("ws: subscriptions, bad notifications and resubscribe after a drop", "[chain][ws]") {
  const std::string head = R"({"number":"0x5","hash":"0x)" + std::string(64, '1') + R"(","parentHash":"0x)" +
                           std::string(64, '2') + R"(","timestamp":"0x10","gasUsed":"0x0","gasLimit":"0x1c9c380","baseFeePerGas":"0x7"})";
  std::atomic<int> subscribes{0};
  std::atomic<bool> drop_next{false};
  ScriptServer server([&](const Json& req) -> Script {
    const Json id = req["id"];
    if (req["method"] == "eth_subscribe") {
      ++subscribes;
      const std::string sid = "0xabc" + std::to_string(subscribes.load());
      auto note = [&](const std::string& result) {
        return R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":")" + sid + R"(","result":)" +
               result + "}}";
      };
      // The answer, then a good head, a head that does not parse, one for an
      // unknown subscription, then maybe a close.
      return {{reply(id, sid), note(head), note(R"({"number":"nope"})"),
               R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xdead","result":{}}})"},
              drop_next.exchange(false)};
    }
    if (req["method"] == "eth_unsubscribe") return {{reply(id, true)}};
    return {{reply(id, "0x1")}};
  });
  WsClient ws(server.url(), fast());
  std::vector<BlockHeader> heads;
  std::vector<RpcErrc> errors;
  int reconnects = 0;
  ws.on_error([&](const RpcError& e) { errors.push_back(e.code); });
  ws.on_reconnect([&] { ++reconnects; });
  drop_next = true;  // first subscription: the server closes right after its notifications
  const SubId sub = ws.subscribe_heads([&](const BlockHeader& h) { heads.push_back(h); }).value();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (reconnects == 0 && std::chrono::steady_clock::now() < deadline) ws.poll(50ms);
  REQUIRE(reconnects == 1);
  // the second subscription's notifications
  auto bad_results = [&] { return std::count(errors.begin(), errors.end(), RpcErrc::kBadResult); };
  while (bad_results() < 2 && std::chrono::steady_clock::now() < deadline) ws.poll(50ms);
  REQUIRE(heads.size() == 2);  // one per connection
  CHECK(heads[0].number == 5);
  CHECK(heads[0].base_fee == U256(7));
  CHECK(subscribes == 2);
  // bad head (x2), drop (kReset)
  CHECK(bad_results() == 2);
  CHECK(std::count(errors.begin(), errors.end(), RpcErrc::kReset) == 1);
  CHECK(ws.unsubscribe(sub).has_value());
  CHECK(ws.unsubscribe(sub).has_value());  // unknown handle: nothing to do
}

TEST_CASE("ws: connect failures are kConnect", "[chain][ws]") {
  uint16_t port = 0;
  {
    boost::asio::io_context ioc;
    tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  WsClient ws("ws://127.0.0.1:" + std::to_string(port), fast());
  auto r = ws.request(body(1), 500ms, true);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kConnect);
  CHECK(r.error().cls == ErrorClass::kRetryable);  // nothing was sent, even for a send
  CHECK_THROWS_AS(WsClient("http://127.0.0.1:1"), std::invalid_argument);
  CHECK_THROWS_AS(WsClient("ws://127.0.0.1:x"), std::invalid_argument);
  CHECK(WsClient("wss://user:secret@example.org/v3/KEY").url().find("KEY") == std::string::npos);
}

// A server context with a fresh self-signed P-256 certificate for 127.0.0.1.
static boost::asio::ssl::context self_signed_context() {
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_server);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), x);
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key);
  X509_free(x);
  EVP_PKEY_free(key);
  return ctx;
}

TEST_CASE("ws: wss verifies the peer by default", "[chain][ws]") {
  auto ctx = self_signed_context();
  ScriptServer server([](const Json& req) { return answer(req, "ok"); }, &ctx);
  {
    WsClient ws(server.url(), fast());  // verify_peer: the self-signed certificate is refused
    auto r = ws.request(body(1), 1000ms, false);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kConnect);
    CHECK(r.error().cls == ErrorClass::kFatal);
  }
  WsOptions o = fast();
  o.verify_peer = false;
  WsClient ws(server.url(), o);
  RpcClient rpc(std::make_unique<WsTransport>(ws), RetryPolicy{.max_attempts = 1});
  CHECK(rpc.block_number().value() == 1);
}

TEST_CASE("ws: direct mode reads replies on the caller's thread until a subscription needs a pending read", "[chain][ws]") {
  std::mutex mu;
  std::string mode_now = "ok";
  ScriptServer server([&](const Json& req) -> Script {
    std::lock_guard lock(mu);
    const Json id = req["id"];
    if (req["method"] == "eth_subscribe") return {{reply(id, "0xabc")}};
    if (mode_now == "big") return {{reply(id, std::string(100 * 1024, 'b'))}};  // above the 16 KiB peek
    if (mode_now == "stray") return {{reply(id.get<uint64_t>() + 1000, "0x2"), reply(id, "0x1")}};
    if (mode_now == "ping") return {{reply(id, "0x1")}, false, true};
    return {{reply(id, "0x1")}};
  });
  auto set_mode = [&](const char* m) {
    std::lock_guard lock(mu);
    mode_now = m;
  };
  auto result_of = [](const RpcResult<std::string>& r) { return Json::parse(r.value())["result"].get<std::string>(); };
  WsOptions o = fast();
  o.max_message_bytes = 1 << 20;
  WsClient ws(server.url(), o);
  for (uint64_t i = 1; i <= 5; ++i) CHECK(result_of(ws.request(body(i), 500ms, false)) == "0x1");
  CHECK(ws.stats().direct_replies == 5);

  set_mode("big");  // read by one Asio read; the next small reply is direct again
  CHECK(result_of(ws.request(body(6), 2000ms, false)).size() == 100 * 1024);
  CHECK(ws.stats().direct_replies == 5);
  set_mode("ok");
  // Direct again: a reply caught half-arrived (a loaded machine) goes to Asio
  // once more, so some of these may not count, but direct mode is back.
  for (uint64_t i = 0; i < 5; ++i) CHECK(result_of(ws.request(body(100 + i), 500ms, false)) == "0x1");
  CHECK(ws.stats().direct_replies > 5);

  set_mode("stray");  // a reply nobody waits for, then ours: dropped, ours returned (direct or by Asio)
  const auto dropped = ws.stats().dropped_messages;
  CHECK(result_of(ws.request(body(8), 500ms, false)) == "0x1");
  CHECK(ws.stats().dropped_messages == dropped + 1);
  set_mode("ok");
  CHECK(result_of(ws.request(body(9), 500ms, false)) == "0x1");

  const auto direct_before_sub = ws.stats().direct_replies;
  const SubId sub = ws.subscribe_heads([](const BlockHeader&) {}).value();
  for (uint64_t i = 10; i < 13; ++i) CHECK(result_of(ws.request(body(i), 500ms, false)) == "0x1");
  CHECK(ws.stats().direct_replies == direct_before_sub);  // a read stays pending: Asio reads everything
  CHECK(ws.unsubscribe(sub).has_value());
  CHECK(ws.stats().connects == 1);
}

TEST_CASE("ws: a control frame ends direct mode for the connection", "[chain][ws]") {
  std::atomic<bool> ping{false};
  ScriptServer server([&](const Json& req) -> Script { return {{reply(req["id"], "0x1")}, false, ping.load()}; });
  WsClient ws(server.url(), fast());
  REQUIRE(ws.request(body(1), 500ms, false).has_value());
  CHECK(ws.stats().direct_replies == 1);
  ping = true;  // Beast answers the ping; the reply still arrives
  REQUIRE(ws.request(body(2), 500ms, false).has_value());
  ping = false;
  REQUIRE(ws.request(body(3), 500ms, false).has_value());
  CHECK(ws.stats().direct_replies == 1);
  CHECK(ws.stats().connects == 1);
}
