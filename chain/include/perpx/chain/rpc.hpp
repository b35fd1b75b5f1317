#pragma once
// JSON-RPC client: a Transport (HTTP on libcurl, or WebSocket) carries
// request bodies; RpcClient builds requests, matches replies by id, checks
// their shape, and turns node and transport failures into classified errors.
//
// Errors (STYLE.md item 9): every failure has a class.
//   kRetryable       safe to try again (timeouts and 5xx on reads, 429)
//   kNonRetryable    the request itself is wrong or was refused for cause
//                    (nonce too low, underpriced, insufficient funds, reverted)
//   kFatal           the endpoint cannot serve us (wrong chain, method absent)
//   kOutcomeUnknown  a send whose fate we cannot know (timeout or reset after
//                    the body left): reconcile by hash, never resend blindly
// Reads are retried with jittered backoff (Retry-After honoured); sends never.
// A reply that is not valid JSON-RPC for our request (malformed or truncated
// JSON, wrong id, not exactly one of result/error) is kBadReply: retryable
// for a read, kOutcomeUnknown for a send. A well-formed reply whose result
// has the wrong shape is kBadResult (non-retryable; outcome-unknown for a
// send). Typed calls also check that the answer is for what was asked (block
// number or hash, transaction hash, log block range; a send's hash must be
// keccak256 of the raw bytes): a mismatch is kBadResult, never a value.
//
// Thread: an RpcClient is used from one thread at a time. Allocates.
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/types.hpp"
#include "perpx/core/json.hpp"
#include "perpx/core/metrics.hpp"

namespace perpx::chain {

enum class ErrorClass { kRetryable, kNonRetryable, kFatal, kOutcomeUnknown };
std::string_view class_name(ErrorClass c) noexcept;

enum class [[nodiscard]] RpcErrc {
  // transport
  kConnect,          // could not connect / TLS failure
  kTimeout,          // no complete reply in time
  kReset,            // connection dropped mid-reply
  kHttpStatus,       // non-2xx HTTP status other than 429
  kRateLimited,      // HTTP 429 (retry_after set when the node said), or a node's rate-limit error object
  kTooLarge,         // reply body above the client's limit
  // reply shape
  kBadReply,         // not JSON, not JSON-RPC 2.0, wrong id, truncated
  kBadResult,        // "result" present but not the expected shape
  // node errors (JSON-RPC "error" objects), mapped from codes and messages
  kNonceTooLow,
  kReplacementUnderpriced,
  kAlreadyKnown,
  kInsufficientFunds,
  kExecutionReverted,  // revert_data / revert_reason set
  kMethodNotFound,     // -32601 and "method ... not found/supported": fatal for that endpoint
  kRangeTooLarge,      // getLogs range or result count refused
  kNodeError,          // any other error object (transient ones such as "header not found" retryable)
};
std::string_view describe(RpcErrc e) noexcept;

struct RpcError {
  RpcErrc code = RpcErrc::kNodeError;
  ErrorClass cls = ErrorClass::kNonRetryable;
  std::string method;     // the JSON-RPC method
  std::string message;    // the node's message or the transport's detail (never a key)
  int64_t rpc_code = 0;   // JSON-RPC error code, when there was one
  int http_status = 0;
  std::chrono::milliseconds retry_after{0};
  Bytes revert_data;         // kExecutionReverted
  std::string revert_reason; // decoded Error(string) / Panic(uint256) / custom error selector
};

// "<method>: <message>" with class, for logs and CLI errors.
std::string to_string(const RpcError& e);

template <class T>
using RpcResult = std::expected<T, RpcError>;

// Carries one request body and returns the reply body. Implementations:
// HttpTransport (http.hpp), WsTransport (ws.hpp).
class Transport {
 public:
  virtual ~Transport() = default;
  // `is_send` marks eth_sendRawTransaction: a failure after the body may have
  // left is kOutcomeUnknown, never kRetryable.
  virtual RpcResult<std::string> round_trip(std::string_view body, std::chrono::milliseconds timeout, bool is_send) = 0;
  [[nodiscard]] virtual std::string url() const = 0;
};

struct RetryPolicy {
  int max_attempts = 4;                        // reads only
  std::chrono::milliseconds base_delay{50};    // doubled each attempt, with jitter
  std::chrono::milliseconds max_delay{2000};
  std::chrono::milliseconds timeout{10000};    // per call
  // A Retry-After (HTTP 429) up to this long is waited out exactly; a longer
  // one ends the call with kRateLimited (retry_after set) for the caller.
  std::chrono::milliseconds max_retry_after{10000};
};

// The wait before retry number `retry` (0 for the first retry): equal jitter,
// d/2 + u * d/2 with d = min(max_delay, base_delay * 2^retry) and u in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double u) noexcept;

// Methods whose effect is not idempotent (the namespace's method name starts
// with "send": eth_sendRawTransaction, eth_sendBundle, ...): never retried,
// and failures after the body left are kOutcomeUnknown.
bool is_send_method(std::string_view method) noexcept;

// How RpcClient waits between retries; tests inject one that records.
using SleepFn = std::function<void(std::chrono::milliseconds)>;

class RpcClient {
 public:
  explicit RpcClient(std::unique_ptr<Transport> transport, RetryPolicy policy = {});

  // A raw call: params is a JSON array. Returns the "result" value.
  RpcResult<core::Json> request(std::string_view method, core::Json params);
  // A JSON-RPC batch: one result per call, in the order given (replies are
  // matched by id whatever order the node sends them in). A call without a
  // reply gets kBadReply; an unknown or duplicated id fails the whole batch,
  // as does a single error object in place of the array. Retried as a whole
  // (transport failures only) unless it holds a send. An empty batch sends nothing.
  RpcResult<std::vector<RpcResult<core::Json>>> batch(const std::vector<std::pair<std::string, core::Json>>& calls);

  RpcResult<uint64_t> chain_id();
  RpcResult<BlockNum> block_number();
  RpcResult<std::optional<BlockHeader>> block_header(BlockRef ref);
  RpcResult<std::optional<BlockHeader>> block_header_by_hash(const Hash32& hash);
  // Splits [from, to] in halves when the node refuses a range (kRangeTooLarge),
  // down to single blocks, and keeps the width that worked for the rest.
  RpcResult<std::vector<Log>> get_logs(const LogFilter& filter, BlockNum from, BlockNum to);
  RpcResult<std::vector<Log>> get_logs_by_block_hash(const LogFilter& filter, const Hash32& block_hash);
  RpcResult<Bytes> call(const CallRequest& req, BlockRef at = Tag::kLatest);
  RpcResult<uint64_t> estimate_gas(const CallRequest& req);
  RpcResult<FeeHistory> fee_history(uint64_t blocks, BlockRef newest, const std::vector<double>& percentiles);
  RpcResult<U256> max_priority_fee_per_gas();
  RpcResult<U256> gas_price();
  RpcResult<uint64_t> transaction_count(const Address& who, BlockRef at = Tag::kPending);
  RpcResult<U256> balance(const Address& who, BlockRef at = Tag::kLatest);
  // Never retried. On kOutcomeUnknown the caller reconciles by the hash,
  // keccak256(raw). A connect failure (kConnect, kRetryable) sent nothing.
  RpcResult<Hash32> send_raw_transaction(core::ByteView raw);
  RpcResult<std::optional<Receipt>> transaction_receipt(const Hash32& hash);
  RpcResult<std::optional<TxnInfo>> transaction_by_hash(const Hash32& hash);
  // txpool_content, on nodes that have it (kMethodNotFound elsewhere).
  RpcResult<core::Json> txpool_content();

  [[nodiscard]] std::string url() const { return transport_->url(); }
  [[nodiscard]] Transport& transport() { return *transport_; }
  [[nodiscard]] const RetryPolicy& policy() const noexcept { return policy_; }
  // Replaces the retry wait (default: std::this_thread::sleep_for).
  void set_sleep(SleepFn sleep) { sleep_ = std::move(sleep); }

 private:
  // One request on the wire: its id (out) and the reply body, unchecked.
  RpcResult<std::string> round_trip_once(uint64_t& id, std::string_view method, const core::Json& params, bool is_send);
  RpcResult<core::Json> request_once(std::string_view method, const core::Json& params, bool is_send);
  // One eth_getLogs call (with read retries), its reply read by parse_logs_reply.
  RpcResult<std::vector<Log>> logs_request(const core::Json& filter);
  template <class F>
  auto with_retries(bool is_send, F&& once) -> decltype(once());
  std::unique_ptr<Transport> transport_;
  RetryPolicy policy_;
  uint64_t next_id_ = 1;
  SleepFn sleep_;
  uint64_t jitter_state_;
  core::Gauge* endpoint_up_;  // perpx_rpc_endpoint_up{endpoint=<redacted url>}: did the last round trip get a reply
};

// JSON-RPC quantities: a JSON string "0x" + 1..64 hex digits. Leading zeros
// ("0x01") are tolerated on input, since the value is unambiguous and some
// nodes send them; "0x", a missing prefix, a JSON number, a non-hex digit or
// more than 256 bits are errors. perpx always writes the minimal form.
std::expected<U256, std::string> parse_quantity(const core::Json& j);
std::expected<uint64_t, std::string> parse_quantity_u64(const core::Json& j);

// Parsers from JSON-RPC results (exposed for tests and the WebSocket path).
// Failures are kBadResult with the field named; `method` is left empty.
RpcResult<BlockHeader> parse_block_header(const core::Json& j);
RpcResult<Log> parse_log(const core::Json& j);
RpcResult<Receipt> parse_receipt(const core::Json& j);
// A whole eth_getLogs reply body for request `id` -> its logs, each checked
// as parse_log checks one; errors as RpcClient::get_logs gives them (method
// eth_getLogs). Reads the text with simdjson (no nlohmann tree) and defers
// to the general parser for anything it does not take exactly, so both
// readings agree on every input. Allocates the logs. Any thread may call it
// (the simdjson parser is thread_local and keeps its buffers between calls).
RpcResult<std::vector<Log>> parse_logs_reply(std::string_view body, uint64_t id);

// Maps a JSON-RPC error object to a classified RpcError (node message
// strings: "nonce too low", "replacement transaction underpriced", ...).
RpcError classify_node_error(std::string_view method, const core::Json& error_object, bool is_send);
// Decodes revert data: Error(string), Panic(uint256), else the 4-byte selector.
std::string decode_revert_reason(core::ByteView data);

}  // namespace perpx::chain
