// perpx watch: heads, reorgs, safe and finalized blocks of a chain, one line
// per event, by polling eth_getBlockByNumber("latest") over HTTP.
//
// --json lines:
//   {"event":"head","block_num":N,"hash":"0x..","parent_hash":"0x..","time":T}
//   {"event":"reorg","depth":D,"unwind_to":N,"old_hash":"0x..","new_hash":"0x.."}
//   {"event":"safe","block_num":N}   {"event":"finalized","block_num":N}
//   {"event":"finality_violation","unwind_to":N,"finalized":F}
// Finality comes from the node's safe/finalized tags, or with --confirmations N
// from depth (safe = finalized = head - N). A first poll that fails exits 1;
// later failures are reported on stderr and polled again; a reorg deeper than
// the window starts the tracker over (stderr says so). Runs until SIGINT or
// SIGTERM, then exits 0.
//
// Several --rpc-url values make one EndpointSet: heads and feed reads fail
// over to the healthiest endpoint, and every --health-interval-ms each
// endpoint's health is reported:
//   {"event":"endpoint","index":i,"url":"http://host:port","healthy":true,
//    "head":N,"head_lag":L,"calls":C,"errors":E,"consecutive_errors":K,
//    "latency_ewma_us":X,"latency_p50_us":Y}
// (the URL without path or query, where providers put keys).
//
// With --ws-url, heads arrive by an eth_subscribe("newHeads") subscription
// instead of polling; --rpc-url still serves the tags and every backfill.
// A dropped WebSocket reconnects with backoff (stderr says so); after the
// reconnect the tracker polls the node's head over HTTP, which fills every
// block missed meanwhile by number, so no block is skipped.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "cli.hpp"
#include "watch_feeds.hpp"
#include "perpx/chain/endpoints.hpp"
#include "perpx/chain/heads.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/chain/ws.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::app {

namespace {

using chain::HeadEvent;

struct WatchOptions {
  std::vector<std::string> rpc_urls;
  uint32_t health_interval_ms = 10000;
  std::string ws_url;
  uint64_t confirmation_depth = 0;
  std::optional<uint64_t> confirmations;  // set when --confirmations was given
  bool json = false;
  uint32_t interval_ms = 1000;
  uint32_t window = 128;
  std::vector<std::string> feeds;  // --feed specs (watch_feeds.hpp)
};

std::string hex(const chain::Hash32& h) { return core::to_hex(h); }

std::string render(const HeadEvent& ev, bool json) {
  struct {
    bool json;
    std::string operator()(const chain::Advance& a) const {
      const auto& h = a.header;
      if (!json) return "head " + std::to_string(h.number) + " " + hex(h.hash) + " parent " + hex(h.parent_hash) +
                        " time " + std::to_string(h.timestamp);
      return core::Json{{"event", "head"}, {"block_num", h.number}, {"hash", hex(h.hash)},
                        {"parent_hash", hex(h.parent_hash)}, {"time", h.timestamp}}.dump();
    }
    std::string operator()(const chain::Reorg& r) const {
      if (!json) return "reorg depth " + std::to_string(r.depth) + " unwind_to " + std::to_string(r.unwind_to) +
                        " old " + hex(r.old_hash) + " new " + hex(r.new_hash);
      return core::Json{{"event", "reorg"}, {"depth", r.depth}, {"unwind_to", r.unwind_to},
                        {"old_hash", hex(r.old_hash)}, {"new_hash", hex(r.new_hash)}}.dump();
    }
    std::string operator()(const chain::Safe& s) const {
      if (!json) return "safe " + std::to_string(s.block_num);
      return core::Json{{"event", "safe"}, {"block_num", s.block_num}}.dump();
    }
    std::string operator()(const chain::Finalized& f) const {
      if (!json) return "finalized " + std::to_string(f.block_num);
      return core::Json{{"event", "finalized"}, {"block_num", f.block_num}}.dump();
    }
    std::string operator()(const chain::FinalityViolation& v) const {
      if (!json) return "FINALITY VIOLATION: reorg to " + std::to_string(v.unwind_to) + " below finalized " +
                        std::to_string(v.finalized);
      return core::Json{{"event", "finality_violation"}, {"unwind_to", v.unwind_to}, {"finalized", v.finalized}}.dump();
    }
  } visitor{json};
  return std::visit(visitor, ev);
}

std::string render_health(size_t i, const chain::EndpointHealth& h, bool json) {
  if (!json) {
    char line[256];
    std::snprintf(line, sizeof line, "endpoint %zu %s %s head %s lag %llu p50 %.1f us errors %llu of %llu calls", i,
                  h.url.c_str(), h.healthy ? "healthy" : "UNHEALTHY", h.head ? std::to_string(*h.head).c_str() : "-",
                  static_cast<unsigned long long>(h.head_lag), h.latency_p50_us,
                  static_cast<unsigned long long>(h.errors), static_cast<unsigned long long>(h.calls));
    return line;
  }
  core::Json j{{"event", "endpoint"}, {"index", i}, {"url", h.url}, {"healthy", h.healthy}};
  j["head"] = h.head ? core::Json(*h.head) : core::Json(nullptr);
  j["head_lag"] = h.head_lag;
  j["calls"] = h.calls;
  j["errors"] = h.errors;
  j["consecutive_errors"] = h.consecutive_errors;
  j["latency_ewma_us"] = h.latency_ewma_us;
  j["latency_p50_us"] = h.latency_p50_us;
  return j.dump();
}

// Endpoint health lines, every interval (checked between polls).
class HealthReporter {
 public:
  HealthReporter(chain::EndpointSet& set, const WatchOptions& o) : set_(set), o_(o) {}
  void maybe_report() {
    if (o_.health_interval_ms == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    next_ = now + std::chrono::milliseconds(o_.health_interval_ms);
    (void)set_.refresh_heads();  // a failure shows in the health it reports
    const auto all = set_.health();
    for (size_t i = 0; i < all.size(); ++i) print_line(render_health(i, all[i], o_.json));
    std::fflush(stdout);
  }

 private:
  chain::EndpointSet& set_;
  const WatchOptions& o_;
  std::chrono::steady_clock::time_point next_{};
};

// Heads by subscription; the signal wait is a zero-timeout check between polls.
void watch_ws(const WatchOptions& o, chain::HeadTracker& heads, HealthReporter& health, const sigset_t& set) {
  chain::WsClient ws(o.ws_url);
  auto report = [&](const auto& r) {
    if (r) return;
    std::fprintf(stderr, "perpx watch: %s\n", chain::to_string(r.error()).c_str());
    if (r.error().code == chain::HeadErrc::kReorgTooDeep) {
      std::fprintf(stderr, "perpx watch: starting over from the node's head\n");
      heads.reset();
    }
  };
  ws.on_error([](const chain::RpcError& e) {
    std::fprintf(stderr, "perpx watch: websocket: %s\n", chain::to_string(e).c_str());
  });
  ws.on_reconnect([&] {
    std::fprintf(stderr, "perpx watch: websocket reconnected; filling the gap\n");
    report(heads.poll());
  });
  if (auto sub = ws.subscribe_heads([&](const chain::BlockHeader& h) { report(heads.on_head(h)); }); !sub)
    fail("--ws-url: " + chain::to_string(sub.error()));
  if (auto r = heads.poll(); !r) fail(chain::to_string(r.error()));
  const timespec zero{0, 0};
  for (;;) {
    const int sig = sigtimedwait(&set, nullptr, &zero);
    if (sig == SIGINT || sig == SIGTERM) return;
    ws.poll(std::chrono::milliseconds(100));
    health.maybe_report();
  }
}

void watch(const WatchOptions& o) {
  if (o.rpc_urls.empty()) fail("--rpc-url: required (or set ETH_RPC_URL)");
  for (const auto& url : o.rpc_urls)
    if (!url.starts_with("http://") && !url.starts_with("https://"))
      fail("--rpc-url: expected an http:// or https:// URL");
  if (!o.ws_url.empty() && !o.ws_url.starts_with("ws://") && !o.ws_url.starts_with("wss://"))
    fail("--ws-url: expected a ws:// or wss:// URL");
  // With several endpoints each client tries once, so a read fails over at
  // once instead of retrying a dead node first.
  chain::RetryPolicy policy;
  if (o.rpc_urls.size() > 1) policy.max_attempts = 1;
  std::vector<chain::RpcClient> clients;
  for (const auto& url : o.rpc_urls) clients.emplace_back(std::make_unique<chain::HttpTransport>(url), policy);
  chain::EndpointSet endpoints(std::move(clients));
  chain::EndpointHeaderSource source(endpoints);
  HealthReporter health(endpoints, o);
  chain::HeadTrackerOptions ho;
  ho.window = o.window;
  ho.seed = std::min<uint32_t>(32, o.window - 1);  // so an early reorg still finds its fork point
  ho.confirmations = o.confirmations;
  std::vector<WatchedFeed> feeds = open_feeds(endpoints.client(endpoints.preferred()), o.feeds);
  chain::HeadTracker heads(source, [&](const HeadEvent& ev) {
    print_line(render(ev, o.json));
    // Feeds are read at every new block; a price line follows its head line.
    if (const auto* a = std::get_if<chain::Advance>(&ev); a && !feeds.empty()) {
      for (const auto& price : poll_feeds(endpoints.client(endpoints.preferred()), feeds, a->header)) {
        if (o.json) print_json(price);
        else print_line("price " + price["source"].get<std::string>() + " " + price["feed"].get<std::string>() + " " +
                        price["price"].get<std::string>() + " block " + std::to_string(a->header.number));
      }
    }
    std::fflush(stdout);
  }, ho);

  // Signals are taken synchronously: the wait between polls is the signal wait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  if (!o.ws_url.empty()) return watch_ws(o, heads, health, set);
  if (auto r = heads.poll(); !r) fail(chain::to_string(r.error()));
  health.maybe_report();
  const timespec interval{static_cast<time_t>(o.interval_ms / 1000), static_cast<long>(o.interval_ms % 1000) * 1'000'000};
  for (;;) {
    const int sig = sigtimedwait(&set, nullptr, &interval);
    if (sig == SIGINT || sig == SIGTERM) return;
    if (auto r = heads.poll(); !r) {
      std::fprintf(stderr, "perpx watch: %s\n", chain::to_string(r.error()).c_str());
      if (r.error().code == chain::HeadErrc::kReorgTooDeep) {
        std::fprintf(stderr, "perpx watch: starting over from the node's head\n");
        heads.reset();
      }
    }
    health.maybe_report();
  }
}

}  // namespace

void add_watch_commands(CLI::App& app) {
  auto opts = std::make_shared<WatchOptions>();
  auto* cmd = app.add_subcommand("watch", "stream heads, reorgs, safe and finalized blocks (and oracle prices) until interrupted");
  add_ops_options(cmd);
  cmd->add_option("--rpc-url", opts->rpc_urls,
                  "HTTP JSON-RPC endpoint; repeat it for several endpoints of one chain (failover, health lines)")
      ->allow_extra_args(false)
      ->envname("ETH_RPC_URL");
  cmd->add_option("--health-interval-ms", opts->health_interval_ms,
                  "how often each endpoint's health is reported (0: never; default 10000)")
      ->check(CLI::Range(0u, 3600000u));
  cmd->add_option("--ws-url", opts->ws_url, "WebSocket endpoint: heads by newHeads subscription (HTTP still used for tags and backfill)");
  auto* conf = cmd->add_option("--confirmations", opts->confirmation_depth,
                               "finality by depth: safe = finalized = head - N (default: the node's safe/finalized tags)");
  cmd->add_flag("--json", opts->json, "one JSON object per line");
  cmd->add_option("--feed", opts->feeds,
                  "oracle feed read at every new head (repeatable): chainlink:<addr>, pyth:<addr>:<priceId>, univ3:<pool>[:invert]");
  cmd->add_option("--interval-ms", opts->interval_ms, "poll interval in milliseconds (10..60000, default 1000)")
      ->check(CLI::Range(10, 60000));
  cmd->add_option("--window", opts->window, "recent blocks kept; the deepest reorg followed is window-1 (default 128)")
      ->check(CLI::Range(2, 100000));
  cmd->callback([opts, conf] {
    if (conf->count() > 0) opts->confirmations = opts->confirmation_depth;
    watch(*opts);
  });
}

}  // namespace perpx::app
