#include "perpx/chain/rpc.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <random>
#include <thread>

#include "perpx/chain/abi.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "rpc_detail.hpp"

namespace perpx::chain {

using core::Json;

// ---- names -----------------------------------------------------------------

std::string_view tag_name(Tag t) noexcept {
  switch (t) {
    case Tag::kLatest: return "latest";
    case Tag::kSafe: return "safe";
    case Tag::kFinalized: return "finalized";
    case Tag::kPending: return "pending";
    case Tag::kEarliest: return "earliest";
  }
  return "latest";
}

std::string_view class_name(ErrorClass c) noexcept {
  switch (c) {
    case ErrorClass::kRetryable: return "retryable";
    case ErrorClass::kNonRetryable: return "non-retryable";
    case ErrorClass::kFatal: return "fatal";
    case ErrorClass::kOutcomeUnknown: return "outcome unknown";
  }
  return "?";
}

std::string_view describe(RpcErrc e) noexcept {
  switch (e) {
    case RpcErrc::kConnect: return "connection failed";
    case RpcErrc::kTimeout: return "timed out";
    case RpcErrc::kReset: return "connection reset";
    case RpcErrc::kHttpStatus: return "HTTP error status";
    case RpcErrc::kRateLimited: return "rate limited";
    case RpcErrc::kTooLarge: return "reply too large";
    case RpcErrc::kBadReply: return "malformed JSON-RPC reply";
    case RpcErrc::kBadResult: return "malformed result";
    case RpcErrc::kNonceTooLow: return "nonce too low";
    case RpcErrc::kReplacementUnderpriced: return "replacement underpriced";
    case RpcErrc::kAlreadyKnown: return "already known";
    case RpcErrc::kInsufficientFunds: return "insufficient funds";
    case RpcErrc::kExecutionReverted: return "execution reverted";
    case RpcErrc::kMethodNotFound: return "method not found";
    case RpcErrc::kRangeTooLarge: return "range too large";
    case RpcErrc::kNodeError: return "node error";
  }
  return "?";
}

std::string to_string(const RpcError& e) {
  std::string s = e.method.empty() ? std::string("rpc") : e.method;
  s += ": ";
  s += e.message.empty() ? std::string(describe(e.code)) : e.message;
  if (!e.revert_reason.empty() && e.message.find(e.revert_reason) == std::string::npos) s += " (" + e.revert_reason + ")";
  s += " [";
  s += describe(e.code);
  s += ", ";
  s += class_name(e.cls);
  if (e.rpc_code != 0) s += ", code " + std::to_string(e.rpc_code);
  if (e.http_status != 0) s += ", HTTP " + std::to_string(e.http_status);
  if (e.retry_after.count() > 0) s += ", retry after " + std::to_string(e.retry_after.count()) + " ms";
  s += "]";
  return s;
}

// ---- policy helpers ----------------------------------------------------------

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double u) noexcept {
  int64_t d = std::max<int64_t>(0, policy.base_delay.count());
  for (int i = 0; i < retry && d < policy.max_delay.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, policy.max_delay.count());
  u = std::clamp(u, 0.0, 1.0);
  return std::chrono::milliseconds{d / 2 + static_cast<int64_t>(u * static_cast<double>(d - d / 2))};
}

bool is_send_method(std::string_view method) noexcept {
  size_t us = method.find('_');
  std::string_view name = us == std::string_view::npos ? method : method.substr(us + 1);
  return name.starts_with("send");
}

// ---- quantities and fields -----------------------------------------------------

std::expected<U256, std::string> parse_quantity(const Json& j) {
  if (!j.is_string()) return std::unexpected("quantity is not a string");
  const auto& s = j.get_ref<const std::string&>();
  if (!s.starts_with("0x")) return std::unexpected("quantity without 0x prefix");
  if (s.size() == 2) return std::unexpected("empty quantity \"0x\"");
  auto v = core::parse_hex_u256(s);
  if (!v) {
    if (v.error() == core::U256Error::kBadDigit) return std::unexpected("bad hex digit in quantity");
    return std::unexpected("quantity above 256 bits");
  }
  return *v;
}

std::expected<uint64_t, std::string> parse_quantity_u64(const Json& j) {
  auto v = parse_quantity(j);
  if (!v) return std::unexpected(v.error());
  if (!v->fits_u64()) return std::unexpected("quantity above 64 bits");
  return v->w[0];
}

namespace {

template <class T>
using Parsed = std::expected<T, std::string>;

Parsed<Hash32> parse_hash_field(const Json& j) {
  if (!j.is_string()) return std::unexpected("not a string");
  auto h = core::parse_hash32(j.get_ref<const std::string&>());
  if (!h) return std::unexpected("not a 32-byte hex hash");
  return *h;
}

Parsed<Address> parse_address_field(const Json& j) {
  if (!j.is_string()) return std::unexpected("not a string");
  auto a = core::parse_address(j.get_ref<const std::string&>());
  if (!a) return std::unexpected(std::string(core::describe(a.error())));
  return *a;
}

Parsed<Bytes> parse_data_field(const Json& j) {
  if (!j.is_string()) return std::unexpected("not a string");
  auto b = core::parse_hex(j.get_ref<const std::string&>());
  if (!b) return std::unexpected(std::string(core::describe(b.error())));
  return std::move(*b);
}

Parsed<bool> parse_bool_field(const Json& j) {
  if (!j.is_boolean()) return std::unexpected("not a boolean");
  return j.get<bool>();
}

// Reads obj[name] with `parse` into out; on failure sets err to "name: why".
template <class T, class F>
bool get(const Json& obj, const char* name, T& out, std::string& err, F parse) {
  auto it = obj.find(name);
  if (it == obj.end()) {
    err = std::string("missing ") + name;
    return false;
  }
  auto v = parse(*it);
  if (!v) {
    err = std::string(name) + ": " + v.error();
    return false;
  }
  out = std::move(*v);
  return true;
}

// As get(), but an absent field or JSON null leaves `out` empty.
template <class T, class F>
bool get_opt(const Json& obj, const char* name, std::optional<T>& out, std::string& err, F parse) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    out.reset();
    return true;
  }
  T v{};
  if (!get(obj, name, v, err, parse)) return false;
  out = std::move(v);
  return true;
}

RpcError make_error(RpcErrc code, ErrorClass cls, std::string_view method, std::string message) {
  RpcError e;
  e.code = code;
  e.cls = cls;
  e.method = method;
  e.message = std::move(message);
  return e;
}

std::unexpected<RpcError> bad_result(std::string_view what, const std::string& why) {
  return std::unexpected(make_error(RpcErrc::kBadResult, ErrorClass::kNonRetryable, "", std::string(what) + ": " + why));
}

RpcError bad_reply(std::string_view method, bool is_send, std::string message) {
  return make_error(RpcErrc::kBadReply, is_send ? ErrorClass::kOutcomeUnknown : ErrorClass::kRetryable, method,
                    std::move(message));
}

RpcResult<BlockHeader> parse_header(const Json& j, bool pending) {
  if (!j.is_object()) return bad_result("block", "not an object");
  BlockHeader h;
  std::string e;
  bool ok = true;
  if (pending) {  // geth reports a pending block without number and hash
    std::optional<uint64_t> n;
    std::optional<Hash32> hash;
    ok = get_opt(j, "number", n, e, parse_quantity_u64) && get_opt(j, "hash", hash, e, parse_hash_field);
    h.number = n.value_or(0);
    h.hash = hash.value_or(Hash32{});
  } else {
    ok = get(j, "number", h.number, e, parse_quantity_u64) && get(j, "hash", h.hash, e, parse_hash_field);
  }
  ok = ok && get(j, "parentHash", h.parent_hash, e, parse_hash_field) &&
       get(j, "timestamp", h.timestamp, e, parse_quantity_u64) &&
       get_opt(j, "baseFeePerGas", h.base_fee, e, parse_quantity) && get(j, "gasUsed", h.gas_used, e, parse_quantity_u64) &&
       get(j, "gasLimit", h.gas_limit, e, parse_quantity_u64);
  if (!ok) return bad_result("block", e);
  return h;
}

Json block_ref_json(BlockRef ref) {
  if (const auto* n = std::get_if<BlockNum>(&ref)) return core::to_hex_quantity(U256(*n));
  if (const auto* h = std::get_if<Hash32>(&ref)) return Json{{"blockHash", core::to_hex(*h)}, {"requireCanonical", true}};
  return std::string(tag_name(std::get<Tag>(ref)));
}

Json call_json(const CallRequest& req) {
  Json o = Json::object();
  if (req.from) o["from"] = core::to_hex(req.from->view());
  if (req.to) o["to"] = core::to_hex(req.to->view());
  o["data"] = core::to_hex(req.data);
  if (req.value) o["value"] = core::to_hex_quantity(*req.value);
  if (req.gas) o["gas"] = core::to_hex_quantity(U256(*req.gas));
  return o;
}

Json filter_json(const LogFilter& f) {
  Json o = Json::object();
  if (!f.addresses.empty()) {
    Json a = Json::array();
    for (const auto& addr : f.addresses) a.push_back(core::to_hex(addr.view()));
    o["address"] = std::move(a);
  }
  size_t n = f.topics.size();
  while (n > 0 && f.topics[n - 1].empty()) --n;  // trailing wildcards say nothing
  if (n > 0) {
    Json t = Json::array();
    for (size_t i = 0; i < n; ++i) {
      const auto& alts = f.topics[i];
      if (alts.empty()) {
        t.push_back(nullptr);
      } else if (alts.size() == 1) {
        t.push_back(core::to_hex(alts[0]));
      } else {
        Json a = Json::array();
        for (const auto& h : alts) a.push_back(core::to_hex(h));
        t.push_back(std::move(a));
      }
    }
    o["topics"] = std::move(t);
  }
  return o;
}

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

bool contains_any(std::string_view haystack, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) { return contains(haystack, n); });
}

// Revert data in an error object's "data": "0x..." (geth, anvil, reth,
// erigon), "Reverted 0x..." (nethermind), or {"data": "0x..."}.
Bytes revert_data_of(const Json& data) {
  const Json* d = &data;
  if (d->is_object()) {
    auto it = d->find("data");
    if (it == d->end()) return {};
    d = &*it;
  }
  if (!d->is_string()) return {};
  std::string_view s = d->get_ref<const std::string&>();
  size_t p = s.find("0x");
  if (p == std::string_view::npos) return {};
  auto b = core::parse_hex(s.substr(p));
  return b ? std::move(*b) : Bytes{};
}

std::string_view panic_name(uint64_t code) {
  switch (code) {
    case 0x00: return "generic panic";
    case 0x01: return "assertion failed";
    case 0x11: return "arithmetic overflow";
    case 0x12: return "division by zero";
    case 0x21: return "invalid enum value";
    case 0x22: return "invalid storage byte array";
    case 0x31: return "pop on empty array";
    case 0x32: return "array index out of bounds";
    case 0x41: return "out of memory";
    case 0x51: return "call to uninitialized function";
    default: return {};
  }
}

}  // namespace

// ---- parsers -------------------------------------------------------------------

RpcResult<BlockHeader> parse_block_header(const Json& j) { return parse_header(j, false); }

RpcResult<Log> parse_log(const Json& j) {
  if (!j.is_object()) return bad_result("log", "not an object");
  Log l;
  std::string e;
  auto topics = [](const Json& t) -> Parsed<std::vector<Hash32>> {
    if (!t.is_array()) return std::unexpected("not an array");
    if (t.size() > 4) return std::unexpected("more than 4 topics");
    std::vector<Hash32> out;
    out.reserve(t.size());
    for (const auto& x : t) {
      auto h = parse_hash_field(x);
      if (!h) return std::unexpected(h.error());
      out.push_back(*h);
    }
    return out;
  };
  std::optional<bool> removed;
  bool ok = get(j, "address", l.address, e, parse_address_field) && get(j, "topics", l.topics, e, topics) &&
            get(j, "data", l.data, e, parse_data_field) && get(j, "blockNumber", l.block_number, e, parse_quantity_u64) &&
            get(j, "blockHash", l.block_hash, e, parse_hash_field) &&
            get(j, "transactionHash", l.txn_hash, e, parse_hash_field) &&
            get(j, "transactionIndex", l.txn_index, e, parse_quantity_u64) &&
            get(j, "logIndex", l.log_index, e, parse_quantity_u64) && get_opt(j, "removed", removed, e, parse_bool_field);
  if (!ok) return bad_result("log", e);
  l.removed = removed.value_or(false);
  return l;
}

RpcResult<Receipt> parse_receipt(const Json& j) {
  if (!j.is_object()) return bad_result("receipt", "not an object");
  Receipt r;
  std::string e;
  uint64_t status = 0;
  bool ok = get(j, "transactionHash", r.txn_hash, e, parse_hash_field) &&
            get(j, "blockNumber", r.block_number, e, parse_quantity_u64) &&
            get(j, "blockHash", r.block_hash, e, parse_hash_field) &&
            get(j, "transactionIndex", r.txn_index, e, parse_quantity_u64) &&
            get(j, "status", status, e, parse_quantity_u64) && get(j, "gasUsed", r.gas_used, e, parse_quantity_u64) &&
            get(j, "effectiveGasPrice", r.effective_gas_price, e, parse_quantity) &&
            get_opt(j, "contractAddress", r.contract_address, e, parse_address_field);
  if (!ok) return bad_result("receipt", e);
  if (status > 1) return bad_result("receipt", "status: neither 0x0 nor 0x1");
  r.success = status == 1;
  auto logs = j.find("logs");
  if (logs == j.end() || !logs->is_array()) return bad_result("receipt", "logs: missing or not an array");
  r.logs.reserve(logs->size());
  for (size_t i = 0; i < logs->size(); ++i) {
    auto l = parse_log((*logs)[i]);
    if (!l) return bad_result("receipt", "logs[" + std::to_string(i) + "]: " + l.error().message);
    r.logs.push_back(std::move(*l));
  }
  return r;
}

// ---- errors from nodes -----------------------------------------------------------

std::string decode_revert_reason(core::ByteView data) {
  if (data.empty()) return {};
  if (data.size() < 4) return "invalid revert data " + core::to_hex(data);
  static constexpr uint8_t kError[4] = {0x08, 0xc3, 0x79, 0xa0};  // Error(string)
  static constexpr uint8_t kPanic[4] = {0x4e, 0x48, 0x7b, 0x71};  // Panic(uint256)
  auto selector_hex = core::to_hex(data.first(4));
  if (std::equal(data.begin(), data.begin() + 4, kError)) {
    static const std::vector<AbiParam> params = {AbiParam{"", *parse_type("string"), false}};
    auto v = decode(params, data.subspan(4));
    if (!v || !(*v)[0].is_string()) return "malformed Error(string) " + selector_hex;
    return (*v)[0].get<std::string>();
  }
  if (std::equal(data.begin(), data.begin() + 4, kPanic)) {
    if (data.size() != 36) return "malformed Panic(uint256) " + selector_hex;
    auto code = core::from_be(data.subspan(4));
    if (!code) return "malformed Panic(uint256) " + selector_hex;
    std::string hex = core::to_hex_quantity(*code);
    if (hex.size() == 3) hex.insert(2, "0");  // "0x1" -> "0x01"
    std::string_view name = code->fits_u64() ? panic_name(code->w[0]) : std::string_view{};
    return "panic " + hex + (name.empty() ? std::string() : " (" + std::string(name) + ")");
  }
  return "custom error " + selector_hex;
}

RpcError classify_node_error(std::string_view method, const Json& eo, bool is_send) {
  if (!eo.is_object()) return bad_reply(method, is_send, "error is not an object");
  auto code_it = eo.find("code");
  auto msg_it = eo.find("message");
  if (code_it == eo.end() || !code_it->is_number_integer() || msg_it == eo.end() || !msg_it->is_string())
    return bad_reply(method, is_send, "error object without integer code and string message");
  RpcError e;
  e.method = method;
  e.rpc_code = code_it->get<int64_t>();
  e.message = msg_it->get<std::string>();
  std::string m = e.message;
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const int64_t c = e.rpc_code;
  auto set = [&e](RpcErrc code, ErrorClass cls) {
    e.code = code;
    e.cls = cls;
    return e;
  };
  // Transient node-side failures: a read may be retried; a send's fate is unknown.
  const ErrorClass transient = is_send ? ErrorClass::kOutcomeUnknown : ErrorClass::kRetryable;

  if (c == -32601 || (contains(m, "method") && contains_any(m, {"not found", "does not exist", "not supported",
                                                                  "not available", "unsupported"})))
    return set(RpcErrc::kMethodNotFound, ErrorClass::kFatal);
  if (c == 3 || contains_any(m, {"execution reverted", "reverted", "vm execution error"})) {
    if (auto d = eo.find("data"); d != eo.end()) e.revert_data = revert_data_of(*d);
    e.revert_reason = decode_revert_reason(e.revert_data);
    if (e.revert_data.empty())
      if (size_t p = e.message.find("reverted: "); p != std::string::npos) e.revert_reason = e.message.substr(p + 10);
    return set(RpcErrc::kExecutionReverted, ErrorClass::kNonRetryable);
  }
  if (contains_any(m, {"nonce too low", "nonce is too low", "oldnonce", "nonce_too_low"}))
    return set(RpcErrc::kNonceTooLow, ErrorClass::kNonRetryable);
  if (contains_any(m, {"replacement transaction underpriced", "replacement underpriced", "replacement_underpriced",
                       "replacementnotallowed"}))
    return set(RpcErrc::kReplacementUnderpriced, ErrorClass::kNonRetryable);
  if (contains_any(m, {"already known", "known transaction", "alreadyknown", "already imported",
                       "existing tx with same hash", "already in the pool", "already exists"}))
    return set(RpcErrc::kAlreadyKnown, ErrorClass::kNonRetryable);
  if (contains_any(m, {"insufficient funds", "insufficientfunds", "insufficient_funds", "upfront cost exceeds",
                       "upfront_cost_exceeds"}))
    return set(RpcErrc::kInsufficientFunds, ErrorClass::kNonRetryable);
  if (contains_any(m, {"rate limit", "too many requests", "request rate", "rate exceeded", "capacity exceeded",
                       "requests per second", "compute units"}))
    return set(RpcErrc::kRateLimited, ErrorClass::kRetryable);
  if (method == "eth_getLogs" &&
      (c == -32005 || contains_any(m, {"range", "more than", "too many", "exceed", "limit", "too large", "response size",
                                       "max results", "query timeout"})))
    return set(RpcErrc::kRangeTooLarge, ErrorClass::kNonRetryable);
  if (c == -32005) return set(RpcErrc::kRateLimited, ErrorClass::kRetryable);  // "limit exceeded" (EIP-1474)
  if (contains_any(m, {"chain id mismatch", "invalid chain id", "wrong chain id", "chainid mismatch"}))
    return set(RpcErrc::kNodeError, ErrorClass::kFatal);
  if (c == -32603 || contains_any(m, {"header not found", "unknown block", "timeout", "timed out", "try again",
                                      "temporarily", "busy", "unavailable"}))
    return set(RpcErrc::kNodeError, transient);
  return set(RpcErrc::kNodeError, ErrorClass::kNonRetryable);
}

// ---- client ------------------------------------------------------------------------

RpcClient::RpcClient(std::unique_ptr<Transport> transport, RetryPolicy policy)
    : transport_(std::move(transport)),
      policy_(policy),
      sleep_([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }),
      jitter_state_(std::random_device{}() | 1),
      endpoint_up_(&core::default_registry().gauge(
          "perpx_rpc_endpoint_up", "1 when the endpoint's last round trip got a reply, 0 when the transport failed.",
          {{"endpoint", transport_->url()}})) {}

namespace {

// Round-trip latency per JSON-RPC method (the ones perpx calls; anything else
// is "other"), found by a scan: no allocation, no lock per call.
struct RpcMetrics {
  static constexpr std::array<std::string_view, 18> kMethods{
      "eth_blockNumber", "eth_call", "eth_chainId", "eth_estimateGas", "eth_feeHistory", "eth_gasPrice",
      "eth_getBalance", "eth_getBlockByHash", "eth_getBlockByNumber", "eth_getLogs", "eth_getTransactionByHash",
      "eth_getTransactionCount", "eth_getTransactionReceipt", "eth_maxPriorityFeePerGas", "eth_sendRawTransaction",
      "txpool_content", "batch", "other"};
  std::array<core::Histogram*, kMethods.size()> latency{};
  RpcMetrics() {
    for (size_t i = 0; i < kMethods.size(); ++i)
      latency[i] = &core::default_registry().histogram(
          "perpx_rpc_latency_seconds", "JSON-RPC round trip (one attempt, transport only) by method.",
          core::kLatencyBuckets, {{"method", kMethods[i]}});
  }
  core::Histogram& of(std::string_view method) const noexcept {
    for (size_t i = 0; i + 1 < kMethods.size(); ++i)
      if (kMethods[i] == method) return *latency[i];
    return *latency.back();
  }
};

const RpcMetrics& rpc_metrics() {
  static const RpcMetrics m;
  return m;
}

}  // namespace

namespace {

// Checks one reply object against our id; returns "result" or the node's error.
RpcResult<Json> check_reply(Json& r, std::string_view method, uint64_t id, bool is_send) {
  if (!r.is_object()) return std::unexpected(bad_reply(method, is_send, "reply is not a JSON object"));
  auto v = r.find("jsonrpc");
  if (v == r.end() || *v != "2.0") return std::unexpected(bad_reply(method, is_send, "reply is not JSON-RPC 2.0"));
  auto res = r.find("result");
  auto err = r.find("error");
  if ((res == r.end()) == (err == r.end()))
    return std::unexpected(bad_reply(method, is_send, "reply needs exactly one of result and error"));
  auto idv = r.find("id");
  bool id_ok = idv != r.end() && idv->is_number_unsigned() && idv->get<uint64_t>() == id;
  // A node that could not read our request answers with id null.
  if (!id_ok && !(err != r.end() && idv != r.end() && idv->is_null()))
    return std::unexpected(bad_reply(method, is_send, "reply id does not match request id " + std::to_string(id)));
  if (err != r.end()) return std::unexpected(classify_node_error(method, *err, is_send));
  return std::move(*res);
}

bool plain_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// {"jsonrpc":"2.0","id":<id>,"method":<method>,"params":<params>}, written
// directly: the envelope is fixed, only the params need the JSON writer.
void append_request(std::string& out, uint64_t id, std::string_view method, const Json& params) {
  out += R"({"jsonrpc":"2.0","id":)";
  out += std::to_string(id);
  out += R"(,"method":)";
  if (plain_name(method)) {
    out += '"';
    out += method;
    out += '"';
  } else {
    out += Json(std::string(method)).dump();
  }
  out += R"(,"params":)";
  if (params.is_null() || (params.is_array() && params.empty())) out += "[]";
  else out += params.dump();
  out += '}';
}

// The most common reply, {"jsonrpc":"2.0","id":<id>,"result":"<string>"}
// with a string of printable ASCII (no escapes) and nothing else,
// read without building a DOM. Anything else (other key order, white space,
// an error) returns nothing and takes the full parser.
std::optional<std::string_view> plain_string_result(std::string_view r, uint64_t id) {
  constexpr std::string_view kHead = R"({"jsonrpc":"2.0","id":)";
  constexpr std::string_view kResult = R"(,"result":")";
  if (!r.starts_with(kHead)) return std::nullopt;
  r.remove_prefix(kHead.size());
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, id);
  const std::string_view want(digits, static_cast<size_t>(end - digits));
  if (ec != std::errc{} || !r.starts_with(want)) return std::nullopt;
  r.remove_prefix(want.size());
  if (!r.starts_with(kResult)) return std::nullopt;
  r.remove_prefix(kResult.size());
  while (!r.empty() && (r.back() == '\n' || r.back() == '\r' || r.back() == ' ')) r.remove_suffix(1);
  if (!r.ends_with("\"}")) return std::nullopt;
  r.remove_suffix(2);
  for (char c : r)  // printable ASCII only: no escapes, and no UTF-8 to validate
    if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) return std::nullopt;
  return r;
}

}  // namespace

template <class F>
auto RpcClient::with_retries(bool is_send, F&& once) -> decltype(once()) {
  for (int attempt = 1;; ++attempt) {
    auto r = once();
    if (r || is_send || r.error().cls != ErrorClass::kRetryable || attempt >= policy_.max_attempts) return r;
    std::chrono::milliseconds wait;
    if (r.error().code == RpcErrc::kRateLimited && r.error().retry_after.count() > 0) {
      if (r.error().retry_after > policy_.max_retry_after) return r;
      wait = r.error().retry_after;
    } else {
      jitter_state_ ^= jitter_state_ << 13;  // xorshift64: jitter needs no quality
      jitter_state_ ^= jitter_state_ >> 7;
      jitter_state_ ^= jitter_state_ << 17;
      wait = backoff_delay(policy_, attempt - 1, static_cast<double>(jitter_state_ >> 11) * 0x1.0p-53);
    }
    sleep_(wait);
  }
}

RpcResult<std::string> RpcClient::round_trip_once(uint64_t& id, std::string_view method, const Json& params,
                                                  bool is_send) {
  id = next_id_++;
  std::string body;
  body.reserve(96);
  append_request(body, id, method, params);
  const auto t0 = std::chrono::steady_clock::now();
  auto reply = transport_->round_trip(body, policy_.timeout, is_send);
  rpc_metrics().of(method).observe(std::chrono::steady_clock::now() - t0);
  endpoint_up_->set(reply ? 1 : 0);
  if (!reply) reply.error().method = method;
  return reply;
}

RpcResult<Json> RpcClient::request_once(std::string_view method, const Json& params, bool is_send) {
  uint64_t id = 0;
  auto reply = round_trip_once(id, method, params, is_send);
  if (!reply) return std::unexpected(std::move(reply.error()));
  if (auto plain = plain_string_result(*reply, id)) return Json(std::string(*plain));
  auto j = core::parse_json(*reply);
  if (!j) return std::unexpected(bad_reply(method, is_send, "reply is not JSON: " + j.error()));
  return check_reply(*j, method, id, is_send);
}

RpcResult<Json> RpcClient::request(std::string_view method, Json params) {
  bool is_send = is_send_method(method);
  return with_retries(is_send, [&] { return request_once(method, params, is_send); });
}

RpcResult<std::vector<RpcResult<Json>>> RpcClient::batch(const std::vector<std::pair<std::string, Json>>& calls) {
  using Out = std::vector<RpcResult<Json>>;
  if (calls.empty()) return Out{};
  bool is_send = std::any_of(calls.begin(), calls.end(), [](const auto& c) { return is_send_method(c.first); });
  std::string_view label = "batch";
  return with_retries(is_send, [&]() -> RpcResult<Out> {
    uint64_t first = next_id_;
    next_id_ += calls.size();
    std::string body = "[";
    for (size_t i = 0; i < calls.size(); ++i) {
      if (i > 0) body += ',';
      append_request(body, first + i, calls[i].first, calls[i].second);
    }
    body += ']';
    const auto t0 = std::chrono::steady_clock::now();
    auto reply = transport_->round_trip(body, policy_.timeout, is_send);
    rpc_metrics().of(label).observe(std::chrono::steady_clock::now() - t0);
    endpoint_up_->set(reply ? 1 : 0);
    if (!reply) {
      reply.error().method = label;
      return std::unexpected(std::move(reply.error()));
    }
    auto j = core::parse_json(*reply);
    if (!j) return std::unexpected(bad_reply(label, is_send, "reply is not JSON: " + j.error()));
    if (j->is_object()) {  // the node refused the whole batch
      auto r = check_reply(*j, label, 0, is_send);
      if (r) return std::unexpected(bad_reply(label, is_send, "batch answered with a single result"));
      return std::unexpected(std::move(r.error()));
    }
    if (!j->is_array()) return std::unexpected(bad_reply(label, is_send, "batch reply is not an array"));
    std::vector<Json*> by_index(calls.size(), nullptr);
    for (auto& r : *j) {
      auto idv = r.is_object() ? r.find("id") : r.end();
      if (!r.is_object() || idv == r.end() || !idv->is_number_unsigned() || idv->get<uint64_t>() < first ||
          idv->get<uint64_t>() - first >= calls.size())
        return std::unexpected(bad_reply(label, is_send, "batch reply with an unknown id"));
      auto& slot = by_index[idv->get<uint64_t>() - first];
      if (slot != nullptr) return std::unexpected(bad_reply(label, is_send, "batch reply with a duplicate id"));
      slot = &r;
    }
    Out out;
    out.reserve(calls.size());
    for (size_t i = 0; i < calls.size(); ++i) {
      bool send_i = is_send_method(calls[i].first);
      if (by_index[i] == nullptr)
        out.emplace_back(std::unexpected(bad_reply(calls[i].first, send_i, "no reply in the batch")));
      else
        out.push_back(check_reply(*by_index[i], calls[i].first, first + i, send_i));
    }
    return out;
  });
}

namespace {

// Runs a typed parse over a result, naming the method in a parse error.
template <class T, class F>
RpcResult<T> typed(std::string_view method, RpcResult<Json> r, F parse) {
  if (!r) return std::unexpected(std::move(r.error()));
  auto v = parse(*r);
  if (!v) {
    RpcError e = make_error(RpcErrc::kBadResult, ErrorClass::kNonRetryable, method, "");
    if constexpr (std::is_same_v<std::decay_t<decltype(v.error())>, RpcError>) e = std::move(v.error());
    else e.message = "result: " + v.error();
    e.method = method;
    return std::unexpected(std::move(e));
  }
  return std::move(*v);
}

}  // namespace

RpcResult<uint64_t> RpcClient::chain_id() {
  return typed<uint64_t>("eth_chainId", request("eth_chainId", Json::array()), parse_quantity_u64);
}

RpcResult<BlockNum> RpcClient::block_number() {
  return typed<BlockNum>("eth_blockNumber", request("eth_blockNumber", Json::array()), parse_quantity_u64);
}

RpcResult<std::optional<BlockHeader>> RpcClient::block_header(BlockRef ref) {
  if (const auto* hash = std::get_if<Hash32>(&ref)) return block_header_by_hash(*hash);
  const bool pending = std::holds_alternative<Tag>(ref) && std::get<Tag>(ref) == Tag::kPending;
  const auto* want = std::get_if<BlockNum>(&ref);
  return typed<std::optional<BlockHeader>>(
      "eth_getBlockByNumber", request("eth_getBlockByNumber", Json::array({block_ref_json(ref), false})),
      [&](const Json& j) -> RpcResult<std::optional<BlockHeader>> {
        if (j.is_null()) return std::nullopt;
        auto h = parse_header(j, pending);
        if (!h) return std::unexpected(h.error());
        if (want && h->number != *want) return bad_result("block", "number differs from the one asked for");
        return *h;
      });
}

RpcResult<std::optional<BlockHeader>> RpcClient::block_header_by_hash(const Hash32& hash) {
  return typed<std::optional<BlockHeader>>(
      "eth_getBlockByHash", request("eth_getBlockByHash", Json::array({core::to_hex(hash), false})),
      [&](const Json& j) -> RpcResult<std::optional<BlockHeader>> {
        if (j.is_null()) return std::nullopt;
        auto h = parse_block_header(j);
        if (!h) return std::unexpected(h.error());
        if (h->hash != hash) return bad_result("block", "hash differs from the one asked for");
        return *h;
      });
}

namespace {

RpcResult<std::vector<Log>> parse_logs(const Json& j) {
  if (!j.is_array()) return bad_result("logs", "not an array");
  std::vector<Log> out;
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    auto l = parse_log(j[i]);
    if (!l) return bad_result("logs[" + std::to_string(i) + "]", l.error().message);
    out.push_back(std::move(*l));
  }
  return out;
}

}  // namespace

RpcResult<std::vector<Log>> detail::general_logs_reply(std::string_view body, uint64_t id) {
  constexpr std::string_view kMethod = "eth_getLogs";
  auto j = core::parse_json(body);
  if (!j) return std::unexpected(bad_reply(kMethod, false, "reply is not JSON: " + j.error()));
  return typed<std::vector<Log>>(kMethod, check_reply(*j, kMethod, id, false), parse_logs);
}

RpcResult<std::vector<Log>> RpcClient::logs_request(const Json& filter) {
  return with_retries(false, [&]() -> RpcResult<std::vector<Log>> {
    uint64_t id = 0;
    auto reply = round_trip_once(id, "eth_getLogs", Json::array({filter}), false);
    if (!reply) return std::unexpected(std::move(reply.error()));
    return parse_logs_reply(*reply, id);
  });
}

RpcResult<std::vector<Log>> RpcClient::get_logs(const LogFilter& filter, BlockNum from, BlockNum to) {
  if (from > to)
    return std::unexpected(make_error(RpcErrc::kBadResult, ErrorClass::kNonRetryable, "eth_getLogs",
                                      "fromBlock " + std::to_string(from) + " above toBlock " + std::to_string(to)));
  Json base = filter_json(filter);
  std::vector<Log> out;
  // Halve the span on each refusal and keep the width that worked for the
  // rest of the range, so a node limit of N blocks costs O(log) extra calls.
  uint64_t width = to - from == UINT64_MAX ? UINT64_MAX : to - from + 1;
  for (BlockNum cur = from;;) {
    BlockNum end = (to - cur < width) ? to : cur + width - 1;
    Json f = base;
    f["fromBlock"] = core::to_hex_quantity(U256(cur));
    f["toBlock"] = core::to_hex_quantity(U256(end));
    auto r = logs_request(f);
    if (!r) {
      if (r.error().code != RpcErrc::kRangeTooLarge || end == cur) return r;
      width = (end - cur + 1) / 2;
      continue;
    }
    for (auto& l : *r) {
      if (l.block_number < cur || l.block_number > end)
        return std::unexpected(make_error(RpcErrc::kBadResult, ErrorClass::kNonRetryable, "eth_getLogs",
                                          "log of block " + std::to_string(l.block_number) + " outside the range asked"));
      out.push_back(std::move(l));
    }
    if (end == to) return out;
    cur = end + 1;
  }
}

RpcResult<std::vector<Log>> RpcClient::get_logs_by_block_hash(const LogFilter& filter, const Hash32& block_hash) {
  Json f = filter_json(filter);
  f["blockHash"] = core::to_hex(block_hash);
  auto r = logs_request(f);
  if (r)
    for (const auto& l : *r)
      if (l.block_hash != block_hash)
        return std::unexpected(
            make_error(RpcErrc::kBadResult, ErrorClass::kNonRetryable, "eth_getLogs", "log of another block than asked"));
  return r;
}

RpcResult<Bytes> RpcClient::call(const CallRequest& req, BlockRef at) {
  return typed<Bytes>("eth_call", request("eth_call", Json::array({call_json(req), block_ref_json(at)})),
                      parse_data_field);
}

RpcResult<uint64_t> RpcClient::estimate_gas(const CallRequest& req) {
  return typed<uint64_t>("eth_estimateGas", request("eth_estimateGas", Json::array({call_json(req)})),
                         parse_quantity_u64);
}

RpcResult<FeeHistory> RpcClient::fee_history(uint64_t blocks, BlockRef newest, const std::vector<double>& percentiles) {
  Json p = Json::array();
  for (double x : percentiles) p.push_back(x);
  auto r = request("eth_feeHistory", Json::array({core::to_hex_quantity(U256(blocks)), block_ref_json(newest), p}));
  return typed<FeeHistory>("eth_feeHistory", std::move(r), [&](const Json& j) -> RpcResult<FeeHistory> {
    if (!j.is_object()) return bad_result("feeHistory", "not an object");
    FeeHistory h;
    std::string e;
    auto quantities = [](const Json& a) -> Parsed<std::vector<U256>> {
      if (!a.is_array()) return std::unexpected("not an array");
      std::vector<U256> out;
      for (const auto& x : a) {
        auto q = parse_quantity(x);
        if (!q) return std::unexpected(q.error());
        out.push_back(*q);
      }
      return out;
    };
    auto ratios = [](const Json& a) -> Parsed<std::vector<double>> {
      if (!a.is_array()) return std::unexpected("not an array");
      std::vector<double> out;
      for (const auto& x : a) {
        if (!x.is_number() || x.get<double>() < 0 || x.get<double>() > 1) return std::unexpected("ratio not in [0, 1]");
        out.push_back(x.get<double>());
      }
      return out;
    };
    auto rewards = [&](const Json& a) -> Parsed<std::vector<std::vector<U256>>> {
      if (!a.is_array()) return std::unexpected("not an array");
      std::vector<std::vector<U256>> out;
      for (const auto& row : a) {
        auto q = quantities(row);
        if (!q) return std::unexpected(q.error());
        if (q->size() != percentiles.size()) return std::unexpected("row length differs from the percentiles asked");
        out.push_back(std::move(*q));
      }
      return out;
    };
    std::optional<std::vector<std::vector<U256>>> reward;
    if (!get(j, "oldestBlock", h.oldest_block, e, parse_quantity_u64) ||
        !get(j, "baseFeePerGas", h.base_fee_per_gas, e, quantities) || !get(j, "gasUsedRatio", h.gas_used_ratio, e, ratios) ||
        !get_opt(j, "reward", reward, e, rewards))
      return bad_result("feeHistory", e);
    h.reward = reward.value_or(std::vector<std::vector<U256>>{});
    size_t n = h.gas_used_ratio.size();
    if (n > 0 && h.base_fee_per_gas.size() != n + 1) return bad_result("feeHistory", "baseFeePerGas length is not blocks + 1");
    if (!percentiles.empty() && h.reward.size() != n) return bad_result("feeHistory", "reward length differs from blocks");
    return h;
  });
}

RpcResult<U256> RpcClient::max_priority_fee_per_gas() {
  return typed<U256>("eth_maxPriorityFeePerGas", request("eth_maxPriorityFeePerGas", Json::array()), parse_quantity);
}

RpcResult<U256> RpcClient::gas_price() {
  return typed<U256>("eth_gasPrice", request("eth_gasPrice", Json::array()), parse_quantity);
}

RpcResult<uint64_t> RpcClient::transaction_count(const Address& who, BlockRef at) {
  return typed<uint64_t>("eth_getTransactionCount",
                         request("eth_getTransactionCount", Json::array({core::to_hex(who.view()), block_ref_json(at)})),
                         parse_quantity_u64);
}

RpcResult<U256> RpcClient::balance(const Address& who, BlockRef at) {
  return typed<U256>("eth_getBalance",
                     request("eth_getBalance", Json::array({core::to_hex(who.view()), block_ref_json(at)})), parse_quantity);
}

RpcResult<Hash32> RpcClient::send_raw_transaction(core::ByteView raw) {
  auto r = typed<Hash32>("eth_sendRawTransaction", request("eth_sendRawTransaction", Json::array({core::to_hex(raw)})),
                         parse_hash_field);
  if (r && *r != core::keccak256(raw)) {
    // The node answered for some other transaction: we cannot tell what it did with ours.
    return std::unexpected(make_error(RpcErrc::kBadResult, ErrorClass::kOutcomeUnknown, "eth_sendRawTransaction",
                                      "node returned a hash that is not keccak256 of the raw transaction"));
  }
  if (!r && r.error().code == RpcErrc::kBadResult) r.error().cls = ErrorClass::kOutcomeUnknown;
  return r;
}

RpcResult<std::optional<Receipt>> RpcClient::transaction_receipt(const Hash32& hash) {
  return typed<std::optional<Receipt>>(
      "eth_getTransactionReceipt", request("eth_getTransactionReceipt", Json::array({core::to_hex(hash)})),
      [&](const Json& j) -> RpcResult<std::optional<Receipt>> {
        if (j.is_null()) return std::nullopt;
        auto r = parse_receipt(j);
        if (!r) return std::unexpected(r.error());
        if (r->txn_hash != hash) return bad_result("receipt", "transactionHash differs from the one asked for");
        return std::move(*r);
      });
}

RpcResult<std::optional<TxnInfo>> RpcClient::transaction_by_hash(const Hash32& hash) {
  return typed<std::optional<TxnInfo>>(
      "eth_getTransactionByHash", request("eth_getTransactionByHash", Json::array({core::to_hex(hash)})),
      [&](const Json& j) -> RpcResult<std::optional<TxnInfo>> {
        if (j.is_null()) return std::nullopt;
        if (!j.is_object()) return bad_result("transaction", "not an object");
        TxnInfo t;
        std::string e;
        if (!get(j, "hash", t.hash, e, parse_hash_field) || !get(j, "from", t.from, e, parse_address_field) ||
            !get(j, "nonce", t.nonce, e, parse_quantity_u64) || !get_opt(j, "blockNumber", t.block_number, e, parse_quantity_u64) ||
            !get_opt(j, "blockHash", t.block_hash, e, parse_hash_field))
          return bad_result("transaction", e);
        if (t.hash != hash) return bad_result("transaction", "hash differs from the one asked for");
        if (t.block_number.has_value() != t.block_hash.has_value())
          return bad_result("transaction", "blockNumber and blockHash disagree on inclusion");
        return t;
      });
}

RpcResult<Json> RpcClient::txpool_content() { return request("txpool_content", Json::array()); }

}  // namespace perpx::chain
