// The soak's fault proxy (apps/perpx/fault_proxy.hpp) between a real anvil
// and perpx's own clients: each fault kind is seen by the client as the
// error it would get from a misbehaving provider, the proxy's counts agree,
// faults are bounded, and the same seed gives the same faults. (Here, not in
// the unit tests: the upstream is a real anvil.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "fault_proxy.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/chain/ws.hpp"

using namespace perpx;
using app::FaultProxy;
using app::FaultSpec;
using chain::RpcErrc;
using core::Json;
using namespace std::chrono_literals;

namespace {

chain::RpcClient client(const FaultProxy& p, int attempts = 1, std::chrono::milliseconds timeout = 5000ms) {
  return chain::make_http_client(p.url(), chain::RetryPolicy{.max_attempts = attempts, .timeout = timeout});
}

FaultSpec only(double FaultSpec::*kind, uint64_t max_faults = 1) {
  FaultSpec s;
  s.*kind = 1.0;
  s.max_faults = max_faults;
  return s;
}

}  // namespace

TEST_CASE("fault proxy: every request fault kind reaches the client", "[anvil][fault_proxy]") {
  chain::LocalChain node;
  chain::RpcClient direct = node.client();

  SECTION("clean: requests pass through") {
    FaultProxy p(node.rpc_url(), FaultSpec{});
    auto c = client(p);
    auto id = c.chain_id();
    REQUIRE(id);
    CHECK(*id == 31337);
    CHECK(p.stats().injected() == 0);
    CHECK(p.stats().requests == 1);
  }
  SECTION("drop: no reply, and nothing reached the node") {
    FaultProxy p(node.rpc_url(), only(&FaultSpec::drop));
    auto c = client(p);
    const auto before = direct.block_number();
    REQUIRE(before);
    auto r = c.request("evm_mine", Json::array());
    REQUIRE_FALSE(r);
    CHECK(r.error().cls != chain::ErrorClass::kNonRetryable);
    CHECK(*direct.block_number() == *before);
    CHECK(p.stats().drop == 1);
    CHECK(c.block_number());  // bounded: the budget is spent, the next passes
  }
  SECTION("reset: the node acted, the client cannot know") {
    FaultProxy p(node.rpc_url(), only(&FaultSpec::reset));
    auto c = client(p);
    const auto before = direct.block_number();
    REQUIRE(before);
    auto r = c.request("evm_mine", Json::array());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kReset);
    CHECK(*direct.block_number() == *before + 1);
    CHECK(p.stats().reset == 1);
  }
  SECTION("429 in a burst, with Retry-After; a retrying client waits it out") {
    FaultSpec s = only(&FaultSpec::http429, 2);
    s.burst = 2;
    s.retry_after_s = 1;
    FaultProxy p(node.rpc_url(), s);
    auto once = client(p);
    auto r = once.block_number();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kRateLimited);
    CHECK(r.error().retry_after == 1000ms);
    auto retrying = client(p, 4);
    CHECK(retrying.block_number());  // the second of the burst, then clean
    CHECK(p.stats().http429 == 2);
    CHECK(p.stats().requests == 3);
  }
  SECTION("503: an HTTP status error, retryable") {
    FaultProxy p(node.rpc_url(), only(&FaultSpec::http503));
    auto c = client(p);
    auto r = c.block_number();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kHttpStatus);
    CHECK(r.error().http_status == 503);
    CHECK(r.error().cls == chain::ErrorClass::kRetryable);
  }
  SECTION("truncated reply") {
    FaultProxy p(node.rpc_url(), only(&FaultSpec::truncate));
    auto c = client(p);
    auto r = c.block_number();
    REQUIRE_FALSE(r);
    CHECK((r.error().code == RpcErrc::kReset || r.error().code == RpcErrc::kBadReply));
    CHECK(p.stats().truncate == 1);
  }
  SECTION("malformed reply body") {
    FaultProxy p(node.rpc_url(), only(&FaultSpec::malformed));
    auto c = client(p);
    auto r = c.block_number();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kBadReply);
    auto send = c.request("eth_sendRawTransaction", Json::array({"0x02"}));  // budget spent: the node's own answer
    REQUIRE_FALSE(send);
    CHECK(send.error().code != RpcErrc::kBadReply);
  }
  SECTION("stalled reply: the client's timeout ends it") {
    FaultSpec s = only(&FaultSpec::stall);
    s.stall_for = 3000ms;
    FaultProxy p(node.rpc_url(), s);
    auto c = client(p, 1, 300ms);
    auto r = c.block_number();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kTimeout);
    CHECK(p.stats().stall == 1);
  }
  SECTION("latency above the client's timeout") {
    FaultSpec s;
    s.latency = 2000ms;
    s.jitter = 100ms;
    FaultProxy p(node.rpc_url(), s);
    auto c = client(p, 1, 300ms);
    auto r = c.block_number();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kTimeout);
  }
  SECTION("the node down: 502 from the proxy") {
    FaultProxy p(node.rpc_url(), FaultSpec{});
    node.stop();
    auto c = client(p);
    auto r = c.block_number();
    REQUIRE_FALSE(r);
    CHECK(r.error().http_status == 502);
    CHECK(p.stats().upstream_down == 1);
  }
}

TEST_CASE("fault proxy: WebSocket cut mid-subscription, the client reconnects and heads go on", "[anvil][fault_proxy]") {
  chain::LocalChain node;
  chain::RpcClient direct = node.client();
  FaultSpec s;
  s.ws_disconnect = 1.0;
  s.ws_frames = 3;
  s.max_faults = 1;
  FaultProxy p(node.rpc_url(), s);
  chain::WsOptions wo;
  wo.backoff_base = 50ms;
  chain::WsClient ws(p.ws_url(), wo);
  std::vector<uint64_t> heads;
  int reconnects = 0;
  ws.on_reconnect([&] { ++reconnects; });
  REQUIRE(ws.subscribe_heads([&](const chain::BlockHeader& h) { heads.push_back(h.number); }));
  for (int i = 0; i < 200 && (reconnects == 0 || heads.size() < 4); ++i) {
    if (i % 10 == 0) REQUIRE(direct.request("evm_mine", Json::array()));
    ws.poll(20ms);
  }
  CHECK(p.stats().ws_disconnect == 1);
  CHECK(p.stats().ws_connections == 2);
  CHECK(reconnects == 1);
  CHECK(heads.size() >= 4);
}

TEST_CASE("fault proxy: the same seed gives the same faults, another seed others", "[anvil][fault_proxy]") {
  chain::LocalChain node;
  auto outcomes = [&](uint64_t seed) {
    FaultSpec s;
    s.seed = seed;
    s.http503 = 0.3;
    s.malformed = 0.2;
    s.burst = 1;
    FaultProxy p(node.rpc_url(), s);
    auto c = client(p);
    std::string seen;
    for (int i = 0; i < 40; ++i) {
      auto r = c.chain_id();
      seen += r ? '.' : r.error().code == RpcErrc::kHttpStatus ? '5' : 'm';
    }
    CHECK(p.stats().injected() == static_cast<uint64_t>(std::count_if(seen.begin(), seen.end(), [](char ch) { return ch != '.'; })));
    return seen;
  };
  const std::string a = outcomes(7);
  CHECK(a == outcomes(7));
  CHECK(a != outcomes(8));
  CHECK(a.find('5') != std::string::npos);
  CHECK(a.find('m') != std::string::npos);
  CHECK(a.find('.') != std::string::npos);
}

TEST_CASE("fault proxy: fault specs parse, bad ones are refused", "[fault_proxy]") {
  auto s = app::parse_fault_spec("seed=9,latency_ms=3,jitter_ms=4,drop=0.1,429=0.05,burst=4,retry_after_s=2,stall_ms=700,max_faults=5");
  REQUIRE(s);
  CHECK(s->seed == 9);
  CHECK(s->latency == 3ms);
  CHECK(s->jitter == 4ms);
  CHECK(s->drop == Approx(0.1));
  CHECK(s->http429 == Approx(0.05));
  CHECK(s->burst == 4);
  CHECK(s->retry_after_s == 2);
  CHECK(s->stall_for == 700ms);
  CHECK(s->max_faults == 5);
  CHECK(app::parse_fault_spec("none"));
  CHECK_FALSE(app::parse_fault_spec("drop"));
  CHECK_FALSE(app::parse_fault_spec("drop=1.5"));
  CHECK_FALSE(app::parse_fault_spec("drop=0.6,reset=0.6"));
  CHECK_FALSE(app::parse_fault_spec("bogus=1"));
  CHECK_FALSE(app::parse_fault_spec("burst=0"));
  CHECK_FALSE(app::parse_fault_spec("latency_ms=x"));
}
