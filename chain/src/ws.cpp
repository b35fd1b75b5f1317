#include "perpx/chain/ws.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

// Boost comes in through an imported target (a system include directory), so
// its headers' own warnings do not reach -Werror on our code.
#include <simdjson.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <variant>

#include "log_json.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::chain {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
using core::Json;

// Ids of our own requests (eth_subscribe after a reconnect) start here, far
// above the ids an RpcClient counts up from 1.
constexpr uint64_t kInternalIdBase = uint64_t{1} << 62;

// Direct path (see the header): a request body up to this size is written
// with one send() (far below any socket send buffer, so it never blocks);
// a larger one goes through Asio's queued write.
constexpr size_t kDirectWriteMax = 4096;
// How much of the socket the direct path peeks at to see a whole reply frame;
// a longer reply is read by Asio (one read, then the direct path again).
constexpr size_t kPeekBytes = 16 * 1024;

// The first frame waiting in the socket, from its header (RFC 6455
// section 5.2; a server's frames are never masked).
struct Peeked {
  enum Kind {
    kWhole,       // a whole unfragmented text/binary frame (more may follow it)
    kIncomplete,  // a data frame not all here yet (or longer than the peek), a first fragment, EOF, a socket error
    kOther,       // a control or continuation frame, a masked or reserved-bit frame
  } kind = kIncomplete;
  size_t head = 0;  // kWhole: header bytes, then
  size_t len = 0;   // payload bytes
};
Peeked classify_peek(std::span<const unsigned char> b) {
  if (b.size() < 2) return {};
  const unsigned op = b[0] & 0x0fu;
  if ((b[0] & 0x70u) != 0 || (op != 1 && op != 2) || (b[1] & 0x80u) != 0) return {Peeked::kOther};
  // The first fragment of a message (Beast servers fragment long ones): the
  // rest is read by Asio, like a frame not all here yet.
  if ((b[0] & 0x80u) == 0) return {};
  uint64_t len = b[1] & 0x7fu;
  size_t head = 2;
  if (len >= 126) {
    const size_t ext = len == 126 ? 2 : 8;
    if (b.size() < 2 + ext) return {};
    len = 0;
    for (size_t i = 0; i < ext; ++i) len = (len << 8) | b[2 + i];
    head += ext;
  }
  if (len > b.size() - head) return {};
  return {Peeked::kWhole, head, static_cast<size_t>(len)};
}

struct ParsedUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
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
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
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

RpcError make_error(RpcErrc code, ErrorClass cls, std::string method, std::string message) {
  RpcError e;
  e.code = code;
  e.cls = cls;
  e.method = std::move(method);
  e.message = std::move(message);
  return e;
}

// The id of a message that starts as RpcClient writes requests and anvil
// writes replies, {"jsonrpc":"2.0","id":<digits>, ...; nothing otherwise.
std::optional<uint64_t> leading_id(std::string_view msg) {
  constexpr std::string_view kHead = R"({"jsonrpc":"2.0","id":)";
  if (!msg.starts_with(kHead)) return std::nullopt;
  msg.remove_prefix(kHead.size());
  uint64_t id = 0;
  const auto [end, ec] = std::from_chars(msg.data(), msg.data() + msg.size(), id);
  if (ec != std::errc{} || end == msg.data() || end == msg.data() + msg.size() || *end != ',') return std::nullopt;
  if (*msg.data() == '0' && end - msg.data() > 1) return std::nullopt;  // "01" is not JSON
  return id;
}

// The unsigned integer ids of a request body (one, or one per batch element).
std::vector<uint64_t> request_ids(std::string_view body) {
  std::vector<uint64_t> ids;
  if (auto id = leading_id(body)) {
    ids.push_back(*id);
    return ids;
  }
  auto j = core::parse_json(body);
  if (!j) return ids;
  auto take = [&](const Json& o) {
    if (o.is_object() && o.contains("id") && o["id"].is_number_unsigned()) ids.push_back(o["id"].get<uint64_t>());
  };
  if (j->is_array())
    for (const auto& e : *j) take(e);
  else
    take(*j);
  return ids;
}

struct HeadEventMsg {
  SubId sub;
  BlockHeader header;
};
struct LogEventMsg {
  SubId sub;
  Log log;
};
struct ReconnectedMsg {};
using Event = std::variant<HeadEventMsg, LogEventMsg, ReconnectedMsg, RpcError>;

// Server subscription ids, found by a view into the message (no string built).
struct IdHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct WsClient::Impl {
  struct Sub {
    bool logs = false;
    LogFilter filter;
    HeadCallback on_head;
    LogCallback on_log;
    std::string server_id;  // empty while not subscribed on this connection
  };
  struct Waiter {
    std::vector<uint64_t> ids;
    bool is_send = false;
    bool done = false;
    RpcResult<std::string> reply = std::unexpected(RpcError{});
  };

  Impl(std::string url_in, WsOptions opts)
      : url(std::move(url_in)), redacted(redact_url(url)), parsed(parse_ws_url(url)), options(opts) {
    ssl_ctx.set_default_verify_paths();
    ssl_ctx.set_verify_mode(options.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  }
  ~Impl() { close_stream(); }

  template <class F>
  void with_ws(F&& f) {
    if (plain) f(*plain);
    else if (tls) f(*tls);
  }

  // Runs the io_context until pred() or the deadline (or no work is left).
  template <class Pred>
  bool run_until(Pred pred, Clock::time_point deadline) {
    while (!pred()) {
      if (Clock::now() >= deadline) return false;
      if (ioc.stopped()) ioc.restart();
      if (ioc.run_one_until(deadline) == 0 && ioc.stopped()) return pred();
    }
    return true;
  }

  // Closes the socket and lets every aborted handler run (they see an old
  // generation and do nothing) before the stream goes away.
  void close_stream() {
    drop();
    if (ioc.stopped()) ioc.restart();
    while (ioc.poll() > 0) {
    }
    plain.reset();
    tls.reset();
    buffer.clear();
  }
  // Closes the socket only: safe inside a handler of this stream.
  void drop() {
    ++generation;
    boost::system::error_code ignored;
    with_ws([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ignored); });
    is_connected = false;
    outq.clear();
    writing = false;
    reading = false;
    direct = false;
  }

  void set_tcp_options(int fd) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  void quickack() {
    with_ws([&](auto& ws) {
      const int one = 1;
      setsockopt(beast::get_lowest_layer(ws).socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    });
  }

  // One asynchronous step, waited for; Beast's own timers bound every step.
  template <class Start>
  boost::system::error_code step(Start start) {
    boost::system::error_code ec;
    bool done = false;
    start([&](boost::system::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    // Beast's timers end every step; the hour is only a backstop.
    if (!run_until([&] { return done; }, Clock::now() + std::chrono::hours(1))) return asio::error::timed_out;
    return ec;
  }

  template <class Ws>
  boost::system::error_code handshake(Ws& ws, const tcp::resolver::results_type& endpoints,
                                      std::chrono::milliseconds budget) {
    auto& lowest = beast::get_lowest_layer(ws);
    lowest.expires_after(budget);
    if (auto ec = step([&](auto h) { lowest.async_connect(endpoints, h); })) return ec;
    set_tcp_options(lowest.socket().native_handle());
    if constexpr (std::is_same_v<Ws, TlsWs>) {
      if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), parsed.host.c_str()))
        return asio::error::invalid_argument;
      if (options.verify_peer) ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(parsed.host));
      if (auto ec = step([&](auto h) { ws.next_layer().async_handshake(asio::ssl::stream_base::client, h); }))
        return ec;
    }
    lowest.expires_never();  // the websocket stream has its own timers from here
    websocket::stream_base::timeout t{};
    t.handshake_timeout = budget;
    t.idle_timeout = options.idle_timeout;
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.read_message_max(options.max_message_bytes);
    ws.text(true);
    const std::string host = parsed.host + ":" + parsed.port;
    return step([&](auto h) { ws.async_handshake(host, parsed.target, h); });
  }

  // Connects (bounded by budget). A reconnect resubscribes everything.
  RpcResult<void> connect_now(std::chrono::milliseconds budget) {
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
      // An untrusted certificate will not become trusted by retrying.
      const bool untrusted = ec.category() == asio::error::get_ssl_category() &&
                             ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
      close_stream();
      schedule_retry();
      return std::unexpected(make_error(RpcErrc::kConnect, untrusted ? ErrorClass::kFatal : ErrorClass::kRetryable, "",
                                        redacted + ": " + ec.message()));
    }
    is_connected = true;
    ever_connected = true;
    last_message = Clock::now();
    retries = 0;
    ++stats.connects;
    // Direct mode until something needs a read kept pending (see the header).
    // The socket is non-blocking for the synchronous Beast calls too, so that
    // none of them can wait without a bound (a failing stream's teardown
    // reads until EOF).
    direct = false;
    if (plain && ((subs.empty() && !subscribing) || (options.busy_poll && !reconnecting))) {
      beast::get_lowest_layer(*plain).socket().non_blocking(true, ec);
      direct = !ec;
    }
    if (!direct) start_read(generation);
    if (reconnecting) {
      for (auto& [id, sub] : subs) {
        const uint64_t wire = next_internal_id++;
        resubscribing[wire] = id;
        send(subscribe_body(wire, sub));
      }
      if (resubscribing.empty()) events.emplace_back(ReconnectedMsg{});
    }
    return {};
  }

  void schedule_retry() {
    RetryPolicy p;
    p.base_delay = options.backoff_base;
    p.max_delay = options.backoff_max;
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    next_attempt = Clock::now() + backoff_delay(p, std::min(retries, 30), u);
    ++retries;
  }

  // One message read by Asio. In direct mode the read is not renewed (the
  // next wait is the caller's own poll()); otherwise one read stays pending.
  void start_read(uint64_t gen) {
    reading = true;
    with_ws([&](auto& ws) {
      ws.async_read(buffer, [this, gen](boost::system::error_code ec, size_t) {
        if (gen != generation) return;
        reading = false;
        if (ec) return lost(ec);
        quickack();
        last_message = Clock::now();
        on_message(message_view());
        buffer.consume(buffer.size());
        if (gen == generation && is_connected && !direct) start_read(gen);
      });
    });
  }

  // Leaves direct mode for the rest of this connection: from now on a read
  // stays pending (Beast may hold bytes the socket no longer shows).
  void leave_direct() {
    if (!direct) return;
    direct = false;
    if (is_connected && !reading) start_read(generation);
  }

  int plain_fd() { return beast::get_lowest_layer(*plain).socket().native_handle(); }

  enum class Step { kTimeout, kRead, kLeft };
  // Direct mode: waits on the caller's thread (ppoll, no Asio) until the
  // socket is readable or the deadline, then reads one message. kRead: one
  // message handled (or the connection lost); kLeft: direct mode ended, the
  // caller goes on with run_until; kTimeout: nothing arrived in time.
  Step direct_step(Clock::time_point deadline) {
    const int fd = plain_fd();
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
      if (left.count() <= 0) return Step::kTimeout;
      pollfd p{fd, POLLIN, 0};
      const timespec ts = options.busy_poll ? timespec{0, 0}
                                            : timespec{static_cast<time_t>(left.count() / 1'000'000'000),
                                                       static_cast<long>(left.count() % 1'000'000'000)};
      const int r = ::ppoll(&p, 1, &ts, nullptr);
      if (r == 0 && options.busy_poll) continue;
      if (r > 0) break;
      if (r == 0) return Step::kTimeout;
      if (errno != EINTR) break;  // let the read below find the error
    }
    const ssize_t n = ::recv(fd, peek.data(), peek.size(), MSG_PEEK | MSG_DONTWAIT);
    const Peeked what = n > 0 ? classify_peek(std::span(peek.data(), static_cast<size_t>(n))) : Peeked{};
    if (what.kind == Peeked::kOther) {
      leave_direct();
      return Step::kLeft;
    }
    if (what.kind == Peeked::kIncomplete) {
      // The rest of a long reply, EOF or an error: one read by Asio, bounded
      // by the deadline; if it is still going then, it stays pending. With
      // subscriptions more may follow at once, and Beast may then hold
      // bytes the socket no longer shows: Asio reads from then on.
      start_read(generation);
      if (!run_until([&] { return !reading; }, deadline)) {
        direct = false;
        return Step::kTimeout;
      }
      if (!subs.empty()) leave_direct();
      return Step::kRead;
    }
    // The whole frame is in the peek: take exactly its bytes off the socket
    // (read over the peeked copy: the same bytes), so what follows stays
    // there for the next ppoll. Beast holds nothing (it reads here only in
    // whole frames, or never again), so its stream stays at a message
    // boundary.
    const size_t frame = what.head + what.len;
    for (size_t off = 0; off < frame;) {
      const ssize_t r = ::recv(fd, peek.data() + off, frame - off, MSG_DONTWAIT);
      if (r <= 0 && errno == EINTR) continue;
      if (r <= 0) {
        lost(r == 0 ? boost::system::error_code(asio::error::eof)
                    : boost::system::error_code(errno, boost::system::system_category()));
        return Step::kRead;
      }
      off += static_cast<size_t>(r);
    }
    quickack();
    ++stats.direct_replies;
    last_message = Clock::now();
    on_message(std::string_view(reinterpret_cast<const char*>(peek.data()) + what.head, what.len));
    return Step::kRead;
  }

  void send(std::string body) {
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
        if (ec) return lost(ec);
        outq.pop_front();
        write_next(gen);
      });
    });
  }

  // The connection is gone: the request in flight fails, the next attempt is
  // scheduled, and the caller hears of it through on_error.
  void lost(boost::system::error_code ec) {
    const bool too_large = ec == websocket::error::message_too_big;
    const RpcErrc code = too_large ? RpcErrc::kTooLarge : RpcErrc::kReset;
    std::string why = too_large ? "message larger than " + std::to_string(options.max_message_bytes) + " bytes"
                                : "connection lost: " + ec.message();
    if (waiter) {
      const ErrorClass cls = waiter->is_send ? ErrorClass::kOutcomeUnknown
                             : too_large     ? ErrorClass::kNonRetryable
                                             : ErrorClass::kRetryable;
      complete(std::unexpected(make_error(code, cls, "", why)));
    }
    ++stats.drops;
    drop();
    resubscribing.clear();
    server_ids.clear();
    for (auto& [id, sub] : subs) sub.server_id.clear();
    schedule_retry();
    events.emplace_back(make_error(code, ErrorClass::kRetryable, "", redacted + ": " + why));
  }

  void complete(RpcResult<std::string> reply) {
    waiter->reply = std::move(reply);
    waiter->done = true;
    waiter = nullptr;
  }

  // The message just read (valid until the buffer is consumed).
  std::string_view message_view() const {
    const auto b = buffer.data();
    return {static_cast<const char*>(b.data()), b.size()};
  }

  void on_message(std::string_view msg) {
    // A reply to the request in flight goes to it unparsed: its reader
    // (RpcClient) checks the whole message anyway.
    if (auto id = leading_id(msg); id && waiter && std::find(waiter->ids.begin(), waiter->ids.end(), *id) != waiter->ids.end())
      return complete(std::string(msg));
    if (has_log_subs() && fast_notification(msg)) return;
    auto parsed_msg = core::parse_json(msg);
    if (!parsed_msg) {
      ++stats.dropped_messages;
      if (waiter)
        complete(std::unexpected(make_error(RpcErrc::kBadReply,
                                            waiter->is_send ? ErrorClass::kOutcomeUnknown : ErrorClass::kRetryable,
                                            "", "not JSON: " + parsed_msg.error())));
      return;
    }
    const Json& j = *parsed_msg;
    if (j.is_object() && j.value("method", "") == "eth_subscription") return on_notification(j);
    const Json* with_id = &j;
    if (j.is_array() && !j.empty()) with_id = &j.front();
    if (!with_id->is_object() || !with_id->contains("id") || !(*with_id)["id"].is_number_unsigned()) {
      ++stats.dropped_messages;
      return;
    }
    const uint64_t id = (*with_id)["id"].get<uint64_t>();
    if (waiter && std::find(waiter->ids.begin(), waiter->ids.end(), id) != waiter->ids.end())
      return complete(std::string(msg));
    if (auto it = resubscribing.find(id); it != resubscribing.end()) {
      const SubId sub_id = it->second;
      resubscribing.erase(it);
      auto sub = subs.find(sub_id);
      if (sub != subs.end()) {
        if (j.is_object() && j.contains("result") && j["result"].is_string()) {
          sub->second.server_id = j["result"].get<std::string>();
          server_ids[sub->second.server_id] = sub_id;
        } else {
          events.emplace_back(j.is_object() && j.contains("error")
                                  ? classify_node_error("eth_subscribe", j["error"], false)
                                  : make_error(RpcErrc::kBadReply, ErrorClass::kNonRetryable, "eth_subscribe",
                                               "resubscribe refused"));
          subs.erase(sub);
        }
      }
      if (resubscribing.empty()) events.emplace_back(ReconnectedMsg{});
      return;
    }
    ++stats.dropped_messages;  // a reply nobody waits for (timed out) or a stranger
  }

  // A logs notification read with simdjson straight into fast_log (the hot
  // path of a price feed: no JSON tree, no allocation once warm): only a
  // message read_notification takes (log_json.hpp), for a logs
  // subscription of ours, with a result read_log accepts. Anything else
  // returns false and the general path decides (the value, or the typed
  // error and the dropped-message count).
  // Only a logs subscription has a fast path: without one, a message is
  // parsed once, by the general path.
  bool has_log_subs() const {
    return std::any_of(subs.begin(), subs.end(), [](const auto& s) { return s.second.logs; });
  }

  bool fast_notification(std::string_view msg) {
    const auto n = detail::read_notification(json, msg);
    if (!n) return false;
    const auto it = server_ids.find(n->subscription);
    if (it == server_ids.end()) return false;
    const auto sub = subs.find(it->second);
    if (sub == subs.end() || !sub->second.logs) return false;
    // fast_log is free unless a log waits in it (or is being delivered).
    if (!fast_pending && events.empty()) {
      if (!detail::read_log(n->result, fast_log)) return false;
      fast_pending = it->second;
      return true;
    }
    Log log;
    if (!detail::read_log(n->result, log)) return false;
    events.emplace_back(LogEventMsg{it->second, std::move(log)});
    return true;
  }

  void on_notification(const Json& j) {
    const Json* params = j.contains("params") ? &j["params"] : nullptr;
    if (!params || !params->is_object() || !params->contains("subscription") || !(*params)["subscription"].is_string() ||
        !params->contains("result")) {
      ++stats.dropped_messages;
      return;
    }
    auto it = server_ids.find((*params)["subscription"].get<std::string>());
    if (it == server_ids.end()) {
      ++stats.dropped_messages;  // unsubscribed, or from a previous subscription
      return;
    }
    const Sub& sub = subs.at(it->second);
    const Json& result = (*params)["result"];
    if (sub.logs) {
      auto log = parse_log(result);
      if (log) return void(events.emplace_back(LogEventMsg{it->second, std::move(*log)}));
      log.error().method = "eth_subscription";
      events.emplace_back(std::move(log.error()));
    } else {
      auto header = parse_block_header(result);
      if (header) return void(events.emplace_back(HeadEventMsg{it->second, *header}));
      header.error().method = "eth_subscription";
      events.emplace_back(std::move(header.error()));
    }
    ++stats.dropped_messages;
  }

  std::string subscribe_body(uint64_t wire_id, const Sub& sub) const {
    Json params = Json::array({sub.logs ? "logs" : "newHeads"});
    if (sub.logs) {
      Json f = Json::object();
      if (!sub.filter.addresses.empty()) {
        Json a = Json::array();
        for (const auto& addr : sub.filter.addresses) a.push_back(core::to_hex(addr.view()));
        f["address"] = a;
      }
      if (!sub.filter.topics.empty()) {
        Json t = Json::array();
        for (const auto& alts : sub.filter.topics) {
          if (alts.empty()) {
            t.push_back(nullptr);
          } else {
            Json x = Json::array();
            for (const auto& h : alts) x.push_back(core::to_hex(h));
            t.push_back(x);
          }
        }
        f["topics"] = t;
      }
      params.push_back(f);
    }
    return Json{{"jsonrpc", "2.0"}, {"id", wire_id}, {"method", "eth_subscribe"}, {"params", params}}.dump();
  }

  RpcResult<std::string> request(std::string_view body, std::chrono::milliseconds timeout, bool is_send) {
    const auto deadline = Clock::now() + timeout;
    auto ids = request_ids(body);
    if (ids.empty())
      return std::unexpected(make_error(RpcErrc::kBadReply, ErrorClass::kNonRetryable, "",
                                        "request without an unsigned integer id"));
    if (!is_connected) {
      if (ever_connected && !options.reconnect)
        return std::unexpected(make_error(RpcErrc::kConnect, ErrorClass::kFatal, "", redacted + ": closed"));
      if (Clock::now() < next_attempt)
        return std::unexpected(make_error(RpcErrc::kConnect, ErrorClass::kRetryable, "",
                                          redacted + ": disconnected, reconnect not yet due"));
      if (auto c = connect_now(std::min(options.connect_timeout, timeout)); !c) return std::unexpected(c.error());
    }
    Waiter w;
    w.ids = std::move(ids);
    w.is_send = is_send;
    waiter = &w;
    auto timed_out = [&] {
      waiter = nullptr;
      return std::unexpected(make_error(RpcErrc::kTimeout, is_send ? ErrorClass::kOutcomeUnknown : ErrorClass::kRetryable,
                                        "", "no reply within " + std::to_string(timeout.count()) + " ms"));
    };
    if (direct && (writing || !outq.empty() || (subscribing && !options.busy_poll))) leave_direct();
    if (!direct) {
      send(std::string(body));
      if (!run_until([&] { return w.done; }, deadline)) return timed_out();
      return std::move(w.reply);
    }
    if (body.size() <= kDirectWriteMax) {
      boost::system::error_code ec;
      plain->write(asio::buffer(body.data(), body.size()), ec);
      if (ec) {
        lost(ec);
        return std::move(w.reply);
      }
    } else {
      send(std::string(body));
      if (!run_until([&] { return !writing || w.done; }, deadline)) {
        leave_direct();
        return timed_out();
      }
    }
    while (!w.done) {
      switch (direct_step(deadline)) {
        case Step::kRead:
          break;
        case Step::kTimeout:
          // A late reply may still come: from now on a read stays pending.
          leave_direct();
          return timed_out();
        case Step::kLeft:
          if (!run_until([&] { return w.done; }, deadline)) return timed_out();
          break;
      }
    }
    return std::move(w.reply);
  }

  // An eth_subscribe / eth_unsubscribe of ours: the "result" value.
  RpcResult<Json> call(std::string_view method, std::string body) {
    auto reply = request(body, options.request_timeout, false);
    auto fail = [&](RpcError e) {
      e.method = method;
      return std::unexpected(std::move(e));
    };
    if (!reply) return fail(reply.error());
    auto j = core::parse_json(*reply);
    if (!j || !j->is_object()) return fail(make_error(RpcErrc::kBadReply, ErrorClass::kRetryable, "", "not a JSON-RPC object"));
    if (j->contains("error")) return std::unexpected(classify_node_error(method, (*j)["error"], false));
    if (!j->contains("result")) return fail(make_error(RpcErrc::kBadReply, ErrorClass::kRetryable, "", "no result"));
    return (*j)["result"];
  }

  RpcResult<SubId> subscribe(Sub sub) {
    const uint64_t wire = next_internal_id++;
    // Notifications may come at any time from now on: keep a read pending
    // (or, busy polling, read them in direct mode from poll()).
    if (!options.busy_poll) leave_direct();
    subscribing = true;
    auto r = call("eth_subscribe", subscribe_body(wire, sub));
    subscribing = false;
    if (!r) return std::unexpected(r.error());
    if (!r->is_string())
      return std::unexpected(make_error(RpcErrc::kBadResult, ErrorClass::kNonRetryable, "eth_subscribe",
                                        "subscription id is not a string"));
    const SubId id = next_sub++;
    sub.server_id = r->get<std::string>();
    server_ids[sub.server_id] = id;
    subs.emplace(id, std::move(sub));
    return id;
  }

  std::string url;
  std::string redacted;
  ParsedUrl parsed;
  WsOptions options;
  // One thread only (the header's contract), so Asio may skip its locks.
  asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  asio::ssl::context ssl_ctx{asio::ssl::context::tls_client};
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  beast::flat_buffer buffer;
  std::deque<std::string> outq;
  bool writing = false;
  bool reading = false;      // an Asio read is pending
  bool direct = false;       // direct mode on this connection (see the header)
  bool subscribing = false;  // an eth_subscribe is in flight
  Clock::time_point last_message{};  // the last message read (direct mode's idle check)
  std::array<unsigned char, kPeekBytes> peek{};
  bool is_connected = false;
  bool ever_connected = false;
  uint64_t generation = 0;
  int retries = 0;
  Clock::time_point next_attempt{};
  std::mt19937_64 rng{std::random_device{}()};
  Waiter* waiter = nullptr;
  uint64_t next_internal_id = kInternalIdBase;
  SubId next_sub = 1;
  std::map<SubId, Sub> subs;
  std::unordered_map<std::string, SubId, IdHash, std::equal_to<>> server_ids;
  std::unordered_map<uint64_t, SubId> resubscribing;  // wire id -> handle
  std::deque<Event> events;
  // The log notification fast path (fast_notification): the parser and the
  // Log it fills keep their buffers from one message to the next; a log
  // read while nothing else is queued waits here for poll() instead of
  // being moved into `events`.
  simdjson::dom::parser json;
  Log fast_log;
  std::optional<SubId> fast_pending;
  WsStats stats;
};

WsClient::WsClient(std::string url, WsOptions options) : impl_(std::make_unique<Impl>(std::move(url), options)) {}
WsClient::~WsClient() = default;

RpcResult<void> WsClient::connect() {
  if (impl_->is_connected) return {};
  return impl_->connect_now(impl_->options.connect_timeout);
}

RpcResult<std::string> WsClient::request(std::string_view body, std::chrono::milliseconds timeout, bool is_send) {
  return impl_->request(body, timeout, is_send);
}

RpcResult<SubId> WsClient::subscribe_heads(HeadCallback on_head) {
  Impl::Sub sub;
  sub.on_head = std::move(on_head);
  return impl_->subscribe(std::move(sub));
}

RpcResult<SubId> WsClient::subscribe_logs(const LogFilter& filter, LogCallback on_log) {
  Impl::Sub sub;
  sub.logs = true;
  sub.filter = filter;
  sub.on_log = std::move(on_log);
  return impl_->subscribe(std::move(sub));
}

RpcResult<void> WsClient::unsubscribe(SubId id) {
  auto it = impl_->subs.find(id);
  if (it == impl_->subs.end()) return {};
  const std::string server_id = it->second.server_id;
  impl_->subs.erase(it);
  impl_->server_ids.erase(server_id);
  if (server_id.empty() || !impl_->is_connected) return {};
  const uint64_t wire = impl_->next_internal_id++;
  auto r = impl_->call("eth_unsubscribe", Json{{"jsonrpc", "2.0"}, {"id", wire}, {"method", "eth_unsubscribe"},
                                               {"params", Json::array({server_id})}}.dump());
  if (!r) return std::unexpected(r.error());
  return {};
}

size_t WsClient::poll(std::chrono::milliseconds max_wait) {
  Impl& m = *impl_;
  const auto deadline = Clock::now() + max_wait;
  while (m.events.empty() && !m.fast_pending) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    if (m.is_connected) {
      if (m.direct && !m.subs.empty() && now - m.last_message >= m.options.idle_timeout) {
        m.leave_direct();  // quiet too long: Asio's read pings the node
        continue;
      }
      if (m.direct)
        m.direct_step(m.subs.empty() ? deadline : std::min(deadline, m.last_message + m.options.idle_timeout));
      else
        m.run_until([&] { return !m.events.empty() || m.fast_pending.has_value(); }, deadline);
      continue;
    }
    if (m.ever_connected && !m.options.reconnect) break;
    if (now < m.next_attempt) {
      std::this_thread::sleep_until(std::min(m.next_attempt, deadline));
      continue;
    }
    if (auto c = m.connect_now(m.options.connect_timeout); !c) m.events.emplace_back(c.error());
  }
  size_t delivered = 0;
  if (m.fast_pending) {
    // Read before anything queued now. It stays pending while its callback
    // runs, so a message read meanwhile is queued instead of overwriting it.
    if (auto it = m.subs.find(*m.fast_pending); it != m.subs.end() && it->second.on_log) it->second.on_log(m.fast_log);
    m.fast_pending.reset();
    ++delivered;
  }
  if (m.events.empty()) return delivered;
  std::deque<Event> ready;
  ready.swap(m.events);
  for (auto& ev : ready) {
    if (auto* h = std::get_if<HeadEventMsg>(&ev)) {
      if (auto it = m.subs.find(h->sub); it != m.subs.end() && it->second.on_head) it->second.on_head(h->header);
    } else if (auto* l = std::get_if<LogEventMsg>(&ev)) {
      if (auto it = m.subs.find(l->sub); it != m.subs.end() && it->second.on_log) it->second.on_log(l->log);
    } else if (std::holds_alternative<ReconnectedMsg>(ev)) {
      if (on_reconnect_) on_reconnect_();
    } else if (on_error_) {
      on_error_(std::get<RpcError>(ev));
    }
  }
  return delivered + ready.size();
}

bool WsClient::connected() const noexcept { return impl_->is_connected; }
const WsStats& WsClient::stats() const noexcept { return impl_->stats; }
std::string WsClient::url() const { return impl_->redacted; }

}  // namespace perpx::chain
