#pragma once
// `perpx bench tick-to-wire`: how fast a price event becomes a signed hedge
// transaction on the wire (issue 9, "Tick to wire" and "Jitter").
//
// A loopback node (LoopbackNode, a thread of this process on 127.0.0.1)
// serves a WebSocket `logs` subscription and pushes Chainlink AnswerUpdated
// logs of an ETH/USD aggregator as eth_subscription frames, one at a time,
// and takes eth_sendRawTransaction over HTTP/1.1 keep-alive. The engine
// thread runs the whole path on each frame: chain::WsClient (read, parse,
// notification), decode_answer_updated, oracle::Pipeline, the
// strategies::DeltaHedger, executor::KillSwitch and RiskGate, NonceManager,
// FeePolicy over a cached fee view (no RPC on the hot path), the signer,
// and the raw transaction written to the node's socket.
//
// What is measured, per event, on the engine thread's steady clock: from
// right after the read that brings the frame's first byte into the process
// returns (the probe below, taken by the read hook) to right after the
// write of the request's last byte returns. The reply is read after that
// and checked (its hash must be the transaction's), outside the window.
//
// Jitter attribution: the probe counts, inside each event's window, heap
// allocations (a counting operator new), socket reads, writes, waits
// (epoll_wait/poll), contended mutex locks, and the thread's involuntary
// context switches and page faults (getrusage, read around the window).
// The counting hooks live in tick_to_wire_hooks.cpp, linked into the perpx
// executable only (not the app library, so no test binary or other program
// gets them); without them the figures are reported as unavailable.
//
// Threading: run_tick_to_wire() owns two threads (engine = the caller, node)
// for its duration. Allocates freely outside the measured window. Errors
// (a node that cannot bind, an event without a transaction) are
// operational failures: CliError.
#include <atomic>
#include <cstdint>
#include <string>

#include "perpx/core/json.hpp"

namespace CLI {
class App;
}

namespace perpx::app::t2w {

// Per-thread counters the hooks bump. All zero until the engine arms its own
// thread's probe; the node thread's probe stays disarmed, so its work never
// counts. `first_read_ns` is set by the first read that returns data while
// armed; everything counted "in window" happens from then on.
struct Probe {
  bool armed = false;
  int64_t first_read_ns = 0;  // CLOCK_MONOTONIC (= std::chrono::steady_clock) ns
  uint64_t allocs = 0;        // operator new calls inside the window
  uint64_t reads = 0;         // read/recv/recvmsg calls inside the window (the first one included)
  uint64_t writes = 0;        // write/writev/send/sendmsg
  uint64_t waits = 0;         // epoll_wait/poll
  uint64_t lock_waits = 0;    // pthread_mutex_lock that found the mutex held
};
extern constinit thread_local Probe t_probe;

// Set by tick_to_wire_hooks.cpp's static initialiser when the hooks are
// linked in (the perpx executable; not under sanitizers).
extern std::atomic<bool> g_hooks_linked;

struct Options {
  uint64_t events = 10'000;  // measured events per mode (plain, and with metrics and logging)
  uint64_t warmup = 1'000;   // events before measuring
  uint64_t gap_us = 100;     // the node's pause between a reply and the next frame
  std::string dump_txns;     // when set: every raw transaction sent, 0x hex, one per line
  bool rfc6979 = false;      // sign with RFC 6979 nonces instead of the precomputed pool (signer/presign.hpp)
  bool pin = true;           // the engine's thread alone on the last CPU, the node and the log writer on the others
};

// Runs the harness and returns the report:
// {"events","p50_us","p99_us","p999_us","max_us", then "over_1ms",
//  "over_1ms_with_alloc", ..., "with_metrics_logging": {...}, "stages": {...},
//  "txns", "txns_verified", "sender", ...}.
core::Json run_tick_to_wire(const Options& options);

// Registers `tick-to-wire` under `perpx bench`.
void add_tick_to_wire_command(CLI::App& bench);

}  // namespace perpx::app::t2w
