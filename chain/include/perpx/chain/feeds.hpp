#pragma once
// Oracle feed readers: Chainlink AggregatorV3 (and the L2 sequencer uptime
// feed), Pyth, and Uniswap v3 pools (spot and TWAP). Every reader, by call
// or from a log, gives one sample type, PriceSample, for the oracle module.
//
// Prices are exact fixed point: magnitude, sign, decimal exponent; no double
// anywhere here. A Uniswap price is computed with integer math from
// sqrtPriceX96 (or a TWAP tick through TickMath's getSqrtRatioAtTick,
// bit-exact with the contract) and truncated (floor) at kUniV3PriceDecimals.
//
// A read resolves its block first (a tag becomes a header) and makes every
// eth_call at that block's hash (EIP-1898), so the sample's block_number and
// block_hash are exactly the state read, even across a reorg.
// Reads allocate and block on the RPC client: one thread at a time. The pure
// functions (math, log decoders) keep no state and may be called anywhere;
// the log decoders do not allocate.
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "perpx/chain/rpc.hpp"
#include "perpx/chain/types.hpp"
#include "perpx/core/json.hpp"

namespace perpx::chain {

enum class FeedSource : uint8_t { kChainlink, kPyth, kUniV3 };
std::string_view source_name(FeedSource s) noexcept;  // "chainlink", "pyth", "univ3"

enum class [[nodiscard]] FeedErrc{
    kRpc,          // the node or transport failed (see rpc)
    kReverted,     // the feed reverted (Pyth: price id not found, or too old)
    kBadReply,     // a call result does not decode as the function's outputs
    kWrongEvent,   // topic0 is not the event the decoder reads, or wrong topic count
    kBadLog,       // log data has the wrong length or dirty padding
    kOutOfRange,   // a value does not fit (timestamp above 2^64, tick beyond +-887272, price above 2^256)
    kNoRound,      // Chainlink: the round has no answer yet (updatedAt == 0)
    kBadArgument,  // a caller's argument is invalid (TWAP window 0, decimals too large)
};
std::string_view describe(FeedErrc e) noexcept;

struct FeedError {
  FeedErrc code = FeedErrc::kRpc;
  std::string message;          // which feed and what
  std::optional<RpcError> rpc;  // kRpc, kReverted
};
std::string describe(const FeedError& e);

template <class T>
using FeedResult = std::expected<T, FeedError>;

// value = (negative ? -1 : 1) * magnitude * 10^exponent.
struct FixedPrice {
  U256 magnitude;
  bool negative = false;  // never set with a zero magnitude
  int32_t exponent = 0;   // Chainlink: -decimals; Pyth: expo; Uniswap: -kUniV3PriceDecimals
  friend bool operator==(const FixedPrice&, const FixedPrice&) = default;
};

// The same value at another exponent: exact when the exponent goes down
// (more digits; kOutOfRange if it no longer fits), truncated toward zero
// when it goes up.
FeedResult<FixedPrice> rescale(const FixedPrice& p, int32_t exponent);
// "-1234.5678" (exact, no exponent notation).
std::string to_decimal_string(const FixedPrice& p);

struct PriceSample {
  FeedSource source = FeedSource::kChainlink;
  Address feed;     // aggregator, Pyth contract, or pool
  Hash32 price_id;  // Pyth only; zero otherwise
  FixedPrice price;
  std::optional<U256> conf;   // Pyth: the confidence, at price.exponent
  uint64_t publish_time = 0;  // Chainlink updatedAt, Pyth publishTime, Uniswap block time
  uint64_t started_at = 0;    // Chainlink startedAt; 0 elsewhere
  U256 round_id;              // Chainlink roundId (uint80); 0 elsewhere
  U256 answered_in_round;     // Chainlink answeredInRound; 0 elsewhere
  uint32_t twap_seconds = 0;  // Uniswap: the TWAP window, 0 for slot0 spot
  BlockNum block_number = 0;  // the block read, or the log's block
  Hash32 block_hash;          // that block's hash (zero for a pending-block read)
  friend bool operator==(const PriceSample&, const PriceSample&) = default;
};

// The sample as one JSON object (CLI.md conventions; `perpx watch` adds
// "event": "price"): {"source", "feed" (EIP-55), "price" (exact decimal
// string), "price_raw" (the signed integer), "exponent", then "price_id",
// "conf", "round_id", "answered_in_round", "started_at", "twap_seconds" where
// the source has them, "publish_time", "block_num", "block_hash"}.
core::Json to_json(const PriceSample& s);

// ---- what to read ------------------------------------------------------------

struct ChainlinkFeed {
  Address aggregator;
  uint8_t decimals = 8;
};
struct PythFeed {
  Address pyth;
  Hash32 price_id;
  std::optional<uint64_t> max_age;  // set: getPriceNoOlderThan(id, age); else getPriceUnsafe
};
// The price is token1 per token0 in whole tokens (decimals applied), or
// token0 per token1 when `invert`.
struct UniV3Feed {
  Address pool;
  uint8_t decimals0 = 18;
  uint8_t decimals1 = 18;
  bool invert = false;
  uint32_t twap_seconds = 0;  // 0: slot0 spot; else observe([twap_seconds, 0])
};
using FeedSpec = std::variant<ChainlinkFeed, PythFeed, UniV3Feed>;

// Fill a spec from the chain: the aggregator's decimals(); the pool's
// token0()/token1() and their decimals().
FeedResult<ChainlinkFeed> make_chainlink_feed(RpcClient& rpc, const Address& aggregator);
FeedResult<UniV3Feed> make_univ3_feed(RpcClient& rpc, const Address& pool, bool invert = false,
                                      uint32_t twap_seconds = 0);

// ---- reads -------------------------------------------------------------------

// The header of `at` (a tag resolved to its block), or kRpc.
FeedResult<BlockHeader> resolve_block(RpcClient& rpc, BlockRef at);

// Chainlink latestRoundData / getRoundData(roundId).
FeedResult<PriceSample> read_chainlink(RpcClient& rpc, const ChainlinkFeed& f, const BlockHeader& at);
FeedResult<PriceSample> read_chainlink_round(RpcClient& rpc, const ChainlinkFeed& f, const U256& round_id,
                                             const BlockHeader& at);
FeedResult<PriceSample> read_pyth(RpcClient& rpc, const PythFeed& f, const BlockHeader& at);
FeedResult<PriceSample> read_univ3(RpcClient& rpc, const UniV3Feed& f, const BlockHeader& at);

FeedResult<PriceSample> read_feed(RpcClient& rpc, const FeedSpec& f, const BlockHeader& at);
// Every feed at one block: the first failure stops the read.
FeedResult<std::vector<PriceSample>> read_feeds(RpcClient& rpc, std::span<const FeedSpec> feeds,
                                                BlockRef at = Tag::kLatest);

// The L2 sequencer uptime feed (a Chainlink aggregator): answer 0 = up,
// 1 = down; started_at = when the current status began. Any other answer is
// kOutOfRange.
struct SequencerStatus {
  Address feed;
  bool up = false;
  uint64_t started_at = 0;
  U256 round_id;
  BlockNum block_number = 0;
  friend bool operator==(const SequencerStatus&, const SequencerStatus&) = default;
};
FeedResult<SequencerStatus> read_sequencer(RpcClient& rpc, const Address& feed, const BlockHeader& at);

// ---- logs --------------------------------------------------------------------

// topic0 of each event read here.
const Hash32& answer_updated_topic() noexcept;     // AnswerUpdated(int256 indexed,uint256 indexed,uint256)
const Hash32& new_round_topic() noexcept;          // NewRound(uint256 indexed,address indexed,uint256)
const Hash32& price_feed_update_topic() noexcept;  // PriceFeedUpdate(bytes32 indexed,uint64,int64,uint64)

// AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)
// -> a sample with round_id = answered_in_round = roundId and publish_time = updatedAt.
FeedResult<PriceSample> decode_answer_updated(const Log& log, uint8_t decimals);

struct NewRound {
  Address feed;
  U256 round_id;
  Address started_by;
  uint64_t started_at = 0;
  BlockNum block_number = 0;
  friend bool operator==(const NewRound&, const NewRound&) = default;
};
// NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt)
FeedResult<NewRound> decode_new_round(const Log& log);

// PriceFeedUpdate(bytes32 indexed id, uint64 publishTime, int64 price, uint64 conf).
// The event has no exponent: the caller gives the feed's (from read_pyth).
FeedResult<PriceSample> decode_pyth_update(const Log& log, int32_t expo);

// ---- Uniswap v3 math (exact integers) -----------------------------------------

inline constexpr int32_t kUniV3MinTick = -887272;
inline constexpr int32_t kUniV3MaxTick = 887272;
inline constexpr int32_t kUniV3PriceDecimals = 18;

// TickMath.getSqrtRatioAtTick: sqrt(1.0001^tick) * 2^96, rounded as the contract does.
FeedResult<U256> sqrt_ratio_at_tick(int32_t tick);
// TickMath.getTickAtSqrtRatio: the greatest tick whose ratio is <= sqrt_price_x96.
FeedResult<int32_t> tick_at_sqrt_ratio(const U256& sqrt_price_x96);
// floor(price * 10^out_decimals), price = sqrtPriceX96^2 / 2^192 * 10^(decimals0 - decimals1)
// (token1 per token0), or its inverse when `invert`. Decimals up to 77.
FeedResult<U256> price_from_sqrt_x96(const U256& sqrt_price_x96, uint8_t decimals0, uint8_t decimals1, bool invert,
                                     uint8_t out_decimals = kUniV3PriceDecimals);
// The arithmetic-mean tick of observe(): (cumulative_now - cumulative_ago) / seconds,
// rounded toward negative infinity (as OracleLibrary.consult).
FeedResult<int32_t> twap_tick(int64_t tick_cumulative_ago, int64_t tick_cumulative_now, uint32_t seconds);
// The tick nearest below a target price (at kUniV3PriceDecimals, same
// orientation as price_from_sqrt_x96): for initialising a pool at a price.
FeedResult<int32_t> tick_for_price(const U256& price, uint8_t decimals0, uint8_t decimals1, bool invert);

}  // namespace perpx::chain
