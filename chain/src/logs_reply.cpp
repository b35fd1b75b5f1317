// eth_getLogs replies: the hot path of every backfill and audit.
//
// A reply of 100k logs is ~70 MB of JSON. Building an nlohmann tree of it
// costs more than everything else together, so the reply is first read with
// simdjson's DOM parser (which validates the whole document: structure,
// UTF-8, depth) straight into Log values. That reader only accepts what it
// can accept exactly as the general path would (parse_json, check_reply,
// parse_log): any deviation (an error object, a duplicated key, a field of
// another type, a value the field parsers refuse) makes it give up, and the
// general path then produces the value or the precise, typed error. So the
// two paths can never disagree: the fast one is a shortcut, not a second
// definition of what a valid reply is.
#include <simdjson.h>

#include <optional>

#include "perpx/chain/rpc.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "log_json.hpp"
#include "rpc_detail.hpp"

namespace perpx::chain {

namespace {

namespace dom = simdjson::dom;

// "0x" + 1..16 significant hex digits (leading zeros tolerated, as parse_quantity).
std::optional<uint64_t> quantity_u64(std::string_view s) {
  if (s.size() <= 2 || s[0] != '0' || s[1] != 'x') return std::nullopt;
  s.remove_prefix(2);
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  if (s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    const int d = core::hex_digit_value(c);
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace

namespace detail {

bool json_string(dom::element e, std::string_view& out) { return e.get_string().get(out) == simdjson::SUCCESS; }

bool read_log(dom::element e, Log& l) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return false;
  l.topics.clear();
  l.removed = false;
  enum : unsigned { kAddress = 1, kTopics = 2, kData = 4, kBlockNumber = 8, kBlockHash = 16, kTxnHash = 32,
                    kTxnIndex = 64, kLogIndex = 128, kRemoved = 256 };
  constexpr unsigned kRequired = 255;
  unsigned seen = 0;
  auto once = [&seen](unsigned bit) {
    if (seen & bit) return false;  // a duplicated key: nlohmann keeps the last one; let it
    seen |= bit;
    return true;
  };
  std::string_view s;
  for (dom::key_value_pair kv : o) {
    const std::string_view k = kv.key;
    if (k == "address") {
      if (!once(kAddress) || !json_string(kv.value, s)) return false;
      auto a = core::parse_address(s);
      if (!a) return false;
      l.address = *a;
    } else if (k == "topics") {
      dom::array t;
      if (!once(kTopics) || kv.value.get_array().get(t) != simdjson::SUCCESS || t.size() > 4) return false;
      for (dom::element x : t) {
        if (!json_string(x, s)) return false;
        auto h = core::parse_hash32(s);
        if (!h) return false;
        l.topics.push_back(*h);
      }
    } else if (k == "data") {
      // As parse_hex: "0x" and an even number of digits; decoded into the
      // buffer the Log already has.
      if (!once(kData) || !json_string(kv.value, s)) return false;
      if (s.size() < 2 || s.size() % 2 != 0) return false;
      l.data.resize((s.size() - 2) / 2);
      if (!core::parse_hex_into(s, l.data)) return false;
    } else if (k == "blockHash" || k == "transactionHash") {
      if (!once(k == "blockHash" ? kBlockHash : kTxnHash) || !json_string(kv.value, s)) return false;
      auto h = core::parse_hash32(s);
      if (!h) return false;
      (k == "blockHash" ? l.block_hash : l.txn_hash) = *h;
    } else if (k == "blockNumber" || k == "transactionIndex" || k == "logIndex") {
      const unsigned bit = k == "blockNumber" ? kBlockNumber : k == "logIndex" ? kLogIndex : kTxnIndex;
      if (!once(bit) || !json_string(kv.value, s)) return false;
      auto q = quantity_u64(s);
      if (!q) return false;
      (bit == kBlockNumber ? l.block_number : bit == kLogIndex ? l.log_index : l.txn_index) = *q;
    } else if (k == "removed") {
      if (!once(kRemoved)) return false;
      if (kv.value.is_null()) continue;
      bool b = false;
      if (kv.value.get_bool().get(b) != simdjson::SUCCESS) return false;
      l.removed = b;
    }
    // Other keys (transactionLogIndex, blockTimestamp, ...) are ignored, as parse_log does.
  }
  return (seen & kRequired) == kRequired;
}

std::optional<Notification> read_notification(dom::parser& parser, std::string_view msg) {
  dom::element doc;
  dom::object o;
  if (parser.parse(msg.data(), msg.size(), true).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(o) != simdjson::SUCCESS)
    return std::nullopt;
  std::optional<std::string_view> method;
  std::optional<dom::object> params;
  for (dom::key_value_pair kv : o) {
    if (kv.key == "method") {
      std::string_view m;
      if (method || !json_string(kv.value, m)) return std::nullopt;
      method = m;
    } else if (kv.key == "params") {
      dom::object p;
      if (params || kv.value.get_object().get(p) != simdjson::SUCCESS) return std::nullopt;
      params = p;
    }
  }
  if (method != "eth_subscription" || !params) return std::nullopt;
  std::optional<std::string_view> subscription;
  std::optional<dom::element> result;
  for (dom::key_value_pair kv : *params) {
    if (kv.key == "subscription") {
      std::string_view id;
      if (subscription || !json_string(kv.value, id)) return std::nullopt;
      subscription = id;
    } else if (kv.key == "result") {
      if (result) return std::nullopt;
      result = kv.value;
    }
  }
  if (!subscription || !result) return std::nullopt;
  return Notification{*subscription, *result};
}

}  // namespace detail

namespace {

// The whole reply, or nothing when the general path must decide.
std::optional<std::vector<Log>> fast_logs_reply(std::string_view body, uint64_t id) {
  thread_local dom::parser parser;
  dom::element doc;
  if (parser.parse(body.data(), body.size(), true).get(doc) != simdjson::SUCCESS) return std::nullopt;
  dom::object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  bool version_ok = false, id_ok = false;
  std::optional<dom::array> result;
  for (dom::key_value_pair kv : o) {
    const std::string_view k = kv.key;
    if (k == "jsonrpc") {
      std::string_view v;
      if (version_ok || !detail::json_string(kv.value, v) || v != "2.0") return std::nullopt;
      version_ok = true;
    } else if (k == "id") {
      uint64_t v = 0;
      if (id_ok || kv.value.get_uint64().get(v) != simdjson::SUCCESS || v != id) return std::nullopt;
      id_ok = true;
    } else if (k == "result") {
      dom::array a;
      if (result || kv.value.get_array().get(a) != simdjson::SUCCESS) return std::nullopt;
      result = a;
    } else if (k == "error") {
      return std::nullopt;  // the general path classifies node errors
    }
  }
  if (!version_ok || !id_ok || !result) return std::nullopt;
  std::vector<Log> out;
  out.reserve(result->size());
  for (dom::element e : *result) {
    if (!detail::read_log(e, out.emplace_back())) return std::nullopt;
  }
  return out;
}

}  // namespace

RpcResult<std::vector<Log>> parse_logs_reply(std::string_view body, uint64_t id) {
  if (auto logs = fast_logs_reply(body, id)) return std::move(*logs);
  return detail::general_logs_reply(body, id);
}

}  // namespace perpx::chain
