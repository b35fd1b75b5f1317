#pragma once
// Hyperliquid signing, exact to the byte as the official SDKs
// (hyperliquid-python-sdk hyperliquid/utils/signing.py, hyperliquid-rust-sdk)
// produce it.
//
// L1 actions (order, cancel, modify, updateLeverage, scheduleCancel, ...):
//   connectionId = keccak256(msgpack(action) || nonce u64 BE ||
//                            (0x00 | 0x01 || vault address[20]) ||
//                            [0x00 || expiresAfter u64 BE])
//   signed as EIP-712 Agent{source: "a" mainnet | "b" testnet, connectionId}
//   under the domain {name "Exchange", version "1", chainId 1337,
//   verifyingContract 0x0}.
//   msgpack is Python's msgpack.packb of the JSON action: key order as given,
//   the smallest encoding of every value (fixint, uint8..64, negative fixint,
//   int8..64, fixstr/str8/16/32, fixmap/map16/32, fixarray/array16/32, nil,
//   bool), float64 for non-integer JSON numbers.
// User-signed actions (usdSend, spotSend, withdraw3, usdClassTransfer,
//   sendAsset, approveAgent, approveBuilderFee, tokenDelegate,
//   userDexAbstraction, convertToMultiSigUser, perpDexClassTransfer): the
//   action's declared fields as EIP-712 "HyperliquidTransaction:<Name>" under
//   the domain {name "HyperliquidSignTransaction", version "1", chainId =
//   action.signatureChainId, verifyingContract 0x0}.
// Signatures are written as the SDKs write them: r and s as minimal 0x hex
// (no leading zeros: Python's to_hex(int), ethers-rs U256), v = 27 | 28.
//
// Everything here is pure, may be called from any thread, and allocates
// (JSON and byte buffers); it never throws.
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "perpx/core/bytes.hpp"
#include "perpx/core/json.hpp"
#include "perpx/core/u256.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::venues::hl {

using core::Address;
using core::Bytes;
using core::Hash32;
using core::Json;

enum class [[nodiscard]] HlError {
  kBadJson,        // not JSON, a duplicate key, or nested deeper than kMaxActionDepth
  kIntegerRange,   // an integer literal outside msgpack's range (-2^63 .. 2^64-1)
  kNotEncodable,   // a value msgpack (as the SDK uses it) cannot carry: a non-finite number, binary
  kBadAction,      // the action is not an object with a string "type"
  kUnknownType,    // an action with signatureChainId/hyperliquidChain whose type is not a known user-signed action
  kMissingField,   // a field the action's type needs
  kUnknownField,   // a user-signed action field its EIP-712 type does not declare (it would go unsigned)
  kBadValue,       // a field of the wrong JSON kind or malformed (address, hex chain id, chain name)
  kBadOption,      // an option that does not apply (--vault-address on a user-signed action, no --nonce on L1)
  kConflict,       // an option that disagrees with the action (--nonce, --testnet)
};
std::string_view describe(HlError e) noexcept;

struct HlSignError {
  HlError error = HlError::kBadJson;
  std::string path;    // "action.orders[0].p", "action.time", "--nonce"
  std::string detail;  // what was expected or found; never key material
};
// "<path>: <describe(error)>[: <detail>]"
std::string to_string(const HlSignError& e);

inline constexpr int kMaxActionDepth = 64;

// Parses an action (or any JSON) for signing: key order kept, duplicate keys
// refused (Python keeps the last value, other parsers the first: a signature
// must not depend on which), integers beyond 64 bits refused instead of being
// rounded or turned into text.
std::expected<Json, HlSignError> parse_action(std::string_view text);

// Appends msgpack(value) exactly as Python's msgpack.packb does. `path` names
// the value in errors.
std::expected<void, HlSignError> msgpack_append(Bytes& out, const Json& value, std::string_view path = "action");

// The L1 connection id: keccak256 of msgpack(action) || nonce || vault marker || expiry.
struct L1Params {
  uint64_t nonce = 0;
  std::optional<Address> vault;
  std::optional<uint64_t> expires_after;
};
std::expected<Hash32, HlSignError> action_hash(const Json& action, const L1Params& params);

// EIP-712 digest of the phantom agent {source, connectionId}.
Hash32 l1_digest(const Hash32& connection_id, bool mainnet) noexcept;

// A user-signed action kind: its EIP-712 primary type and fields (in order),
// and which field carries the nonce ("time" or "nonce").
struct UserSignedField {
  std::string_view name;
  std::string_view type;  // string | bool | uint64 | address | bytes32
};
struct UserSignedKind {
  std::string_view action_type;   // "usdSend"
  std::string_view primary_type;  // "HyperliquidTransaction:UsdSend"
  std::span<const UserSignedField> fields;
  std::string_view nonce_field;   // "time" | "nonce"
};
// nullptr when `action_type` is not a known user-signed action.
const UserSignedKind* find_user_signed(std::string_view action_type) noexcept;
std::span<const UserSignedKind> user_signed_kinds() noexcept;

// EIP-712 "encodeType" of a kind, e.g.
// "HyperliquidTransaction:UsdSend(string hyperliquidChain,string destination,string amount,uint64 time)".
std::string encode_type(const UserSignedKind& kind);

// The EIP-712 digest of a user-signed action (validated: every declared field
// present and well-formed, no undeclared field besides "type" and
// "signatureChainId"; approveAgent's agentName may be absent and is then
// signed as "", as both SDKs do).
std::expected<Hash32, HlSignError> user_signed_digest(const Json& action);

// What `hl sign` takes besides the action. The CLI rules (shared/CLI.md):
// L1 actions need `nonce`; user-signed actions carry their own nonce/time, and
// a `nonce` that differs, `testnet` with hyperliquidChain "Mainnet", or
// `vault`/`expires_after` is an error.
struct SignOptions {
  std::optional<uint64_t> nonce;
  std::optional<Address> vault;
  std::optional<uint64_t> expires_after;
  bool testnet = false;
};

// Everything but the signature: which digest to sign and the body's fields.
struct PreparedAction {
  Hash32 digest;
  uint64_t nonce = 0;
  bool user_signed = false;
  std::optional<Address> vault;
  std::optional<uint64_t> expires_after;
};
std::expected<PreparedAction, HlSignError> prepare(const Json& action, const SignOptions& opts);

// {"r": "0x..", "s": "0x..", "v": 27|28} as the SDKs write it.
Json signature_json(const signer::Signature& sig);

// The /exchange body: {"action", "nonce", "signature", "vaultAddress"?, "expiresAfter"?},
// the action exactly as given, the vault address lowercase.
Json exchange_body(const Json& action, const PreparedAction& prepared, const signer::Signature& sig);

// prepare + sign + exchange_body.
std::expected<Json, HlSignError> sign_action(const signer::SecretKey& key, const Json& action, const SignOptions& opts);

}  // namespace perpx::venues::hl
