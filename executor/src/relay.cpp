#include "perpx/executor/relay.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/message.hpp"

namespace perpx::executor {

namespace {

using core::Json;

std::string quantity(uint64_t v) { return core::to_hex_quantity(core::U256{v}); }

std::string request_body(uint64_t id, std::string_view method, Json params_object) {
  Json j = Json::object();
  j["jsonrpc"] = "2.0";
  j["id"] = id;
  j["method"] = method;
  j["params"] = Json::array({std::move(params_object)});
  return j.dump();
}

RelayError make_error(RelayErrc code, std::string relay, std::string_view method, std::string message) {
  RelayError e;
  e.code = code;
  e.relay = std::move(relay);
  e.method = method;
  e.message = std::move(message);
  return e;
}

// A refusal's body outside JSON-RPC: the Flashbots relay has answered bad
// signatures with HTTP 403 and {"error":"..."}; keep that message.
std::string refusal_message(const chain::RpcError& t) {
  std::string_view m = t.message;
  if (size_t colon = m.find(": "); m.starts_with("HTTP ") && colon != std::string_view::npos) {
    std::string_view body = m.substr(colon + 2);
    if (auto j = core::parse_json(body); j && j->is_object() && j->contains("error") && (*j)["error"].is_string())
      return (*j)["error"].get<std::string>();
  }
  return t.message;
}

RelayError from_transport(const chain::RpcError& t, std::string relay, std::string_view method) {
  RelayErrc code = RelayErrc::kTimeout;
  switch (t.code) {
    case chain::RpcErrc::kConnect:
      code = RelayErrc::kUnreachable;
      break;
    case chain::RpcErrc::kRateLimited:
      code = RelayErrc::kRefused;
      break;
    case chain::RpcErrc::kHttpStatus:
      code = t.http_status >= 500 ? RelayErrc::kTimeout : RelayErrc::kRefused;
      break;
    case chain::RpcErrc::kTooLarge:
    case chain::RpcErrc::kBadReply:
      code = RelayErrc::kMalformedReply;
      break;
    default:  // kTimeout, kReset
      code = RelayErrc::kTimeout;
      break;
  }
  RelayError e = make_error(code, std::move(relay), method, code == RelayErrc::kRefused ? refusal_message(t) : t.message);
  e.http_status = t.http_status;
  return e;
}

std::expected<chain::Hash32, std::string> read_hash(const Json& j) {
  if (!j.is_string()) return std::unexpected(std::string("not a string"));
  auto h = core::parse_hash32(j.get<std::string>());
  if (!h) return std::unexpected(std::string("not a 32-byte hex hash"));
  return *h;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view describe(RelayErrc e) noexcept {
  switch (e) {
    case RelayErrc::kUnreachable: return "relay unreachable (nothing sent)";
    case RelayErrc::kTimeout: return "no reply from the relay (outcome unknown)";
    case RelayErrc::kRefused: return "refused by the relay";
    case RelayErrc::kMalformedReply: return "malformed relay reply (outcome unknown)";
  }
  return "relay error";
}

std::string to_string(const RelayError& e) {
  return e.relay + " " + e.method + ": " + std::string(describe(e.code)) + ": " + e.message;
}

std::string_view describe(SignatureHeaderErrc e) noexcept {
  switch (e) {
    case SignatureHeaderErrc::kMissing: return "missing X-Flashbots-Signature header";
    case SignatureHeaderErrc::kMalformed: return "malformed X-Flashbots-Signature header";
    case SignatureHeaderErrc::kBadSignature: return "invalid signature";
    case SignatureHeaderErrc::kWrongSigner: return "signature does not match the address";
  }
  return "signature error";
}

std::string bundle_body(uint64_t id, const Bundle& b) {
  Json p = Json::object();
  Json txs = Json::array();
  for (const auto& raw : b.txns) txs.push_back(core::to_hex(raw));
  p["txs"] = std::move(txs);
  p["blockNumber"] = quantity(b.block_num);
  if (b.min_timestamp) p["minTimestamp"] = *b.min_timestamp;
  if (b.max_timestamp) p["maxTimestamp"] = *b.max_timestamp;
  if (!b.reverting_txn_hashes.empty()) {
    Json hs = Json::array();
    for (const auto& h : b.reverting_txn_hashes) hs.push_back(core::to_hex(h));
    p["revertingTxHashes"] = std::move(hs);
  }
  return request_body(id, "eth_sendBundle", std::move(p));
}

std::string private_txn_body(uint64_t id, const PrivateTxn& t) {
  Json p = Json::object();
  p["tx"] = core::to_hex(t.raw);
  if (t.max_block_num) p["maxBlockNumber"] = quantity(*t.max_block_num);
  if (!t.preferences.is_null()) p["preferences"] = t.preferences;
  return request_body(id, "eth_sendPrivateTransaction", std::move(p));
}

std::string cancel_private_txn_body(uint64_t id, const chain::Hash32& txn_hash) {
  Json p = Json::object();
  p["txHash"] = core::to_hex(txn_hash);
  return request_body(id, "eth_cancelPrivateTransaction", std::move(p));
}

std::string flashbots_signature(const signer::SecretKey& key, std::string_view body) {
  const chain::Hash32 digest = core::keccak256(
      core::ByteView(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  const std::string text = core::to_hex(digest);  // the 66-character message ethers' id(body) gives
  const auto sig = signer::sign_personal_message(
      key, core::ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return core::to_checksum(signer::address_of(key)) + ":" + core::to_hex(core::ByteView(sig));
}

std::expected<chain::Address, SignatureHeaderErrc> verify_flashbots_signature(std::string_view header,
                                                                              std::string_view body) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty()) return std::unexpected(SignatureHeaderErrc::kMissing);
  const size_t colon = header.find(':');
  if (colon == std::string_view::npos) return std::unexpected(SignatureHeaderErrc::kMalformed);
  auto named = core::parse_address(lower(header.substr(0, colon)));
  std::array<uint8_t, 65> rsv{};
  if (!named || !core::parse_hex_into(header.substr(colon + 1), rsv))
    return std::unexpected(SignatureHeaderErrc::kMalformed);
  auto sig = signer::from_rsv(rsv);
  if (!sig) return std::unexpected(SignatureHeaderErrc::kBadSignature);
  const std::string text = core::to_hex(core::keccak256(
      core::ByteView(reinterpret_cast<const uint8_t*>(body.data()), body.size())));
  const chain::Hash32 digest = signer::personal_message_hash(
      core::ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  auto who = signer::recover_address(digest, *sig, /*require_low_s=*/false);
  if (!who) return std::unexpected(SignatureHeaderErrc::kBadSignature);
  if (*who != *named) return std::unexpected(SignatureHeaderErrc::kWrongSigner);
  return *who;
}

chain::Hash32 bundle_hash(const std::vector<core::Bytes>& txns) {
  core::Keccak256 k;
  for (const auto& raw : txns) k.update(core::keccak256(raw).view());
  return k.finish();
}

// ---------------------------------------------------------------------------

struct RelayClient::Relay {
  chain::HttpTransport transport;
  std::string url;  // redacted
  Relay(std::string u, chain::HttpOptions o) : transport(std::move(u), std::move(o)), url(transport.url()) {}
};

RelayClient::RelayClient(std::vector<std::string> urls, signer::SecretKey searcher_key, RelayOptions options)
    : key_(std::move(searcher_key)), searcher_(signer::address_of(key_)), options_(std::move(options)) {
  if (urls.empty()) throw std::invalid_argument("RelayClient: no relay URL");
  for (auto& u : urls) relays_.push_back(std::make_unique<Relay>(std::move(u), options_.http));
}
RelayClient::RelayClient(RelayClient&&) noexcept = default;
RelayClient& RelayClient::operator=(RelayClient&&) noexcept = default;
RelayClient::~RelayClient() = default;

RelayResult<Json> RelayClient::call(Relay& r, std::string_view method, const std::string& body, uint64_t id) {
  const std::string headers[] = {"X-Flashbots-Signature: " + flashbots_signature(key_, body)};
  auto reply = r.transport.round_trip_with_headers(body, headers, options_.timeout, /*is_send=*/true);
  if (!reply) return std::unexpected(from_transport(reply.error(), r.url, method));
  auto bad = [&](std::string what) {
    return std::unexpected(make_error(RelayErrc::kMalformedReply, r.url, method, std::move(what)));
  };
  auto j = core::parse_json(*reply);
  if (!j) return bad("reply is not JSON: " + j.error());
  if (!j->is_object()) return bad("reply is not a JSON-RPC object");
  const auto version = j->find("jsonrpc");
  if (version == j->end() || *version != "2.0") return bad("reply is not JSON-RPC 2.0");
  const bool has_result = j->contains("result");
  const bool has_error = j->contains("error");
  if (has_result == has_error) return bad("reply has neither or both of result and error");
  const auto rid = j->find("id");
  // An error about a request the relay could not read may carry a null id.
  const bool id_ok = rid != j->end() && ((rid->is_number_unsigned() && rid->get<uint64_t>() == id) ||
                                         (has_error && rid->is_null()));
  if (!id_ok) return bad("reply id does not match the request");
  if (has_error) {
    const Json& e = (*j)["error"];
    if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer() || !e.contains("message") ||
        !e["message"].is_string())
      return bad("error object without an integer code and a message");
    RelayError err = make_error(RelayErrc::kRefused, r.url, method, e["message"].get<std::string>());
    err.rpc_code = e["code"].get<int64_t>();
    return std::unexpected(std::move(err));
  }
  return std::move((*j)["result"]);
}

template <class T, class MakeBody, class Read>
std::vector<RelayReply<T>> RelayClient::each(std::string_view method, MakeBody&& make_body, Read&& read) {
  std::vector<RelayReply<T>> out;
  out.reserve(relays_.size());
  for (auto& r : relays_) {
    const uint64_t id = next_id_++;
    const std::string body = make_body(id);
    auto result = call(*r, method, body, id);
    if (!result) {
      out.push_back({r->url, std::unexpected(std::move(result.error()))});
      continue;
    }
    auto value = read(*result);
    if (!value) {
      out.push_back({r->url, std::unexpected(make_error(RelayErrc::kMalformedReply, r->url, method, value.error()))});
      continue;
    }
    out.push_back({r->url, std::move(*value)});
  }
  return out;
}

std::vector<RelayReply<chain::Hash32>> RelayClient::send_bundle(const Bundle& b) {
  return each<chain::Hash32>(
      "eth_sendBundle", [&](uint64_t id) { return bundle_body(id, b); },
      [](const Json& result) -> std::expected<chain::Hash32, std::string> {
        if (!result.is_object() || !result.contains("bundleHash"))
          return std::unexpected(std::string("result: expected {bundleHash}"));
        auto h = read_hash(result["bundleHash"]);
        if (!h) return std::unexpected("result.bundleHash: " + h.error());
        return *h;
      });
}

std::vector<RelayReply<chain::Hash32>> RelayClient::send_private_transaction(const PrivateTxn& t) {
  const chain::Hash32 expected = core::keccak256(t.raw);
  return each<chain::Hash32>(
      "eth_sendPrivateTransaction", [&](uint64_t id) { return private_txn_body(id, t); },
      [&](const Json& result) -> std::expected<chain::Hash32, std::string> {
        auto h = read_hash(result);
        if (!h) return std::unexpected("result: " + h.error());
        if (*h != expected) return std::unexpected(std::string("result: tx hash is not keccak256 of the raw transaction"));
        return *h;
      });
}

std::vector<RelayReply<bool>> RelayClient::cancel_private_transaction(const chain::Hash32& txn_hash) {
  return each<bool>(
      "eth_cancelPrivateTransaction", [&](uint64_t id) { return cancel_private_txn_body(id, txn_hash); },
      [](const Json& result) -> std::expected<bool, std::string> {
        if (!result.is_boolean()) return std::unexpected(std::string("result: expected a boolean"));
        return result.get<bool>();
      });
}

PrivateSender relay_sender(RelayClient& client) {
  return [&client](core::ByteView raw, chain::BlockNum target) -> std::expected<void, std::string> {
    Bundle b;
    b.txns.emplace_back(raw.begin(), raw.end());
    b.block_num = target;
    const auto replies = client.send_bundle(b);
    if (accepted(replies) > 0) return {};
    std::string why;
    for (const auto& r : replies) why += (why.empty() ? "" : "; ") + r.relay + ": " + to_string(r.result.error());
    return std::unexpected(why.empty() ? std::string("no relay") : why);
  };
}

}  // namespace perpx::executor
