// Feed readers against the real contracts on a real anvil: Chainlink's
// MockV3Aggregator (and DrillAggregator, the same plus its events), Pyth's
// MockPyth, and a Uniswap v3 pool from the v3-core compiled artifacts.
#include <catch2/catch.hpp>

#include "contract_chain.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;

namespace {

constexpr std::string_view kEthUsdId = "0xff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";
const U256 kE18{1'000'000'000'000'000'000ull};

// One anvil, a client, and dev account 0 as the sender.
struct Chain : test::ContractChain {
  std::vector<Log> logs(const Address& a, const Hash32& topic0) {
    LogFilter f;
    f.addresses = {a};
    f.topics = {{topic0}};
    auto l = rpc.get_logs(f, 0, head().number);
    REQUIRE(l);
    return std::move(*l);
  }
};

std::string hex_addr(const Address& a) { return core::to_checksum(a); }

template <class T>
T ok(FeedResult<T> r) {
  INFO((r ? "" : describe(r.error())));
  REQUIRE(r);
  return std::move(*r);
}

}  // namespace

TEST_CASE("Chainlink MockV3Aggregator rounds read as samples", "[anvil][chain][feeds]") {
  Chain c;
  const Address agg = c.deploy("MockV3Aggregator", "(uint8,int256)", Json::array({8, "300000000000"}));
  const ChainlinkFeed feed = ok(make_chainlink_feed(c.rpc, agg));
  CHECK(feed.decimals == 8);

  const BlockHeader deployed = c.head();
  PriceSample s = ok(read_chainlink(c.rpc, feed, deployed));
  CHECK(s.source == FeedSource::kChainlink);
  CHECK(s.feed == agg);
  CHECK(to_decimal_string(s.price) == "3000.00000000");
  CHECK(s.round_id == U256{1});
  CHECK(s.answered_in_round == U256{1});
  CHECK(s.publish_time == deployed.timestamp);
  CHECK(s.started_at == deployed.timestamp);
  CHECK(s.block_number == deployed.number);

  c.advance(30);
  c.send(agg, "updateAnswer(int256)", Json::array({"-250000000"}));
  const BlockHeader updated = c.head();
  s = ok(read_chainlink(c.rpc, feed, updated));
  CHECK(to_decimal_string(s.price) == "-2.50000000");
  CHECK(s.round_id == U256{2});
  CHECK(s.publish_time == updated.timestamp);
  // Pinned to a block: the state before the update still reads round 1.
  CHECK(ok(read_chainlink(c.rpc, feed, deployed)).round_id == U256{1});

  c.send(agg, "updateRoundData(uint80,int256,uint256,uint256)",
         Json::array({10, "6500012345678", 1700000000, 1699999000}));
  s = ok(read_chainlink(c.rpc, feed, c.head()));
  CHECK(to_decimal_string(s.price) == "65000.12345678");
  CHECK(s.round_id == U256{10});
  CHECK(s.answered_in_round == U256{10});
  CHECK(s.publish_time == 1700000000);
  CHECK(s.started_at == 1699999000);

  s = ok(read_chainlink_round(c.rpc, feed, U256{2}, c.head()));
  CHECK(to_decimal_string(s.price) == "-2.50000000");
  CHECK(s.publish_time == updated.timestamp);
  CHECK(read_chainlink_round(c.rpc, feed, U256{5}, c.head()).error().code == FeedErrc::kNoRound);
  CHECK(read_chainlink_round(c.rpc, feed, U256{1} << 80, c.head()).error().code == FeedErrc::kBadArgument);

  // Not an aggregator: the call returns nothing decodable.
  const Address token = c.deploy("DrillToken", "(string,string,uint8)", Json::array({"T", "T", 6}));
  CHECK(read_chainlink(c.rpc, ChainlinkFeed{token, 8}, c.head()).error().code == FeedErrc::kReverted);
}

TEST_CASE("sequencer uptime feed: 0 up, 1 down, startedAt", "[anvil][chain][feeds]") {
  Chain c;
  const Address feed = c.deploy("MockV3Aggregator", "(uint8,int256)", Json::array({0, "0"}));
  const BlockHeader t0 = c.head();
  SequencerStatus st = ok(read_sequencer(c.rpc, feed, t0));
  CHECK(st.up);
  CHECK(st.started_at == t0.timestamp);
  CHECK(st.round_id == U256{1});

  c.advance(100);
  c.send(feed, "updateAnswer(int256)", Json::array({1}));
  const BlockHeader t1 = c.head();
  st = ok(read_sequencer(c.rpc, feed, t1));
  CHECK_FALSE(st.up);
  CHECK(st.started_at == t1.timestamp);
  CHECK(st.block_number == t1.number);

  c.send(feed, "updateAnswer(int256)", Json::array({2}));
  CHECK(read_sequencer(c.rpc, feed, c.head()).error().code == FeedErrc::kOutOfRange);
}

TEST_CASE("AnswerUpdated and NewRound logs match the rounds read", "[anvil][chain][feeds]") {
  Chain c;
  const Address agg = c.deploy("DrillAggregator", "(uint8,int256)", Json::array({8, "300000000000"}));
  c.advance(12);
  c.send(agg, "submit(int256)", Json::array({"301250000000"}));
  c.send(agg, "submitRound(uint80,int256,uint256,uint256)", Json::array({7, "299900000000", 1700000000, 1699999990}));
  const ChainlinkFeed feed{agg, 8};

  const auto updates = c.logs(agg, answer_updated_topic());
  const auto rounds = c.logs(agg, new_round_topic());
  REQUIRE(updates.size() == 3);
  REQUIRE(rounds.size() == 3);
  for (size_t i = 0; i < updates.size(); ++i) {
    const PriceSample from_log = ok(decode_answer_updated(updates[i], feed.decimals));
    const NewRound nr = ok(decode_new_round(rounds[i]));
    // The round as the aggregator reports it at the log's block.
    const PriceSample read = ok(read_chainlink_round(c.rpc, feed, from_log.round_id, c.head(updates[i].block_number)));
    CHECK(from_log.price == read.price);
    CHECK(from_log.round_id == read.round_id);
    CHECK(from_log.answered_in_round == read.answered_in_round);
    CHECK(from_log.publish_time == read.publish_time);
    CHECK(from_log.block_number == read.block_number);
    CHECK(from_log.feed == agg);
    CHECK(nr.round_id == read.round_id);
    CHECK(nr.started_at == read.started_at);
    CHECK(nr.started_by == c.lc.accounts()[0]);
  }
  CHECK(to_decimal_string(ok(decode_answer_updated(updates[1], 8)).price) == "3012.50000000");
  CHECK(ok(decode_answer_updated(updates[2], 8)).round_id == U256{7});
  CHECK(ok(decode_new_round(rounds[2])).started_at == 1699999990);
}

TEST_CASE("MockPyth updates read back and decode from PriceFeedUpdate", "[anvil][chain][feeds]") {
  Chain c;
  const Address pyth = c.deploy("MockPyth", "(uint256,uint256)", Json::array({60, 1}));
  const Hash32 id = *core::parse_hash32(kEthUsdId);
  c.advance(100);
  const uint64_t published = c.head().timestamp - 10;
  auto update_data = [&](std::string_view price, std::string_view conf, uint64_t publish_time) {
    return c.read(pyth, "createPriceFeedUpdateData(bytes32,int64,uint64,int32,int64,uint64,uint64,uint64)(bytes)",
                  Json::array({kEthUsdId, price, conf, -8, price, conf, publish_time, 0}))[0];
  };
  const Receipt r = c.send(pyth, "updatePriceFeeds(bytes[])",
                           Json::array({Json::array({update_data("300012345678", "150000000", published)})}), U256{1});

  const PythFeed feed{pyth, id, std::nullopt};
  const PriceSample s = ok(read_pyth(c.rpc, feed, c.head()));
  CHECK(s.source == FeedSource::kPyth);
  CHECK(s.price_id == id);
  CHECK(to_decimal_string(s.price) == "3000.12345678");
  CHECK(s.price.exponent == -8);
  CHECK(s.conf == U256{150000000});
  CHECK(s.publish_time == published);

  const auto logs = c.logs(pyth, price_feed_update_topic());
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].block_number == r.block_number);
  const PriceSample from_log = ok(decode_pyth_update(logs[0], s.price.exponent));
  CHECK(from_log == ok(read_pyth(c.rpc, feed, c.head(r.block_number))));

  // getPriceNoOlderThan: fresh enough passes, too old reverts (StalePrice).
  CHECK(ok(read_pyth(c.rpc, PythFeed{pyth, id, 60}, c.head())).price == s.price);
  CHECK(read_pyth(c.rpc, PythFeed{pyth, id, 5}, c.head()).error().code == FeedErrc::kReverted);
  Hash32 unknown;
  unknown.bytes[0] = 0x42;
  CHECK(read_pyth(c.rpc, PythFeed{pyth, unknown, std::nullopt}, c.head()).error().code == FeedErrc::kReverted);

  // An older publish time is ignored (no event, price unchanged); a newer negative one is taken.
  c.send(pyth, "updatePriceFeeds(bytes[])", Json::array({Json::array({update_data("1", "1", published - 1)})}),
         U256{1});
  CHECK(c.logs(pyth, price_feed_update_topic()).size() == 1);
  c.send(pyth, "updatePriceFeeds(bytes[])", Json::array({Json::array({update_data("-5", "2", published + 1)})}),
         U256{1});
  const PriceSample neg = ok(read_pyth(c.rpc, feed, c.head()));
  CHECK(to_decimal_string(neg.price) == "-0.00000005");
  CHECK(neg.publish_time == published + 1);
  CHECK(c.logs(pyth, price_feed_update_topic()).size() == 2);
}

TEST_CASE("Uniswap v3 pool: slot0 spot and observe() TWAP", "[anvil][chain][feeds]") {
  Chain c;
  const Address usd = c.deploy("DrillToken", "(string,string,uint8)", Json::array({"Drill USD", "USD", 6}));
  const Address weth = c.deploy("DrillToken", "(string,string,uint8)", Json::array({"Drill WETH", "WETH", 18}));
  const Address factory = c.deploy("UniswapV3Factory", "", Json::array());
  const Address helper = c.deploy("UniV3Helper", "", Json::array());
  c.send(factory, "createPool(address,address,uint24)", Json::array({hex_addr(weth), hex_addr(usd), 3000}));
  const Address pool = *core::parse_address(
      c.read(factory, "getPool(address,address,uint24)(address)", Json::array({hex_addr(weth), hex_addr(usd), 3000}))[0]
          .get<std::string>());

  // Dollars per ether whichever way the factory ordered the tokens.
  const bool weth_is_token0 = weth.bytes < usd.bytes;
  const UniV3Feed spot = ok(make_univ3_feed(c.rpc, pool, !weth_is_token0));
  CHECK(spot.decimals0 == (weth_is_token0 ? 18 : 6));
  CHECK(spot.decimals1 == (weth_is_token0 ? 6 : 18));

  const U256 target = U256{3000} * kE18;
  const int32_t tick = ok(tick_for_price(target, spot.decimals0, spot.decimals1, spot.invert));
  const U256 sqrt_price = ok(sqrt_ratio_at_tick(tick));
  c.send(pool, "initialize(uint160)", Json::array({core::to_decimal(sqrt_price)}));
  const Json slot0 = c.read(pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)");
  // The pool's own TickMath agrees with ours to the unit.
  CHECK(slot0[0] == core::to_decimal(sqrt_price));
  CHECK(slot0[1] == std::to_string(tick));

  PriceSample s = ok(read_univ3(c.rpc, spot, c.head()));
  CHECK(s.source == FeedSource::kUniV3);
  CHECK(s.feed == pool);
  CHECK(s.price.exponent == -18);
  CHECK(s.twap_seconds == 0);
  // Within one tick (1 bp) of the price the pool was initialised at.
  const U256 diff = s.price.magnitude > target ? s.price.magnitude - target : target - s.price.magnitude;
  CHECK(diff * U256{10000} <= target);

  // Liquidity through our callee, TWAP slots, then time and a swap.
  const std::string max = core::to_decimal(U256::max());
  for (const Address& t : {usd, weth}) {
    c.send(t, "mint(address,uint256)", Json::array({hex_addr(c.lc.accounts()[0]), "100000000000000000000000000"}));
    c.send(t, "approve(address,uint256)", Json::array({hex_addr(helper), max}));
  }
  const U256 weth_amount = U256{100} * kE18;
  const U256 liquidity = weth_is_token0 ? weth_amount * sqrt_price >> 96 : (weth_amount << 96) / sqrt_price;
  c.send(helper, "mint(address,address,int24,int24,uint128)",
         Json::array({hex_addr(pool), hex_addr(c.lc.accounts()[0]), -887220, 887220, core::to_decimal(liquidity)}));
  c.send(pool, "increaseObservationCardinalityNext(uint16)", Json::array({16}));

  c.advance(1000);
  // Sell 10 WETH: the dollar price of ether falls.
  const Receipt swap =
      c.send(helper, "swapExactIn(address,address,bool,int256,uint160)",
             Json::array({hex_addr(pool), hex_addr(c.lc.accounts()[0]), weth_is_token0, "10000000000000000000", 0}));
  const int32_t tick_after =
      std::stoi(c.read(pool, "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)")[1].get<std::string>());
  CHECK(tick_after != tick);
  const uint64_t t_swap = c.head(swap.block_number).timestamp;
  c.advance(300);
  const BlockHeader end = c.head();

  UniV3Feed twap = spot;
  twap.twap_seconds = 600;
  s = ok(read_univ3(c.rpc, twap, end));
  CHECK(s.twap_seconds == 600);
  CHECK(s.publish_time == end.timestamp);
  // The window [end - 600, end]: the initial tick until the swap, then the new one.
  const auto before = static_cast<int64_t>(t_swap - (end.timestamp - 600));
  const auto after = static_cast<int64_t>(end.timestamp - t_swap);
  const int32_t mean = ok(twap_tick(0, int64_t{tick} * before + int64_t{tick_after} * after, 600));
  CHECK(s.price.magnitude ==
        ok(price_from_sqrt_x96(ok(sqrt_ratio_at_tick(mean)), spot.decimals0, spot.decimals1, spot.invert)));

  const PriceSample now = ok(read_univ3(c.rpc, spot, end));
  CHECK(now.price.magnitude < s.price.magnitude);  // spot already at the lower price
  CHECK(s.price.magnitude < target);

  // A window older than the pool's first observation reverts ('OLD').
  twap.twap_seconds = 100000;
  CHECK(read_univ3(c.rpc, twap, end).error().code == FeedErrc::kReverted);

  // read_feeds: all at one block.
  const std::vector<FeedSpec> specs = {spot, UniV3Feed{pool, spot.decimals0, spot.decimals1, spot.invert, 600}};
  const auto all = ok(read_feeds(c.rpc, specs, end.number));
  REQUIRE(all.size() == 2);
  CHECK(all[0] == now);
  CHECK(all[1].block_number == end.number);
}

TEST_CASE("feed reads are pinned to the block's hash: a reorged-out block is refused, not read from its replacement",
          "[anvil][chain][feeds][reorg]") {
  Chain c;
  const Address agg = c.deploy("MockV3Aggregator", "(uint8,int256)", Json::array({8, "300000000000"}));
  const ChainlinkFeed feed = ok(make_chainlink_feed(c.rpc, agg));
  c.send(agg, "updateAnswer(int256)", Json::array({"310000000000"}));
  const BlockHeader old_head = c.head();
  const PriceSample before = ok(read_chainlink(c.rpc, feed, old_head));
  CHECK(to_decimal_string(before.price) == "3100.00000000");
  CHECK(before.block_hash == old_head.hash);
  CHECK(before.block_number == old_head.number);

  // Replace the last block (the update) by an empty one at the same height.
  REQUIRE(c.rpc.request("anvil_reorg", Json::array({1, Json::array()})));
  const BlockHeader new_head = c.head();
  REQUIRE(new_head.number == old_head.number);
  REQUIRE(new_head.hash != old_head.hash);

  // The old header names a block that is gone: the read fails (by number it
  // would silently have returned the new block's state).
  auto stale = read_chainlink(c.rpc, feed, old_head);
  REQUIRE(!stale);
  CHECK(stale.error().code == FeedErrc::kRpc);
  const PriceSample after = ok(read_chainlink(c.rpc, feed, new_head));
  CHECK(after.block_hash == new_head.hash);
  CHECK(to_decimal_string(after.price) == "3000.00000000");
}
