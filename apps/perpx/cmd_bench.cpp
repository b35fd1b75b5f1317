// Built-in benchmarks, each measuring perpx beside its floor in one process:
//
// bench sign: signed EIP-1559 transactions per second beside the bare
// libsecp256k1 signature rate, measured in the same run. The two loops
// alternate in short slices (kSlice each) for the whole run, so that noise
// from other processes on a shared machine falls on both alike and their
// ratio stays meaningful even when the absolute rates do not.
//
// bench rtt: eth_blockNumber round trips to a real anvil (LocalChain) over
// HTTP keep-alive with RpcClient + HttpTransport, beside two floors on the
// same node: a bare libcurl easy handle doing the same POST, and a raw TCP
// socket writing a prebuilt HTTP/1.1 request. With chain/ws.hpp present, the
// same over WebSocket: RpcClient over WsTransport and WsClient::request alone
// beside a bare Boost.Beast stream. All take turns in batches on one anvil;
// latencies are percentiles after warm-up (STYLE.md item 12).
//
// bench decode-logs: an eth_getLogs reply (bench/compare writes one with
// 100k Chainlink AnswerUpdated logs) from its raw text to decoded values,
// through core::parse_json + chain::parse_log + decode_answer_updated
// (typed) and through the generic abi decode_log; bench/compare times ethers
// and viem on the same file. A regression here means slower backfills.
//
// bench encode: the EIP-712 digest of one EIP-2612 Permit document (parsed
// once, hashed per op: types, encodeData, keccak) and the reference venue's
// calldata, placeOrder(uint256,int256,uint256,uint256) and placeOrders(Order[])
// with four orders, three ways: the venue adapter (venues::place_order_call,
// typed words, one allocation for the returned bytes), its append form into
// a reserved buffer (venues::append_place_order, no allocation: the hot
// path's form), and the generic codec (chain::encode_call, fragment parsed
// once, Json args; the fallback for ABIs without typed encoders; the three
// outputs are checked equal). Loops interleaved in
// slices; --json prints the rates and the outputs (digest, calldata) so that
// bench/compare can check that ethers and viem produced the same bytes. A
// regression means slower order submission or typed-data signing.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.hpp"
#include "tick_to_wire.hpp"
#include "perpx/chain/abi.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/chain/rpc.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/eip712.hpp"
#include "perpx/signer/txn.hpp"
#include "perpx/venues/ref_venue.hpp"

// The WebSocket rows need chain/ws.hpp (WsClient); without it `bench rtt`
// measures HTTP only.
#if __has_include("perpx/chain/ws.hpp")
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "perpx/chain/ws.hpp"
#define PERPX_BENCH_WS 1
#endif

namespace perpx::app {

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kMaxSeconds = 600;
constexpr auto kSlice = std::chrono::milliseconds(10);

// The benchmark transaction, the same as bench/signer_bench.cpp and
// bench/compare use: an EIP-1559 call on Arbitrum One with 132 bytes of
// calldata (a selector and four words, the shape of a perp order call).
signer::Txn sample_txn() {
  signer::Txn t;
  t.type = signer::TxnType::kDynamicFee;
  t.chain_id = 42161;
  t.nonce = 42;
  t.max_priority_fee_per_gas = 1'000'000;
  t.max_fee_per_gas = 120'000'000;
  t.gas_limit = 350'000;
  t.to = take(core::parse_address("0x5fbdb2315678afecb367f032d93f642f64180aa3"), "bench: to");
  t.value = 0;
  t.data = take(core::parse_hex("0x3d7403a3"
                                "0000000000000000000000000000000000000000000000000000000000000001"
                                "0000000000000000000000000000000000000000000000000de0b6b3a7640000"
                                "00000000000000000000000000000000000000000000006c6b935b8bbd400000"
                                "000000000000000000000000000000000000000000000000000000006553f100"),
                "bench: data");
  return t;
}

// A well-known test key (never holds funds): the benchmark signs nothing real.
constexpr std::string_view kSampleKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

double parse_seconds(const std::string& text, std::string_view what) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(v) || v <= 0 || v > kMaxSeconds)
    fail(std::string(what) + ": --seconds must be a number of seconds above 0 and at most 600, got '" + text + "'");
  return v;
}

// The raw floor: one context, randomised once and reused, as libsecp256k1
// recommends and as perpx's signer does.
class RawSigner {
 public:
  RawSigner() : ctx_(secp256k1_context_create(SECP256K1_CONTEXT_SIGN)) {
    unsigned char seed[32];
    std::random_device rd;
    for (auto& b : seed) b = static_cast<unsigned char>(rd());
    if (ctx_ == nullptr || secp256k1_context_randomize(ctx_, seed) != 1) fail("bench sign: cannot create a secp256k1 context");
  }
  ~RawSigner() { secp256k1_context_destroy(ctx_); }
  RawSigner(const RawSigner&) = delete;
  RawSigner& operator=(const RawSigner&) = delete;

  void sign(const core::Hash32& digest, const signer::SecretKey& key) {
    if (secp256k1_ecdsa_sign_recoverable(ctx_, &sig_, digest.bytes.data(), key.expose_secret().data(), nullptr, nullptr) != 1)
      fail("bench sign: secp256k1_ecdsa_sign_recoverable failed");
  }
  [[nodiscard]] unsigned char first_byte() const noexcept { return sig_.data[0]; }

 private:
  secp256k1_context* ctx_;
  secp256k1_ecdsa_recoverable_signature sig_{};
};

struct Tally {
  uint64_t ops = 0;
  Clock::duration time{};
  [[nodiscard]] double per_second() const {
    return static_cast<double>(ops) / std::chrono::duration<double>(time).count();
  }
};

// Runs `op` until `slice` has passed (at least once) and adds to `t`.
template <class Op>
void run_slice(Tally& t, Clock::duration slice, Op&& op) {
  const auto start = Clock::now();
  auto now = start;
  do {
    op();
    ++t.ops;
    now = Clock::now();
  } while (now - start < slice);
  t.time += now - start;
}

struct SignRates {
  double eip1559_per_s;
  double raw_per_s;
};

SignRates measure(double seconds) {
  const signer::Txn txn = sample_txn();
  const auto key = take(signer::SecretKey::from_hex(kSampleKey), "bench: key");
  core::Bytes out, scratch;
  out.reserve(512);
  scratch.reserve(512);
  const core::Hash32 digest = signer::signing_hash(txn, scratch);
  RawSigner raw;

  // Warm-up: buffers get their capacity, contexts and caches are touched.
  signer::sign_and_encode(out, scratch, txn, key);
  raw.sign(digest, key);

  const auto total = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // Slices of kSlice per side, shorter when the whole run is shorter.
  const auto slice = std::min<Clock::duration>(kSlice, total / 2);
  Tally perpx_tally, raw_tally;
  unsigned sink = 0;
  while (perpx_tally.time + raw_tally.time < total) {
    run_slice(perpx_tally, slice, [&] { signer::sign_and_encode(out, scratch, txn, key); });
    run_slice(raw_tally, slice, [&] { raw.sign(digest, key); });
    sink += out.back() + raw.first_byte();
  }
  // Keeps the results observable so neither loop can be optimised away.
  if (sink == 0xdeadbeef) std::fputc(' ', stderr);
  return {perpx_tally.per_second(), raw_tally.per_second()};
}


// ---- bench rtt -----------------------------------------------------------------

constexpr std::string_view kBlockNumberBody = R"({"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]})";

struct Percentiles {
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  size_t samples = 0;
  double cpu_us = 0;  // this thread's CPU time per call (user + system): the client's own work, robust to noise
};

// Nearest-rank percentiles of latencies in nanoseconds (sorts `ns`).
Percentiles percentiles(std::vector<int64_t>& ns) {
  if (ns.empty()) fail("bench: no samples");
  std::sort(ns.begin(), ns.end());
  auto at = [&](double p) {
    const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(ns.size())));
    return static_cast<double>(ns[std::clamp<size_t>(rank, 1, ns.size()) - 1]) / 1000.0;
  };
  return {at(0.50), at(0.99), at(0.999), ns.size()};
}

core::Json to_json(const Percentiles& p) {
  core::Json j;
  j["p50_us"] = p.p50_us;
  j["p99_us"] = p.p99_us;
  j["p999_us"] = p.p999_us;
  j["calls"] = p.samples;
  if (p.cpu_us > 0) j["cpu_us_per_call"] = p.cpu_us;
  return j;
}

bool reply_has_result(std::string_view reply) { return reply.find("\"result\"") != std::string_view::npos; }

// Floor 1: a bare libcurl easy handle, reused (keep-alive), TCP_NODELAY,
// posting the same body. No JSON work: the reply is only checked for "result".
class RawCurl {
 public:
  explicit RawCurl(const std::string& url) : h_(curl_easy_init()) {
    if (h_ == nullptr) fail("bench rtt: curl_easy_init failed");
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(h_, CURLOPT_POSTFIELDS, kBlockNumberBody.data());
    curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE, static_cast<long>(kBlockNumberBody.size()));
    curl_easy_setopt(h_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, &RawCurl::on_data);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &reply_);
    reply_.reserve(4096);
  }
  ~RawCurl() {
    curl_easy_cleanup(h_);
    curl_slist_free_all(headers_);
  }
  RawCurl(const RawCurl&) = delete;
  RawCurl& operator=(const RawCurl&) = delete;

  void round_trip() {
    reply_.clear();
    const CURLcode rc = curl_easy_perform(h_);
    if (rc != CURLE_OK) fail(std::string("bench rtt: raw curl: ") + curl_easy_strerror(rc));
    if (!reply_has_result(reply_)) fail("bench rtt: raw curl: reply without a result");
  }

 private:
  static size_t on_data(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
  }
  CURL* h_;
  curl_slist* headers_ = nullptr;
  std::string reply_;
};

// Floor 2: one TCP connection (TCP_NODELAY) writing a prebuilt HTTP/1.1
// request and reading the reply up to its Content-Length.
class RawTcp {
 public:
  explicit RawTcp(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) fail("bench rtt: socket failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) fail("bench rtt: raw tcp: connect failed");
    // The same header lines as the bare libcurl request, so anvil does the same work.
    request_ = "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
               "\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(kBlockNumberBody.size()) +
               "\r\n\r\n" + std::string(kBlockNumberBody);
    buf_.resize(64 * 1024);
  }
  ~RawTcp() { ::close(fd_); }
  RawTcp(const RawTcp&) = delete;
  RawTcp& operator=(const RawTcp&) = delete;

  void round_trip() {
    for (size_t off = 0; off < request_.size();) {
      const ssize_t w = ::send(fd_, request_.data() + off, request_.size() - off, MSG_NOSIGNAL);
      if (w <= 0) fail("bench rtt: raw tcp: send failed");
      off += static_cast<size_t>(w);
    }
    size_t have = 0;
    size_t need = SIZE_MAX;
    while (have < need) {
      if (have == buf_.size()) fail("bench rtt: raw tcp: reply too large");
      const ssize_t r = ::recv(fd_, buf_.data() + have, buf_.size() - have, 0);
      if (r <= 0) fail("bench rtt: raw tcp: connection closed");
      have += static_cast<size_t>(r);
      if (need != SIZE_MAX) continue;
      const std::string_view v(buf_.data(), have);
      const size_t end = v.find("\r\n\r\n");
      if (end == std::string_view::npos) continue;
      const size_t len = content_length(v.substr(0, end));
      need = end + 4 + len;
    }
    if (!reply_has_result(std::string_view(buf_.data(), have))) fail("bench rtt: raw tcp: reply without a result");
  }

 private:
  static size_t content_length(std::string_view head) {
    constexpr std::string_view kName = "content-length:";
    for (size_t i = 0; i + kName.size() <= head.size(); ++i) {
      size_t k = 0;
      while (k < kName.size() && std::tolower(static_cast<unsigned char>(head[i + k])) == kName[k]) ++k;
      if (k < kName.size()) continue;
      size_t p = i + k;
      while (p < head.size() && head[p] == ' ') ++p;
      size_t len = 0;
      const auto [ptr, ec] = std::from_chars(head.data() + p, head.data() + head.size(), len);
      if (ec != std::errc{} || ptr == head.data() + p) break;
      return len;
    }
    fail("bench rtt: raw tcp: reply without Content-Length");
  }
  int fd_;
  std::string request_;
  std::vector<char> buf_;
};

#ifdef PERPX_BENCH_WS
// The WebSocket floor: a bare Boost.Beast stream (TCP_NODELAY, QUICKACK
// re-armed after each read, as WsClient does) writing the body as one text
// frame and reading one message.
class RawWs {
 public:
  explicit RawWs(uint16_t port) : ws_(ioc_) {
    try {
      namespace net = boost::asio;
      ws_.next_layer().connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      ws_.next_layer().set_option(net::ip::tcp::no_delay(true));
      ws_.handshake("127.0.0.1:" + std::to_string(port), "/");
      ws_.text(true);
    } catch (const std::exception& e) {
      fail(std::string("bench rtt: raw websocket: ") + e.what());
    }
  }
  void round_trip() {
    try {
      ws_.write(boost::asio::buffer(kBlockNumberBody.data(), kBlockNumberBody.size()));
      buf_.clear();
      ws_.read(buf_);
    } catch (const std::exception& e) {
      fail(std::string("bench rtt: raw websocket: ") + e.what());
    }
    int one = 1;
    ::setsockopt(ws_.next_layer().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    const auto data = buf_.cdata();
    if (!reply_has_result(std::string_view(static_cast<const char*>(data.data()), data.size())))
      fail("bench rtt: raw websocket: reply without a result");
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buf_;
};
#endif

struct RttResult {
  Percentiles rpc;        // RpcClient::block_number (JSON build, transport, JSON parse, id check)
  Percentiles transport;  // HttpTransport::round_trip alone (prebuilt body, no JSON)
  Percentiles curl;       // bare libcurl floor
  Percentiles tcp;        // raw socket floor
  std::optional<Percentiles> ws_rpc;  // RpcClient over WsTransport (WsClient)
  std::optional<Percentiles> ws_transport;  // WsClient::request alone (prebuilt body, no JSON)
  std::optional<Percentiles> raw_ws;  // bare Beast WebSocket floor
  double seconds = 0;
  size_t batch = 0;
};

RttResult measure_rtt(double seconds, size_t batch) {
  chain::LocalChain node;
  chain::RpcClient rpc = node.client();
  chain::HttpTransport transport(node.rpc_url());
  RawCurl curl(node.rpc_url());
  RawTcp tcp(node.port());

  const auto timeout = std::chrono::milliseconds(5000);
  auto call_rpc = [&] {
    auto n = rpc.block_number();
    if (!n) fail("bench rtt: perpx RpcClient: " + chain::to_string(n.error()));
  };
  auto call_transport = [&] {
    auto r = transport.round_trip(kBlockNumberBody, timeout, false);
    if (!r) fail("bench rtt: perpx HttpTransport: " + chain::to_string(r.error()));
    if (!reply_has_result(*r)) fail("bench rtt: perpx HttpTransport: reply without a result");
  };
  std::vector<std::function<void()>> calls = {call_rpc, call_transport, [&] { curl.round_trip(); },
                                              [&] { tcp.round_trip(); }};
#ifdef PERPX_BENCH_WS
  chain::WsClient ws(node.ws_url());
  chain::RpcClient ws_rpc(std::make_unique<chain::WsTransport>(ws));
  RawWs raw_ws(node.port());
  calls.emplace_back([&] {
    auto n = ws_rpc.block_number();
    if (!n) fail("bench rtt: perpx RpcClient over WsTransport: " + chain::to_string(n.error()));
  });
  calls.emplace_back([&] { raw_ws.round_trip(); });
  calls.emplace_back([&] {
    auto reply = ws.request(kBlockNumberBody, timeout, false);
    if (!reply) fail("bench rtt: perpx WsClient: " + chain::to_string(reply.error()));
    if (!reply_has_result(*reply)) fail("bench rtt: perpx WsClient: reply without a result");
  });
#endif

  // Warm-up: connections open, caches and anvil's paths touched.
  for (int i = 0; i < 300; ++i)
    for (auto& call : calls) call();

  std::vector<std::vector<int64_t>> ns(calls.size());
  for (auto& v : ns) v.reserve(200'000);
  std::vector<int64_t> cpu_ns(calls.size(), 0);
  auto thread_cpu_ns = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  };
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // The clients take turns batch by batch, the order rotating, so that the
  // machine's noise falls on all of them alike.
  for (size_t round = 0; Clock::now() < end; ++round) {
    for (size_t k = 0; k < calls.size(); ++k) {
      const size_t c = (k + round) % calls.size();
      const int64_t cpu0 = thread_cpu_ns();
      for (size_t i = 0; i < batch; ++i) {
        const auto t0 = Clock::now();
        calls[c]();
        const auto t1 = Clock::now();
        ns[c].push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
      }
      cpu_ns[c] += thread_cpu_ns() - cpu0;
    }
  }
  auto stats = [&](size_t c) {
    Percentiles p = percentiles(ns[c]);
    p.cpu_us = static_cast<double>(cpu_ns[c]) / 1000.0 / static_cast<double>(ns[c].size());
    return p;
  };
  RttResult r{stats(0), stats(1), stats(2), stats(3), {}, {}, {}, seconds, batch};
  if (calls.size() == 7) {
    r.ws_rpc = stats(4);
    r.raw_ws = stats(5);
    r.ws_transport = stats(6);
  }
  return r;
}

// ---- bench decode-logs -----------------------------------------------------------

// What a decoder saw, for checking that every tool decoded the same values:
// sums modulo 2^64 of the answers (two's complement), round ids and
// updatedAt, the count of negative answers, and the last answer in full.
struct DecodeSums {
  uint64_t logs = 0;
  uint64_t answer_sum = 0;
  uint64_t round_sum = 0;
  uint64_t updated_sum = 0;
  uint64_t negatives = 0;
  std::string last_answer;
  friend bool operator==(const DecodeSums&, const DecodeSums&) = default;
};

// bench/compare's generated reply answers request id 1.
constexpr uint64_t kLogsReplyId = 1;

const core::Json& reply_result(const core::Json& reply) {
  const auto it = reply.find("result");
  if (!reply.is_object() || it == reply.end() || !it->is_array())
    fail("bench decode-logs: the file is not a JSON-RPC reply with a result array");
  return *it;
}

// The reply's logs as the client reads them (chain::parse_logs_reply, the
// simdjson path of RpcClient::get_logs); fn(log, index, count) for each.
template <class Fn>
void for_each_log(std::string_view text, Fn fn) {
  auto logs = chain::parse_logs_reply(text, kLogsReplyId);
  if (!logs) fail("bench decode-logs: " + chain::to_string(logs.error()));
  for (size_t i = 0; i < logs->size(); ++i) fn((*logs)[i], i, logs->size());
}

// The general path alone, as a reference: the nlohmann tree of the whole
// reply and parse_log of each element (what get_logs did before simdjson).
size_t parse_only(std::string_view text) {
  auto reply = core::parse_json(text);
  if (!reply) fail("bench decode-logs: " + reply.error());
  size_t n = 0;
  for (const auto& x : reply_result(*reply)) {
    auto log = chain::parse_log(x);
    if (!log) fail("bench decode-logs: log " + std::to_string(n) + ": " + chain::to_string(log.error()));
    ++n;
  }
  return n;
}

// Typed: parse_logs_reply, then the AnswerUpdated decoder into a PriceSample.
DecodeSums decode_typed(std::string_view text) {
  DecodeSums sums;
  for_each_log(text, [&](const chain::Log& log, size_t i, size_t n) {
    auto s = chain::decode_answer_updated(log, 8);
    if (!s) fail("bench decode-logs: log " + std::to_string(i) + ": " + chain::describe(s.error()));
    const uint64_t low = s->price.magnitude.w[0];
    sums.answer_sum += s->price.negative ? (~low + 1) : low;
    sums.round_sum += s->round_id.w[0];
    sums.updated_sum += s->publish_time;
    sums.negatives += s->price.negative ? 1 : 0;
    if (++sums.logs == n) sums.last_answer = (s->price.negative ? "-" : "") + core::to_decimal(s->price.magnitude);
  });
  return sums;
}

// The value of a canonical decimal ("-" allowed) modulo 2^64: unsigned
// arithmetic wraps, so v*10 + d over the digits is exact mod 2^64. Cheap on
// purpose, so that the generic row times the decoder, not this check.
uint64_t low64_of_decimal(const std::string& text, bool& negative) {
  negative = !text.empty() && text[0] == '-';
  const std::string_view digits = std::string_view(text).substr(negative ? 1 : 0);
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0'))
    fail("bench decode-logs: decoded value '" + text + "' is not a decimal");
  uint64_t v = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') fail("bench decode-logs: decoded value '" + text + "' is not a decimal");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return negative ? (~v + 1) : v;
}

// Generic: parse_logs_reply, then abi::decode_log against the event fragment (Json out).
DecodeSums decode_generic(std::string_view text, const chain::AbiFragment& event) {
  DecodeSums sums;
  for_each_log(text, [&](const chain::Log& log, size_t i, size_t n) {
    auto v = chain::decode_log(event, log.topics, log.data);
    if (!v) fail("bench decode-logs: log " + std::to_string(i) + ": " + chain::describe(v.error()));
    bool negative = false;
    const auto& current = (*v)["current"].get_ref<const std::string&>();
    sums.answer_sum += low64_of_decimal(current, negative);
    sums.negatives += negative ? 1 : 0;
    bool unused = false;
    sums.round_sum += low64_of_decimal((*v)["roundId"].get_ref<const std::string&>(), unused);
    sums.updated_sum += low64_of_decimal((*v)["updatedAt"].get_ref<const std::string&>(), unused);
    if (++sums.logs == n) sums.last_answer = current;
  });
  return sums;
}

double median_of(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const size_t m = xs.size() / 2;
  return xs.size() % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

template <class F>
double seconds_of(F&& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

core::Json to_json(const DecodeSums& s) {
  core::Json j;
  j["logs"] = s.logs;
  j["answer_sum_mod_2_64"] = std::to_string(s.answer_sum);
  j["round_sum_mod_2_64"] = std::to_string(s.round_sum);
  j["updated_sum_mod_2_64"] = std::to_string(s.updated_sum);
  j["negatives"] = s.negatives;
  j["last_answer"] = s.last_answer;
  return j;
}

// ---- bench encode ----------------------------------------------------------------

// The same inputs as bench/js/compare.mjs (PERMIT, ORDERS there).
constexpr std::string_view kPermitDoc = R"({
  "types": {
    "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                     {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
    "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
               {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
               {"name": "deadline", "type": "uint256"}]
  },
  "primaryType": "Permit",
  "domain": {"name": "USD Coin", "version": "2", "chainId": 42161,
             "verifyingContract": "0xaf88d065e77c8cc2239327c5edb3a432268e5831"},
  "message": {"owner": "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23",
              "spender": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
              "value": "1000000000000", "nonce": "7", "deadline": "1700003600"}
})";

std::vector<venues::VenueOrder> bench_orders() {
  auto u = [](std::string_view d) { return take(core::parse_decimal(d), "bench encode: order"); };
  // (market, sizeDelta, limitPrice, deadline); the first one is placeOrder's.
  return {
      {1, core::I256(-2'500'000'000'000'000'000), u("3000000000000000000000"), 1'700'000'000},
      {2, core::I256(40'000'000'000'000'000), u("65000000000000000000000"), 1'700'000'060},
      {1, core::I256(1'000'000'000'000'000'000), u("3100000000000000000000"), 1'700'000'120},
      {3, core::I256(-7'000'000'000'000'000'000), u("150000000000000000000"), 1'700'000'180},
  };
}

// The generic codec's inputs for an order: Json args as a caller of
// chain::encode_call gives them (integers above 64 bits as decimal strings).
core::Json order_args(const venues::VenueOrder& o) {
  return core::Json::array({o.market, core::to_decimal(o.size_delta), core::to_decimal(o.limit_price), o.deadline});
}

struct EncodeResult {
  std::vector<std::pair<std::string, Tally>> rates;
  std::string permit_digest, place_order, place_orders;
};

EncodeResult measure_encode(double seconds) {
  const core::Json permit = take(core::parse_json(kPermitDoc), "bench encode: permit");
  const auto orders = bench_orders();
  // The generic fallback: fragments parsed once, Json args built once (the
  // codec's own input form), encode_call per op.
  const auto one = take(chain::parse_signature("placeOrder(uint256,int256,uint256,uint256)"), "bench encode: placeOrder");
  const auto many =
      take(chain::parse_signature("placeOrders((uint256,int256,uint256,uint256)[])"), "bench encode: placeOrders");
  const core::Json one_args = order_args(orders[0]);
  core::Json list = core::Json::array();
  for (const auto& o : orders) list.push_back(order_args(o));
  const core::Json many_args = core::Json::array({list});
  const auto generic = [](core::Bytes& out, const chain::AbiFragment& f, const core::Json& args) {
    out.clear();
    if (auto e = chain::encode_call(out, f, args); !e) fail("bench encode: generic codec: " + chain::describe(e.error()));
  };
  core::Bytes out;
  out.reserve(1024);
  EncodeResult r;
  const auto hashes = signer::eip712::hash_typed_data(permit);
  if (!hashes) fail("bench encode: permit: " + signer::eip712::to_string(hashes.error()));
  r.permit_digest = core::to_hex(hashes->digest);
  r.place_order = core::to_hex(venues::place_order_call(orders[0]));
  r.place_orders = core::to_hex(venues::place_orders_call(orders));
  out.clear();
  venues::append_place_order(out, orders[0]);
  if (core::to_hex(out) != r.place_order) fail("bench encode: append_place_order differs from place_order_call");
  out.clear();
  venues::append_place_orders(out, orders);
  if (core::to_hex(out) != r.place_orders) fail("bench encode: append_place_orders differs from place_orders_call");
  generic(out, one, one_args);
  if (core::to_hex(out) != r.place_order) fail("bench encode: the generic codec's placeOrder differs from the venue's");
  generic(out, many, many_args);
  if (core::to_hex(out) != r.place_orders) fail("bench encode: the generic codec's placeOrders differs from the venue's");

  unsigned sink = 0;
  std::vector<std::pair<std::string, std::function<void()>>> ops = {
      {"eip712_permit_hash", [&] { sink += signer::eip712::hash_typed_data(permit)->digest.bytes[0]; }},
      {"place_order_adapter", [&] { sink += venues::place_order_call(orders[0]).back(); }},
      {"place_order_typed", [&] { out.clear(); venues::append_place_order(out, orders[0]); sink += out.back(); }},
      {"place_order_generic", [&] { generic(out, one, one_args); sink += out.back(); }},
      {"place_orders4_adapter", [&] { sink += venues::place_orders_call(orders).back(); }},
      {"place_orders4_typed", [&] { out.clear(); venues::append_place_orders(out, orders); sink += out.back(); }},
      {"place_orders4_generic", [&] { generic(out, many, many_args); sink += out.back(); }},
  };
  for (auto& [name, op] : ops) {  // warm-up
    for (int i = 0; i < 1000; ++i) op();
    r.rates.emplace_back(name, Tally{});
  }
  const auto total = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto slice = std::min<Clock::duration>(kSlice, total / static_cast<int>(2 * ops.size()));
  Clock::duration spent{};
  while (spent < total)
    for (size_t k = 0; k < ops.size(); ++k) {
      const auto before = r.rates[k].second.time;
      run_slice(r.rates[k].second, slice, ops[k].second);
      spent += r.rates[k].second.time - before;
    }
  if (sink == 0xdeadbeef) std::fputc(' ', stderr);
  return r;
}

}  // namespace

void add_bench_commands(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Built-in benchmarks");
  bench->require_subcommand(1);
  t2w::add_tick_to_wire_command(*bench);  // tick_to_wire.cpp

  struct SignOpts {
    std::string seconds = "2";
    bool as_json = false;
  };
  auto o = std::make_shared<SignOpts>();
  auto* sign = bench->add_subcommand(
      "sign", "Signed EIP-1559 txs per second (build, RLP, keccak, sign) beside the raw libsecp256k1 sign rate");
  sign->add_option("--seconds", o->seconds, "total measuring time, shared by the two loops (default 2, at most 600)");
  sign->add_flag("--json", o->as_json,
                 "print {\"eip1559_sign_per_s\", \"raw_secp256k1_sign_per_s\", \"ratio\", \"seconds\"}");
  sign->callback([o] {
    const double seconds = parse_seconds(o->seconds, "bench sign");
    const SignRates r = measure(seconds);
    const double ratio = r.eip1559_per_s / r.raw_per_s;
    if (o->as_json) {
      core::Json j;
      j["eip1559_sign_per_s"] = r.eip1559_per_s;
      j["raw_secp256k1_sign_per_s"] = r.raw_per_s;
      j["ratio"] = ratio;
      j["seconds"] = seconds;
      return print_json(j);
    }
    char line[200];
    std::snprintf(line, sizeof line,
                  "eip1559 build+sign: %.0f tx/s, raw libsecp256k1 sign: %.0f sig/s, ratio %.3f (%g s, interleaved)",
                  r.eip1559_per_s, r.raw_per_s, ratio, seconds);
    print_line(line);
  });

  struct RttOpts {
    std::string seconds = "3";
    size_t batch = 50;
    bool as_json = false;
  };
  auto ro = std::make_shared<RttOpts>();
  auto* rtt = bench->add_subcommand(
      "rtt", "eth_blockNumber round trips to a local anvil: perpx RpcClient and HttpTransport beside a bare libcurl "
             "handle and a raw TCP socket, and over WebSocket beside a bare Beast stream (p50/p99/p99.9 after warm-up)");
  rtt->add_option("--seconds", ro->seconds, "measuring time shared by the four clients (default 3, at most 600)");
  rtt->add_option("--batch", ro->batch, "calls per turn before the next client takes over (default 50)")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  rtt->add_flag("--json", ro->as_json, "print one JSON object");
  rtt->callback([ro] {
    const double seconds = parse_seconds(ro->seconds, "bench rtt");
    const RttResult r = measure_rtt(seconds, ro->batch);
    const double floor_p50 = std::min(r.curl.p50_us, r.tcp.p50_us);
    const double floor_p99 = std::min(r.curl.p99_us, r.tcp.p99_us);
    if (ro->as_json) {
      core::Json j;
      j["perpx_rpc_client"] = to_json(r.rpc);
      j["perpx_http_transport"] = to_json(r.transport);
      j["raw_curl"] = to_json(r.curl);
      j["raw_tcp"] = to_json(r.tcp);
      j["overhead_p50_vs_curl"] = r.rpc.p50_us / r.curl.p50_us - 1;
      j["cpu_overhead_vs_curl"] = r.rpc.cpu_us / r.curl.cpu_us - 1;
      j["overhead_p50_vs_floor"] = r.rpc.p50_us / floor_p50 - 1;
      j["overhead_p99_vs_floor"] = r.rpc.p99_us / floor_p99 - 1;
      if (r.ws_rpc && r.raw_ws) {
        j["perpx_ws_rpc_client"] = to_json(*r.ws_rpc);
        j["raw_ws"] = to_json(*r.raw_ws);
        j["perpx_ws_client"] = to_json(*r.ws_transport);
        j["ws_overhead_p50_vs_raw_ws"] = r.ws_rpc->p50_us / r.raw_ws->p50_us - 1;
        j["ws_overhead_p99_vs_raw_ws"] = r.ws_rpc->p99_us / r.raw_ws->p99_us - 1;
        j["ws_cpu_overhead_vs_raw_ws"] = r.ws_rpc->cpu_us / r.raw_ws->cpu_us - 1;
      }
      j["seconds"] = r.seconds;
      j["batch"] = r.batch;
      return print_json(j);
    }
    char line[256];
    auto row = [&](const char* name, const Percentiles& p) {
      std::snprintf(line, sizeof line, "%-22s p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us  cpu %5.1f us/call  (%zu calls)",
                    name, p.p50_us, p.p99_us, p.p999_us, p.cpu_us, p.samples);
      print_line(line);
    };
    row("perpx RpcClient", r.rpc);
    row("perpx HttpTransport", r.transport);
    row("raw libcurl", r.curl);
    row("raw TCP socket", r.tcp);
    if (r.ws_rpc && r.raw_ws) {
      row("perpx RpcClient WS", *r.ws_rpc);
      row("perpx WsClient", *r.ws_transport);
      row("raw Beast WebSocket", *r.raw_ws);
    }
    std::snprintf(line, sizeof line, "overhead of RpcClient over the floor: p50 %+.1f%%, p99 %+.1f%% (%g s, interleaved)",
                  100 * (r.rpc.p50_us / floor_p50 - 1), 100 * (r.rpc.p99_us / floor_p99 - 1), seconds);
    print_line(line);
    std::snprintf(line, sizeof line, "RpcClient over raw libcurl: p50 %+.1f%%, client CPU per call %+.1f%%",
                  100 * (r.rpc.p50_us / r.curl.p50_us - 1), 100 * (r.rpc.cpu_us / r.curl.cpu_us - 1));
    print_line(line);
    if (r.ws_rpc && r.raw_ws) {
      std::snprintf(line, sizeof line,
                    "overhead of RpcClient over WsClient over raw Beast: p50 %+.1f%%, p99 %+.1f%%, client CPU per call %+.1f%%",
                    100 * (r.ws_rpc->p50_us / r.raw_ws->p50_us - 1), 100 * (r.ws_rpc->p99_us / r.raw_ws->p99_us - 1),
                    100 * (r.ws_rpc->cpu_us / r.raw_ws->cpu_us - 1));
      print_line(line);
    }
  });

  struct EncodeOpts {
    std::string seconds = "2";
    bool as_json = false;
  };
  auto eo = std::make_shared<EncodeOpts>();
  auto* encode = bench->add_subcommand(
      "encode", "EIP-712 Permit digest and the venue's placeOrder / placeOrders(4) calldata per second (the venue "
                "adapter, its append form, and the generic codec), interleaved");
  encode->add_option("--seconds", eo->seconds, "total measuring time, shared by the loops (default 2, at most 600)");
  encode->add_flag("--json", eo->as_json, "print the rates (ops/s) and the digest and calldata (0x hex)");
  encode->callback([eo] {
    const double seconds = parse_seconds(eo->seconds, "bench encode");
    const EncodeResult r = measure_encode(seconds);
    if (eo->as_json) {
      core::Json j;
      for (const auto& [name, t] : r.rates) j[name + "_per_s"] = t.per_second();
      j["permit_digest"] = r.permit_digest;
      j["place_order_calldata"] = r.place_order;
      j["place_orders_calldata"] = r.place_orders;
      j["seconds"] = seconds;
      return print_json(j);
    }
    char line[160];
    for (const auto& [name, t] : r.rates) {
      std::snprintf(line, sizeof line, "%-24s %12.0f /s", name.c_str(), t.per_second());
      print_line(line);
    }
  });

  struct DecodeOpts {
    std::string file;
    unsigned repeat = 3;
    bool as_json = false;
  };
  auto dopt = std::make_shared<DecodeOpts>();
  auto* decode = bench->add_subcommand(
      "decode-logs", "Chainlink AnswerUpdated logs of an eth_getLogs reply, from the raw text to decoded values "
                     "(typed and generic ABI), beside the general nlohmann path (tree + parse_log, no event decoding)");
  decode->add_option("--file", dopt->file, "the eth_getLogs reply (JSON-RPC object with a result array)")->required();
  decode->add_option("--repeat", dopt->repeat, "passes of each decoder, interleaved; medians reported (default 3)")
      ->check(CLI::Range(1u, 100u));
  decode->add_flag("--json", dopt->as_json, "print one JSON object");
  decode->callback([dopt] {
    const std::string text = read_file(dopt->file, "--file");
    const auto event = take(chain::parse_signature(
                                "event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
                                chain::AbiKind::kEvent),
                            "bench decode-logs: event");
    std::vector<double> typed_s, generic_s, parse_s;
    DecodeSums typed_sums, generic_sums;
    size_t parsed = 0;
    for (unsigned r = 0; r < dopt->repeat; ++r) {
      typed_s.push_back(seconds_of([&] { typed_sums = decode_typed(text); }));
      generic_s.push_back(seconds_of([&] { generic_sums = decode_generic(text, event); }));
      parse_s.push_back(seconds_of([&] { parsed = parse_only(text); }));
    }
    if (!(typed_sums == generic_sums)) fail("bench decode-logs: the typed and generic decoders disagree");
    const double logs = static_cast<double>(typed_sums.logs);
    const double typed = median_of(typed_s), generic = median_of(generic_s), parse = median_of(parse_s);
    if (dopt->as_json) {
      core::Json j;
      j["logs"] = typed_sums.logs;
      j["bytes"] = text.size();
      j["typed_logs_per_s"] = logs / typed;
      j["generic_logs_per_s"] = logs / generic;
      j["general_path_logs_per_s"] = static_cast<double>(parsed) / parse;
      j["typed_s"] = typed_s;
      j["generic_s"] = generic_s;
      j["general_path_s"] = parse_s;
      j["check"] = to_json(typed_sums);
      return print_json(j);
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "%zu logs (%.1f MB): typed %.0f logs/s, generic abi %.0f logs/s, nlohmann tree + parse_log %.0f logs/s "
                  "(medians of %u interleaved passes)",
                  static_cast<size_t>(typed_sums.logs), static_cast<double>(text.size()) / 1e6, logs / typed,
                  logs / generic, static_cast<double>(parsed) / parse, dopt->repeat);
    print_line(line);
  });
}

}  // namespace perpx::app
