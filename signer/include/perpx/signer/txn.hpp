#pragma once
// Ethereum transactions: legacy (pre-EIP-155 and EIP-155), EIP-2930 access
// list and EIP-1559 dynamic fee. Signing payload, signing hash, raw signed
// encoding, hash; strict decoding of a raw transaction and sender recovery.
#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>
#include <vector>

#include "perpx/core/bytes.hpp"
#include "perpx/core/u256.hpp"
#include "perpx/signer/rlp.hpp"
#include "perpx/signer/presign.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::signer {

using core::Bytes;
using core::U256;

enum class TxnType : uint8_t { kLegacy = 0, kAccessList = 1, kDynamicFee = 2 };

struct AccessTuple {
  Address address;
  std::vector<Hash32> storage_keys;
  friend bool operator==(const AccessTuple&, const AccessTuple&) = default;
};

struct Txn {
  TxnType type = TxnType::kDynamicFee;
  U256 chain_id;                 // legacy: 0 means pre-EIP-155 (no replay protection)
  uint64_t nonce = 0;
  U256 gas_price;                // legacy and EIP-2930
  U256 max_priority_fee_per_gas;  // EIP-1559
  U256 max_fee_per_gas;          // EIP-1559
  uint64_t gas_limit = 0;
  std::optional<Address> to;     // empty: contract creation
  U256 value;
  Bytes data;
  std::vector<AccessTuple> access_list;  // EIP-2930 and EIP-1559
  friend bool operator==(const Txn&, const Txn&) = default;
};

enum class [[nodiscard]] TxnError {
  kRlp,               // the envelope or a field is not canonical RLP (see rlp_error)
  kUnknownType,       // a typed envelope with a type other than 1 or 2
  kWrongFieldCount,
  kBadTo,             // `to` neither empty nor 20 bytes
  kBadAccessList,     // an access-list entry is not [address(20 bytes), [keys...]]
  kBadStorageKey,     // not 32 bytes
  kBadV,              // legacy v not 27/28 or chainId*2+35/36; typed yParity not 0/1
  kBadSignature,      // r or s zero, out of range, or s above n/2
  kNonceOverflow,     // nonce above 2^64-1 (EIP-2681)
  kGasOverflow,       // gas limit above 2^64-1
};
std::string_view describe(TxnError e) noexcept;

struct TxnDecodeError {
  TxnError error;
  rlp::RlpError rlp_error = rlp::RlpError::kInputTooShort;  // when error == kRlp
  std::string_view field;                                    // which field, where known
};

struct SignedTxn {
  Txn txn;
  Signature sig;
};

// The signing payload (EIP-2718 type byte + RLP, or legacy RLP with the
// EIP-155 fields) appended to `out`.
void encode_for_signing(Bytes& out, const Txn& txn);
// keccak256 of the signing payload; `scratch` is reused (no allocation once it has capacity).
Hash32 signing_hash(const Txn& txn, Bytes& scratch);

// The raw signed transaction (what eth_sendRawTransaction takes) appended to `out`.
void encode_signed(Bytes& out, const Txn& txn, const Signature& sig);

// Signs: returns the signature; `scratch` is reused.
Signature sign_txn(const Txn& txn, const SecretKey& key, Bytes& scratch) noexcept;

// Builds, signs and encodes into `out` (cleared first). The hot path: no
// allocation once `out` and `scratch` have capacity.
void sign_and_encode(Bytes& out, Bytes& scratch, const Txn& txn, const SecretKey& key) noexcept;
// The same with a precomputed nonce from `pool` (presign.hpp: not RFC 6979
// deterministic; the pool's own key signs).
void sign_and_encode(Bytes& out, Bytes& scratch, const Txn& txn, NoncePool& pool) noexcept;

// The legacy v value for a signature: 27/28, or chainId*2 + 35/36.
U256 legacy_v(const Txn& txn, const Signature& sig) noexcept;

// Decodes a raw signed transaction strictly: canonical RLP, no trailing
// bytes, signature values in range.
std::expected<SignedTxn, TxnDecodeError> decode_raw(ByteView raw);

// The sender of a signed transaction.
std::expected<Address, SignatureError> recover_sender(const SignedTxn& st);

}  // namespace perpx::signer
