// perpx bench tick-to-wire: see tick_to_wire.hpp for what is measured and how.
#include "tick_to_wire.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "cli.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/ws.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/core/metrics.hpp"
#include "perpx/executor/fees.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/executor/metrics.hpp"
#include "perpx/executor/nonces.hpp"
#include "perpx/executor/risk.hpp"
#include "perpx/oracle/pipeline.hpp"
#include "perpx/ops/log.hpp"
#include "perpx/oracle/price.hpp"
#include "perpx/signer/presign.hpp"
#include "perpx/signer/txn.hpp"
#include "perpx/strategies/hedger.hpp"
#include "perpx/venues/ref_venue.hpp"

namespace perpx::app::t2w {

constinit thread_local Probe t_probe{};
std::atomic<bool> g_hooks_linked{false};
// Without the hooks (sanitizer builds) the window opens when the node starts
// writing the frame (a little earlier than its first byte is read).
std::atomic<int64_t> g_frame_written_ns{0};

namespace {

using Clock = std::chrono::steady_clock;
using core::I256;
using core::U256;
using core::kWad;

int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// The bench's well-known test key (never holds funds) and a made-up chain.
constexpr std::string_view kKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr uint64_t kChainId = 31337;
constexpr uint64_t kGasLimit = 350'000;
constexpr uint64_t kT0 = 1'700'000'000;     // first event's updatedAt (s)
constexpr int64_t kCenterE8 = 3000'00000000;  // ETH/USD 3000, Chainlink's 8 decimals
constexpr uint64_t kFlowWad = 5;            // each event's outside flow, ETH: moves delta out of the band
constexpr std::string_view kMarket = "ETH-PERP";
constexpr std::string_view kSubscription = "0x9cef478923ff08bf67fde6c64013158d";

core::Address aggregator() { return take(core::parse_address("0x5fc8d32690cc91d4c39d9d3abcbd16989f875707"), "aggregator"); }
core::Address venue_address() { return take(core::parse_address("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"), "venue"); }

// The price of event i (8 decimals): alternately 0.5% above and below 3000,
// with a small drift so no two neighbours repeat (the oracle's frozen check).
int64_t price_e8(uint64_t i) {
  const int64_t swing = kCenterE8 / 200;
  const int64_t drift = static_cast<int64_t>(i % 13) * 1'000'000;  // up to 0.12 USD
  return kCenterE8 + ((i % 2) ? swing : -swing) + drift;
}

// ---- the loopback node ----------------------------------------------------------

std::string word_hex(uint64_t v) {
  char buf[67] = "0x";
  std::snprintf(buf + 2, sizeof buf - 2, "%064llx", static_cast<unsigned long long>(v));
  return buf;
}
std::string int256_hex(int64_t v) {
  if (v >= 0) return word_hex(static_cast<uint64_t>(v));
  char buf[67] = "0x";
  std::snprintf(buf + 2, sizeof buf - 2, "%048llx%016llx", ~0ull, static_cast<unsigned long long>(v));
  return buf;
}

// One eth_subscription notification in the `logs` format (as geth and anvil
// send it): AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt).
std::string log_frame(uint64_t i) {
  const std::string block = word_hex(0xb10c0000 + i);
  std::string f;
  f.reserve(1024);
  f += R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":")";
  f += kSubscription;
  f += R"(","result":{"address":")";
  f += core::to_hex(aggregator().view());
  f += R"(","topics":[")";
  f += core::to_hex(chain::answer_updated_topic());
  f += R"(",")";
  f += int256_hex(price_e8(i));
  f += R"(",")";
  f += word_hex(i + 1);
  f += R"("],"data":")";
  f += word_hex(kT0 + i);
  char num[32];
  std::snprintf(num, sizeof num, "0x%llx", static_cast<unsigned long long>(1000 + i));
  f += R"(","blockNumber":")";
  f += num;
  f += R"(","transactionHash":")";
  f += word_hex(0x7a000000 + i);
  f += R"(","transactionIndex":"0x0","blockHash":")";
  f += block;
  f += R"(","logIndex":"0x0","removed":false}}})";
  return f;
}

int listen_loopback(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("bench tick-to-wire: socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    fail("bench tick-to-wire: cannot listen on 127.0.0.1");
  port = ntohs(a.sin_port);
  return fd;
}

void set_nodelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Waits up to 10 s for fd to be readable; false on timeout.
bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 10'000) > 0;
}

// One HTTP/1.1 request (headers and a Content-Length body) from a buffer
// that may hold more; the body, or nullopt when the peer closed or stalled.
// spin: wait by retrying a non-blocking recv (as a node on another machine
// would be waiting, the engine's send then pays no wake-up of this thread),
// else in poll().
std::optional<std::string> read_http_message(int fd, std::string& buf, bool spin) {
  for (;;) {
    const size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = buf.substr(0, end);
      std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
      const size_t at = head.find("content-length:");
      size_t len = 0;
      if (at != std::string::npos) {
        size_t p = at + 15;
        while (p < head.size() && head[p] == ' ') ++p;
        std::from_chars(head.data() + p, head.data() + head.size(), len);
      }
      if (buf.size() >= end + 4 + len) {
        std::string body = buf.substr(end + 4, len);
        buf.erase(0, end + 4 + len);
        return body;
      }
    }
    char tmp[8192];
    ssize_t r = -1;
    if (spin) {
      const auto give_up = Clock::now() + std::chrono::seconds(10);
      while ((r = ::recv(fd, tmp, sizeof tmp, MSG_DONTWAIT)) < 0 && (errno == EAGAIN || errno == EINTR))
        if (Clock::now() > give_up) return std::nullopt;
    } else {
      if (!wait_readable(fd)) return std::nullopt;
      r = ::recv(fd, tmp, sizeof tmp, 0);
    }
    if (r <= 0) return std::nullopt;
    buf.append(tmp, static_cast<size_t>(r));
  }
}

// Plays a node on loopback: the WebSocket for the subscription (Beast, sync)
// and HTTP for eth_sendRawTransaction; one frame out, then waits for the
// transaction, answers it with its hash, pauses gap_us, and the next.
class LoopbackNode {
 public:
  LoopbackNode(uint64_t total, uint64_t gap_us, bool spin) : total_(total), gap_us_(gap_us), spin_(spin) {
    ws_listen_ = listen_loopback(ws_port_);
    http_listen_ = listen_loopback(http_port_);
    bodies_.reserve(total);
  }
  ~LoopbackNode() {
    if (thread_.joinable()) thread_.join();
    for (int fd : {ws_listen_, http_listen_, http_fd_})
      if (fd >= 0) ::close(fd);
  }
  LoopbackNode(const LoopbackNode&) = delete;
  LoopbackNode& operator=(const LoopbackNode&) = delete;

  [[nodiscard]] uint16_t ws_port() const noexcept { return ws_port_; }
  [[nodiscard]] uint16_t http_port() const noexcept { return http_port_; }
  void start() { thread_ = std::thread([this] { run(); }); }
  // The engine is subscribed and waiting: the first frame may go.
  void go() { go_.store(true, std::memory_order_release); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // What the node saw: request bodies in order, and its error if it stopped early.
  [[nodiscard]] const std::vector<std::string>& bodies() const noexcept { return bodies_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  void run() {
    namespace net = boost::asio;
    namespace websocket = boost::beast::websocket;
    try {
      if (!wait_readable(http_listen_)) return void(error_ = "no HTTP connection");
      http_fd_ = ::accept4(http_listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (http_fd_ < 0) return void(error_ = "HTTP accept failed");
      set_nodelay(http_fd_);
      if (!wait_readable(ws_listen_)) return void(error_ = "no WebSocket connection");
      const int ws_fd = ::accept4(ws_listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (ws_fd < 0) return void(error_ = "WebSocket accept failed");
      set_nodelay(ws_fd);
      net::io_context ioc;
      websocket::stream<net::ip::tcp::socket> ws(ioc);
      ws.next_layer().assign(net::ip::tcp::v4(), ws_fd);
      ws.accept();
      ws.text(true);
      // eth_subscribe("logs", filter) -> our subscription id.
      boost::beast::flat_buffer in;
      ws.read(in);
      auto req = core::parse_json(boost::beast::buffers_to_string(in.data()));
      if (!req || !req->is_object() || req->value("method", "") != "eth_subscribe" ||
          !(*req)["params"].is_array() || (*req)["params"][0] != "logs")
        return void(error_ = "expected eth_subscribe(\"logs\", ...)");
      const core::Json reply{{"jsonrpc", "2.0"}, {"id", (*req)["id"]}, {"result", std::string(kSubscription)}};
      const std::string reply_text = reply.dump();
      ws.write(net::buffer(reply_text));

      std::string http_buf;
      const auto give_up = Clock::now() + std::chrono::seconds(10);
      while (!go_.load(std::memory_order_acquire)) {
        if (Clock::now() > give_up) return void(error_ = "the engine never started");
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      for (uint64_t i = 0; i < total_; ++i) {
        const std::string frame = log_frame(i);
        g_frame_written_ns.store(now_ns(), std::memory_order_release);  // before: the engine may read it at once
        ws.write(net::buffer(frame));
        auto body = read_http_message(http_fd_, http_buf, spin_);
        if (!body) return void(error_ = "no transaction for event " + std::to_string(i));
        std::string answer = answer_send(*body);
        bodies_.push_back(std::move(*body));
        for (size_t off = 0; off < answer.size();) {
          const ssize_t w = ::send(http_fd_, answer.data() + off, answer.size() - off, MSG_NOSIGNAL);
          if (w <= 0) return void(error_ = "HTTP reply failed");
          off += static_cast<size_t>(w);
        }
        if (gap_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(gap_us_));
      }
      boost::system::error_code ignored;
      ws.next_layer().close(ignored);  // no close handshake: the engine has stopped reading
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  // The node's answer to eth_sendRawTransaction: the keccak of the raw bytes.
  static std::string answer_send(const std::string& body) {
    std::string result = R"("error":{"code":-32602,"message":"bad request"})";
    uint64_t id = 0;
    if (auto j = core::parse_json(body); j && j->is_object() && j->value("method", "") == "eth_sendRawTransaction" &&
                                         (*j)["params"].is_array() && (*j)["params"][0].is_string()) {
      id = (*j)["id"].is_number_unsigned() ? (*j)["id"].get<uint64_t>() : 0;
      if (auto raw = core::parse_hex((*j)["params"][0].get<std::string>()))
        result = "\"result\":\"" + core::to_hex(core::keccak256(*raw)) + "\"";
    }
    const std::string json = "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) + "," + result + "}";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
           "\r\n\r\n" + json;
  }

  uint64_t total_;
  uint64_t gap_us_;
  bool spin_;
  int ws_listen_ = -1;
  int http_listen_ = -1;
  int http_fd_ = -1;
  uint16_t ws_port_ = 0;
  uint16_t http_port_ = 0;
  std::vector<std::string> bodies_;
  std::string error_;
  std::atomic<bool> go_{false};
  std::thread thread_;
};

// ---- the wire: eth_sendRawTransaction over HTTP keep-alive ----------------------

// Writes a prebuilt request around the raw transaction into one fixed
// buffer and sends it in one write: no allocation, one system call. The
// reply is read later (read_reply), outside the measured window.
class WireSender {
 public:
  explicit WireSender(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), port_(port) {
    if (fd_ < 0) fail("bench tick-to-wire: socket failed");
    set_nodelay(fd_);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      fail("bench tick-to-wire: cannot connect to the loopback node");
  }
  ~WireSender() { ::close(fd_); }
  WireSender(const WireSender&) = delete;
  WireSender& operator=(const WireSender&) = delete;

  // Sends the request for `raw` with JSON-RPC id `id`; false if the socket failed.
  bool send(uint64_t id, core::ByteView raw) noexcept {
    constexpr std::string_view kBodyHead = R"({"jsonrpc":"2.0","id":)";
    constexpr std::string_view kBodyMid = R"(,"method":"eth_sendRawTransaction","params":["0x)";
    constexpr std::string_view kBodyTail = R"("]})";
    char id_text[24];
    const auto id_end = std::to_chars(id_text, id_text + sizeof id_text, id).ptr;
    const size_t id_len = static_cast<size_t>(id_end - id_text);
    const size_t body_len = kBodyHead.size() + id_len + kBodyMid.size() + 2 * raw.size() + kBodyTail.size();
    char* p = req_.data();
    char* const end = req_.data() + req_.size();
    const int head = std::snprintf(p, req_.size(),
                                   "POST / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: application/json\r\n"
                                   "Content-Length: %zu\r\n\r\n",
                                   static_cast<unsigned>(port_), body_len);
    if (head <= 0 || static_cast<size_t>(head) + body_len > req_.size()) return false;
    p += head;
    auto put = [&](std::string_view s) { p = std::copy(s.begin(), s.end(), p); };
    put(kBodyHead);
    put(std::string_view(id_text, id_len));
    put(kBodyMid);
    core::hex_digits_into(p, raw);
    p += 2 * raw.size();
    put(kBodyTail);
    (void)end;
    const size_t total = static_cast<size_t>(p - req_.data());
    for (size_t off = 0; off < total;) {
      const ssize_t w = ::send(fd_, req_.data() + off, total - off, MSG_NOSIGNAL);
      if (w <= 0) return false;
      off += static_cast<size_t>(w);
    }
    return true;
  }

  // The reply to the last request: its "result" string, or empty.
  std::string_view read_reply() {
    size_t have = 0;
    size_t need = SIZE_MAX;
    while (have < need) {
      if (have == reply_.size() || !wait_readable(fd_)) return {};
      const ssize_t r = ::recv(fd_, reply_.data() + have, reply_.size() - have, 0);
      if (r <= 0) return {};
      have += static_cast<size_t>(r);
      const std::string_view v(reply_.data(), have);
      const size_t hend = v.find("\r\n\r\n");
      if (hend == std::string_view::npos) continue;
      const size_t cl = v.find("Content-Length: ");
      if (cl == std::string_view::npos || cl > hend) return {};
      size_t len = 0;
      std::from_chars(v.data() + cl + 16, v.data() + hend, len);
      need = hend + 4 + len;
    }
    const std::string_view v(reply_.data(), have);
    constexpr std::string_view kResult = R"("result":")";
    const size_t at = v.find(kResult);
    if (at == std::string_view::npos) return {};
    const size_t close = v.find('"', at + kResult.size());
    return close == std::string_view::npos ? std::string_view{} : v.substr(at + kResult.size(), close - at - kResult.size());
  }

 private:
  int fd_;
  uint16_t port_;
  std::array<char, 4096> req_{};
  std::array<char, 4096> reply_{};
};

// ---- the engine -------------------------------------------------------------------

// Stage boundaries of one event, in order: the first read, the callback
// (WsClient parsed and delivered the log), oracle (decoded + pipeline),
// strategy, risk (kill switch + gate), nonce and fees (+ calldata), sign
// (+ hash), send (last byte written).
enum Stage : size_t { kRead, kParse, kOracle, kStrategy, kRisk, kNonceFee, kSign, kSend, kStageCount };
constexpr std::array<std::string_view, kStageCount> kStageNames{"read",     "parse", "oracle", "strategy",
                                                                "risk", "nonce_fee", "sign",  "send"};

struct EventRecord {
  std::array<int64_t, kStageCount> t{};       // ns
  std::array<uint32_t, kStageCount> allocs{}; // cumulative allocations at each boundary
  uint32_t reads = 0, writes = 0, waits = 0, lock_waits = 0;
  uint32_t involuntary_switches = 0, voluntary_switches = 0, page_faults = 0;
  bool instrumented = false;
  bool sent = false;
  [[nodiscard]] int64_t latency_ns() const noexcept { return t[kSend] - t[kRead]; }
};

struct ThreadUsage {
  long nivcsw = 0, nvcsw = 0, minflt = 0, majflt = 0;
};
ThreadUsage thread_usage() noexcept {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return {u.ru_nivcsw, u.ru_nvcsw, u.ru_minflt, u.ru_majflt};
}

// 1e9-scaled oracle price -> 1e18 U256 (positive prices only: ETH/USD).
U256 wad_of(oracle::Price p) { return U256{static_cast<uint64_t>(p.raw)} * U256{1'000'000'000}; }

venues::RefModel make_model() {
  venues::VenueParams vp;
  vp.liquidation_reward = U256{10'000'000'000'000'000ull};
  const U256 im{100'000'000'000'000'000ull}, mm{50'000'000'000'000'000ull}, fee{500'000'000'000'000ull},
      fund{100'000'000'000'000'000ull};
  std::vector<venues::MarketParams> ms = {{std::string(kMarket), U256{1'000'000} * kWad, im, mm, fee, fund}};
  return venues::RefModel(vp, ms, kT0 - 1);
}

executor::RiskConfig risk_config() {
  executor::RiskConfig c;
  c.max_gross_usd = U256{10'000'000} * kWad;
  c.max_net_usd = U256{10'000'000} * kWad;
  c.daily_loss_usd = U256{1'000'000} * kWad;
  c.max_orders_per_second = 20;
  c.margin_buffer_bps = 2000;
  c.defaults.max_order_size = U256{50} * kWad;
  c.defaults.max_position = U256{200} * kWad;
  c.defaults.max_leverage = U256{10} * kWad;
  c.defaults.price_band_bps = 200;
  return c;
}

// The cached fee view: what the last eth_feeHistory said (1 gwei base fees,
// tips at the four percentiles), refreshed off the hot path in a real run.
chain::FeeHistory cached_fee_history() {
  chain::FeeHistory h;
  h.oldest_block = 1000;
  const U256 gwei{1'000'000'000};
  h.base_fee_per_gas.assign(5, gwei);
  h.gas_used_ratio.assign(4, 0.5);
  h.reward.assign(4, {gwei, gwei * U256{2}, gwei * U256{3}, gwei * U256{5}});
  return h;
}

class Engine {
 public:
  Engine(uint64_t total, WireSender& wire, ops::Logger& logger, bool rfc6979)
      : key_(take(signer::SecretKey::from_hex(kKey), "bench tick-to-wire: key")),
        sender_(signer::address_of(key_)),
        rfc6979_(rfc6979),
        nonce_pool_(key_, 4),
        pipeline_(oracle::MarketParams{.quorum = 1}),
        gate_(risk_config()),
        nonces_(0),
        history_(cached_fee_history()),
        wire_(wire),
        logger_(logger),
        records_(total),
        feed_{aggregator(), 8},
        accepted_(core::default_registry().counter("perpx_oracle_samples_total", "Oracle samples by outcome",
                                                   {{"outcome", "accepted"}})),
        approved_(core::default_registry().counter("perpx_risk_approved_total", "Orders the risk gate approved")) {
    source_ = pipeline_.add_source("chainlink:eth-usd");
    strategies::Book book;
    book.model = make_model();
    book.account = sender_;
    book.prices = {U256{3000} * kWad};
    book.time_us = (kT0 - 1) * 1'000'000;
    // Starts out of the band (long spot), so the first price already hedges.
    book.spot.emplace("WETH/USD", I256{static_cast<int64_t>(kFlowWad)} * core::kWadI);
    hedger_ = std::make_unique<strategies::DeltaHedger>(strategies::HedgerConfig{}, book);
    account_.venue = "ref";
    account_.equity = I256::from_u256(U256{1'000'000} * kWad);
    account_.positions.push_back(executor::PositionView{std::string(kMarket), I256{0}, U256{}});
    markets_.push_back(executor::MarketView{std::string(kMarket), std::nullopt, U256{20} * kWad,
                                            U256{50'000'000'000'000'000ull}});
    txn_.type = signer::TxnType::kDynamicFee;
    txn_.chain_id = kChainId;
    txn_.gas_limit = kGasLimit;
    txn_.to = venue_address();
    txn_.data.reserve(venues::kPlaceOrderLength);
    raw_.reserve(512);
    scratch_.reserve(512);
    if (!rfc6979_) nonce_pool_.refill();
  }

  [[nodiscard]] const core::Address& sender() const noexcept { return sender_; }
  [[nodiscard]] const std::vector<EventRecord>& records() const noexcept { return records_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] const signer::NoncePool& nonce_pool() const noexcept { return nonce_pool_; }

  // The next event: instrumented (metrics on) or not.
  void begin(uint64_t index, bool instrumented) {
    index_ = index;
    rec_ = &records_[index];
    rec_->instrumented = instrumented;
    usage0_ = thread_usage();
    t_probe = Probe{};
    t_probe.armed = true;
  }

  // WsClient's log callback: the hot path from the parsed log to the wire.
  void on_log(const chain::Log& log) {
    EventRecord& r = *rec_;
    stamp(kParse);
    if (t_probe.armed && t_probe.first_read_ns == 0 && !g_hooks_linked.load(std::memory_order_relaxed))
      t_probe.first_read_ns = g_frame_written_ns.load(std::memory_order_acquire);
    if (!t_probe.armed || t_probe.first_read_ns == 0) return void(error_ = "a log outside an event window");
    r.t[kRead] = t_probe.first_read_ns;

    auto sample = chain::decode_answer_updated(log, feed_.decimals);
    if (!sample) return void(error_ = "decode: " + std::string(chain::describe(sample.error().code)));
    auto price = oracle::from_fixed(sample->price);
    if (!price) return void(error_ = "price out of range");
    const oracle::Sample s{source_, static_cast<int64_t>(sample->publish_time) * oracle::kMicrosPerSecond, *price,
                           std::nullopt, sample->round_id.w[0], sample->answered_in_round.w[0], sample->block_number};
    const oracle::Decision d = pipeline_.process(s);
    const uint64_t now_ms = sample->publish_time * 1000;
    if (!d.accepted) {
      (void)kill_.on_oracle_rejected(kMarket, "rejected", now_ms);
      return void(error_ = "oracle rejected event " + std::to_string(index_));
    }
    if (!d.reference || !d.mark) return void(error_ = "oracle: no quorum");
    if (r.instrumented) {
      accepted_.inc();
      logger_.log(ops::Level::kInfo, "oracle.accepted",
                  {{"source", "chainlink"}, {"round", s.round_id}, {"price_e9", price->raw}});
    }
    stamp(kOracle);

    const U256 reference = wad_of(*d.reference);
    strategies::PriceEvent pe{std::string(kMarket), reference, reference, sample->publish_time * 1'000'000};
    decisions_ = hedger_->on_event(strategies::Event{std::move(pe)});
    if (decisions_.empty()) return void(error_ = "the hedger did not trade on event " + std::to_string(index_));
    const executor::Order& order = decisions_.front().order;
    stamp(kStrategy);

    markets_[0].mark = wad_of(*d.mark);
    const executor::RiskInputs in{account_, markets_, projection(order), kill_.state(), now_ms};
    auto approved = gate_.check(order, in, fencing_);
    if (!approved) return void(error_ = "risk: " + std::string(executor::deny_reason_name(approved.error().reason)) + ": " +
                                        approved.error().detail);
    gate_.record(*approved, now_ms);
    if (r.instrumented) approved_.inc();
    stamp(kRisk);

    const uint64_t nonce = nonces_.reserve();
    const executor::FeeInputs fi{&history_, std::nullopt, kChainId, kGasLimit, order.size};
    auto fee = fees_.quote(order.urgency, fi);
    if (!fee) return void(error_ = "fees: " + std::string(executor::describe(fee.error())));
    txn_.nonce = nonce;
    txn_.max_fee_per_gas = fee->max_fee_per_gas;
    txn_.max_priority_fee_per_gas = fee->max_priority_fee_per_gas;
    venues::VenueOrder vo;
    vo.market = 0;
    vo.size_delta = executor::signed_size(order);
    vo.limit_price = order.limit_price;
    vo.deadline = sample->publish_time + 60;
    txn_.data.clear();
    venues::append_place_order(txn_.data, vo);  // the adapter's encoder: no allocation into the reserved buffer
    stamp(kNonceFee);

    if (rfc6979_)
      signer::sign_and_encode(raw_, scratch_, txn_, key_);
    else
      signer::sign_and_encode(raw_, scratch_, txn_, nonce_pool_);
    hash_ = core::keccak256(raw_);
    (void)nonces_.sent(nonce, hash_);
    if (r.instrumented)
      logger_.log(ops::Level::kInfo, "order.signed",
                  {{"client_id", order.client_id}, {"nonce", nonce}, {"side", executor::side_name(order.side)},
                   {"urgency", executor::urgency_name(order.urgency)}, {"path", "public"}});
    stamp(kSign);

    if (!wire_.send(nonce + 1, raw_)) return void(error_ = "send failed");
    r.t[kSend] = now_ns();
    r.allocs[kSend] = static_cast<uint32_t>(t_probe.allocs);
    if (r.instrumented) {
      executor::metrics::order_state("sent", executor::Path::kPublic);  // the executor's own series
      executor::metrics::tick_to_wire(std::chrono::nanoseconds(r.t[kSend] - r.t[kRead]));
    }
    const Probe p = t_probe;
    t_probe.armed = false;
    const ThreadUsage u = thread_usage();
    r.reads = static_cast<uint32_t>(p.reads);
    r.writes = static_cast<uint32_t>(p.writes);
    r.waits = static_cast<uint32_t>(p.waits);
    r.lock_waits = static_cast<uint32_t>(p.lock_waits);
    r.involuntary_switches = static_cast<uint32_t>(u.nivcsw - usage0_.nivcsw);
    r.voluntary_switches = static_cast<uint32_t>(u.nvcsw - usage0_.nvcsw);
    r.page_faults = static_cast<uint32_t>((u.minflt - usage0_.minflt) + (u.majflt - usage0_.majflt));
    r.sent = true;
    pending_ = Pending{nonce, order.client_id, executor::signed_size(order), order.limit_price, sample->publish_time,
                       sample->block_number};
  }

  // After the window: the node's reply, then the chain's news for the hedge
  // (its fill, inclusion, finality) and the next outside flow, so the
  // hedger trades again on the next price.
  void settle(WireSender& wire) {
    t_probe.armed = false;
    if (!rfc6979_) nonce_pool_.refill();  // the next signature's nonce, made here, between events
    if (!error_.empty() || !pending_) return;
    const Pending p = *pending_;
    pending_.reset();
    const std::string_view result = wire.read_reply();
    if (result != core::to_hex(hash_)) return void(error_ = "the node answered another hash for nonce " + std::to_string(p.nonce));
    const uint64_t time_us = p.time_s * 1'000'000 + 500'000;
    (void)hedger_->on_event(strategies::Event{strategies::FillEvent{p.client_id, std::string(kMarket), p.size,
                                                                     p.price, time_us}});
    // Alternating flow: the hedges alternate sell (even nonces), buy (odd).
    const int64_t flow = (p.nonce % 2 == 0) ? -static_cast<int64_t>(kFlowWad) : static_cast<int64_t>(kFlowWad);
    (void)hedger_->on_event(strategies::Event{strategies::FillEvent{"flow-" + std::to_string(p.nonce), "WETH/USD",
                                                                     I256{flow} * core::kWadI, U256{3000} * kWad,
                                                                     time_us}});
    auto& pos = account_.positions[0];
    pos.size += p.size;
    pos.notional = pos.size.abs() * p.price / kWad;
    (void)nonces_.included(p.nonce, p.block, chain::Hash32{}, hash_);
    nonces_.finalized(p.block);
  }

 private:
  struct Pending {
    uint64_t nonce = 0;
    std::string client_id;
    I256 size;
    U256 price;
    uint64_t time_s = 0;
    uint64_t block = 0;
  };

  void stamp(Stage s) noexcept {
    rec_->t[s] = now_ns();
    rec_->allocs[s] = static_cast<uint32_t>(t_probe.allocs);
  }

  // The account after the order fills at its limit: equity unchanged, maintenance at 5% of the new notional.
  executor::Projection projection(const executor::Order& o) const {
    const I256 after = account_.positions[0].size + executor::signed_size(o);
    return {account_.equity, after.abs() * o.limit_price / kWad * U256{5} / U256{100}};
  }

  signer::SecretKey key_;
  core::Address sender_;
  bool rfc6979_;
  signer::NoncePool nonce_pool_;
  oracle::Pipeline pipeline_;
  oracle::SourceId source_ = 0;
  std::unique_ptr<strategies::DeltaHedger> hedger_;
  std::vector<strategies::Decision> decisions_;
  executor::KillSwitch kill_;
  executor::RiskGate gate_;
  executor::Fencing fencing_;
  executor::AccountView account_;
  std::vector<executor::MarketView> markets_;
  executor::NonceManager nonces_;
  executor::FeePolicy fees_;
  chain::FeeHistory history_;
  signer::Txn txn_;
  core::Bytes raw_, scratch_;
  core::Hash32 hash_;
  WireSender& wire_;
  ops::Logger& logger_;
  std::vector<EventRecord> records_;
  EventRecord* rec_ = nullptr;
  uint64_t index_ = 0;
  ThreadUsage usage0_;
  std::optional<Pending> pending_;
  chain::ChainlinkFeed feed_;
  std::string error_;
  core::Counter& accepted_;
  core::Counter& approved_;
};

// ---- figures ----------------------------------------------------------------------

double nearest_rank_us(const std::vector<int64_t>& sorted, double p) {
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1]) / 1000.0;
}

// The figures of one mode's events (instrumented or not).
core::Json summarize(const std::vector<const EventRecord*>& evs, bool hooks) {
  std::vector<int64_t> ns;
  ns.reserve(evs.size());
  for (const auto* e : evs) ns.push_back(e->latency_ns());
  std::sort(ns.begin(), ns.end());
  core::Json j;
  j["events"] = evs.size();
  j["p50_us"] = nearest_rank_us(ns, 0.50);
  j["p99_us"] = nearest_rank_us(ns, 0.99);
  j["p999_us"] = nearest_rank_us(ns, 0.999);
  j["max_us"] = static_cast<double>(ns.back()) / 1000.0;
  // Jitter: events over 1 ms (and over 100 us, the target), by cause. An
  // event may have several causes; "unexplained" has none of them.
  // A system call beyond what a typical event makes (the median of each count).
  auto median_of = [&](auto field) {
    std::vector<uint32_t> v;
    v.reserve(evs.size());
    for (const auto* e : evs) v.push_back(field(*e));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const uint32_t usual_reads = median_of([](const EventRecord& e) { return e.reads; });
  const uint32_t usual_writes = median_of([](const EventRecord& e) { return e.writes; });
  const uint32_t usual_waits = median_of([](const EventRecord& e) { return e.waits; });
  auto causes = [&](int64_t limit_ns) {
    uint64_t over = 0, alloc = 0, preempted = 0, faults = 0, syscalls = 0, locks = 0, unexplained = 0;
    for (const auto* e : evs) {
      if (e->latency_ns() <= limit_ns) continue;
      ++over;
      const bool a = hooks && e->allocs[kSend] > 0;
      const bool pr = e->involuntary_switches > 0;
      const bool f = e->page_faults > 0;
      const bool s = hooks && (e->reads > usual_reads || e->writes > usual_writes || e->waits > usual_waits);
      const bool l = hooks && e->lock_waits > 0;
      alloc += a;
      preempted += pr;
      faults += f;
      syscalls += s;
      locks += l;
      unexplained += !(a || pr || f || s || l);
    }
    return std::array<uint64_t, 7>{over, alloc, preempted, faults, syscalls, locks, unexplained};
  };
  const auto ms = causes(1'000'000);
  j["over_1ms"] = ms[0];
  j["over_1ms_with_alloc"] = ms[1];
  j["over_1ms_preempted"] = ms[2];
  j["over_1ms_page_fault"] = ms[3];
  j["over_1ms_extra_syscalls"] = ms[4];
  j["over_1ms_lock_wait"] = ms[5];
  j["over_1ms_unexplained"] = ms[6];
  const auto us100 = causes(100'000);
  j["over_100us"] = us100[0];
  j["over_100us_preempted"] = us100[2];
  j["over_100us_unexplained"] = us100[6];
  // Per event, averaged: allocations per stage, system calls, context switches.
  const double n = static_cast<double>(evs.size());
  if (hooks) {
    core::Json allocs = core::Json::object();
    for (size_t s = kParse; s < kStageCount; ++s) {
      double sum = 0;
      for (const auto* e : evs) sum += e->allocs[s] - e->allocs[s - 1];
      allocs[std::string(kStageNames[s])] = sum / n;
    }
    double total = 0, reads = 0, writes = 0, waits = 0, locks = 0, with_alloc = 0;
    for (const auto* e : evs) {
      total += e->allocs[kSend];
      with_alloc += e->allocs[kSend] > 0;
      reads += e->reads;
      writes += e->writes;
      waits += e->waits;
      locks += e->lock_waits;
    }
    j["allocs_per_event"] = total / n;
    j["allocs_per_event_by_stage"] = allocs;
    j["events_with_alloc"] = with_alloc;
    j["syscalls_per_event"] = {{"reads", reads / n}, {"writes", writes / n}, {"waits", waits / n}};
    j["lock_waits"] = locks;
  }
  double inv = 0, faults = 0;
  for (const auto* e : evs) {
    inv += e->involuntary_switches;
    faults += e->page_faults;
  }
  j["involuntary_switches_per_event"] = inv / n;
  j["page_faults_per_event"] = faults / n;
  // Each stage's own time.
  core::Json stages = core::Json::object();
  for (size_t s = kParse; s < kStageCount; ++s) {
    std::vector<int64_t> d;
    d.reserve(evs.size());
    for (const auto* e : evs) d.push_back(e->t[s] - e->t[s - 1]);
    std::sort(d.begin(), d.end());
    stages[std::string(kStageNames[s])] = {{"p50_us", nearest_rank_us(d, 0.5)}, {"p99_us", nearest_rank_us(d, 0.99)}};
  }
  j["stages"] = stages;
  return j;
}

// Every transaction the node received: it decodes strictly, the signer
// recovers our sender, and its nonce is its place in the stream.
uint64_t verify_txns(const std::vector<std::string>& bodies, const core::Address& sender, std::ofstream* dump) {
  uint64_t ok = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    auto j = core::parse_json(bodies[i]);
    if (!j || !j->is_object() || !(*j)["params"].is_array() || !(*j)["params"][0].is_string()) continue;
    const std::string hex = (*j)["params"][0].get<std::string>();
    if (dump) *dump << hex << '\n';
    auto raw = core::parse_hex(hex);
    if (!raw) continue;
    auto st = signer::decode_raw(*raw);
    if (!st) continue;
    auto from = signer::recover_sender(*st);
    if (from && *from == sender && st->txn.nonce == i && st->txn.chain_id == U256{kChainId}) ++ok;
  }
  return ok;
}

}  // namespace

core::Json run_tick_to_wire(const Options& o) {
  const uint64_t total = o.warmup + 2 * o.events;
  // Pinning: the threads started below (the node, the log writer) inherit
  // the other CPUs; this thread, the engine, then moves to the last one.
  cpu_set_t all{};
  const bool pin = o.pin && sched_getaffinity(0, sizeof all, &all) == 0 && CPU_COUNT(&all) >= 2;
  int engine_cpu = -1;
  if (pin) {
    cpu_set_t others = all;
    for (int c = CPU_SETSIZE - 1; c >= 0; --c)
      if (CPU_ISSET(c, &all)) {
        engine_cpu = c;
        CPU_CLR(c, &others);
        break;
      }
    if (sched_setaffinity(0, sizeof others, &others) != 0) engine_cpu = -1;
  }
  LoopbackNode node(total, o.gap_us, pin);
  node.start();
  WireSender wire(node.http_port());
  // The logger of the instrumented mode: JSON lines to /dev/null (its writer
  // thread formats and writes them; the hot path only queues).
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) fail("bench tick-to-wire: cannot open /dev/null");
  ops::LoggerOptions lo;
  lo.format = ops::LogFormat::kJson;
  lo.fd = devnull;
  std::optional<ops::Logger> logger(std::in_place, lo);
  Engine engine(total, wire, *logger, o.rfc6979);

  chain::WsOptions wo;
  wo.reconnect = false;
  wo.busy_poll = engine_cpu >= 0;
  chain::WsClient ws("ws://127.0.0.1:" + std::to_string(node.ws_port()), wo);
  std::string ws_error;
  ws.on_error([&](const chain::RpcError& e) { ws_error = chain::to_string(e); });
  chain::LogFilter filter;
  filter.addresses = {aggregator()};
  filter.topics = {{chain::answer_updated_topic()}};
  auto sub = ws.subscribe_logs(filter, [&](const chain::Log& log) { engine.on_log(log); });
  if (!sub) {
    node.join();
    fail("bench tick-to-wire: subscribe: " + chain::to_string(sub.error()));
  }

  if (engine_cpu >= 0) {
    cpu_set_t mine{};
    CPU_SET(engine_cpu, &mine);
    if (sched_setaffinity(0, sizeof mine, &mine) != 0) engine_cpu = -1;
  }
  node.go();
  // Warm-up events first, then the two modes alternate in blocks so that the
  // machine's noise falls on both alike.
  constexpr uint64_t kBlock = 500;
  std::string failure;
  uint64_t plain_n = 0, instrumented_n = 0;
  for (uint64_t i = 0; i < total && failure.empty(); ++i) {
    bool instrumented = false;
    if (i >= o.warmup) {
      // Blocks of kBlock alternate; once one mode has its events the rest are the other's.
      instrumented = ((i - o.warmup) / kBlock) % 2 == 1;
      if (plain_n == o.events) instrumented = true;
      if (instrumented_n == o.events) instrumented = false;
      ++(instrumented ? instrumented_n : plain_n);
    }
    engine.begin(i, instrumented);
    const size_t delivered = ws.poll(std::chrono::milliseconds(10'000));
    engine.settle(wire);
    if (!engine.error().empty()) failure = engine.error();
    else if (!ws_error.empty()) failure = ws_error;
    else if (delivered == 0 || !engine.records()[i].sent) failure = "no price event " + std::to_string(i) + " within 10 s";
  }
  t_probe.armed = false;
  node.join();
  if (!failure.empty())
    fail("bench tick-to-wire: " + failure + (node.error().empty() ? "" : " (node: " + node.error() + ")"));
  if (!node.error().empty()) fail("bench tick-to-wire: node: " + node.error());

  std::unique_ptr<std::ofstream> dump;
  if (!o.dump_txns.empty()) {
    dump = std::make_unique<std::ofstream>(o.dump_txns);
    if (!*dump) fail("bench tick-to-wire: --dump-txns: cannot write " + o.dump_txns);
  }
  const uint64_t verified = verify_txns(node.bodies(), engine.sender(), dump.get());

  logger->flush();
  const uint64_t log_written = logger->written(), log_dropped = logger->dropped();
  logger.reset();
  ::close(devnull);

  const bool hooks = g_hooks_linked.load(std::memory_order_relaxed);
  std::vector<const EventRecord*> plain, instrumented;
  for (uint64_t i = o.warmup; i < total; ++i)
    (engine.records()[i].instrumented ? instrumented : plain).push_back(&engine.records()[i]);
  core::Json j = summarize(plain, hooks);
  core::Json with = summarize(instrumented, hooks);
  with["metrics"] = "core::default_registry(): the executor's perpx_tick_to_wire_seconds and perpx_orders_total, 2 counters";
  with["logging"] = "ops::Logger, JSON lines to /dev/null: 2 records per event (oracle.accepted, order.signed)";
  with["log_records_written"] = log_written;
  with["log_records_dropped"] = log_dropped;
  j["with_metrics_logging"] = with;
  j["warmup"] = o.warmup;
  j["txns"] = node.bodies().size();
  j["txns_verified"] = verified;
  j["sender"] = core::to_checksum(engine.sender());
  j["hooks"] = hooks;
  j["window_opens"] = hooks ? "first byte read" : "node starts writing the frame (no hooks)";
  j["gap_us"] = o.gap_us;
  j["engine_cpu"] = engine_cpu;  // -1: not pinned
  j["signing"] = o.rfc6979 ? "RFC 6979 nonce (signer::sign_digest)"
                           : "precomputed nonce (signer::NoncePool, refilled between events)";
  j["presigned"] = engine.nonce_pool().presigned();
  j["presign_fallbacks"] = engine.nonce_pool().fallbacks();
  j["node_waits"] = pin ? "spinning (its wake-up is not on the engine's clock)" : "in poll()";
  if (pin) sched_setaffinity(0, sizeof all, &all);
  return j;
}

void add_tick_to_wire_command(CLI::App& bench) {
  auto o = std::make_shared<Options>();
  auto as_json = std::make_shared<bool>(false);
  auto* cmd = bench.add_subcommand(
      "tick-to-wire", "From a price frame's arrival over WebSocket to its signed hedge written to the node's socket "
                      "(loopback node; parse, oracle, hedger, risk, nonce, fees, sign, send): p50/p99/p99.9/max");
  cmd->add_option("--events", o->events, "measured events per mode (default 10000)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  cmd->add_option("--warmup", o->warmup, "events before measuring (default 1000)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{10'000'000}));
  cmd->add_option("--gap-us", o->gap_us, "the node's pause between events, microseconds (default 100)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1'000'000}));
  cmd->add_flag("--rfc6979", o->rfc6979, "sign with RFC 6979 nonces on the hot path (default: precomputed nonces, signer::NoncePool)");
  cmd->add_flag("!--no-pin", o->pin, "leave the threads where the scheduler puts them (default: the engine alone on the last CPU)");
  cmd->add_option("--dump-txns", o->dump_txns, "write every raw transaction sent (0x hex, one per line) to this file");
  cmd->add_flag("--json", *as_json, "print {\"events\",\"p50_us\",\"p99_us\",\"p999_us\",\"max_us\", ...}");
  cmd->callback([o, as_json] {
    const core::Json j = run_tick_to_wire(*o);
    if (*as_json) return print_json(j);
    const core::Json& w = j["with_metrics_logging"];
    char line[320];
    std::snprintf(line, sizeof line,
                  "tick to wire over %llu events: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us; over 1 ms: %llu",
                  static_cast<unsigned long long>(j["events"].get<uint64_t>()), j["p50_us"].get<double>(),
                  j["p99_us"].get<double>(), j["p999_us"].get<double>(), j["max_us"].get<double>(),
                  static_cast<unsigned long long>(j["over_1ms"].get<uint64_t>()));
    print_line(line);
    std::snprintf(line, sizeof line,
                  "with metrics on:          p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us; over 1 ms: %llu",
                  w["p50_us"].get<double>(), w["p99_us"].get<double>(), w["p999_us"].get<double>(),
                  w["max_us"].get<double>(), static_cast<unsigned long long>(w["over_1ms"].get<uint64_t>()));
    print_line(line);
    std::snprintf(line, sizeof line, "%llu transactions, %llu decode and recover to %s",
                  static_cast<unsigned long long>(j["txns"].get<uint64_t>()),
                  static_cast<unsigned long long>(j["txns_verified"].get<uint64_t>()),
                  j["sender"].get<std::string>().c_str());
    print_line(line);
  });
}

}  // namespace perpx::app::t2w
