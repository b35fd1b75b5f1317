// Operations against a real anvil: /metrics scraped over loopback HTTP
// (parsed as text format lines) after real work moves the counters: an
// order placed and included through an ExecSession (orders by state and
// path, RPC latency, gas by urgency, kill-switch state, endpoint health),
// `perpx watch` seeing a reorg (reorgs, endpoint health with a credentialed
// URL redacted), and `perpx order place --log-format json` writing JSON log
// lines with no key in them.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <thread>
#include <optional>
#include <sstream>
#include <string>

#include "child_process.hpp"
#include "cli_run.hpp"
#include "exec_session.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/metrics.hpp"
#include "perpx/ops/metrics_server.hpp"
#include "value_of.hpp"
#include "venues_fixture.hpp"

using namespace venue_test;
using perpx::test::value_of;

namespace {

constexpr const char* kTrader1Key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

// GET /metrics on 127.0.0.1:port: the body, or nullopt when nothing listens.
std::optional<std::string> scrape(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  std::string reply;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  REQUIRE(reply.starts_with("HTTP/1.1 200 OK\r\n"));
  REQUIRE(reply.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  return reply.substr(reply.find("\r\n\r\n") + 4);
}

// The value of one sample (`name{a="x",b="y"}` with labels in name order, as
// the registry renders them), read from the text format; nullopt if absent.
// Every line must be a comment or `series value`.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::optional<double> found;
  for (std::string line; std::getline(in, line);) {
    REQUIRE(!line.empty());
    if (line[0] == '#') {
      CHECK((line.starts_with("# HELP ") || line.starts_with("# TYPE ")));
      continue;
    }
    const auto sp = line.rfind(' ');
    REQUIRE(sp != std::string::npos);
    if (line.substr(0, sp) == series) found = std::stod(line.substr(sp + 1));
  }
  return found;
}

std::string must_scrape(uint16_t port) {
  auto body = scrape(port);
  REQUIRE(body.has_value());
  return *body;
}

double sample_or_zero(const std::string& text, const std::string& series) { return sample(text, series).value_or(0); }

// A port nothing listens on right now (bound, read, closed).
uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  socklen_t len = sizeof sa;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  ::close(fd);
  return ntohs(sa.sin_port);
}

chain::LocalChainOptions one_block_a_second() {
  chain::LocalChainOptions o;
  o.block_time = 1;
  return o;
}

std::filesystem::path temp_journal(const char* tag) {
  return std::filesystem::temp_directory_path() /
         (std::string("perpx-ops-") + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(rand()) + ".sqlite");
}

void remove_journal(const std::filesystem::path& p) {
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + ext);
}

}  // namespace

TEST_CASE("metrics: an order placed and included moves the counters a scrape reads", "[anvil][ops][metrics]") {
  VenueChain vc{one_block_a_second()};
  const auto journal = temp_journal("session");
  auto server = ops::MetricsServer::start("127.0.0.1:0", core::default_registry());
  REQUIRE(server);
  const uint16_t port = (*server)->port();

  app::SessionOptions so;
  so.rpc_url = vc.lw.chain.rpc_url();
  so.journal = journal;
  so.venue = vc.lw.world.venue;
  auto key = signer::SecretKey::from_hex(kTrader1Key);
  REQUIRE(key);
  app::ExecSession s(so, std::move(*key));

  const std::string before = must_scrape(port);
  executor::Order order;
  order.venue = "ref";
  order.market = "ETH";
  order.side = executor::Side::kBuy;
  order.size = value_of(core::parse_wad("1.5"));
  order.limit_price = value_of(core::parse_wad("3100"));
  order.path = executor::Path::kPublic;
  order.urgency = executor::Urgency::kNormal;
  order.client_id = "ops-metrics-1";
  auto id = s.ex.place(order, app::wall_ms());
  REQUIRE(id);
  // Follow heads until the order is in (bounded by blocks, not by time).
  const uint64_t start = vc.head().number;
  std::string state = value_of(s.journal.order(*id)).state;
  while (state != "included" && state != "finalized" && vc.head().number < start + 30) {
    REQUIRE(s.poll(app::wall_ms()));
    state = value_of(s.journal.order(*id)).state;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE((state == "included" || state == "finalized"));
  const std::string after = must_scrape(port);
  INFO(after);

  auto moved = [&](const std::string& series) {
    return sample_or_zero(after, series) - sample_or_zero(before, series);
  };
  CHECK(moved(R"(perpx_orders_total{path="public",state="routed"})") == 1);
  CHECK(moved(R"(perpx_orders_total{path="public",state="sent"})") == 1);
  CHECK(moved(R"(perpx_orders_total{path="public",state="included"})") == 1);
  CHECK(moved(R"(perpx_rpc_latency_seconds_count{method="eth_sendRawTransaction"})") == 1);
  CHECK(moved(R"(perpx_rpc_latency_seconds_bucket{method="eth_sendRawTransaction",le="+Inf"})") == 1);
  CHECK(moved(R"(perpx_rpc_latency_seconds_count{method="eth_getTransactionReceipt"})") >= 1);
  CHECK(moved(R"(perpx_rpc_latency_seconds_sum{method="eth_sendRawTransaction"})") > 0);
  CHECK(moved("perpx_tick_to_wire_seconds_count") == 1);
  // Gas of the included transaction, as its receipt says.
  const auto txns = value_of(s.journal.txns(*id));
  REQUIRE(txns.size() == 1);
  const auto receipt = value_of(vc.rpc.transaction_receipt(txns[0].hash));
  REQUIRE(receipt);
  CHECK(moved(R"(perpx_gas_used_total{urgency="normal"})") == static_cast<double>(receipt->gas_used));
  CHECK(moved(R"(perpx_gas_used_total{urgency="urgent"})") == 0);
  CHECK(moved(R"(perpx_gas_spent_gwei_total{urgency="normal"})") > 0);
  // The journal says active: the kill-switch gauge says so too.
  CHECK(sample(after, R"(perpx_kill_switch_state{state="active"})") == 1);
  CHECK(sample(after, R"(perpx_kill_switch_state{state="halted"})") == 0);
  CHECK(sample(after, R"(perpx_rpc_endpoint_up{endpoint=")" + vc.lw.chain.rpc_url() + "\"}") == 1);
  // A halt journalled: the gauge follows.
  auto change = s.kill.manual(executor::TradingState::kHalted, "ops test", app::wall_ms());
  REQUIRE(change);
  REQUIRE(s.journal.add_state_change(*change));
  const std::string halted = must_scrape(port);
  CHECK(sample(halted, R"(perpx_kill_switch_state{state="halted"})") == 1);
  CHECK(sample(halted, R"(perpx_kill_switch_state{state="active"})") == 0);
  remove_journal(journal);
}

TEST_CASE("metrics: perpx watch serves /metrics, counts a reorg, redacts the endpoint", "[anvil][ops][metrics][cli]") {
  chain::LocalChain node;
  auto rpc = node.client();
  value_of(rpc.request("anvil_mine", Json::array({"0x6"})));
  const uint16_t port = free_port();
  const std::string url = "http://apikey:secret-key@127.0.0.1:" + std::to_string(node.port());
  perpx::test::Child watch({PERPX_BIN, "watch", "--json", "--interval-ms", "20", "--rpc-url", url, "--metrics-addr",
                     "127.0.0.1:" + std::to_string(port), "--log-level", "warn"});
  const auto deadline = perpx::test::Child::Clock::now() + std::chrono::seconds(30);
  auto until = [&](const char* event, uint64_t block) {
    while (auto l = watch.line(deadline)) {
      auto j = value_of(core::parse_json(*l));
      if (j["event"] == event && (block == 0 || j["block_num"] == block)) return true;
    }
    return false;
  };
  REQUIRE(until("head", 6));
  const std::string first = must_scrape(port);
  CHECK(sample_or_zero(first, "perpx_reorgs_total") == 0);
  CHECK(sample_or_zero(first, R"(perpx_rpc_latency_seconds_count{method="eth_getBlockByNumber"})") >= 1);
  value_of(rpc.request("anvil_reorg", Json::array({3, Json::array()})));
  REQUIRE(until("reorg", 0));
  const std::string after = must_scrape(port);
  INFO(after);
  CHECK(sample(after, "perpx_reorgs_total") == 1);
  CHECK(sample_or_zero(after, R"(perpx_rpc_latency_seconds_count{method="eth_getBlockByNumber"})") >
        sample_or_zero(first, R"(perpx_rpc_latency_seconds_count{method="eth_getBlockByNumber"})"));
  // One endpoint, up, named without its credentials.
  CHECK(after.find("secret-key") == std::string::npos);
  CHECK(after.find("apikey") == std::string::npos);
  size_t up_series = 0;
  for (size_t p = 0; (p = after.find("\nperpx_rpc_endpoint_up{", p)) != std::string::npos; ++p) ++up_series;
  CHECK(up_series == 1);
  CHECK(after.find("perpx_rpc_endpoint_up{endpoint=\"") != std::string::npos);
  CHECK(after.find("\"} 1\n", after.find("perpx_rpc_endpoint_up{")) != std::string::npos);
  CHECK(watch.stop(SIGINT, std::chrono::seconds(5)) == 0);
  CHECK_FALSE(scrape(port).has_value());  // gone with the process
}

TEST_CASE("perpx order place --log-format json: JSON log lines on stderr, no key, bad flags refused",
          "[anvil][ops][log][cli]") {
  VenueChain vc{one_block_a_second()};
  const auto journal = temp_journal("cli");
  const std::vector<std::string> env{"ETH_PRIVATE_KEY=" + std::string(kTrader1Key),
                                     "ETH_RPC_URL=" + vc.lw.chain.rpc_url(),
                                     "PERPX_VENUE=" + core::to_checksum(vc.lw.world.venue)};
  std::vector<std::string> args{"order",  "place", "--venue",   "ref",    "--market",  "ETH",
                                "--side", "buy",   "--journal", journal.string(), "--json", "--wait-blocks",
                                "30",     "--size", "1",        "--limit", "3100",     "--path",
                                "public", "--client-id", "ops-cli-1", "--log-format", "json",
                                "--metrics-addr", "127.0.0.1:0"};
  auto r = perpx::test::run_perpx(args, {}, env);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(value_of(core::parse_json(r.out))["state"] == "included");
  std::istringstream err(r.err);
  std::vector<Json> lines;
  for (std::string l; std::getline(err, l);) lines.push_back(value_of(core::parse_json(l)));  // every line is JSON
  auto has = [&](const std::string& event) {
    return std::any_of(lines.begin(), lines.end(), [&](const Json& j) { return j["event"] == event; });
  };
  CHECK(has("metrics.listening"));
  CHECK(has("order.placed"));
  CHECK(std::any_of(lines.begin(), lines.end(),
                    [](const Json& j) { return j["event"] == "order.state" && j["state"] == "included"; }));
  for (const auto& j : lines) {
    CHECK(j.contains("ts"));
    CHECK(j["level"] == "info");
  }
  // The key never appears, in any case.
  std::string lower = r.err;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(lower.find(std::string(kTrader1Key + 2)) == std::string::npos);

  // Refusals: one line on stderr, exit 1, nothing on stdout.
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--metrics-addr", "0.0.0.0:0"},
                                                                  {"--metrics-addr", "nowhere:1"},
                                                                  {"--log-format", "xml"},
                                                                  {"--log-level", "loud"}}) {
    std::vector<std::string> bad{"order", "place", "--venue", "ref", "--market", "ETH", "--side", "buy",
                                 "--journal", journal.string(), "--size", "1", "--limit", "3100"};
    bad.insert(bad.end(), extra.begin(), extra.end());
    auto b = perpx::test::run_perpx(bad, {}, env);
    INFO(extra[0] << " " << extra[1] << ": " << b.err);
    CHECK(b.status == 1);
    CHECK(b.out.empty());
    CHECK(std::count(b.err.begin(), b.err.end(), '\n') == 1);
    CHECK(b.err.find(extra[0]) != std::string::npos);
  }
  remove_journal(journal);
}
