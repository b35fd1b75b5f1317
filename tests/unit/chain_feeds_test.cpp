// Feed math and log decoding. Exact references: TickMath's documented bounds
// (MIN/MAX_SQRT_RATIO, tick 0 = 2^96); prices and sqrt ratios computed with
// Python big integers / 100-digit Decimal; logs captured from anvil 1.7.1
// running contracts/DrillAggregator.sol and Pyth's MockPyth (topics and data
// pasted as they came back from eth_getTransactionReceipt).
#include <catch2/catch.hpp>

#include "perpx/chain/abi.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

using namespace perpx;
using chain::FeedErrc;
using core::U256;

namespace {

U256 dec(std::string_view s) { return *core::parse_decimal(s); }
core::Hash32 h32(std::string_view s) { return *core::parse_hash32(s); }

chain::Log make_log(std::string_view address, std::initializer_list<std::string_view> topics, std::string_view data,
                    chain::BlockNum block) {
  chain::Log l;
  l.address = *core::parse_address(address);
  for (auto t : topics) l.topics.push_back(h32(t));
  l.data = *core::parse_hex(data);
  l.block_number = block;
  return l;
}

const std::string_view kAgg = "0x0165878A594ca255338adfa4d48449f69242Eb8F";
const std::string_view kNewRound = "0x0109fc6f55cf40689f02fbaad7af7fe7bbac8a3d2186600afc7d3e10cac60271";
const std::string_view kAnswerUpdated = "0x0559884fd3a460db3073b7fc896cc77986f16e378210ded43186175bf646fc5f";
const std::string_view kPriceFeedUpdate = "0xd06a6b7f4918494b3719217d1802786c1f5112a6c1d88fe2cfec00b4584f6aec";
const std::string_view kEthUsdId = "0xff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";

// submit(-123456789) on an 8-decimals aggregator, round 2.
chain::Log answer_updated_log() {
  return make_log(kAgg,
                  {kAnswerUpdated, "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffff8a432eb",
                   "0x0000000000000000000000000000000000000000000000000000000000000002"},
                  "0x000000000000000000000000000000000000000000000000000000006b073443", 8);
}

}  // namespace

TEST_CASE("sqrt ratio at tick matches TickMath bounds and exact values", "[chain][feeds]") {
  CHECK(*chain::sqrt_ratio_at_tick(0) == (U256{1} << 96));
  CHECK(*chain::sqrt_ratio_at_tick(chain::kUniV3MinTick) == dec("4295128739"));
  CHECK(*chain::sqrt_ratio_at_tick(chain::kUniV3MaxTick) == dec("1461446703485210103287273052203988822378723970342"));
  CHECK(chain::sqrt_ratio_at_tick(chain::kUniV3MaxTick + 1).error().code == FeedErrc::kOutOfRange);
  CHECK(chain::sqrt_ratio_at_tick(chain::kUniV3MinTick - 1).error().code == FeedErrc::kOutOfRange);

  // floor(sqrt(1.0001^t) * 2^96) from 100-digit Decimal; TickMath is within a
  // few units of it (it rounds up, and its Q128.128 factors are truncated).
  const std::pair<int32_t, std::string_view> exact[] = {
      {1, "79232123823359799118286999567"},         {-1, "79224201403219477170569942573"},
      {50, "79426470787362580746886972460"},        {-50, "79030349367926598376800521321"},
      {100000, "11755562826496067164730007768449"}, {-100000, "533968626430936354154228407"},
      {-195000, "4620831047831447636217005"},
  };
  for (const auto& [tick, value] : exact) {
    const U256 ours = *chain::sqrt_ratio_at_tick(tick);
    const U256 ref = dec(value);
    const U256 diff = ours > ref ? ours - ref : ref - ours;
    INFO("tick " << tick << " ours " << core::to_decimal(ours));
    CHECK(diff <= U256{8});
  }
}

TEST_CASE("tick at sqrt ratio inverts sqrt ratio at tick", "[chain][feeds]") {
  for (int32_t tick : {chain::kUniV3MinTick, -887271, -195000, -60, -1, 0, 1, 60, 195000, 887271}) {
    const U256 r = *chain::sqrt_ratio_at_tick(tick);
    CHECK(*chain::tick_at_sqrt_ratio(r) == tick);
    if (tick > chain::kUniV3MinTick) CHECK(*chain::tick_at_sqrt_ratio(r - U256{1}) == tick - 1);
  }
  CHECK(chain::tick_at_sqrt_ratio(dec("4295128738")).error().code == FeedErrc::kOutOfRange);
  CHECK(chain::tick_at_sqrt_ratio(dec("1461446703485210103287273052203988822378723970342")).error().code ==
        FeedErrc::kOutOfRange);
}

TEST_CASE("price from sqrtPriceX96 is exact with token decimals", "[chain][feeds]") {
  const U256 two_q96 = U256{2} << 96;  // raw price 4
  CHECK(*chain::price_from_sqrt_x96(U256{1} << 96, 18, 18, false) == dec("1000000000000000000"));
  CHECK(*chain::price_from_sqrt_x96(two_q96, 18, 6, false) == dec("4000000000000000000000000000000"));
  CHECK(*chain::price_from_sqrt_x96(two_q96, 18, 6, true) == U256{250000});
  CHECK(*chain::price_from_sqrt_x96(two_q96, 18, 6, false, 0) == dec("4000000000000"));
  // USDC(6)/WETH(18) with token0 = USDC: inverted, dollars per ether.
  const U256 usdc_weth = dec("1459148524590520702994002341445749");
  CHECK(*chain::price_from_sqrt_x96(usdc_weth, 6, 18, true) == dec("2948221892545197929955"));
  CHECK(*chain::price_from_sqrt_x96(usdc_weth, 6, 18, false) == dec("339187495530297"));
  // WETH(18)/USD(6) with token0 = WETH.
  const U256 weth_usd = dec("4339505179874779489431521");
  CHECK(*chain::price_from_sqrt_x96(weth_usd, 18, 6, false) == dec("2999999999999999999999"));
  CHECK(*chain::price_from_sqrt_x96(weth_usd, 18, 6, true) == dec("333333333333333"));

  CHECK(chain::price_from_sqrt_x96(U256{}, 18, 6, false).error().code == FeedErrc::kOutOfRange);
  CHECK(chain::price_from_sqrt_x96(U256{1} << 160, 18, 6, false).error().code == FeedErrc::kOutOfRange);
  CHECK(chain::price_from_sqrt_x96(U256{1} << 96, 78, 6, false).error().code == FeedErrc::kBadArgument);
  // 2^318 * 10^77 / 2^192 does not fit 256 bits.
  CHECK(chain::price_from_sqrt_x96((U256{1} << 159), 77, 0, false, 77).error().code == FeedErrc::kOutOfRange);
}

TEST_CASE("tick for price lands on the nearest tick", "[chain][feeds]") {
  const U256 usd_3000 = dec("3000000000000000000000");
  for (bool invert : {false, true}) {
    const auto [d0, d1] = invert ? std::pair<uint8_t, uint8_t>{6, 18} : std::pair<uint8_t, uint8_t>{18, 6};
    const int32_t tick = *chain::tick_for_price(usd_3000, d0, d1, invert);
    const U256 p = *chain::price_from_sqrt_x96(*chain::sqrt_ratio_at_tick(tick), d0, d1, invert);
    // one tick is 1 bp of price: within half a tick (0.5 bp) of the target
    const U256 diff = p > usd_3000 ? p - usd_3000 : usd_3000 - p;
    INFO("invert " << invert << " tick " << tick << " price " << core::to_decimal(p));
    CHECK(diff * U256{20000} <= usd_3000);
  }
}

TEST_CASE("TWAP tick rounds toward negative infinity", "[chain][feeds]") {
  CHECK(*chain::twap_tick(0, 600, 60) == 10);
  CHECK(*chain::twap_tick(0, 601, 60) == 10);
  CHECK(*chain::twap_tick(0, -600, 60) == -10);
  CHECK(*chain::twap_tick(0, -601, 60) == -11);
  CHECK(*chain::twap_tick(-1000, -1000, 60) == 0);
  CHECK(chain::twap_tick(0, 1, 0).error().code == FeedErrc::kBadArgument);
  CHECK(chain::twap_tick(0, int64_t{887273} * 10, 10).error().code == FeedErrc::kOutOfRange);
}

TEST_CASE("fixed-point rescale and decimal strings", "[chain][feeds]") {
  const chain::FixedPrice p{U256{300012345678}, true, -8};
  CHECK(chain::to_decimal_string(p) == "-3000.12345678");
  CHECK(*chain::rescale(p, -18) == chain::FixedPrice{dec("3000123456780000000000"), true, -18});
  CHECK(*chain::rescale(p, -2) == chain::FixedPrice{U256{300012}, true, -2});
  CHECK(*chain::rescale(p, 4) == chain::FixedPrice{U256{}, false, 4});  // truncated to zero: no sign
  CHECK(chain::rescale(chain::FixedPrice{U256::max(), false, 0}, -1).error().code == FeedErrc::kOutOfRange);
  CHECK(chain::to_decimal_string({U256{5}, false, -3}) == "0.005");
  CHECK(chain::to_decimal_string({U256{5}, false, 2}) == "500");
  CHECK(chain::to_decimal_string({U256{}, false, 2}) == "0");
}

TEST_CASE("event topics are the Chainlink and Pyth signatures", "[chain][feeds]") {
  CHECK(chain::answer_updated_topic() == h32(kAnswerUpdated));
  CHECK(chain::new_round_topic() == h32(kNewRound));
  CHECK(chain::price_feed_update_topic() == h32(kPriceFeedUpdate));
}

TEST_CASE("AnswerUpdated and NewRound logs decode", "[chain][feeds]") {
  const auto s = chain::decode_answer_updated(answer_updated_log(), 8);
  REQUIRE(s);
  CHECK(s->source == chain::FeedSource::kChainlink);
  CHECK(s->feed == *core::parse_address(kAgg));
  CHECK(chain::to_decimal_string(s->price) == "-1.23456789");
  CHECK(s->round_id == U256{2});
  CHECK(s->answered_in_round == U256{2});
  CHECK(s->publish_time == 0x6b073443);
  CHECK(s->block_number == 8);
  CHECK(chain::to_json(*s).dump() ==
        R"({"source":"chainlink","feed":"0x0165878A594ca255338adfa4d48449f69242Eb8F","price":"-1.23456789",)"
        R"("price_raw":"-123456789","exponent":-8,"round_id":"2","answered_in_round":"2","started_at":0,)"
        R"("publish_time":1795634243,"block_num":8})");

  // submitRound(77, 6500012345678, 1700000000, 1699999990)
  const auto up = chain::decode_answer_updated(
      make_log(kAgg,
               {kAnswerUpdated, "0x000000000000000000000000000000000000000000000000000005e966ed494e",
                "0x000000000000000000000000000000000000000000000000000000000000004d"},
               "0x000000000000000000000000000000000000000000000000000000006553f100", 9),
      8);
  REQUIRE(up);
  CHECK(chain::to_decimal_string(up->price) == "65000.12345678");
  CHECK(up->round_id == U256{77});
  CHECK(up->publish_time == 1700000000);

  const auto nr =
      chain::decode_new_round(make_log(kAgg,
                                       {kNewRound, "0x000000000000000000000000000000000000000000000000000000000000004d",
                                        "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"},
                                       "0x000000000000000000000000000000000000000000000000000000006553f0f6", 9));
  REQUIRE(nr);
  CHECK(nr->round_id == U256{77});
  CHECK(nr->started_by == *core::parse_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
  CHECK(nr->started_at == 1699999990);

  // The generic ABI decoder reads the same log the same way.
  const auto event =
      *chain::parse_signature("event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
                              chain::AbiKind::kEvent);
  const auto log = answer_updated_log();
  const auto generic = *chain::decode_log(event, log.topics, log.data);
  CHECK(generic["current"] == "-123456789");
  CHECK(generic["roundId"] == "2");
}

TEST_CASE("malformed feed logs are typed errors", "[chain][feeds]") {
  auto log = answer_updated_log();
  CHECK(chain::decode_new_round(log).error().code == FeedErrc::kWrongEvent);
  CHECK(chain::decode_pyth_update(log, -8).error().code == FeedErrc::kWrongEvent);
  log.data.push_back(0);
  CHECK(chain::decode_answer_updated(log, 8).error().code == FeedErrc::kBadLog);
  log = answer_updated_log();
  log.topics.pop_back();
  CHECK(chain::decode_answer_updated(log, 8).error().code == FeedErrc::kWrongEvent);
  log = answer_updated_log();
  log.data[0] = 1;  // updatedAt above 2^64
  CHECK(chain::decode_answer_updated(log, 8).error().code == FeedErrc::kOutOfRange);
  log.topics.clear();
  CHECK(chain::decode_answer_updated(log, 8).error().code == FeedErrc::kWrongEvent);

  auto nr = make_log(kAgg,
                     {kNewRound, "0x000000000000000000000000000000000000000000000000000000000000004d",
                      "0x000000010000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"},
                     "0x000000000000000000000000000000000000000000000000000000006553f0f6", 9);
  CHECK(chain::decode_new_round(nr).error().code == FeedErrc::kBadLog);  // dirty address topic
}

TEST_CASE("PriceFeedUpdate logs decode", "[chain][feeds]") {
  // updatePriceFeeds(createPriceFeedUpdateData(ETH/USD, -300012345678, 150000000, -8, ..., 1700000123, 0))
  auto log = make_log("0x8A791620dd6260079BF849Dc5567aDC3F2FdC318", {kPriceFeedUpdate, kEthUsdId},
                      "0x000000000000000000000000000000000000000000000000000000006553f17b"
                      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffba25dee6b2"
                      "0000000000000000000000000000000000000000000000000000000008f0d180",
                      11);
  const auto s = chain::decode_pyth_update(log, -8);
  REQUIRE(s);
  CHECK(s->source == chain::FeedSource::kPyth);
  CHECK(s->price_id == h32(kEthUsdId));
  CHECK(chain::to_decimal_string(s->price) == "-3000.12345678");
  CHECK(s->conf == U256{150000000});
  CHECK(s->publish_time == 1700000123);
  CHECK(s->block_number == 11);
  CHECK(
      chain::to_json(*s).dump() ==
      R"({"source":"pyth","feed":"0x8A791620dd6260079BF849Dc5567aDC3F2FdC318","price":"-3000.12345678",)"
      R"("price_raw":"-300012345678","exponent":-8,"price_id":"0xff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace",)"
      R"("conf":"150000000","publish_time":1700000123,"block_num":11})");

  log.data[32] = 0;  // int64 price not sign-extended
  CHECK(chain::decode_pyth_update(log, -8).error().code == FeedErrc::kBadLog);
  log.data.resize(64);
  CHECK(chain::decode_pyth_update(log, -8).error().code == FeedErrc::kBadLog);
}
