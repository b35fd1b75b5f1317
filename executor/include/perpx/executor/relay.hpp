#pragma once
// The private submission path: a client for Flashbots-style relays, and the
// Submitter's PrivateSender over it (the Submitter re-sends the bundle for
// each new block until it lands or its route ends, then goes public).
//
// RelayClient speaks to one or more relays (URLs), each over its own HTTP
// keep-alive transport (chain::HttpTransport), with the JSON-RPC methods of
// the Flashbots relay (docs.flashbots.net, "JSON-RPC Endpoints"):
//   eth_sendBundle               [{txs, blockNumber, minTimestamp?, maxTimestamp?,
//                                  revertingTxHashes?}]  -> {bundleHash}
//   eth_sendPrivateTransaction   [{tx, maxBlockNumber?, preferences?}] -> tx hash
//   eth_cancelPrivateTransaction [{txHash}] -> bool
// Every request carries
//   X-Flashbots-Signature: <searcher address>:<signature>
// Flashbots docs, Authentication: "The signature is calculated by taking the
// EIP-191 hash of the json body encoded as UTF-8 bytes", with the reference
// code `wallet.address + ':' + wallet.signMessage(utils.id(body))` (ethers):
// the message signed with personal_sign is the 66-character text "0x" +
// lowercase hex of keccak256(body), not the 32 digest bytes. The address is
// written EIP-55 (as ethers' wallet.address) and the signature as "0x" +
// r || s || v (v = 27/28). The searcher key is a reputation key, separate
// from trading keys: it signs request bodies only, never transactions.
//
// Errors per relay (RelayErrc); the ones marked outcome-unknown may have
// reached the relay, so a private transaction is reconciled by its hash:
//   kUnreachable     no connection: nothing was sent (safe to try elsewhere)
//   kTimeout         sent, no usable reply (timeout, reset, HTTP 5xx)   outcome unknown
//   kRefused         the relay answered no (JSON-RPC error object, HTTP
//                    4xx/429): `message` is the relay's own message
//   kMalformedReply  not JSON-RPC for our request (bad JSON, wrong id, both
//                    or neither of result/error), or a result of the wrong
//                    shape (a tx hash that is not keccak256 of the raw tx)  outcome unknown
//
// Keys: the searcher key is owned by the client and never logged or put in
// an error. Thread: one thread at a time per client. Allocates.
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/http.hpp"
#include "perpx/chain/types.hpp"
#include "perpx/executor/submitter.hpp"
#include "perpx/core/json.hpp"
#include "perpx/executor/submitter.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::executor {

enum class [[nodiscard]] RelayErrc { kUnreachable, kTimeout, kRefused, kMalformedReply };
std::string_view describe(RelayErrc e) noexcept;

struct RelayError {
  RelayErrc code = RelayErrc::kRefused;
  std::string relay;    // scheme://host:port (no path: it may hold a key)
  std::string method;   // the JSON-RPC method
  std::string message;  // the relay's message, or what was wrong with its reply
  int64_t rpc_code = 0; // the JSON-RPC error code, when there was one
  int http_status = 0;
  [[nodiscard]] bool outcome_unknown() const noexcept {
    return code == RelayErrc::kTimeout || code == RelayErrc::kMalformedReply;
  }
};
// "<relay> <method>: <code>: <message>", for logs and CLI errors.
std::string to_string(const RelayError& e);

template <class T>
using RelayResult = std::expected<T, RelayError>;

// One relay's answer, in the order the URLs were given.
template <class T>
struct RelayReply {
  std::string relay;
  RelayResult<T> result;
};

// A bundle: signed raw transactions executed in order, all or none, in
// block `block_num` only.
struct Bundle {
  std::vector<core::Bytes> txns;
  chain::BlockNum block_num = 0;
  std::optional<uint64_t> min_timestamp;  // seconds since the epoch
  std::optional<uint64_t> max_timestamp;
  std::vector<chain::Hash32> reverting_txn_hashes;  // allowed to revert
};

// One private transaction, kept by the relay until it lands or
// max_block_num passes.
struct PrivateTxn {
  core::Bytes raw;
  std::optional<chain::BlockNum> max_block_num;
  core::Json preferences;  // an object (e.g. {"fast": true}) sent as is; null: omitted
};

// JSON-RPC request bodies exactly as sent (and signed).
std::string bundle_body(uint64_t id, const Bundle& b);
std::string private_txn_body(uint64_t id, const PrivateTxn& t);
std::string cancel_private_txn_body(uint64_t id, const chain::Hash32& txn_hash);

// The X-Flashbots-Signature value for `body`: "<EIP-55 address>:0x<130 hex digits>".
std::string flashbots_signature(const signer::SecretKey& key, std::string_view body);

enum class [[nodiscard]] SignatureHeaderErrc {
  kMissing,       // no header or an empty one
  kMalformed,     // not "<address>:<65-byte hex signature>"
  kBadSignature,  // r, s or v out of range, or no key recovers
  kWrongSigner,   // recovers to another address than the one named
};
std::string_view describe(SignatureHeaderErrc e) noexcept;
// The searcher address an X-Flashbots-Signature value proves for `body`
// (what a relay checks). The address may be in any letter case; v may be
// 0/1 or 27/28 (Go clients send 0/1). Does not allocate beyond small strings.
std::expected<chain::Address, SignatureHeaderErrc> verify_flashbots_signature(std::string_view header,
                                                                              std::string_view body);

// keccak256 of the transactions' hashes concatenated: the bundle hash the
// Flashbots relay returns for eth_sendBundle.
chain::Hash32 bundle_hash(const std::vector<core::Bytes>& txns);

struct RelayOptions {
  std::chrono::milliseconds timeout{3000};  // per request and relay
  chain::HttpOptions http;                   // per relay transport (static headers, TLS)
};

class RelayClient {
 public:
  // One transport per URL (http:// or https://). Throws std::invalid_argument
  // when `urls` is empty (start-up configuration).
  RelayClient(std::vector<std::string> urls, signer::SecretKey searcher_key, RelayOptions options = {});
  RelayClient(RelayClient&&) noexcept;
  RelayClient& operator=(RelayClient&&) noexcept;
  ~RelayClient();

  [[nodiscard]] const chain::Address& searcher() const noexcept { return searcher_; }
  [[nodiscard]] size_t relays() const noexcept { return relays_.size(); }

  // Each relay in turn; one reply per relay. Bundle: the relay's bundleHash.
  std::vector<RelayReply<chain::Hash32>> send_bundle(const Bundle& b);
  // The relay's tx hash, checked to be keccak256(raw).
  std::vector<RelayReply<chain::Hash32>> send_private_transaction(const PrivateTxn& t);
  // Whether the relay cancelled it.
  std::vector<RelayReply<bool>> cancel_private_transaction(const chain::Hash32& txn_hash);

 private:
  struct Relay;
  // One signed request to relay i; returns the "result" member.
  RelayResult<core::Json> call(Relay& r, std::string_view method, const std::string& body, uint64_t id);
  template <class T, class MakeBody, class Read>
  std::vector<RelayReply<T>> each(std::string_view method, MakeBody&& make_body, Read&& read);

  std::vector<std::unique_ptr<Relay>> relays_;
  signer::SecretKey key_;
  chain::Address searcher_;
  RelayOptions options_;
  uint64_t next_id_ = 1;
};

// How many relays took a send.
template <class T>
size_t accepted(const std::vector<RelayReply<T>>& replies) noexcept {
  size_t n = 0;
  for (const auto& r : replies) n += r.result.has_value() ? 1 : 0;
  return n;
}

// The Submitter's private route over `client` (kept alive by the caller):
// the signed transaction as a one-transaction bundle for `target_block`,
// taken when at least one relay accepts it. The Submitter calls it at each
// head until the transaction is included or its route ends (then public).
PrivateSender relay_sender(RelayClient& client);

}  // namespace perpx::executor
