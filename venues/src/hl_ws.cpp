// Hyperliquid WebSocket client on Boost.Beast: see hyperliquid_ws.hpp. The
// connection handling follows chain/src/ws.cpp (one io_context run only
// inside our calls, generations to retire old handlers, TCP_NODELAY and
// QUICKACK); the protocol on top is Hyperliquid's channels.
#include "perpx/venues/hyperliquid_ws.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <algorithm>
#include <deque>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include "hl_fields.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/chain/rpc.hpp"

namespace perpx::venues::hl {

using core::Json;
using namespace detail;

// ---- subscriptions -------------------------------------------------------------------

namespace {

std::string_view type_name(Subscription::Kind k) noexcept {
  using K = Subscription::Kind;
  switch (k) {
    case K::kL2Book: return "l2Book";
    case K::kTrades: return "trades";
    case K::kAllMids: return "allMids";
    case K::kOrderUpdates: return "orderUpdates";
    case K::kUserFills: return "userFills";
    case K::kUserEvents: return "userEvents";
  }
  return "?";
}

std::expected<Subscription, WireError> user_sub(Subscription::Kind k, std::string_view user) {
  auto a = wire_address(user);
  if (!a) return std::unexpected(a.error());
  Subscription s;
  s.kind = k;
  s.user = std::move(*a);
  return s;
}

// The subscription an acknowledgement names (nullopt: not one of ours).
std::optional<Subscription> subscription_of(const Json& j) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
  const auto& type = j["type"].get_ref<const std::string&>();
  using K = Subscription::Kind;
  Subscription s;
  bool found = false;
  for (K k : {K::kL2Book, K::kTrades, K::kAllMids, K::kOrderUpdates, K::kUserFills, K::kUserEvents})
    if (type_name(k) == type) s.kind = k, found = true;
  if (!found) return std::nullopt;
  if (j.contains("coin") && j["coin"].is_string()) s.coin = j["coin"].get<std::string>();
  if (j.contains("user") && j["user"].is_string()) {
    s.user = j["user"].get<std::string>();
    std::transform(s.user.begin(), s.user.end(), s.user.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return s;
}

}  // namespace

Subscription Subscription::l2_book(std::string_view coin) { return {Kind::kL2Book, std::string(coin), {}}; }
Subscription Subscription::trades(std::string_view coin) { return {Kind::kTrades, std::string(coin), {}}; }
Subscription Subscription::all_mids() { return {Kind::kAllMids, {}, {}}; }
std::expected<Subscription, WireError> Subscription::order_updates(std::string_view user) { return user_sub(Kind::kOrderUpdates, user); }
std::expected<Subscription, WireError> Subscription::user_fills(std::string_view user) { return user_sub(Kind::kUserFills, user); }
std::expected<Subscription, WireError> Subscription::user_events(std::string_view user) { return user_sub(Kind::kUserEvents, user); }

Json Subscription::to_json() const {
  Json j = Json::object();
  j["type"] = type_name(kind);
  if (kind == Kind::kL2Book || kind == Kind::kTrades) j["coin"] = coin;
  if (kind == Kind::kOrderUpdates || kind == Kind::kUserFills || kind == Kind::kUserEvents) j["user"] = user;
  return j;
}

std::string_view Subscription::channel() const noexcept {
  return kind == Kind::kUserEvents ? std::string_view("user") : type_name(kind);
}

// ---- messages ------------------------------------------------------------------------

namespace {

template <class T>
HlResult<T> in_ws(HlResult<T> r, std::string_view channel, std::string_view base) {
  if (!r) {
    std::string w = "ws " + std::string(channel) + " " + std::string(base);
    if (!r.error().where.empty() && r.error().where != "reply") w += (base.empty() ? "" : ".") + r.error().where;
    r.error().where = std::move(w);
  }
  return r;
}

HlResult<Trades> trades_of(const Json& data) {
  auto list = list_of<Trade>(data, "data", [](const Json& t, const std::string& p) -> HlResult<Trade> {
    HL_TRY(coin, str(t, "coin", p));
    HL_TRY(side, str(t, "side", p));
    HL_TRY(px, str(t, "px", p));
    HL_TRY(sz, str(t, "sz", p));
    HL_TRY(hash, str(t, "hash", p));
    HL_TRY(time, u64(t, "time", p));
    HL_TRY(tid, u64(t, "tid", p));
    HL_TRY(users, array(t, "users", p));
    if (users->size() != 2 || !(*users)[0].is_string() || !(*users)[1].is_string())
      return bad(at(p, "users"), "expected [buyer, seller]");
    if (side != "B" && side != "A") return bad(at(p, "side"), "expected B or A");
    return Trade{coin, side, px, sz, hash, time, tid, (*users)[0].get<std::string>(), (*users)[1].get<std::string>()};
  });
  if (!list) return std::unexpected(list.error());
  return Trades{std::move(*list)};
}

HlResult<OrderUpdates> order_updates_of(const Json& data) {
  auto list = list_of<OrderUpdate>(data, "data", [](const Json& u, const std::string& p) -> HlResult<OrderUpdate> {
    HL_TRY(o, field(u, "order", p));
    const std::string q = at(p, "order");
    HL_TRY(coin, str(*o, "coin", q));
    HL_TRY(side, str(*o, "side", q));
    HL_TRY(px, str(*o, "limitPx", q));
    HL_TRY(sz, str(*o, "sz", q));
    HL_TRY(oid, u64(*o, "oid", q));
    HL_TRY(ts, u64(*o, "timestamp", q));
    HL_TRY(orig, str(*o, "origSz", q));
    HL_TRY(cloid, opt_str(*o, "cloid", q));
    HL_TRY(status, str(u, "status", p));
    HL_TRY(sts, u64(u, "statusTimestamp", p));
    if (side != "B" && side != "A") return bad(at(q, "side"), "expected B or A");
    return OrderUpdate{OpenOrder{coin, side, px, sz, oid, ts, cloid}, orig, status, sts};
  });
  if (!list) return std::unexpected(list.error());
  return OrderUpdates{std::move(*list)};
}

HlResult<UserFills> user_fills_of(const Json& data) {
  UserFills u;
  HL_TRY(user, str(data, "user", "data"));
  HL_TRY(snap, boolean(data, "isSnapshot", "data", false));
  HL_TRY(fills, array(data, "fills", "data"));
  HL_TRY(list, list_of<Fill>(*fills, "data.fills", fill_of));
  u.user = user, u.is_snapshot = snap, u.fills = std::move(list);
  return u;
}

HlResult<UserEvent> user_event_of(const Json& data) {
  using K = UserEvent::Kind;
  UserEvent e;
  if (!data.is_object() || data.size() != 1) return bad("data", "expected one of fills, funding, liquidation, nonUserCancel");
  if (data.contains("fills")) {
    HL_TRY(list, list_of<Fill>(data["fills"], "data.fills", fill_of));
    e.kind = K::kFills, e.fills = std::move(list);
  } else if (data.contains("funding")) {
    const Json& f = data["funding"];
    const std::string p = "data.funding";
    HL_TRY(time, u64(f, "time", p));
    HL_TRY(coin, str(f, "coin", p));
    HL_TRY(usdc, str(f, "usdc", p));
    HL_TRY(szi, str(f, "szi", p));
    HL_TRY(rate, str(f, "fundingRate", p));
    e.kind = K::kFunding, e.funding = UserFunding{coin, usdc, szi, rate, time};
  } else if (data.contains("liquidation")) {
    const Json& l = data["liquidation"];
    const std::string p = "data.liquidation";
    HL_TRY(lid, u64(l, "lid", p));
    HL_TRY(liquidator, str(l, "liquidator", p));
    HL_TRY(user, str(l, "liquidated_user", p));
    HL_TRY(ntl, str(l, "liquidated_ntl_pos", p));
    HL_TRY(av, str(l, "liquidated_account_value", p));
    e.kind = K::kLiquidation, e.liquidation = Liquidation{lid, liquidator, user, ntl, av};
  } else if (data.contains("nonUserCancel")) {
    HL_TRY(list, list_of<NonUserCancel>(data["nonUserCancel"], "data.nonUserCancel",
                                        [](const Json& c, const std::string& p) -> HlResult<NonUserCancel> {
                                          HL_TRY(coin, str(c, "coin", p));
                                          HL_TRY(oid, u64(c, "oid", p));
                                          return NonUserCancel{coin, oid};
                                        }));
    e.kind = K::kNonUserCancel, e.cancels = std::move(list);
  } else {
    return bad("data", "expected one of fills, funding, liquidation, nonUserCancel");
  }
  return e;
}

template <class T>
HlResult<WsMessage> as_message(HlResult<T> r) {
  if (!r) return std::unexpected(r.error());
  return WsMessage{std::move(*r)};
}

}  // namespace

HlClientError classify_ws_error(std::string_view message) {
  // The documented limits answer "Cannot send more than 2000 messages per
  // minute.", "Cannot subscribe to more than 1000 channels.", "Cannot track
  // more than 10 total users.", "too many pending post requests".
  const bool limit = message.find("more than") != std::string_view::npos || message.find("too many") != std::string_view::npos ||
                     message.find("rate limit") != std::string_view::npos;
  HlClientError e;
  e.code = limit ? HlClientErrc::kRateLimited : HlClientErrc::kRejected;
  e.cls = limit ? chain::ErrorClass::kRetryable : chain::ErrorClass::kNonRetryable;
  e.where = "ws error";
  e.message = std::string(message);
  return e;
}

HlResult<WsMessage> parse_ws_message(std::string_view text) {
  auto parsed = core::parse_json(text);
  if (!parsed) return bad("ws", "not JSON: " + parsed.error());
  const Json& j = *parsed;
  if (!j.is_object() || !j.contains("channel") || !j["channel"].is_string())
    return bad("ws channel", "expected an object with a string \"channel\"");
  const std::string channel = j["channel"].get<std::string>();
  if (channel == "pong") return WsMessage{Pong{}};
  if (!j.contains("data")) return bad("ws " + channel + " data", "missing");
  const Json& data = j["data"];
  if (channel == "subscriptionResponse") {
    HL_TRY(sub, field(data, "subscription", "data"));
    if (!sub->is_object()) return bad("ws subscriptionResponse data.subscription", "expected an object");
    return WsMessage{SubscriptionAck{*sub}};
  }
  if (channel == "error") return WsMessage{ServerError{data.is_string() ? data.get<std::string>() : data.dump()}};
  if (channel == "post") {
    HL_TRY(id, in_ws(u64(data, "id", "data"), channel, ""));
    HL_TRY(resp, in_ws(field(data, "response", "data"), channel, ""));
    HL_TRY(type, in_ws(str(*resp, "type", "data.response"), channel, ""));
    if (type != "info" && type != "action" && type != "error")
      return bad("ws post data.response.type", "expected info, action or error, got \"" + type + "\"");
    HL_TRY(payload, in_ws(field(*resp, "payload", "data.response"), channel, ""));
    return WsMessage{PostReply{id, type, *payload}};
  }
  if (channel == "l2Book") return as_message(in_ws(parse_l2_book(data), channel, "data"));
  if (channel == "trades") return as_message(in_ws(trades_of(data), channel, ""));
  if (channel == "allMids") {
    HL_TRY(mids, in_ws(field(data, "mids", "data"), channel, ""));
    HL_TRY(m, in_ws(parse_all_mids(*mids), channel, "data.mids"));
    return WsMessage{AllMids{std::move(m)}};
  }
  if (channel == "orderUpdates") return as_message(in_ws(order_updates_of(data), channel, ""));
  if (channel == "userFills") return as_message(in_ws(user_fills_of(data), channel, ""));
  if (channel == "user") return as_message(in_ws(user_event_of(data), channel, ""));
  return bad("ws channel", "unknown channel \"" + channel + "\"");
}

// ---- exactly-once fills --------------------------------------------------------------

FillId fill_id(const Fill& f) { return FillId{f.tid, f.oid, f.hash}; }

bool FillReconciler::accept(const Fill& f) {
  FillId id = fill_id(f);
  if (ids_.contains(id)) return false;
  ids_.insert(id);
  by_time_.emplace(f.time, std::move(id));
  while (ids_.size() > capacity_ && !by_time_.empty()) {
    ids_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
  return true;
}

std::vector<Fill> FillReconciler::reconcile(const std::vector<Fill>& in) {
  std::vector<Fill> out;
  for (const auto& f : in)
    if (accept(f)) out.push_back(f);
  return out;
}

// ---- the client ----------------------------------------------------------------------

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct ParsedUrl {
  bool tls = false;
  std::string host, port, target;
};

ParsedUrl parse_ws_url(std::string_view url) {
  ParsedUrl u;
  if (url.starts_with("wss://")) {
    u.tls = true;
    url.remove_prefix(6);
  } else if (url.starts_with("ws://")) {
    url.remove_prefix(5);
  } else {
    throw std::invalid_argument("WebSocket URL must start with ws:// or wss://");
  }
  const size_t end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  u.target = end == std::string_view::npos ? "/" : std::string(url.substr(end));
  if (u.target.front() != '/') u.target.insert(0, "/");
  if (const size_t at_sign = authority.rfind('@'); at_sign != std::string_view::npos) authority.remove_prefix(at_sign + 1);
  const size_t close = authority.rfind(']');
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    u.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  } else {
    u.port = u.tls ? "443" : "80";
  }
  if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty() || u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("WebSocket URL: bad host or port");
  u.host = std::string(authority);
  return u;
}

HlClientError transport_error(std::string where, std::string message, chain::ErrorClass cls = chain::ErrorClass::kRetryable) {
  HlClientError e;
  e.code = HlClientErrc::kTransport;
  e.cls = cls;
  e.where = std::move(where);
  e.message = std::move(message);
  return e;
}

struct Reconnected {};
using Item = std::variant<WsEvent, HlClientError, Reconnected>;

}  // namespace

struct HlWsClient::Impl {
  Impl(std::string url_in, HlWsOptions opts)
      : redacted(chain::redact_url(url_in)), parsed(parse_ws_url(url_in)), options(opts) {
    ssl_ctx.set_default_verify_paths();
    ssl_ctx.set_verify_mode(options.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  }
  ~Impl() { close_stream(); }

  template <class F>
  void with_ws(F&& f) {
    if (plain) f(*plain);
    else if (tls) f(*tls);
  }

  template <class Pred>
  bool run_until(Pred pred, Clock::time_point deadline) {
    while (!pred()) {
      if (Clock::now() >= deadline) return false;
      if (ioc.stopped()) ioc.restart();
      if (ioc.run_one_until(deadline) == 0 && ioc.stopped()) return pred();
    }
    return true;
  }

  void close_stream() {
    drop();
    if (ioc.stopped()) ioc.restart();
    while (ioc.poll() > 0) {
    }
    plain.reset();
    tls.reset();
    buffer.clear();
  }
  void drop() {
    ++generation;
    boost::system::error_code ignored;
    with_ws([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ignored); });
    is_connected = false;
    outq.clear();
    writing = false;
    ping_outstanding = false;
  }

  void quickack() {
    with_ws([&](auto& ws) {
      const int one = 1;
      setsockopt(beast::get_lowest_layer(ws).socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    });
  }

  template <class Start>
  boost::system::error_code step(Start start) {
    boost::system::error_code ec;
    bool done = false;
    start([&](boost::system::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    if (!run_until([&] { return done; }, Clock::now() + std::chrono::hours(1))) return asio::error::timed_out;
    return ec;
  }

  template <class Ws>
  boost::system::error_code handshake(Ws& ws, const tcp::resolver::results_type& endpoints, std::chrono::milliseconds budget) {
    auto& lowest = beast::get_lowest_layer(ws);
    lowest.expires_after(budget);
    if (auto ec = step([&](auto h) { lowest.async_connect(endpoints, h); })) return ec;
    const int one = 1;
    setsockopt(lowest.socket().native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(lowest.socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    if constexpr (std::is_same_v<Ws, TlsWs>) {
      if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), parsed.host.c_str())) return asio::error::invalid_argument;
      if (options.verify_peer) ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(parsed.host));
      if (auto ec = step([&](auto h) { ws.next_layer().async_handshake(asio::ssl::stream_base::client, h); })) return ec;
    }
    lowest.expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = budget;
    t.idle_timeout = websocket::stream_base::none();  // liveness is the application's ping/pong
    t.keep_alive_pings = false;
    ws.set_option(t);
    ws.read_message_max(options.max_message_bytes);
    ws.text(true);
    const std::string host = parsed.host + ":" + parsed.port;
    return step([&](auto h) { ws.async_handshake(host, parsed.target, h); });
  }

  HlResult<void> connect_now(std::chrono::milliseconds budget) {
    close_stream();
    const bool reconnecting = ever_connected;
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(parsed.host, parsed.port, ec);
    if (!ec) {
      if (parsed.tls) {
        tls = std::make_unique<TlsWs>(ioc, ssl_ctx);
        ec = handshake(*tls, endpoints, budget);
      } else {
        plain = std::make_unique<PlainWs>(ioc);
        ec = handshake(*plain, endpoints, budget);
      }
    }
    if (ec) {
      const bool untrusted = ec.category() == asio::error::get_ssl_category() &&
                             ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
      close_stream();
      schedule_retry();
      return std::unexpected(transport_error("ws connect", redacted + ": " + ec.message(),
                                             untrusted ? chain::ErrorClass::kFatal : chain::ErrorClass::kRetryable));
    }
    is_connected = true;
    ever_connected = true;
    retries = 0;
    ++stats.connects;
    last_send = Clock::now();
    start_read(generation);
    if (reconnecting) {
      // Every subscription again; the reconnect hook runs once all are acknowledged.
      resubscribing = true;
      for (const auto& s : subs) send_subscribe(s, "subscribe");
      if (unacked.empty()) finish_resubscribe();
    }
    return {};
  }

  void finish_resubscribe() {
    resubscribing = false;
    items.emplace_back(Reconnected{});
  }

  void schedule_retry() {
    chain::RetryPolicy p;
    p.base_delay = options.backoff_base;
    p.max_delay = options.backoff_max;
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    next_attempt = Clock::now() + chain::backoff_delay(p, std::min(retries, 30), u);
    ++retries;
  }

  void start_read(uint64_t gen) {
    with_ws([&](auto& ws) {
      ws.async_read(buffer, [this, gen](boost::system::error_code ec, size_t) {
        if (gen != generation) return;
        if (ec) return lost(ec == websocket::error::message_too_big
                                ? "message larger than " + std::to_string(options.max_message_bytes) + " bytes"
                                : "connection lost: " + ec.message());
        quickack();
        on_message(beast::buffers_to_string(buffer.data()));
        buffer.consume(buffer.size());
        if (gen == generation && is_connected) start_read(gen);
      });
    });
  }

  void send(std::string body) {
    last_send = Clock::now();
    outq.push_back(std::move(body));
    if (!writing) write_next(generation);
  }
  void write_next(uint64_t gen) {
    if (outq.empty()) return;
    writing = true;
    with_ws([&](auto& ws) {
      ws.async_write(asio::buffer(outq.front()), [this, gen](boost::system::error_code ec, size_t) {
        if (gen != generation) return;
        writing = false;
        if (ec) return lost("write failed: " + ec.message());
        outq.pop_front();
        write_next(gen);
      });
    });
  }

  void send_subscribe(const Subscription& s, std::string_view method) {
    if (method == "subscribe") unacked.push_back(s);
    send(Json{{"method", method}, {"subscription", s.to_json()}}.dump());
  }

  // The connection is gone: a subscribe() in flight fails, the next attempt
  // is scheduled, and the caller hears of it through on_error.
  void lost(std::string why) {
    ++stats.drops;
    drop();
    unacked.clear();
    resubscribing = false;
    HlClientError e = transport_error("ws", redacted + ": " + why);
    if (awaiting) complete_await(std::unexpected(e));
    schedule_retry();
    items.emplace_back(std::move(e));
  }

  void complete_await(HlResult<void> r) {
    await_result = std::move(r);
    await_done = true;
    awaiting.reset();
  }

  bool subscribed(const Subscription& s) const { return std::find(subs.begin(), subs.end(), s) != subs.end(); }

  void on_ack(const Json& sub_json) {
    auto s = subscription_of(sub_json);
    if (!s) return;
    auto it = std::find(unacked.begin(), unacked.end(), *s);
    if (it == unacked.end()) return;  // an unsubscribe's answer, or a stranger
    unacked.erase(it);
    if (awaiting && *awaiting == *s) complete_await({});
    if (resubscribing && unacked.empty()) finish_resubscribe();
  }

  // {"channel":"error"}: the refusal of the oldest unacknowledged
  // subscription when one waits (the server answers in order), else news.
  void on_server_error(const std::string& message) {
    HlClientError e = classify_ws_error(message);
    if (!unacked.empty()) {
      const Subscription s = unacked.front();
      if (awaiting && *awaiting == s) {
        unacked.pop_front();
        e.where = "ws subscribe " + s.to_json().dump();
        return complete_await(std::unexpected(std::move(e)));
      }
      if (e.code == HlClientErrc::kRejected) {
        unacked.pop_front();
        subs.erase(std::remove(subs.begin(), subs.end(), s), subs.end());
        e.where = "ws resubscribe " + s.to_json().dump();
        items.emplace_back(std::move(e));
        if (resubscribing && unacked.empty()) finish_resubscribe();
        return;
      }
    }
    items.emplace_back(std::move(e));
  }

  FillReconciler& fills_of(const std::string& user) {
    auto it = reconcilers.find(user);
    if (it == reconcilers.end()) it = reconcilers.emplace(user, FillReconciler(options.fill_memory)).first;
    return it->second;
  }

  std::vector<Fill> dedup(const std::string& user, const std::vector<Fill>& in) {
    auto out = fills_of(user).reconcile(in);
    stats.duplicate_fills += in.size() - out.size();
    return out;
  }

  // The user of the userEvents subscription (its messages do not say).
  std::optional<std::string> events_user() const {
    std::optional<std::string> user;
    for (const auto& s : subs)
      if (s.kind == Subscription::Kind::kUserEvents) {
        if (user) return std::nullopt;  // ambiguous with two
        user = s.user;
      }
    return user;
  }

  bool has_sub(Subscription::Kind k, std::string_view coin = {}, std::string_view user = {}) const {
    for (const auto& s : subs)
      if (s.kind == k && (coin.empty() || s.coin == coin) && (user.empty() || s.user == user)) return true;
    return false;
  }

  void on_message(std::string text) {
    auto m = parse_ws_message(text);
    if (!m) {
      ++stats.bad_messages;
      items.emplace_back(std::move(m.error()));
      return;
    }
    using K = Subscription::Kind;
    std::visit(
        [&](auto&& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Pong>) {
            ++stats.pongs;
            ping_outstanding = false;
          } else if constexpr (std::is_same_v<T, SubscriptionAck>) {
            on_ack(v.subscription);
          } else if constexpr (std::is_same_v<T, ServerError>) {
            on_server_error(v.message);
          } else if constexpr (std::is_same_v<T, PostReply>) {
            // An answer nobody waits for any more (timed out) is dropped.
            if (auto it = posts.find(v.id); it != posts.end()) it->second = std::move(v);
          } else if constexpr (std::is_same_v<T, L2Book>) {
            if (has_sub(K::kL2Book, v.coin)) items.emplace_back(WsEvent{std::move(v)});
          } else if constexpr (std::is_same_v<T, Trades>) {
            if (!v.trades.empty() && has_sub(K::kTrades, v.trades.front().coin)) items.emplace_back(WsEvent{std::move(v)});
          } else if constexpr (std::is_same_v<T, AllMids>) {
            if (has_sub(K::kAllMids)) items.emplace_back(WsEvent{std::move(v)});
          } else if constexpr (std::is_same_v<T, OrderUpdates>) {
            if (has_sub(K::kOrderUpdates)) items.emplace_back(WsEvent{std::move(v)});
          } else if constexpr (std::is_same_v<T, UserFills>) {
            std::string user = v.user;
            std::transform(user.begin(), user.end(), user.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (!has_sub(K::kUserFills, {}, user)) return;
            auto fresh = dedup(user, v.fills);
            v.duplicates = v.fills.size() - fresh.size();
            v.fills = std::move(fresh);
            items.emplace_back(WsEvent{std::move(v)});
          } else if constexpr (std::is_same_v<T, UserEvent>) {
            if (!has_sub(K::kUserEvents)) return;
            if (v.kind == UserEvent::Kind::kFills) {
              v.fills = dedup(events_user().value_or(""), v.fills);
              if (v.fills.empty()) return;
            }
            items.emplace_back(WsEvent{std::move(v)});
          }
        },
        std::move(*m));
  }

  // Ping when we have been quiet for ping_interval; a ping unanswered for
  // pong_timeout means the connection is dead. Returns when to look again.
  Clock::time_point heartbeat(Clock::time_point now) {
    if (ping_outstanding) {
      const auto due = ping_sent + options.pong_timeout;
      if (now < due) return due;
      lost("no pong within " + std::to_string(options.pong_timeout.count()) + " ms");
      return now;
    }
    const auto due = last_send + options.ping_interval;
    if (now < due) return due;
    ++stats.pings;
    send(R"({"method":"ping"})");
    ping_outstanding = true;
    ping_sent = now;
    return now + options.pong_timeout;
  }

  HlResult<void> ensure_connected(Clock::time_point deadline) {
    if (is_connected) return {};
    if (ever_connected && !options.reconnect) return std::unexpected(transport_error("ws", redacted + ": closed", chain::ErrorClass::kFatal));
    const auto now = Clock::now();
    if (now < next_attempt) {
      if (next_attempt >= deadline) return std::unexpected(transport_error("ws", redacted + ": disconnected, reconnect not yet due"));
      std::this_thread::sleep_until(next_attempt);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return connect_now(std::max(std::chrono::milliseconds(1), std::min(options.connect_timeout, left)));
  }

  HlResult<void> subscribe(const Subscription& s) {
    if (subscribed(s)) return {};
    const auto deadline = Clock::now() + options.request_timeout;
    if (auto c = ensure_connected(deadline); !c) return c;
    subs.push_back(s);
    awaiting = s;
    await_done = false;
    send_subscribe(s, "subscribe");
    if (!run_until([&] { return await_done; }, deadline)) {
      awaiting.reset();
      // It stays in subs: the next reconnect renews it; say so to the caller.
      return std::unexpected(transport_error("ws subscribe " + s.to_json().dump(),
                                             "no acknowledgement within " + std::to_string(options.request_timeout.count()) + " ms"));
    }
    if (!await_result) subs.erase(std::remove(subs.begin(), subs.end(), s), subs.end());
    return std::move(await_result);
  }

  HlResult<Json> post(const std::string& type, const Json& payload) {
    const bool action = type == "action";
    const std::string where = "ws post " + (action ? std::string("action") : "info " + (payload.contains("type") && payload["type"].is_string() ? payload["type"].get<std::string>() : "?"));
    const auto deadline = Clock::now() + options.request_timeout;
    if (auto c = ensure_connected(deadline); !c) return std::unexpected(c.error());
    const uint64_t id = next_post_id++;
    posts[id] = std::nullopt;
    const uint64_t gen = generation;
    Json request = Json::object();
    request["type"] = type;
    request["payload"] = payload;
    Json msg = Json::object();
    msg["method"] = "post";
    msg["id"] = id;
    msg["request"] = std::move(request);
    send(msg.dump());
    const bool answered = run_until([&] { return posts[id].has_value() || generation != gen; }, deadline);
    auto node = posts.extract(id);
    if (!answered || !node.mapped()) {
      HlClientError e = transport_error(where, generation != gen ? redacted + ": connection lost before the answer"
                                                                 : "no answer within " + std::to_string(options.request_timeout.count()) + " ms");
      if (action) e.cls = chain::ErrorClass::kOutcomeUnknown;
      return std::unexpected(std::move(e));
    }
    PostReply r = std::move(*node.mapped());
    if (r.type == "error") {
      const std::string why = r.payload.is_string() ? r.payload.get<std::string>() : r.payload.dump();
      HlClientError e = classify_ws_error(why);
      if (why.starts_with("429")) e.code = HlClientErrc::kRateLimited, e.cls = chain::ErrorClass::kRetryable;
      e.where = where;
      return std::unexpected(std::move(e));
    }
    if (r.type != type) return bad(where + " data.response.type", "expected \"" + type + "\", got \"" + r.type + "\"");
    return std::move(r.payload);
  }

  HlResult<void> unsubscribe(const Subscription& s) {
    if (!subscribed(s)) return {};
    subs.erase(std::remove(subs.begin(), subs.end(), s), subs.end());
    unacked.erase(std::remove(unacked.begin(), unacked.end(), s), unacked.end());
    if (!is_connected) return {};
    send_subscribe(s, "unsubscribe");
    // Written before returning (bounded): a caller that unsubscribes and
    // then stops polling still has told the server.
    if (!run_until([&] { return outq.empty() || !is_connected; }, Clock::now() + options.request_timeout))
      return std::unexpected(transport_error("ws unsubscribe " + s.to_json().dump(), "not written within " +
                                                                                       std::to_string(options.request_timeout.count()) + " ms"));
    return {};
  }

  std::string redacted;
  ParsedUrl parsed;
  HlWsOptions options;
  asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  asio::ssl::context ssl_ctx{asio::ssl::context::tls_client};
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  beast::flat_buffer buffer;
  std::deque<std::string> outq;
  bool writing = false;
  bool is_connected = false;
  bool ever_connected = false;
  uint64_t generation = 0;
  int retries = 0;
  Clock::time_point next_attempt{};
  Clock::time_point last_send{};
  Clock::time_point ping_sent{};
  bool ping_outstanding = false;
  std::mt19937_64 rng{std::random_device{}()};
  std::vector<Subscription> subs;     // in the order subscribed (renewed in this order)
  std::deque<Subscription> unacked;   // sent, not yet acknowledged, in send order
  bool resubscribing = false;
  std::optional<Subscription> awaiting;  // the subscribe() waiting for its acknowledgement
  bool await_done = false;
  HlResult<void> await_result;
  std::map<std::string, FillReconciler> reconcilers;  // by user
  uint64_t next_post_id = 1;
  std::map<uint64_t, std::optional<PostReply>> posts;  // post requests waiting for their answer, by id
  std::deque<Item> items;
  HlWsStats stats;
};

HlWsClient::HlWsClient(std::string url, HlWsOptions options) : impl_(std::make_unique<Impl>(std::move(url), options)) {}
HlWsClient::~HlWsClient() = default;

HlResult<void> HlWsClient::connect() {
  if (impl_->is_connected) return {};
  return impl_->connect_now(impl_->options.connect_timeout);
}

HlResult<void> HlWsClient::subscribe(const Subscription& s) { return impl_->subscribe(s); }
HlResult<void> HlWsClient::unsubscribe(const Subscription& s) { return impl_->unsubscribe(s); }

HlResult<Json> HlWsClient::post_info(const Json& request) {
  auto p = impl_->post("info", request);
  if (!p) return std::unexpected(p.error());
  HL_TRY(data, field(*p, "data", "payload"));
  return *data;
}

HlResult<ExchangeReply> HlWsClient::post_action(const Json& signed_body) {
  auto p = impl_->post("action", signed_body);
  if (!p) return std::unexpected(p.error());
  auto r = parse_exchange_reply(*p);
  if (!r && r.error().code == HlClientErrc::kBadReply) {
    r.error().where = "ws post action " + r.error().where;
    r.error().cls = chain::ErrorClass::kOutcomeUnknown;
  }
  return r;
}

std::vector<Fill> HlWsClient::reconcile_fills(std::string_view user, const std::vector<Fill>& fills) {
  std::string u(user);
  std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return impl_->dedup(u, fills);
}

size_t HlWsClient::poll(std::chrono::milliseconds max_wait) {
  Impl& m = *impl_;
  const auto deadline = Clock::now() + max_wait;
  while (m.items.empty()) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    if (m.is_connected) {
      const auto wake = m.heartbeat(now);
      if (!m.is_connected) continue;
      m.run_until([&] { return !m.items.empty(); }, std::min(deadline, wake));
      continue;
    }
    if (m.ever_connected && !m.options.reconnect) break;
    if (!m.ever_connected && m.subs.empty()) break;  // nothing asked for yet
    if (now < m.next_attempt) {
      std::this_thread::sleep_until(std::min(m.next_attempt, deadline));
      continue;
    }
    if (auto c = m.connect_now(m.options.connect_timeout); !c) m.items.emplace_back(c.error());
  }
  std::deque<Item> ready;
  ready.swap(m.items);
  for (auto& item : ready) {
    if (auto* e = std::get_if<WsEvent>(&item)) {
      if (on_event_) on_event_(*e);
    } else if (std::holds_alternative<Reconnected>(item)) {
      if (on_reconnect_) on_reconnect_();
    } else if (on_error_) {
      on_error_(std::get<HlClientError>(item));
    }
  }
  return ready.size();
}

bool HlWsClient::connected() const noexcept { return impl_->is_connected; }
const HlWsStats& HlWsClient::stats() const noexcept { return impl_->stats; }
std::string HlWsClient::url() const { return impl_->redacted; }

}  // namespace perpx::venues::hl
