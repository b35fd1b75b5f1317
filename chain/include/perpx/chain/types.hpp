#pragma once
// Chain data as perpx sees it: blocks (headers), logs, receipts, block tags.
// Plain values; parsing from JSON-RPC results lives in rpc.cpp.
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "perpx/core/bytes.hpp"
#include "perpx/core/u256.hpp"

namespace perpx::chain {

using core::Address;
using core::Bytes;
using core::Hash32;
using core::U256;

using BlockNum = uint64_t;

enum class Tag { kLatest, kSafe, kFinalized, kPending, kEarliest };
std::string_view tag_name(Tag t) noexcept;  // "latest", "safe", ...

// A block by number, by tag, or by hash (JSON-RPC "0x10", "latest", or the
// EIP-1898 object {"blockHash": "0x..", "requireCanonical": true}, which
// pins a read to one block: a node answers an error, never another block's
// state, once that block has been reorged out). eth_getBlockByNumber with a
// hash becomes eth_getBlockByHash; eth_feeHistory takes no hash (the node
// refuses it).
using BlockRef = std::variant<BlockNum, Tag, Hash32>;

// What the head tracker needs of a block; transactions are not kept.
struct BlockHeader {
  BlockNum number = 0;
  Hash32 hash;
  Hash32 parent_hash;
  uint64_t timestamp = 0;
  std::optional<U256> base_fee;  // absent before London
  uint64_t gas_used = 0;
  uint64_t gas_limit = 0;
  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

struct Log {
  Address address;
  std::vector<Hash32> topics;
  Bytes data;
  BlockNum block_number = 0;
  Hash32 block_hash;
  Hash32 txn_hash;
  uint64_t txn_index = 0;
  uint64_t log_index = 0;
  bool removed = false;
  friend bool operator==(const Log&, const Log&) = default;
};

// eth_getLogs / eth_subscribe("logs") filter. Empty addresses = any; each
// topic position is a set of alternatives, empty = any.
struct LogFilter {
  std::vector<Address> addresses;
  std::vector<std::vector<Hash32>> topics;
};

struct Receipt {
  Hash32 txn_hash;
  BlockNum block_number = 0;
  Hash32 block_hash;
  uint64_t txn_index = 0;
  bool success = false;  // status 1
  uint64_t gas_used = 0;
  U256 effective_gas_price;
  std::optional<Address> contract_address;
  std::vector<Log> logs;
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

// A transaction as eth_getTransactionByHash reports it (pending or mined).
struct TxnInfo {
  Hash32 hash;
  Address from;
  uint64_t nonce = 0;
  std::optional<BlockNum> block_number;  // empty while pending
  std::optional<Hash32> block_hash;
  friend bool operator==(const TxnInfo&, const TxnInfo&) = default;
};

// eth_call / eth_estimateGas request.
struct CallRequest {
  std::optional<Address> from;
  std::optional<Address> to;  // empty: contract creation (estimateGas)
  Bytes data;
  std::optional<U256> value;
  std::optional<uint64_t> gas;
};

struct FeeHistory {
  BlockNum oldest_block = 0;
  std::vector<U256> base_fee_per_gas;          // one more than blocks: includes the next block
  std::vector<double> gas_used_ratio;
  std::vector<std::vector<U256>> reward;       // [block][percentile]
};

}  // namespace perpx::chain
