// EndpointSet over loopback nodes that answer as scripted (real HTTP and
// JSON-RPC): failover, health, head lag, k-of-n agreement, pinned sends.
#include <catch2/catch.hpp>

#include <atomic>

#include "fault_server.hpp"
#include "value_of.hpp"
#include "perpx/chain/endpoints.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;
using test::FaultReply;
using test::FaultServer;
using test::http_reply;
using test::rpc_error;
using test::rpc_result;

using perpx::test::value_of;

namespace {

// A scripted node: a head, a hash per block (one hex digit repeated), and
// counters per method. fail_reads makes every read a 503.
struct Node {
  std::atomic<uint64_t> head{100};
  std::atomic<char> hash_digit{'a'};
  std::atomic<bool> fail_reads{false};
  std::atomic<bool> revert{false};
  std::atomic<int> reads{0};
  std::atomic<int> sends{0};
  FaultServer server{[this](const std::string& body, size_t) { return answer(body); }};

  FaultReply answer(const std::string& body) {
    auto j = *core::parse_json(body);
    const std::string method = j["method"];
    const Json id = j["id"];
    if (method == "eth_sendRawTransaction") {
      ++sends;
      return {http_reply(503, "send failed upstream")};
    }
    ++reads;
    if (fail_reads) return {http_reply(503, "unavailable")};
    if (revert) return {http_reply(200, rpc_error(id, 3, "execution reverted: no"))};
    if (method == "eth_blockNumber") return {http_reply(200, rpc_result(id, core::to_hex_quantity(U256(head.load()))))};
    if (method == "eth_getBlockByNumber") {
      uint64_t n = *parse_quantity_u64(j["params"][0]);
      Json h = {{"number", core::to_hex_quantity(U256(n))}, {"hash", "0x" + std::string(64, hash_digit.load())},
                {"parentHash", "0x" + std::string(64, '0')}, {"timestamp", "0x1"}, {"gasUsed", "0x0"},
                {"gasLimit", "0x1c9c380"}};
      return {http_reply(200, rpc_result(id, n <= head.load() ? h : Json(nullptr)))};
    }
    return {http_reply(200, rpc_error(id, -32601, "Method not found"))};
  }
};

RpcClient client_of(const Node& n) {
  RetryPolicy once;  // fail over at once, no retries inside a client
  once.max_attempts = 1;
  once.timeout = std::chrono::milliseconds(500);
  return make_http_client(n.server.url(), once);
}

EndpointSet set_of(std::initializer_list<Node*> nodes, EndpointPolicy policy = {}) {
  std::vector<RpcClient> clients;
  for (Node* n : nodes) clients.push_back(client_of(*n));
  return EndpointSet(std::move(clients), policy);
}

}  // namespace

TEST_CASE("reads fail over on retryable errors, a failing endpoint turns unhealthy", "[chain][endpoints]") {
  Node a, b;
  a.fail_reads = true;
  b.head = 16;
  auto set = set_of({&a, &b});
  for (int i = 0; i < 3; ++i) {
    auto r = set.request("eth_blockNumber", Json::array());
    REQUIRE(r);
    CHECK(*r == Json("0x10"));
  }
  CHECK(a.reads == 3);
  auto h = set.health();
  CHECK(h[0].errors == 3);
  CHECK(h[0].consecutive_errors == 3);
  CHECK_FALSE(h[0].healthy);
  CHECK(h[1].healthy);
  CHECK(h[1].calls == 3);
  CHECK(h[1].latency_ewma_us > 0);
  CHECK(h[1].latency_p50_us > 0);
  CHECK(h[0].url == a.server.url());

  // Unhealthy endpoints go last: the next read does not touch a.
  CHECK(value_of(set.read([](RpcClient& c) { return c.block_number(); })) == 16u);
  CHECK(a.reads == 3);

  // When every endpoint fails, the last error comes back typed.
  b.fail_reads = true;
  auto all = set.read([](RpcClient& c) { return c.block_number(); });
  REQUIRE_FALSE(all);
  CHECK(all.error().code == RpcErrc::kHttpStatus);

  // A recovered endpoint is healthy again after one success.
  a.fail_reads = false;
  b.fail_reads = false;
  REQUIRE(set.read([](RpcClient& c) { return c.block_number(); }));
  REQUIRE(set.read([](RpcClient& c) { return c.block_number(); }));
  CHECK(set.health()[1].consecutive_errors == 0);
}

TEST_CASE("a refusal for cause does not fail over", "[chain][endpoints]") {
  Node a, b;
  a.revert = true;
  auto set = set_of({&a, &b});
  auto r = set.request("eth_call", Json::array());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kExecutionReverted);
  CHECK(b.reads == 0);
  CHECK(set.health()[0].errors == 0);  // a healthy node saying no
}

TEST_CASE("head lag marks a node behind the best head unhealthy", "[chain][endpoints]") {
  Node a, b, c;
  a.head = 100;
  b.head = 90;
  c.head = 101;
  auto set = set_of({&b, &a, &c});
  CHECK(value_of(set.refresh_heads()) == 101u);
  auto h = set.health();
  CHECK(h[0].head == 90u);
  CHECK(h[0].head_lag == 11);
  CHECK_FALSE(h[0].healthy);
  CHECK(h[1].head_lag == 1);
  CHECK(h[1].healthy);
  CHECK(h[2].head_lag == 0);
  int before = b.reads;
  REQUIRE(set.read([](RpcClient& cl) { return cl.block_number(); }));
  CHECK(b.reads == before);  // the lagging node is not asked first
}

TEST_CASE("k-of-n agreement on a block hash", "[chain][endpoints]") {
  Node a, b, c;
  c.hash_digit = 'b';  // c is on another fork
  auto set = set_of({&c, &a, &b});
  auto agreed = set.agreed_block_hash(50, 2);
  REQUIRE(agreed);
  CHECK(core::to_hex(*agreed) == "0x" + std::string(64, 'a'));
  auto all = set.agreed_block_hash(50, 3);
  REQUIRE_FALSE(all);
  CHECK(all.error().cls == ErrorClass::kRetryable);
  CHECK(all.error().message.find("2 distinct hashes") != std::string::npos);
  auto beyond = set.agreed_block_hash(500, 1);  // no node has it yet
  REQUIRE_FALSE(beyond);
  CHECK(set.agreed_block_hash(50, 0).error().cls == ErrorClass::kFatal);
  CHECK(set.agreed_block_hash(50, 4).error().cls == ErrorClass::kFatal);
}

TEST_CASE("sends go to the pinned endpoint only, never failed over", "[chain][endpoints]") {
  Node a, b;
  auto set = set_of({&a, &b});
  CHECK(set.send_endpoint() == 0);
  auto raw = *core::parse_hex("0x02f86b827a69808477359400847735940082520894000000000000000000000000000000000000dead0180c0");
  auto r = set.send_raw_transaction(raw);
  REQUIRE_FALSE(r);
  CHECK(r.error().cls == ErrorClass::kOutcomeUnknown);
  auto r2 = set.request("eth_sendRawTransaction", Json::array({core::to_hex(raw)}));
  REQUIRE_FALSE(r2);
  CHECK(a.sends == 2);
  CHECK(b.sends == 0);
  set.pin_send_endpoint(1);
  REQUIRE_FALSE(set.send_raw_transaction(raw));
  CHECK(a.sends == 2);
  CHECK(b.sends == 1);
  CHECK_THROWS_AS(set.pin_send_endpoint(2), std::out_of_range);
}
