#pragma once
// FaultProxy: a loopback proxy between perpx and a node (anvil) that injects
// the faults a real provider shows, bounded and seeded, for the soak drill
// and `perpx fault-proxy`:
//   latency + jitter   every HTTP request waits latency + U[0, jitter] first
//   drop               the request is read and the connection closed (FIN):
//                      nothing reaches the node, the client sees no reply
//   reset              the request is forwarded, the node's reply read, then
//                      the client connection is reset (RST): it happened,
//                      but the client cannot know
//   429 / 503          answered by the proxy with Retry-After (seconds), in
//                      bursts: the next `burst - 1` requests get it too
//   truncate           the node's reply is cut after half its body (FIN)
//   malformed          the node's reply body keeps its length, not its JSON
//   stall              the node's reply is held stall_for before it is sent
//   ws_disconnect      a WebSocket (Upgrade) connection is cut (FIN, no close
//                      frame) after 2..ws_frames upstream reads: mid-subscription
// HTTP/1.1 keep-alive with Content-Length bodies (what curl and anvil use);
// a WebSocket upgrade is piped both ways after the handshake. When the node
// cannot be reached the proxy answers 502 (as a real proxy does).
//
// Deterministic: the fault of the k-th HTTP request (and of the k-th WS
// connection) is a function of (seed, k) only; with one client at a time the
// same seed gives the same faults. Bounded: at most max_faults in all, every
// wait bounded (stall_for, latency + jitter), bodies up to 16 MiB, at most
// max_connections at once (more are closed at once).
//
// Thread: the proxy runs an accept thread and one thread per connection;
// set_spec() and stats() may be called from any thread. The destructor stops
// and joins them all. Failing to listen throws std::runtime_error (start-up).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "perpx/core/json.hpp"

namespace perpx::app {

struct FaultSpec {
  uint64_t seed = 1;
  std::chrono::milliseconds latency{0};
  std::chrono::milliseconds jitter{0};
  // Probabilities per HTTP request (the sum at most 1; the rest pass clean).
  double drop = 0, reset = 0, http429 = 0, http503 = 0, truncate = 0, malformed = 0, stall = 0;
  double ws_disconnect = 0;  // per WebSocket connection
  unsigned burst = 3;        // a 429/503 lasts this many requests
  unsigned retry_after_s = 1;
  std::chrono::milliseconds stall_for{2000};
  unsigned ws_frames = 8;
  uint64_t max_faults = UINT64_MAX;
};

// "key=value,..." with keys seed, latency_ms, jitter_ms, drop, reset, 429,
// 503, truncate, malformed, stall, stall_ms, ws_disconnect, ws_frames, burst,
// retry_after_s, max_faults; or "none". Unknown keys and bad values are errors.
std::expected<FaultSpec, std::string> parse_fault_spec(std::string_view text);
// The soak drill's mix: every kind, rare enough that orders still progress.
FaultSpec default_soak_faults(uint64_t seed);

struct FaultStats {
  uint64_t requests = 0, ws_connections = 0, connections = 0;
  uint64_t drop = 0, reset = 0, http429 = 0, http503 = 0, truncate = 0, malformed = 0, stall = 0;
  uint64_t ws_disconnect = 0, upstream_down = 0;  // upstream_down: 502s, not counted as injected
  [[nodiscard]] uint64_t injected() const noexcept {
    return drop + reset + http429 + http503 + truncate + malformed + stall + ws_disconnect;
  }
  [[nodiscard]] core::Json to_json() const;
};

class FaultProxy {
 public:
  // upstream: http://host:port (the node; ws:// connections go to the same
  // host and port). port 0: the kernel picks one.
  FaultProxy(std::string upstream, FaultSpec spec, uint16_t port = 0);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  [[nodiscard]] uint16_t port() const noexcept;
  [[nodiscard]] std::string url() const;     // http://127.0.0.1:PORT
  [[nodiscard]] std::string ws_url() const;  // ws://127.0.0.1:PORT
  // New faults from now on (e.g. none, for a clean settle at the end); the
  // request count and the budget go on.
  void set_spec(const FaultSpec& spec);
  [[nodiscard]] FaultStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perpx::app
