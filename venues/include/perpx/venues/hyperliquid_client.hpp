#pragma once
// Hyperliquid REST: POST /info queries and POST /exchange actions, with typed
// replies and typed errors. Prices, sizes and money stay decimal strings as
// the API sends them (exact; convert at one checked boundary).
//
// Errors (HlClientError): the transport's (chain::HttpTransport, classified
// as for JSON-RPC: connect/timeout/reset retryable, 429 kRateLimited with
// retry_after, a lost /exchange reply outcome-unknown), a reply that does not
// have the documented shape (kBadReply, naming the field), and /exchange's
// own refusals: {"status":"err","response":"<why>"} is kRejected. Per-order
// errors inside a 200 "ok" reply are not client errors: they are statuses
// (OrderStatus::kError with the exchange's message), one per order, in order.
//
// The parse_* functions are pure and never throw; HlRestClient is one thread
// at a time (its transport keeps one connection). Everything allocates.
#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "perpx/chain/http.hpp"
#include "perpx/core/json.hpp"
#include "perpx/venues/hyperliquid.hpp"

namespace perpx::venues::hl {

enum class [[nodiscard]] HlClientErrc {
  kTransport,    // could not connect, timed out, reset, HTTP error status
  kRateLimited,  // HTTP 429 (retry_after when the server said)
  kBadReply,     // not JSON, or a field missing or of the wrong type
  kRejected,     // /exchange answered {"status":"err"}
};
std::string_view describe(HlClientErrc e) noexcept;

struct HlClientError {
  HlClientErrc code = HlClientErrc::kBadReply;
  chain::ErrorClass cls = chain::ErrorClass::kNonRetryable;
  std::string where;    // "info meta", "exchange", and the field: "universe[3].szDecimals"
  std::string message;  // the server's or transport's reason
  int http_status = 0;
  std::chrono::milliseconds retry_after{0};
};
std::string to_string(const HlClientError& e);

template <class T>
using HlResult = std::expected<T, HlClientError>;

// ---- /info replies ----------------------------------------------------------------

struct PerpAsset {
  std::string name;
  int sz_decimals = 0;
  int max_leverage = 0;
  bool only_isolated = false;
  bool is_delisted = false;
  uint32_t asset = 0;  // the asset id orders use: the index in universe
};
struct Meta {
  std::vector<PerpAsset> universe;
};

struct SpotToken {
  std::string name;
  uint32_t index = 0;
  int sz_decimals = 0;
  int wei_decimals = 0;
};
struct SpotPair {
  std::string name;  // "PURR/USDC" or "@107"
  uint32_t index = 0;
  uint32_t base = 0, quote = 0;  // token indices
  uint32_t asset = 0;            // 10000 + index
  int sz_decimals = 0;           // the base token's
};
struct SpotMeta {
  std::vector<SpotToken> tokens;
  std::vector<SpotPair> universe;
};

struct BookLevel {
  std::string px, sz;
  uint32_t n = 0;
};
struct L2Book {
  std::string coin;
  uint64_t time = 0;
  std::vector<BookLevel> bids, asks;
};

struct Position {
  std::string coin, szi, entry_px, position_value, unrealized_pnl, margin_used;
  std::optional<std::string> liquidation_px;
  std::string leverage_type;  // "cross" | "isolated"
  uint32_t leverage = 0;
};
struct ClearinghouseState {
  std::string account_value, total_ntl_pos, total_margin_used, withdrawable;
  std::string cross_maintenance_margin_used;  // crossMaintenanceMarginUsed
  std::vector<Position> positions;
  uint64_t time = 0;
};

struct OpenOrder {
  std::string coin, side, limit_px, sz;  // side "B" | "A"
  uint64_t oid = 0, timestamp = 0;
  std::optional<std::string> cloid;
};

struct Fill {
  std::string coin, px, sz, side, dir, closed_pnl, fee, hash;
  uint64_t time = 0, oid = 0, tid = 0;
  bool crossed = false;
};

struct Funding {
  std::string coin, funding_rate, premium;
  uint64_t time = 0;
};

// orderStatus (by oid or cloid): the order and where it is now, or unknown
// ({"status":"unknownOid"}: the exchange never booked an order of that id for the user).
struct OrderStatusInfo {
  bool known = false;
  OpenOrder order;       // coin, side, limitPx, sz (left), oid, timestamp, cloid
  std::string orig_sz;   // the size placed
  std::string status;    // "open", "filled", "canceled", "triggered", "rejected", "marginCanceled", ...
  uint64_t status_timestamp = 0;
};

struct RateLimit {
  std::string cum_vlm;
  uint64_t n_requests_used = 0, n_requests_cap = 0;
};

HlResult<Meta> parse_meta(const core::Json& j);
HlResult<SpotMeta> parse_spot_meta(const core::Json& j);
HlResult<std::map<std::string, std::string>> parse_all_mids(const core::Json& j);
HlResult<L2Book> parse_l2_book(const core::Json& j);
HlResult<ClearinghouseState> parse_clearinghouse_state(const core::Json& j);
HlResult<std::vector<OpenOrder>> parse_open_orders(const core::Json& j);
HlResult<std::vector<Fill>> parse_user_fills(const core::Json& j);
HlResult<std::vector<Funding>> parse_funding_history(const core::Json& j);
HlResult<RateLimit> parse_user_rate_limit(const core::Json& j);
HlResult<OrderStatusInfo> parse_order_status(const core::Json& j);

// ---- /exchange replies ---------------------------------------------------------------

struct OrderStatus {
  enum class Kind { kResting, kFilled, kSuccess, kWaitingForFill, kWaitingForTrigger, kError };
  Kind kind = Kind::kError;
  uint64_t oid = 0;                  // resting, filled; a running TWAP's twapId
  std::optional<std::string> cloid;  // resting, filled, when the order had one
  std::string total_sz, avg_px;      // filled
  std::string error;                 // error: the exchange's message
};
struct ExchangeReply {
  std::string type;                   // "order", "cancel", "twapOrder", "default", ...
  std::vector<OrderStatus> statuses;  // one per order/cancel, in order (empty for "default")
};
// {"status":"ok","response":{"type":..,"data":{"statuses":[..]}}} or {"status":"err","response":".."}.
// twapOrder answers one status, {"data":{"status":{"running":{"twapId":n}} | {"error":".."}}}:
// it becomes statuses[0] (kResting with oid = twapId, or kError).
HlResult<ExchangeReply> parse_exchange_reply(const core::Json& j);

// ---- API (agent) wallets ---------------------------------------------------------------
// An API wallet ("agent") trades for a master account: the master approves
// it once (approveAgent, a user-signed action the master signs), then the
// agent signs L1 actions (order, cancel, modify, updateLeverage, ...) with its
// own key. The exchange recovers the agent's address from the signature and
// acts for the master that approved it; the body carries no master address.
// vaultAddress is set only to act for a vault or subaccount of the master.
// Queries (/info clearinghouseState, openOrders, userFills; WS user
// subscriptions) name the account, never the agent. An agent cannot sign
// user-signed actions (transfers, withdrawals, approvals): refused here, so a
// key mix-up fails before anything leaves (hyperliquid.gitbook.io, "Nonces
// and API wallets"). Nonces are per signer: an agent has its own sequence.

// The approveAgent action as the documentation lays it out:
// {"type":"approveAgent","hyperliquidChain":"Mainnet"|"Testnet","signatureChainId":"0x66eee",
//  "agentAddress":"0x..lowercase","agentName"?:name,"nonce":n}. Without a name
// the field is left out (signed as "", as the SDKs do: an unnamed agent).
struct ApproveAgent {
  core::Address agent;
  std::optional<std::string> name;
  uint64_t nonce = 0;
  bool testnet = false;
};
core::Json approve_agent_action(const ApproveAgent& a);

class AgentWallet {
 public:
  // master: the account that approved this agent; vault: a vault or
  // subaccount of the master to trade for.
  AgentWallet(signer::SecretKey agent_key, core::Address master, std::optional<core::Address> vault = std::nullopt);

  [[nodiscard]] core::Address agent() const noexcept { return agent_; }
  [[nodiscard]] core::Address master() const noexcept { return master_; }
  // The account the exchange books the trades on: the vault if set, else the master.
  [[nodiscard]] core::Address account() const noexcept { return vault_.value_or(master_); }

  // The /exchange body for an L1 action signed by the agent (vaultAddress
  // from the wallet). kBadOption for a user-signed action, or when opts
  // names a vault of its own.
  std::expected<core::Json, HlSignError> sign(const core::Json& action, SignOptions opts) const;

 private:
  signer::SecretKey key_;
  core::Address agent_, master_;
  std::optional<core::Address> vault_;
};

// ---- the client ---------------------------------------------------------------------

inline constexpr std::string_view kMainnetApi = "https://api.hyperliquid.xyz";
inline constexpr std::string_view kTestnetApi = "https://api.hyperliquid-testnet.xyz";

class HlRestClient {
 public:
  // base_url: "https://api.hyperliquid.xyz" (no trailing slash); /info and /exchange are appended.
  explicit HlRestClient(std::string base_url, chain::HttpOptions options = {},
                        std::chrono::milliseconds timeout = std::chrono::milliseconds{10000});

  // POST /info {"type": ..., ...}: the raw JSON reply.
  HlResult<core::Json> info(const core::Json& request);

  HlResult<Meta> meta();
  HlResult<SpotMeta> spot_meta();
  HlResult<std::map<std::string, std::string>> all_mids();
  HlResult<L2Book> l2_book(std::string_view coin);
  HlResult<ClearinghouseState> clearinghouse_state(std::string_view user);
  HlResult<std::vector<OpenOrder>> open_orders(std::string_view user);
  HlResult<std::vector<Fill>> user_fills(std::string_view user);
  HlResult<std::vector<Funding>> funding_history(std::string_view coin, uint64_t start_time,
                                                 std::optional<uint64_t> end_time = std::nullopt);
  HlResult<RateLimit> user_rate_limit(std::string_view user);
  // {"type":"orderStatus","user":..,"oid":n | "0x<cloid>"}.
  HlResult<OrderStatusInfo> order_status(std::string_view user, uint64_t oid);
  HlResult<OrderStatusInfo> order_status_by_cloid(std::string_view user, std::string_view cloid);

  // POST /exchange with a signed body (hyperliquid.hpp exchange_body). A
  // failure after the body may have left is kTransport/kOutcomeUnknown: look
  // the nonce up before signing anew.
  HlResult<ExchangeReply> exchange(const core::Json& signed_body);

 private:
  HlResult<core::Json> post(chain::HttpTransport& t, std::string_view what, const core::Json& body, bool is_send);
  std::unique_ptr<chain::HttpTransport> info_;
  std::unique_ptr<chain::HttpTransport> exchange_;
  std::chrono::milliseconds timeout_;
};

}  // namespace perpx::venues::hl
