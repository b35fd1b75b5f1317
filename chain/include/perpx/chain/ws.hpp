#pragma once
// WebSocket JSON-RPC client (ws:// and wss://) on Boost.Beast: plain requests
// (WsTransport lets an RpcClient run over it) and eth_subscribe for newHeads
// and logs, with automatic reconnect and resubscribe.
//
// Threading (STYLE.md item 11): single-threaded. A WsClient owns one
// io_context that is run only inside its own calls (request, subscribe,
// unsubscribe, poll), on the caller's thread; there is no background thread.
// Notifications that arrive while a request waits are queued, never
// delivered from inside a request: callbacks (heads, logs, reconnect) run
// only from poll(), after the I/O has returned, so a callback may itself
// make requests on this client or any other. One thread at a time per client.
//
// Replies are matched to requests by JSON-RPC id (a batch by any of its ids).
// A reply with an id nobody waits for (e.g. a request that already timed out)
// is dropped and counted. A message that is not JSON completes the request in
// flight with kBadReply (it cannot be attributed, and a node that sends it is
// broken); a notification whose result does not parse is dropped and counted.
//
// Failures of a request:
//   cannot connect / TLS or WS handshake fails   kConnect   retryable (nothing sent)
//   wss: the peer's certificate is not trusted    kConnect   fatal
//   disconnected, next attempt not yet due        kConnect   retryable (nothing sent)
//   no reply within the timeout                   kTimeout   retryable
//   connection lost before the reply              kReset     retryable
//   a message above max_message_bytes             kTooLarge  non-retryable (connection is dropped)
//   garbled message while waiting                 kBadReply  retryable
// With is_send, every failure after the body may have left is kOutcomeUnknown.
//
// Reconnect: when the connection drops, the next attempt is due after a
// jittered exponential backoff (equal jitter, base doubling to max, reset
// after a successful connect). Attempts are made from poll() and from a
// request. After a reconnect every subscription is sent again (the caller's
// handle stays the same), and once all are acknowledged the reconnect hook
// runs from poll(): the place to backfill. What was missed while down:
//   heads: nothing to do; HeadTracker::on_head fills a gap by number from its
//          HeaderSource when the next head arrives (call HeadTracker::poll()
//          in the hook to do it without waiting for a new block);
//   logs:  LogWatcher backfills by eth_getLogs from its next_block(); live
//          logs after a reconnect may repeat logs of the backfill, so key
//          them by (block hash, log index).
// A subscription the node refuses after a reconnect is reported through the
// error hook and dropped.
//
// Direct mode (ws:// only): while no subscription has been made on the
// current connection, a request is written with one send() and its reply
// read on the caller's thread: ppoll() on the socket until the deadline, a
// MSG_PEEK of the frame header, and a synchronous Beast read once the whole
// frame is in the socket, so no read is left pending between calls (each one
// cost an EAGAIN read, an epoll_wait and a timer re-arm per call; bench rtt).
// A reply that is not all there yet, longer than 16 KiB or fragmented is read
// by one Asio read bounded by the deadline. The connection leaves direct mode
// for good (a read stays pending, as with wss://) on the first subscribe, a
// timeout (a late reply may follow), a control frame, or a frame not all
// there yet while subscribed; a reconnect without subscriptions enters it
// again. A whole frame is taken off the socket by its exact length and
// handed on from the peek buffer (Beast never holds bytes in direct mode),
// so a frame that follows at once stays in the socket for the next ppoll.
// Text is not UTF-8 checked as Beast would: every reader of a message
// parses it as JSON, which refuses bad UTF-8. The
// sync calls cannot block: the socket is non-blocking and a frame is only read
// when all of it is there. It rests on the node sending nothing unasked while
// no subscription exists and no request has timed out; a node that does is
// still handled (the message is read and dropped or the mode left), at worst
// one request times out. Idle pings run only while Asio waits, as before.
//
// TCP_NODELAY and TCP_QUICKACK are set on every connection and QUICKACK is
// re-armed after each read (Linux clears it): without them anvil's pushes
// stall about 40 ms (FIELD-NOTES.md).
//
// Bounds: connect, TLS and WS handshakes are bounded by connect_timeout
// (Beast timers); the name lookup is a blocking getaddrinfo (instant for an
// IP literal). A connect runs on the caller's thread inside request()/poll().
//
// Secrets: errors and url() carry scheme, host and port only.
// Allocates (messages, queues).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "perpx/chain/rpc.hpp"
#include "perpx/chain/types.hpp"

namespace perpx::chain {

struct WsOptions {
  size_t max_message_bytes = size_t{64} << 20;       // a larger message -> kTooLarge
  std::chrono::milliseconds connect_timeout{5000};   // resolve + TCP + TLS + WS handshake
  std::chrono::milliseconds request_timeout{10000};  // subscribe/unsubscribe
  std::chrono::milliseconds idle_timeout{30000};     // ping when idle; no answer in this long: reconnect
  std::chrono::milliseconds backoff_base{100};       // reconnect backoff: base * 2^n, jittered
  std::chrono::milliseconds backoff_max{5000};
  bool verify_peer = true;                           // wss: certificate chain and host name
  bool reconnect = true;                             // false: stay closed after a drop
  // For a thread pinned to a core of its own (the hot path of a price
  // feed): direct mode stays on through subscriptions on a plain ws://
  // connection (not after a reconnect that resubscribes: Asio reads then),
  // so notifications are read by poll() on the caller's thread, and poll()
  // spins on the socket instead of sleeping in ppoll. While subscribed and
  // quiet for idle_timeout, direct mode ends and Asio's read pings the node.
  bool busy_poll = false;
};

using SubId = uint64_t;  // our handle for a subscription; survives reconnects
using HeadCallback = std::function<void(const BlockHeader&)>;
using LogCallback = std::function<void(const Log&)>;

struct WsStats {
  uint64_t connects = 0;      // successful connections (the first one included)
  uint64_t drops = 0;         // connections lost
  uint64_t dropped_messages = 0;  // replies nobody waited for, unparseable notifications
  uint64_t direct_replies = 0;    // messages read in direct mode (on the caller's thread, no Asio wait)
};

class WsClient {
 public:
  // url: ws:// or wss://. Does not connect (the first call does).
  // Throws std::invalid_argument for another scheme or a malformed URL.
  explicit WsClient(std::string url, WsOptions options = {});
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects now if not connected (bounded by connect_timeout).
  RpcResult<void> connect();
  // One request body out, its reply body back (the Transport contract).
  RpcResult<std::string> request(std::string_view body, std::chrono::milliseconds timeout, bool is_send);

  // eth_subscribe; waits for the node's answer. Callbacks run from poll().
  RpcResult<SubId> subscribe_heads(HeadCallback on_head);
  RpcResult<SubId> subscribe_logs(const LogFilter& filter, LogCallback on_log);
  // eth_unsubscribe; the handle is forgotten whatever the node says (a node
  // that no longer knows it is fine).
  RpcResult<void> unsubscribe(SubId id);

  // Runs after every reconnect once all subscriptions are renewed (from poll()).
  void on_reconnect(std::function<void()> hook) { on_reconnect_ = std::move(hook); }
  // Connection drops and failed reconnects, for logs (from poll()).
  void on_error(std::function<void(const RpcError&)> hook) { on_error_ = std::move(hook); }

  // Does I/O for up to max_wait (reconnecting when due) and stops early once
  // something is queued; then delivers every queued event to its callback.
  // Returns the number of events delivered.
  size_t poll(std::chrono::milliseconds max_wait);

  [[nodiscard]] bool connected() const noexcept;
  [[nodiscard]] const WsStats& stats() const noexcept;
  [[nodiscard]] std::string url() const;  // scheme://host:port only

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::function<void()> on_reconnect_;
  std::function<void(const RpcError&)> on_error_;
};

// Transport over a WsClient the caller keeps alive (and may subscribe on).
class WsTransport final : public Transport {
 public:
  explicit WsTransport(WsClient& ws) : ws_(ws) {}
  RpcResult<std::string> round_trip(std::string_view body, std::chrono::milliseconds timeout, bool is_send) override {
    return ws_.request(body, timeout, is_send);
  }
  [[nodiscard]] std::string url() const override { return ws_.url(); }

 private:
  WsClient& ws_;
};

}  // namespace perpx::chain
