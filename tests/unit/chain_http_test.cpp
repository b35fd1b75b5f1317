// Fault tests: RpcClient over HttpTransport against a loopback server that
// answers like a misbehaving node (real HTTP/1.1 and JSON-RPC on a socket).
// Each bad reply must end in a typed error or a safe retry.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <thread>

#include "fault_server.hpp"
#include "value_of.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;
using test::FaultReply;
using test::FaultServer;
using test::http_reply;
using test::request_id;
using test::rpc_error;
using test::rpc_result;
using ms = std::chrono::milliseconds;

using perpx::test::value_of;

namespace {

// A client whose retry waits are recorded instead of slept.
struct Probe {
  RpcClient client;
  std::vector<ms> sleeps;
  Probe(const std::string& url, RetryPolicy p = {}, HttpOptions h = {}) : client(make_http_client(url, p, std::move(h))) {
    client.set_sleep([this](ms d) { sleeps.push_back(d); });
  }
};

RetryPolicy fast(int attempts = 3, ms timeout = ms(300)) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.timeout = timeout;
  return p;
}

FaultReply ok(const std::string& body, const Json& result) { return {http_reply(200, rpc_result(request_id(body), result))}; }

// Waits (bounded) until the server has seen n requests, then a little more to
// catch any request that should not come.
size_t settled_requests(const FaultServer& s, size_t n) {
  for (int i = 0; i < 200 && s.requests() < n; ++i) std::this_thread::sleep_for(ms(10));
  std::this_thread::sleep_for(ms(150));
  return s.requests();
}

const std::string kRaw = "0x02f86b827a69808477359400847735940082520894000000000000000000000000000000000000dead0180c0";

}  // namespace

TEST_CASE("keep-alive: many calls over one connection, values exact", "[chain][http][faults]") {
  FaultServer s([](const std::string& body, size_t n) { return ok(body, core::to_hex_quantity(U256(n))); });
  Probe p(s.url());
  for (uint64_t i = 0; i < 50; ++i) REQUIRE(value_of(p.client.block_number()) == i);
  CHECK(s.connections() == 1);
  // Bodies are plain JSON-RPC 2.0 with increasing ids.
  auto bodies = s.bodies();
  auto first = *core::parse_json(bodies[0]);
  CHECK(first["jsonrpc"] == "2.0");
  CHECK(first["method"] == "eth_blockNumber");
  CHECK(first["params"] == Json::array());
  CHECK(request_id(bodies[1]) == first["id"].get<uint64_t>() + 1);
}

TEST_CASE("a reply later than the timeout: kTimeout, and a read is retried safely", "[chain][http][faults]") {
  SECTION("always late: typed error after max_attempts, with backoff waits") {
    FaultServer s([](const std::string& body, size_t) {
      FaultReply r = ok(body, "0x1");
      r.delay = ms(400);
      return r;
    });
    Probe p(s.url(), fast(3, ms(100)));
    auto t0 = std::chrono::steady_clock::now();
    auto r = p.client.block_number();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kTimeout);
    CHECK(r.error().cls == ErrorClass::kRetryable);
    CHECK(r.error().method == "eth_blockNumber");
    CHECK(p.sleeps.size() == 2);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  }
  SECTION("late once: the retry gets the right value") {
    FaultServer s([](const std::string& body, size_t n) {
      FaultReply r = ok(body, n == 0 ? "0x1" : "0x2");
      if (n == 0) r.delay = ms(400);
      return r;
    });
    Probe p(s.url(), fast(3, ms(100)));
    auto r = p.client.block_number();
    REQUIRE(r);
    CHECK(*r == 2);  // never the stale reply to the first request
    CHECK(p.sleeps.size() == 1);
  }
}

TEST_CASE("a send that times out is outcome-unknown and is not retried", "[chain][http][faults]") {
  FaultServer s([](const std::string& body, size_t) {
    FaultReply r = ok(body, "0x" + std::string(64, '0'));
    r.delay = ms(300);
    return r;
  });
  Probe p(s.url(), fast(4, ms(100)));
  auto raw = *core::parse_hex(kRaw);
  auto r = p.client.send_raw_transaction(raw);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kTimeout);
  CHECK(r.error().cls == ErrorClass::kOutcomeUnknown);
  CHECK(p.sleeps.empty());
  CHECK(settled_requests(s, 1) == 1);
}

TEST_CASE("a connection reset mid-body", "[chain][http][faults]") {
  FaultServer s([](const std::string& body, size_t) {
    FaultReply r = ok(body, "0x" + std::string(1000, '1'));
    r.cut_after = r.raw.size() / 2;
    r.reset = true;
    return r;
  });
  SECTION("read: kReset, retried to the limit") {
    Probe p(s.url(), fast(2));
    auto r = p.client.gas_price();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kReset);
    CHECK(r.error().cls == ErrorClass::kRetryable);
    CHECK(settled_requests(s, 2) == 2);
  }
  SECTION("send: outcome unknown, once") {
    Probe p(s.url(), fast(4));
    auto r = p.client.send_raw_transaction(*core::parse_hex(kRaw));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kReset);
    CHECK(r.error().cls == ErrorClass::kOutcomeUnknown);
    CHECK(settled_requests(s, 1) == 1);
  }
}

TEST_CASE("HTTP 429 with Retry-After is honoured exactly, and capped", "[chain][http][faults]") {
  SECTION("Retry-After: 1 -> one wait of 1000 ms, then the value") {
    FaultServer s([](const std::string& body, size_t n) {
      if (n == 0) return FaultReply{http_reply(429, "slow down", "Retry-After: 1\r\n")};
      return ok(body, "0x7a69");
    });
    Probe p(s.url());
    CHECK(value_of(p.client.chain_id()) == 31337u);
    REQUIRE(p.sleeps.size() == 1);
    CHECK(p.sleeps[0] == ms(1000));
  }
  SECTION("Retry-After above the cap: kRateLimited to the caller, no wait") {
    FaultServer s([](const std::string&, size_t) { return FaultReply{http_reply(429, "", "Retry-After: 60\r\n")}; });
    Probe p(s.url());
    auto r = p.client.chain_id();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kRateLimited);
    CHECK(r.error().cls == ErrorClass::kRetryable);
    CHECK(r.error().http_status == 429);
    CHECK(r.error().retry_after == ms(60000));
    CHECK(p.sleeps.empty());
    CHECK(s.requests() == 1);
  }
  SECTION("Retry-After as an HTTP date; in the past or absent -> jittered backoff") {
    char date[64];
    std::time_t later = std::time(nullptr) + 3;
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&later));
    FaultServer s([&](const std::string& body, size_t n) {
      if (n == 0) return FaultReply{http_reply(429, "", "Retry-After: " + std::string(date) + "\r\n")};
      if (n == 1) return FaultReply{http_reply(429, "", "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n")};
      if (n == 2) return FaultReply{http_reply(429, "")};
      return ok(body, "0x1");
    });
    RetryPolicy four;
    four.max_attempts = 4;
    Probe p(s.url(), four);
    CHECK(value_of(p.client.block_number()) == 1u);
    REQUIRE(p.sleeps.size() == 3);
    CHECK(p.sleeps[0] >= ms(1000));  // the date, 2-3 s ahead at whole-second resolution
    CHECK(p.sleeps[0] <= ms(3000));
    CHECK(p.sleeps[1] >= ms(50));    // backoff, retry 1: [50, 100]
    CHECK(p.sleeps[1] <= ms(100));
    CHECK(p.sleeps[2] >= ms(100));   // retry 2: [100, 200]
    CHECK(p.sleeps[2] <= ms(200));
  }
}

TEST_CASE("HTTP status: 5xx retried for reads, 4xx not, sends never", "[chain][http][faults]") {
  FaultServer s500([](const std::string&, size_t) { return FaultReply{http_reply(500, "upstream broke")}; });
  Probe p(s500.url(), fast(3));
  auto r = p.client.block_number();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kHttpStatus);
  CHECK(r.error().http_status == 500);
  CHECK(r.error().cls == ErrorClass::kRetryable);
  CHECK(r.error().message == "HTTP 500: upstream broke");
  CHECK(s500.requests() == 3);
  auto send = p.client.send_raw_transaction(*core::parse_hex(kRaw));
  REQUIRE_FALSE(send);
  CHECK(send.error().cls == ErrorClass::kOutcomeUnknown);
  CHECK(s500.requests() == 4);

  FaultServer s403([](const std::string&, size_t) { return FaultReply{http_reply(403, "forbidden")}; });
  Probe q(s403.url(), fast(3));
  auto f = q.client.block_number();
  REQUIRE_FALSE(f);
  CHECK(f.error().code == RpcErrc::kHttpStatus);
  CHECK(f.error().cls == ErrorClass::kNonRetryable);
  CHECK(s403.requests() == 1);

  // A provider that sends a node error with HTTP 400: the error object wins.
  FaultServer s400([](const std::string& body, size_t) {
    return FaultReply{http_reply(400, rpc_error(request_id(body), -32000, "nonce too low"))};
  });
  Probe n(s400.url());
  auto e = n.client.send_raw_transaction(*core::parse_hex(kRaw));
  REQUIRE_FALSE(e);
  CHECK(e.error().code == RpcErrc::kNonceTooLow);
}

TEST_CASE("bad JSON-RPC replies are typed errors, never values", "[chain][http][faults]") {
  auto expect_bad = [](std::function<std::string(const std::string&)> reply, RpcErrc code = RpcErrc::kBadReply) {
    FaultServer s([&](const std::string& body, size_t) { return FaultReply{http_reply(200, reply(body))}; });
    Probe p(s.url(), fast(2));
    auto r = p.client.block_number();
    REQUIRE_FALSE(r);
    INFO(to_string(r.error()));
    CHECK(r.error().code == code);
    return r.error();
  };
  // Truncated and malformed JSON: bad reply, and retried (a read is idempotent).
  auto t = expect_bad([](const std::string&) { return std::string(R"({"jsonrpc":"2.0","id":1,"res)"); });
  CHECK(t.cls == ErrorClass::kRetryable);
  expect_bad([](const std::string&) { return std::string("<html>gateway</html>"); });
  expect_bad([](const std::string&) { return std::string(""); });
  // Shape: wrong id, id as a string, no jsonrpc, both or neither of result/error.
  expect_bad([](const std::string& b) { return rpc_result(request_id(b).get<uint64_t>() + 1, "0x1"); });
  expect_bad([](const std::string& b) { return rpc_result(std::to_string(request_id(b).get<uint64_t>()), "0x1"); });
  expect_bad([](const std::string& b) { return Json{{"id", request_id(b)}, {"result", "0x1"}}.dump(); });
  expect_bad([](const std::string& b) { return Json{{"jsonrpc", "1.0"}, {"id", request_id(b)}, {"result", "0x1"}}.dump(); });
  expect_bad([](const std::string& b) {
    return Json{{"jsonrpc", "2.0"}, {"id", request_id(b)}, {"result", "0x1"}, {"error", {{"code", 1}, {"message", "x"}}}}.dump();
  });
  expect_bad([](const std::string& b) { return Json{{"jsonrpc", "2.0"}, {"id", request_id(b)}}.dump(); });
  expect_bad([](const std::string&) { return std::string("[]"); });
  // The result has the wrong shape: bad result, not retried.
  auto br = expect_bad([](const std::string& b) { return rpc_result(request_id(b), 5); }, RpcErrc::kBadResult);
  CHECK(br.cls == ErrorClass::kNonRetryable);
  CHECK(br.method == "eth_blockNumber");
  expect_bad([](const std::string& b) { return rpc_result(request_id(b), "0x"); }, RpcErrc::kBadResult);
  // An error with id null (the node could not read the id) is still the node's error.
  auto nul = expect_bad([](const std::string&) { return rpc_error(nullptr, -32700, "parse error"); }, RpcErrc::kNodeError);
  CHECK(nul.rpc_code == -32700);
}

TEST_CASE("a body cut short of its Content-Length is a reset", "[chain][http][faults]") {
  FaultServer s([](const std::string& body, size_t) {
    FaultReply r = ok(body, "0x1");
    r.cut_after = r.raw.size() - 5;
    return r;
  });
  Probe p(s.url(), fast(1));
  auto r = p.client.block_number();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kReset);
}

TEST_CASE("oversized replies stop at the cap", "[chain][http][faults]") {
  HttpOptions small;
  small.max_reply_bytes = 1024;
  std::string big = "0x" + std::string(4096, 'a');
  SECTION("with Content-Length") {
    FaultServer s([&](const std::string& body, size_t) { return ok(body, big); });
    Probe p(s.url(), fast(3), small);
    auto r = p.client.request("eth_call", Json::array());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kTooLarge);
    CHECK(r.error().cls == ErrorClass::kNonRetryable);
    CHECK(s.requests() == 1);
  }
  SECTION("without Content-Length (read until close)") {
    FaultServer s([&](const std::string& body, size_t) {
      FaultReply r{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + rpc_result(request_id(body), big)};
      r.close = true;
      return r;
    });
    Probe p(s.url(), fast(3), small);
    auto r = p.client.request("eth_call", Json::array());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kTooLarge);
  }
}

TEST_CASE("an error object with revert data decodes the reason", "[chain][http][faults]") {
  const std::string data =
      "0x08c379a0"
      "0000000000000000000000000000000000000000000000000000000000000020"
      "0000000000000000000000000000000000000000000000000000000000000013"
      "696e73756666696369656e74206d617267696e00000000000000000000000000";
  FaultServer s([&](const std::string& body, size_t) {
    return FaultReply{http_reply(200, rpc_error(request_id(body), 3, "execution reverted: insufficient margin", data))};
  });
  Probe p(s.url());
  CallRequest req;
  auto r = p.client.call(req);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kExecutionReverted);
  CHECK(r.error().revert_reason == "insufficient margin");
  CHECK(core::to_hex(r.error().revert_data) == data);
  CHECK(s.requests() == 1);  // not retried
}

TEST_CASE("batches: matched by id in any order, a missing reply is a typed error", "[chain][http][faults]") {
  std::vector<std::pair<std::string, Json>> calls = {
      {"eth_chainId", Json::array()}, {"eth_blockNumber", Json::array()}, {"eth_gasPrice", Json::array()}};
  auto batch_server = [](std::function<Json(const Json&)> answer) {
    return [answer](const std::string& body, size_t) {
      auto req = *core::parse_json(body);
      return FaultReply{http_reply(200, answer(req).dump())};
    };
  };
  SECTION("reversed order") {
    FaultServer s(batch_server([](const Json& req) {
      Json out = Json::array();
      for (size_t i = req.size(); i-- > 0;) out.push_back(*core::parse_json(rpc_result(req[i]["id"], core::to_hex_quantity(U256(i + 10)))));
      return out;
    }));
    Probe p(s.url());
    auto r = p.client.batch(calls);
    REQUIRE(r);
    REQUIRE(r->size() == 3);
    CHECK(*(*r)[0] == Json("0xa"));
    CHECK(*(*r)[1] == Json("0xb"));
    CHECK(*(*r)[2] == Json("0xc"));
  }
  SECTION("one reply missing, one an error") {
    FaultServer s(batch_server([](const Json& req) {
      return Json::array({*core::parse_json(rpc_error(req[1]["id"], -32601, "Method not found")),
                          *core::parse_json(rpc_result(req[0]["id"], "0x1"))});
    }));
    Probe p(s.url());
    auto r = p.client.batch(calls);
    REQUIRE(r);
    CHECK(*(*r)[0] == Json("0x1"));
    REQUIRE_FALSE((*r)[1]);
    CHECK((*r)[1].error().code == RpcErrc::kMethodNotFound);
    CHECK((*r)[1].error().method == "eth_blockNumber");
    REQUIRE_FALSE((*r)[2]);
    CHECK((*r)[2].error().code == RpcErrc::kBadReply);
    CHECK((*r)[2].error().method == "eth_gasPrice");
  }
  SECTION("an unknown or duplicated id poisons the whole batch") {
    FaultServer s(batch_server([](const Json& req) {
      Json out = Json::array();
      for (const auto& r : req) out.push_back(*core::parse_json(rpc_result(r["id"], "0x1")));
      out[2]["id"] = out[0]["id"];
      return out;
    }));
    Probe p(s.url(), fast(1));
    auto r = p.client.batch(calls);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kBadReply);
  }
  SECTION("a node that refuses batches answers with one error object") {
    FaultServer s([](const std::string&, size_t) {
      return FaultReply{http_reply(200, rpc_error(nullptr, -32600, "batch too large"))};
    });
    Probe p(s.url());
    auto r = p.client.batch(calls);
    REQUIRE_FALSE(r);
    CHECK(r.error().rpc_code == -32600);
  }
  SECTION("empty batch: nothing sent") {
    FaultServer s([](const std::string&, size_t) { return FaultReply{http_reply(500, "")}; });
    Probe p(s.url());
    CHECK(p.client.batch({})->empty());
    CHECK(s.requests() == 0);
  }
}

TEST_CASE("gzip replies are decoded", "[chain][http][faults]") {
  // gzip of {"jsonrpc":"2.0","id":1,"result":"0x2a"} (python3 gzip, mtime 0).
  const std::string gz(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\xab\x56\xca\x2a\xce\xcf\x2b\x2a\x48\x56\xb2\x52\x32\xd2\x33\x50"
      "\xd2\x51\xca\x4c\x51\xb2\x32\xd4\x51\x2a\x4a\x2d\x2e\xcd\x29\x01\x8a\x1a\x54\x18\x25\x2a\xd5\x02\x00\x73"
      "\x3e\x75\x3a\x28\x00\x00\x00",
      59);
  FaultServer s([&](const std::string&, size_t) {
    return FaultReply{http_reply(200, gz, "Content-Encoding: gzip\r\n")};
  });
  Probe p(s.url());
  CHECK(value_of(p.client.block_number()) == 42u);
  CHECK(s.bodies().size() == 1);
}

TEST_CASE("nothing listening: kConnect, reads retried, sends left to the caller", "[chain][http][faults]") {
  uint16_t port = 0;
  {
    FaultServer probe([](const std::string&, size_t) { return FaultReply{}; });
    port = probe.port();
  }  // closed: nothing listens there now
  Probe p("http://127.0.0.1:" + std::to_string(port), fast(3));
  auto r = p.client.block_number();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kConnect);
  CHECK(r.error().cls == ErrorClass::kRetryable);
  CHECK(p.sleeps.size() == 2);
  p.sleeps.clear();
  auto s = p.client.send_raw_transaction(*core::parse_hex(kRaw));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == RpcErrc::kConnect);
  CHECK(s.error().cls == ErrorClass::kRetryable);  // nothing left: safe, but the caller decides
  CHECK(p.sleeps.empty());
  Probe bad("ftp://127.0.0.1:1/");
  auto f = bad.client.block_number();
  REQUIRE_FALSE(f);
  CHECK(f.error().cls == ErrorClass::kFatal);
}

TEST_CASE("sends: the node's hash must be keccak256 of the raw bytes", "[chain][http][faults]") {
  auto raw = *core::parse_hex(kRaw);
  FaultServer good([&](const std::string& body, size_t) { return ok(body, core::to_hex(core::keccak256(raw))); });
  CHECK(value_of(Probe(good.url()).client.send_raw_transaction(raw)) == core::keccak256(raw));
  FaultServer liar([&](const std::string& body, size_t) { return ok(body, "0x" + std::string(64, '1')); });
  auto r = Probe(liar.url()).client.send_raw_transaction(raw);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == RpcErrc::kBadResult);
  CHECK(r.error().cls == ErrorClass::kOutcomeUnknown);
}

TEST_CASE("getLogs: split on refusal down to one block, logs outside the range rejected", "[chain][http][faults]") {
  auto log_at = [](uint64_t block) {
    return Json{{"address", "0x5fbdb2315678afecb367f032d93f642f64180aa3"}, {"topics", Json::array()}, {"data", "0x"},
                {"blockNumber", core::to_hex_quantity(U256(block))},
                {"blockHash", "0x" + std::string(64, '2')}, {"transactionHash", "0x" + std::string(64, '3')},
                {"transactionIndex", "0x0"}, {"logIndex", "0x0"}, {"removed", false}};
  };
  SECTION("a node limited to 4 blocks: every block's log once, in order") {
    FaultServer s([&](const std::string& body, size_t) {
      auto j = *core::parse_json(body);
      uint64_t from = *parse_quantity_u64(j["params"][0]["fromBlock"]);
      uint64_t to = *parse_quantity_u64(j["params"][0]["toBlock"]);
      if (to - from + 1 > 4) return FaultReply{http_reply(200, rpc_error(j["id"], -32005, "query returned more than 10000 results"))};
      Json logs = Json::array();
      for (uint64_t b = from; b <= to; ++b) logs.push_back(log_at(b));
      return FaultReply{http_reply(200, rpc_result(j["id"], logs))};
    });
    Probe p(s.url());
    auto r = p.client.get_logs({}, 100, 120);
    REQUIRE(r);
    REQUIRE(r->size() == 21);
    for (uint64_t i = 0; i < 21; ++i) CHECK((*r)[i].block_number == 100 + i);
    // 21 -> 10 -> 5 -> 2 refused, then [100-101] ... [120]: 11 chunks.
    CHECK(s.requests() == 3 + 11);
  }
  SECTION("refused even for one block: the error, after log2(range) tries") {
    FaultServer s([&](const std::string& body, size_t) {
      return FaultReply{http_reply(200, rpc_error(request_id(body), -32005, "query returned more than 10000 results"))};
    });
    Probe p(s.url());
    auto r = p.client.get_logs({}, 0, 1023);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kRangeTooLarge);
    CHECK(s.requests() == 11);
  }
  SECTION("a log from a block not asked for") {
    FaultServer s([&](const std::string& body, size_t) { return ok(body, Json::array({log_at(7)})); });
    auto r = Probe(s.url()).client.get_logs({}, 1, 5);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kBadResult);
  }
}
