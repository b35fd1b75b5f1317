#pragma once
// Hyperliquid WebSocket (wss://api.hyperliquid.xyz/ws): subscriptions with
// typed messages, the ping/pong heartbeat, reconnect with backoff and
// resubscribe, and fills delivered exactly once across reconnects.
//
// Protocol (hyperliquid.gitbook.io, "Websocket", "Subscriptions", "Timeouts
// and heartbeats"):
//   -> {"method":"subscribe","subscription":{"type":"l2Book","coin":"ETH"}}
//   <- {"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{...}}}
//   <- {"channel":"l2Book","data":WsBook}       trades: WsTrade[], allMids: {"mids":{..}},
//      orderUpdates: WsOrder[], userFills: {"isSnapshot"?, "user", "fills"},
//      userEvents (channel "user"): {"fills"} | {"funding"} | {"liquidation"} | {"nonUserCancel"}
//   -> {"method":"ping"}    <- {"channel":"pong"}
//   -> {"method":"post","id":n,"request":{"type":"info"|"action","payload":{...}}}
//   <- {"channel":"post","data":{"id":n,"response":{"type":"info"|"action"|"error","payload":...}}}
//      ("Post requests": an info request's payload is the /info body and its
//      answer {"type":<request type>,"data":<the /info reply>}; an action's is
//      the signed /exchange body and its answer the /exchange reply; an error's
//      payload is a string mirroring the HTTP status and reason)
//   <- {"channel":"error","data":"<why>"}  (a refused subscription, a rate limit)
// The server closes a connection it has not heard from in 60 s: the client
// pings after ping_interval without sending anything, and treats a pong not
// received within pong_timeout as a dead connection (drop and reconnect).
//
// Fills exactly once: a userFills subscription starts with a snapshot of the
// user's recent fills (isSnapshot: true), on the first connection and again
// after every resubscribe. The client keeps, per user, the ids of the fills
// it has delivered (FillId: tid, oid, hash) and passes on only fills it has
// not seen, whichever subscription (userFills or userEvents) brings them, so
// a snapshot after a reconnect yields exactly the fills missed while down and
// repeats none. What a snapshot cannot cover (a gap longer than the
// snapshot reaches back) is for the caller to backfill from REST userFills /
// userFillsByTime in the reconnect hook, through reconcile_fills(), which
// uses the same ids.
//
// Threading: as chain::WsClient (chain/ws.hpp). Single-threaded; the client's
// io_context runs only inside its own calls (connect, subscribe, unsubscribe,
// poll) on the caller's thread. Messages that arrive while subscribe() waits
// for its acknowledgement are queued; every callback runs from poll(), so a
// callback may call into this client.
//
// Errors (HlClientError, hyperliquid_client.hpp):
//   cannot connect, handshake fails, connection lost,
//   no pong / acknowledgement in time                     kTransport   retryable
//   {"channel":"error"} about a limit ("Cannot send more than 2000 messages
//   per minute.", "...more than 1000 channels", "too many ...")  kRateLimited retryable
//   any other {"channel":"error"}                          kRejected    non-retryable
//   a message that is not JSON, an unknown channel, a
//   missing field or wrong type                            kBadReply    non-retryable
// Bad messages are reported through on_error and dropped; the connection stays.
// A subscription the server refuses (the error that arrives in place of its
// acknowledgement) fails subscribe(); one refused after a reconnect is
// reported through on_error and dropped.
//
// Secrets: none pass through here (subscriptions name public addresses);
// url() is scheme://host:port only. Allocates.
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "perpx/core/json.hpp"
#include "perpx/venues/hyperliquid_client.hpp"
#include "perpx/venues/hyperliquid_wire.hpp"

namespace perpx::venues::hl {

inline constexpr std::string_view kMainnetWs = "wss://api.hyperliquid.xyz/ws";
inline constexpr std::string_view kTestnetWs = "wss://api.hyperliquid-testnet.xyz/ws";

// ---- subscriptions -------------------------------------------------------------------

struct Subscription {
  enum class Kind { kL2Book, kTrades, kAllMids, kOrderUpdates, kUserFills, kUserEvents };
  Kind kind = Kind::kAllMids;
  std::string coin;  // l2Book, trades
  std::string user;  // orderUpdates, userFills, userEvents: lowercase 0x address

  static Subscription l2_book(std::string_view coin);
  static Subscription trades(std::string_view coin);
  static Subscription all_mids();
  // user: 0x + 40 hex digits (EIP-55 checked when mixed case), kept lowercase.
  static std::expected<Subscription, WireError> order_updates(std::string_view user);
  static std::expected<Subscription, WireError> user_fills(std::string_view user);
  static std::expected<Subscription, WireError> user_events(std::string_view user);

  // {"type":"l2Book","coin":"ETH"} as the documentation writes it.
  [[nodiscard]] core::Json to_json() const;
  // The channel its messages arrive on ("l2Book", ..., "user" for userEvents).
  [[nodiscard]] std::string_view channel() const noexcept;
  friend auto operator<=>(const Subscription&, const Subscription&) = default;
};

// ---- typed messages ------------------------------------------------------------------

struct Trade {
  std::string coin, side, px, sz, hash;  // side "B" | "A"
  uint64_t time = 0, tid = 0;
  std::string buyer, seller;             // users[0], users[1]
};
struct Trades {
  std::vector<Trade> trades;
};
struct AllMids {
  std::map<std::string, std::string> mids;
};
struct OrderUpdate {
  OpenOrder order;  // coin, side, limitPx, sz, oid, timestamp, cloid
  std::string orig_sz;
  std::string status;  // "open", "filled", "canceled", "triggered", "rejected", "marginCanceled", ...
  uint64_t status_timestamp = 0;
};
struct OrderUpdates {
  std::vector<OrderUpdate> orders;
};
// userFills: only fills not delivered before (see the header comment); a
// snapshot whose fills were all seen arrives with an empty list.
struct UserFills {
  std::string user;
  bool is_snapshot = false;
  std::vector<Fill> fills;
  size_t duplicates = 0;  // fills in the message that were already delivered
};
struct UserFunding {
  std::string coin, usdc, szi, funding_rate;
  uint64_t time = 0;
};
struct Liquidation {
  uint64_t lid = 0;
  std::string liquidator, liquidated_user, liquidated_ntl_pos, liquidated_account_value;
};
struct NonUserCancel {
  std::string coin;
  uint64_t oid = 0;
};
// userEvents: one of fills (deduplicated as for userFills), funding,
// liquidation, nonUserCancel.
struct UserEvent {
  enum class Kind { kFills, kFunding, kLiquidation, kNonUserCancel };
  Kind kind = Kind::kFills;
  std::vector<Fill> fills;
  UserFunding funding;
  Liquidation liquidation;
  std::vector<NonUserCancel> cancels;
};

using WsEvent = std::variant<L2Book, Trades, AllMids, OrderUpdates, UserFills, UserEvent>;

// One message as the server sends it, before deduplication.
struct SubscriptionAck {
  core::Json subscription;
};
struct Pong {};
struct ServerError {
  std::string message;  // data of {"channel":"error"}
};
// The answer to a post request (matched to it by id).
struct PostReply {
  uint64_t id = 0;
  std::string type;   // "info" | "action" | "error"
  core::Json payload;
};
using WsMessage =
    std::variant<SubscriptionAck, Pong, ServerError, L2Book, Trades, AllMids, OrderUpdates, UserFills, UserEvent, PostReply>;

// Parses one text message. Pure, never throws; kBadReply names the field
// ("ws userFills data.fills[2].tid").
HlResult<WsMessage> parse_ws_message(std::string_view text);
// The error a {"channel":"error"} message stands for (kRateLimited or kRejected).
HlClientError classify_ws_error(std::string_view message);

// ---- exactly-once fills --------------------------------------------------------------

// A fill's identity: the trade id, the order and the transaction. tid alone
// is not enough: a self-trade gives the user two fills with one tid.
struct FillId {
  uint64_t tid = 0, oid = 0;
  std::string hash;
  friend auto operator<=>(const FillId&, const FillId&) = default;
};
FillId fill_id(const Fill& f);

// The ids delivered so far, oldest forgotten beyond `capacity` (by fill time).
class FillReconciler {
 public:
  explicit FillReconciler(size_t capacity = 100'000) : capacity_(capacity) {}
  // True (and remembered) when the fill was not seen before.
  bool accept(const Fill& f);
  // The fills of `in` not seen before, in order; each is then remembered.
  std::vector<Fill> reconcile(const std::vector<Fill>& in);
  [[nodiscard]] size_t size() const noexcept { return ids_.size(); }

 private:
  size_t capacity_;
  std::set<FillId> ids_;
  std::set<std::pair<uint64_t, FillId>> by_time_;  // for forgetting the oldest
};

// ---- the client ----------------------------------------------------------------------

struct HlWsOptions {
  size_t max_message_bytes = size_t{64} << 20;
  std::chrono::milliseconds connect_timeout{5000};  // TCP + TLS + WS handshake
  std::chrono::milliseconds request_timeout{5000};  // a subscription's acknowledgement
  std::chrono::milliseconds ping_interval{50000};   // ping after this long without sending (server: 60 s)
  std::chrono::milliseconds pong_timeout{10000};    // no pong this long after a ping: reconnect
  std::chrono::milliseconds backoff_base{100};      // reconnect backoff: base * 2^n, jittered
  std::chrono::milliseconds backoff_max{5000};
  bool verify_peer = true;                          // wss: certificate chain and host name
  bool reconnect = true;
  size_t fill_memory = 100'000;                     // fill ids remembered per subscription
};

struct HlWsStats {
  uint64_t connects = 0;      // successful connections (the first one included)
  uint64_t drops = 0;         // connections lost (by the peer, or for a missing pong)
  uint64_t pings = 0;
  uint64_t pongs = 0;
  uint64_t bad_messages = 0;  // reported through on_error and dropped
  uint64_t duplicate_fills = 0;
};

class HlWsClient {
 public:
  // url: ws:// or wss:// (kMainnetWs, kTestnetWs). Does not connect.
  // Throws std::invalid_argument for another scheme or a malformed URL.
  explicit HlWsClient(std::string url, HlWsOptions options = {});
  ~HlWsClient();
  HlWsClient(const HlWsClient&) = delete;
  HlWsClient& operator=(const HlWsClient&) = delete;

  HlResult<void> connect();
  // Sends the subscription and waits for its acknowledgement (connecting
  // first if needed). Kept and renewed after every reconnect. Subscribing
  // twice to the same thing is a no-op.
  HlResult<void> subscribe(const Subscription& s);
  // Forgotten whatever the server says; its messages still in flight are dropped.
  HlResult<void> unsubscribe(const Subscription& s);

  // Post requests over this connection, each with its own id, answered in
  // any order (connecting first if needed); waits up to request_timeout for
  // the answer, delivering nothing meanwhile (events that arrive are queued
  // for poll()).
  // post_info: the /info reply (the answer's payload.data), e.g. for
  //   {"type":"l2Book","coin":"ETH"} the book as parse_l2_book reads it.
  // post_action: a signed /exchange body (hyperliquid.hpp exchange_body);
  //   the reply as HlRestClient::exchange gives it (per-order statuses).
  // Errors: an "error" answer is kRateLimited (429 or a limit message) or
  // kRejected (any other status: the request was refused); a lost connection
  // or no answer in time is kTransport, and for an action kOutcomeUnknown
  // (it may have been taken: look its cloid or nonce up before signing anew).
  HlResult<core::Json> post_info(const core::Json& request);
  HlResult<ExchangeReply> post_action(const core::Json& signed_body);

  // The same ids the userFills/userEvents subscription of `user` uses: for a
  // REST backfill (HlRestClient::user_fills) after a reconnect.
  std::vector<Fill> reconcile_fills(std::string_view user, const std::vector<Fill>& fills);

  void on_event(std::function<void(const WsEvent&)> hook) { on_event_ = std::move(hook); }
  // After a reconnect, once every subscription is acknowledged again (its
  // snapshot, if any, follows).
  void on_reconnect(std::function<void()> hook) { on_reconnect_ = std::move(hook); }
  void on_error(std::function<void(const HlClientError&)> hook) { on_error_ = std::move(hook); }

  // I/O for up to max_wait (heartbeat, reconnect when due), stopping early
  // once something is queued; then delivers every queued item to its hook.
  // Returns the number delivered.
  size_t poll(std::chrono::milliseconds max_wait);

  [[nodiscard]] bool connected() const noexcept;
  [[nodiscard]] const HlWsStats& stats() const noexcept;
  [[nodiscard]] std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::function<void(const WsEvent&)> on_event_;
  std::function<void()> on_reconnect_;
  std::function<void(const HlClientError&)> on_error_;
};

}  // namespace perpx::venues::hl
