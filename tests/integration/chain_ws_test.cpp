// WsClient against a real anvil: requests over WebSocket, newHeads and logs
// subscriptions, and a reconnect through a loopback proxy that the test cuts
// and restores: the HeadTracker fed by the subscription must report every
// block exactly once, in order, including those mined while disconnected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "value_of.hpp"
#include "perpx/chain/heads.hpp"
#include "child_process.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/chain/ws.hpp"
#include "perpx/core/hex.hpp"

using namespace perpx;
using namespace perpx::chain;
using perpx::test::Child;
using core::Json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using perpx::test::value_of;

namespace {

// Init code: CODECOPY the 13-byte runtime and RETURN it. Runtime: LOG1(topic
// 0x2a) of the calldata, on any call (as in chain_heads_test.cpp).
constexpr std::string_view kEmitterInit = "0x600d80600b6000396000f3366000600037602a366000a100";

std::string hex_of(const Address& a) { return core::to_hex(a.view()); }

// Sends with anvil's unlocked dev account and waits (bounded) for the receipt.
Receipt send(RpcClient& rpc, Json request) {
  auto h = value_of(rpc.request("eth_sendTransaction", Json::array({std::move(request)})));
  const Hash32 hash = *core::parse_hash32(h.get<std::string>());
  for (int i = 0; i < 400; ++i) {
    if (auto r = value_of(rpc.transaction_receipt(hash))) return *r;
    std::this_thread::sleep_for(5ms);
  }
  FAIL("no receipt after 2 s");
  return {};
}

void mine(RpcClient& rpc, int n) {
  for (int i = 0; i < n; ++i) value_of(rpc.request("evm_mine", Json::array()));
}

// Polls the client until done() or 10 s.
bool poll_until(WsClient& ws, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + 10s;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    ws.poll(50ms);
  }
  return true;
}

// A head tracker fed by a newHeads subscription, with the reconnect hook
// filling gaps (tracker.poll()) and what happened counted for the checks.
struct HeadFollower {
  static WsOptions fast_reconnect() {
    WsOptions wo;
    wo.backoff_base = 20ms;
    wo.backoff_max = 200ms;
    wo.connect_timeout = 1000ms;
    return wo;
  }
  HeadFollower(const std::string& ws_url, RpcClient& http)
      : ws(ws_url, fast_reconnect()),
        source(http),
        tracker(source, [this](const HeadEvent& e) {
          if (const auto* a = std::get_if<Advance>(&e)) advanced.push_back(a->header.number);
          if (std::holds_alternative<Reorg>(e)) ++reorgs;
        }, options()) {
    ws.on_reconnect([this] {
      ++reconnects;
      if (auto r = tracker.poll(); !r) FAIL(to_string(r.error()));
    });
    ws.on_error([this](const RpcError& e) { errors.push_back(e.code); });
    value_of(ws.subscribe_heads([this](const BlockHeader& h) {
      if (auto r = tracker.on_head(h); !r) FAIL(to_string(r.error()));
    }));
  }
  static HeadTrackerOptions options() {
    HeadTrackerOptions ho;
    ho.confirmations = 2;
    return ho;
  }
  struct Parts {
    WsClient& ws;
    HeadTracker& tracker;
    std::vector<BlockNum>& advanced;
    int& reorgs;
    int& reconnects;
    std::vector<RpcErrc>& errors;
  };
  Parts parts() { return {ws, tracker, advanced, reorgs, reconnects, errors}; }

  WsClient ws;
  RpcHeaderSource source;
  std::vector<BlockNum> advanced;
  int reorgs = 0;
  int reconnects = 0;
  std::vector<RpcErrc> errors;
  HeadTracker tracker;
};

// A loopback TCP proxy to one port: one thread, poll(2), every wait bounded.
// cut() closes every connection and then accepts and closes new ones at once
// until restore().
class Proxy {
 public:
  explicit Proxy(uint16_t target) : target_(target) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(listener_, 16) == 0);
    socklen_t len = sizeof a;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~Proxy() {
    stop_ = true;
    thread_.join();
    for (auto [a, b] : pairs_) close(a), close(b);
    close(listener_);
  }
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  void cut() { cut_ = true; }
  void restore() { cut_ = false; }

 private:
  void run() {
    while (!stop_) {
      if (cut_)
        for (auto [a, b] : pairs_) close(a), close(b);
      if (cut_) pairs_.clear();
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (auto [a, b] : pairs_) fds.push_back({a, POLLIN, 0}), fds.push_back({b, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) accept_one();
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const size_t p = (i - 1) / 2;
        if (p >= pairs_.size()) break;
        const int from = fds[i].fd;
        const int to = from == pairs_[p].first ? pairs_[p].second : pairs_[p].first;
        char buf[65536];
        const ssize_t n = read(from, buf, sizeof buf);
        if (n <= 0 || write(to, buf, static_cast<size_t>(n)) != n) {
          close(pairs_[p].first);
          close(pairs_[p].second);
          pairs_.erase(pairs_.begin() + static_cast<ptrdiff_t>(p));
          break;  // fds no longer match pairs_
        }
      }
    }
  }
  void accept_one() {
    const int c = accept(listener_, nullptr, nullptr);
    if (c < 0) return;
    if (cut_) {
      close(c);
      return;
    }
    const int u = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(target_);
    if (connect(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(c);
      close(u);
      return;
    }
    pairs_.emplace_back(c, u);
  }

  uint16_t target_;
  uint16_t port_ = 0;
  int listener_ = -1;
  std::vector<std::pair<int, int>> pairs_;  // (client, upstream); the proxy thread's only
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::thread thread_;
};


}  // namespace

TEST_CASE("requests over WebSocket", "[anvil][ws]") {
  LocalChain node;
  WsClient ws(node.ws_url());
  RpcClient rpc(std::make_unique<WsTransport>(ws));
  CHECK(value_of(rpc.chain_id()) == node.chain_id());
  auto http = node.client();
  mine(http, 2);
  CHECK(value_of(rpc.block_number()) == value_of(http.block_number()));
  const auto h = value_of(rpc.block_header(BlockNum{1})).value();
  CHECK(h == value_of(http.block_header(BlockNum{1})).value());
  auto batch = value_of(rpc.batch({{"eth_chainId", Json::array()}, {"eth_blockNumber", Json::array()}}));
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].has_value());
  CHECK(batch[1].has_value());
  // A node error object comes back typed. (anvil over WebSocket answers an
  // unknown method with -32602 "did not match any variant", where over HTTP
  // it says -32601 "Method not found": the node's difference, kept as is.)
  auto bad = rpc.request("eth_noSuchMethod", Json::array());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == RpcErrc::kNodeError);
  CHECK(bad.error().rpc_code == -32602);
  CHECK(ws.url() == node.ws_url());
}

TEST_CASE("newHeads delivers every mined block in order", "[anvil][ws]") {
  LocalChain node;
  auto http = node.client();
  WsClient ws(node.ws_url());
  std::vector<BlockHeader> heads;
  value_of(ws.subscribe_heads([&](const BlockHeader& h) { heads.push_back(h); }));
  const BlockNum first = value_of(http.block_number()) + 1;
  mine(http, 10);
  REQUIRE(poll_until(ws, [&] { return heads.size() >= 10; }));
  REQUIRE(heads.size() == 10);
  for (size_t i = 0; i < heads.size(); ++i) {
    CHECK(heads[i].number == first + i);
    CHECK(heads[i] == value_of(http.block_header(heads[i].number)).value());
  }
}

TEST_CASE("logs subscription with a filter, unsubscribe stops delivery", "[anvil][ws]") {
  LocalChain node;
  auto http = node.client();
  const Address from = node.accounts().at(0);
  const Address emitter = send(http, Json{{"from", hex_of(from)}, {"data", kEmitterInit}}).contract_address.value();
  const Address other = send(http, Json{{"from", hex_of(from)}, {"data", kEmitterInit}}).contract_address.value();
  WsClient ws(node.ws_url());
  LogFilter filter;
  filter.addresses = {emitter};
  std::vector<Log> logs;
  const SubId sub = value_of(ws.subscribe_logs(filter, [&](const Log& l) { logs.push_back(l); }));
  std::vector<Receipt> receipts;
  for (uint8_t tag = 1; tag <= 3; ++tag) {
    receipts.push_back(send(http, Json{{"from", hex_of(from)}, {"to", hex_of(emitter)}, {"data", core::to_hex(Bytes{tag})}}));
    send(http, Json{{"from", hex_of(from)}, {"to", hex_of(other)}, {"data", "0xff"}});  // filtered out
  }
  REQUIRE(poll_until(ws, [&] { return logs.size() >= 3; }));
  ws.poll(100ms);  // nothing else may come
  REQUIRE(logs.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(logs[i] == receipts[i].logs.at(0));
    CHECK(logs[i].data == Bytes{static_cast<uint8_t>(i + 1)});
  }
  if (auto u = ws.unsubscribe(sub); !u) FAIL(to_string(u.error()));
  send(http, Json{{"from", hex_of(from)}, {"to", hex_of(emitter)}, {"data", "0x04"}});
  ws.poll(200ms);
  CHECK(logs.size() == 3);
}

TEST_CASE("busy-poll direct mode: logs and heads read on the caller's thread, several frames at once, requests between",
          "[anvil][ws]") {
  LocalChain node;
  auto http = node.client();
  const Address from = node.accounts().at(0);
  const Address emitter = send(http, Json{{"from", hex_of(from)}, {"data", kEmitterInit}}).contract_address.value();
  WsOptions wo;
  wo.busy_poll = true;
  WsClient ws(node.ws_url(), wo);
  RpcClient rpc(std::make_unique<WsTransport>(ws));
  CHECK(value_of(rpc.chain_id()) == node.chain_id());  // a request before any subscription
  LogFilter filter;
  filter.addresses = {emitter};
  std::vector<Log> logs;
  std::vector<BlockNum> heads;
  value_of(ws.subscribe_logs(filter, [&](const Log& l) { logs.push_back(l); }));
  value_of(ws.subscribe_heads([&](const BlockHeader& h) { heads.push_back(h.number); }));
  // Three logs in one block: their frames arrive together and each is taken
  // off the socket by its own length.
  value_of(http.request("evm_setAutomine", Json::array({false})));
  std::vector<Hash32> hashes;
  for (uint8_t tag = 1; tag <= 3; ++tag) {
    auto h = value_of(http.request(
        "eth_sendTransaction",
        Json::array({Json{{"from", hex_of(from)}, {"to", hex_of(emitter)}, {"data", core::to_hex(Bytes{tag})}}})));
    hashes.push_back(*core::parse_hash32(h.get<std::string>()));
  }
  mine(http, 1);
  const BlockNum block = value_of(http.block_number());
  // A request while notifications wait: its reply is found among them.
  CHECK(value_of(rpc.block_number()) == block);
  REQUIRE(poll_until(ws, [&] { return logs.size() >= 3 && !heads.empty(); }));
  ws.poll(100ms);
  REQUIRE(logs.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    const auto receipt = value_of(http.transaction_receipt(hashes[i]));
    REQUIRE(receipt);
    CHECK(logs[i] == receipt->logs.at(0));  // in order, every field as the receipt has it
    CHECK(logs[i].data == Bytes{static_cast<uint8_t>(i + 1)});
  }
  CHECK(heads == std::vector<BlockNum>{block});
  // Read in direct mode (not by a pending Asio read), the connection never dropped.
  CHECK(ws.stats().direct_replies >= 6);  // chain id, subscribes, block number, 3 logs, the head
  CHECK(ws.stats().drops == 0);
  mine(http, 2);
  REQUIRE(poll_until(ws, [&] { return heads.size() == 3; }));
  CHECK(heads.back() == block + 2);
}

TEST_CASE("reconnect through a cut proxy misses no block", "[anvil][ws]") {
  LocalChain node;
  auto http = node.client();
  Proxy proxy(node.port());
  HeadFollower f("ws://127.0.0.1:" + std::to_string(proxy.port()), http);
  auto [ws, tracker, advanced, reorgs, reconnects, errors] = f.parts();
  auto tip_is = [&](BlockNum n) { return [&, n] { return !tracker.empty() && tracker.tip() == n; }; };
  mine(http, 3);
  REQUIRE(poll_until(ws, tip_is(value_of(http.block_number()))));

  proxy.cut();
  REQUIRE(poll_until(ws, [&] { return !errors.empty(); }));  // the drop is seen
  CHECK(errors.front() == RpcErrc::kReset);
  mine(http, 4);  // while disconnected: no newHeads for these
  ws.poll(300ms);  // reconnect attempts fail while cut
  CHECK(reconnects == 0);
  proxy.restore();
  const BlockNum during = value_of(http.block_number());
  REQUIRE(poll_until(ws, [&] { return reconnects == 1; }));
  CHECK(tracker.tip() == during);  // the hook's poll filled the gap without waiting for a head
  mine(http, 3);
  REQUIRE(poll_until(ws, tip_is(value_of(http.block_number()))));

  CHECK(reorgs == 0);
  REQUIRE(!advanced.empty());
  for (size_t i = 1; i < advanced.size(); ++i) CHECK(advanced[i] == advanced[i - 1] + 1);
  CHECK(advanced.back() == value_of(http.block_number()));
  CHECK(ws.stats().drops >= 1);
  CHECK(ws.stats().connects >= 2);
}

TEST_CASE("perpx watch --ws-url: heads by subscription, none missed across a cut", "[anvil][ws][cli]") {
  LocalChain node;
  auto http = node.client();
  Proxy proxy(node.port());
  Child watch({PERPX_BIN, "watch", "--json", "--confirmations", "2", "--rpc-url", node.rpc_url(), "--ws-url",
               "ws://127.0.0.1:" + std::to_string(proxy.port())});
  const auto deadline = Clock::now() + 30s;
  std::vector<BlockNum> heads;
  int reorgs = 0;
  auto read_until = [&](BlockNum n) {
    while (heads.empty() || heads.back() < n) {
      auto l = watch.line(deadline);
      REQUIRE(l);
      const Json j = Json::parse(*l);
      if (j["event"] == "head") heads.push_back(j["block_num"].get<BlockNum>());
      if (j["event"] == "reorg") ++reorgs;
    }
  };
  read_until(0);  // the first head: the process is up and subscribed
  mine(http, 3);
  read_until(value_of(http.block_number()));
  proxy.cut();
  std::this_thread::sleep_for(300ms);
  mine(http, 4);
  std::this_thread::sleep_for(300ms);
  proxy.restore();
  mine(http, 2);
  read_until(value_of(http.block_number()));
  CHECK(reorgs == 0);
  for (size_t i = 1; i < heads.size(); ++i) CHECK(heads[i] == heads[i - 1] + 1);
  CHECK(watch.stop(SIGINT) == 0);
}

TEST_CASE("logs subscription: reconnect hook backfills what was missed", "[anvil][ws]") {
  LocalChain node;
  auto http = node.client();
  const Address from = node.accounts().at(0);
  const Address emitter = send(http, Json{{"from", hex_of(from)}, {"data", kEmitterInit}}).contract_address.value();
  Proxy proxy(node.port());
  WsOptions wo;
  wo.backoff_base = 20ms;
  wo.backoff_max = 200ms;
  WsClient ws("ws://127.0.0.1:" + std::to_string(proxy.port()), wo);
  LogFilter filter;
  filter.addresses = {emitter};
  // Keyed by (block hash, log index): the backfill and the renewed
  // subscription may both report a log; each must be kept once.
  std::vector<Log> seen;
  BlockNum last_block = 0;
  auto take = [&](const Log& l) {
    for (const Log& s : seen)
      if (s.block_hash == l.block_hash && s.log_index == l.log_index) return;
    seen.push_back(l);
    last_block = std::max(last_block, l.block_number);
  };
  value_of(ws.subscribe_logs(filter, take));
  int reconnects = 0;
  ws.on_reconnect([&] {
    ++reconnects;
    for (const Log& l : value_of(http.get_logs(filter, last_block + 1, value_of(http.block_number())))) take(l);
  });
  auto emit = [&](uint8_t tag) {
    send(http, Json{{"from", hex_of(from)}, {"to", hex_of(emitter)}, {"data", core::to_hex(Bytes{tag})}});
  };
  emit(1);
  emit(2);
  REQUIRE(poll_until(ws, [&] { return seen.size() == 2; }));
  proxy.cut();
  REQUIRE(poll_until(ws, [&] { return !ws.connected(); }));
  emit(3);  // while disconnected
  emit(4);
  proxy.restore();
  REQUIRE(poll_until(ws, [&] { return reconnects == 1; }));
  emit(5);
  REQUIRE(poll_until(ws, [&] { return seen.size() == 5; }));
  ws.poll(100ms);
  REQUIRE(seen.size() == 5);
  for (size_t i = 0; i < seen.size(); ++i) CHECK(seen[i].data == Bytes{static_cast<uint8_t>(i + 1)});
  CHECK(seen == value_of(http.get_logs(filter, 0, value_of(http.block_number()))));
}

TEST_CASE("reconnect after the node itself restarts misses no block", "[anvil][ws][restart]") {
  // The node keeps its chain across the restart (--state: dumped on exit,
  // loaded on start), as a real node does; it comes back on the same port.
  char dir[] = "/tmp/perpx-ws-restart-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string state = std::string(dir) + "/state.json";
  LocalChainOptions o;
  o.extra_args = {"--state", state};
  std::optional<LocalChain> node(std::in_place, o);
  o.port = node->port();
  auto http = node->client();

  HeadFollower f(node->ws_url(), http);
  auto [ws, tracker, advanced, reorgs, reconnects, errors] = f.parts();
  auto tip_is = [&](BlockNum n) { return [&, n] { return !tracker.empty() && tracker.tip() == n; }; };
  mine(http, 3);
  const BlockNum before = value_of(http.block_number());
  REQUIRE(poll_until(ws, tip_is(before)));
  const Hash32 tip_hash = value_of(http.block_header(BlockRef{before})).value().hash;

  node.reset();  // SIGTERM: anvil writes its state and exits
  REQUIRE(poll_until(ws, [&] { return !errors.empty(); }));
  ws.poll(300ms);  // reconnect attempts fail while the node is down
  CHECK(reconnects == 0);

  node.emplace(o);
  REQUIRE(node->port() == o.port);
  auto http2 = node->client();
  REQUIRE(value_of(http2.block_number()) == before);  // the same chain came back
  CHECK(value_of(http2.block_header(BlockRef{before})).value().hash == tip_hash);
  mine(http2, 4);  // before the client is back: no newHeads for these
  REQUIRE(poll_until(ws, [&] { return reconnects == 1; }));
  CHECK(tracker.tip() == before + 4);  // the hook's poll filled the gap
  mine(http2, 2);
  REQUIRE(poll_until(ws, tip_is(before + 6)));

  CHECK(reorgs == 0);
  REQUIRE(!advanced.empty());
  for (size_t i = 1; i < advanced.size(); ++i) CHECK(advanced[i] == advanced[i - 1] + 1);
  CHECK(ws.stats().connects >= 2);
  node.reset();
  std::filesystem::remove_all(dir);
}
