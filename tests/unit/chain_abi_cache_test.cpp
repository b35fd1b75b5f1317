// encode_call and decode_log keep per-thread facts about the fragments they
// saw (abi.hpp): a changed fragment, more fragments than the cache holds, and
// other threads must all get exactly what a fresh decode would give. Also the
// decimal output at 64-bit chunk edges and the order in which decode_log
// reports errors.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "perpx/chain/abi.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

using namespace perpx;
using chain::AbiErrc;
using chain::AbiKind;
using core::U256;

namespace {

core::Bytes hex(std::string_view s) { return *core::parse_hex(s); }
core::Hash32 word_hash(const U256& v) {
  core::Hash32 h;
  core::to_be(std::span<uint8_t, 32>(h.bytes.data(), 32), v);
  return h;
}
core::Bytes words(std::initializer_list<U256> vs) {
  core::Bytes out;
  for (const auto& v : vs) chain::append_uint(out, v);
  return out;
}
chain::AbiFragment event(std::string_view sig) {
  auto f = chain::parse_signature(sig, AbiKind::kEvent);
  REQUIRE(f);
  return *f;
}
std::string log_text(const chain::AbiFragment& f, std::span<const core::Hash32> topics, core::ByteView data) {
  auto r = chain::decode_log(f, topics, data);
  if (!r) return "error " + std::to_string(static_cast<int>(r.error().code)) + ": " + chain::describe(r.error());
  return r->dump();
}

}  // namespace

TEST_CASE("abi cache: a fragment changed between calls decodes as the changed one", "[chain][abi]") {
  chain::AbiFragment f = event("event Tick(int256 indexed price, uint256 round, uint256 at)");
  const U256 minus_five = U256{0} - U256{5};
  std::vector<core::Hash32> topics{chain::event_topic(f), word_hash(minus_five)};
  const core::Bytes data = words({U256{7}, U256{9}});
  CHECK(log_text(f, topics, data) == R"({"price":"-5","round":"7","at":"9"})");

  f.inputs[1].name = "roundId";  // a new key
  CHECK(log_text(f, topics, data) == R"({"price":"-5","roundId":"7","at":"9"})");

  f.inputs[0].type.kind = chain::AbiType::Kind::kUint;  // another type: another topic0
  CHECK(chain::decode_log(f, topics, data).error().code == AbiErrc::kTopicMismatch);
  topics[0] = chain::event_topic(f);
  CHECK(log_text(f, topics, data) ==
        R"({"price":"115792089237316195423570985008687907853269984665640564039457584007913129639931","roundId":"7","at":"9"})");

  f.inputs[1].indexed = true;  // round moves from the data to a topic
  CHECK(chain::decode_log(f, topics, data).error().code == AbiErrc::kTopicCount);
  topics.push_back(word_hash(U256{3}));
  CHECK(log_text(f, topics, words({U256{9}})) == R"({"price":)"
                                                  R"("115792089237316195423570985008687907853269984665640564039457584007913129639931","roundId":"3","at":"9"})");

  f.inputs[1].name = "at";  // a duplicate key, reported after the topic checks
  auto dup = chain::decode_log(f, topics, words({U256{9}}));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == AbiErrc::kBadFragment);
  CHECK(dup.error().path == "inputs[2].name");
  CHECK(chain::decode_log(f, std::span(topics).first(2), words({U256{9}})).error().code == AbiErrc::kTopicCount);
}

TEST_CASE("abi cache: more fragments than cache slots, in turn, each decode as their own", "[chain][abi]") {
  std::vector<chain::AbiFragment> evs;
  for (int i = 0; i < 20; ++i)
    evs.push_back(event("event E" + std::to_string(i) + "(uint256 indexed a, uint" + std::to_string(8 * (i + 1)) + " b)"));
  for (int pass = 0; pass < 3; ++pass)
    for (int i = 0; i < 20; ++i) {
      const std::vector<core::Hash32> topics{chain::event_topic(evs[i]), word_hash(U256{static_cast<uint64_t>(i)})};
      CHECK(log_text(evs[i], topics, words({U256{static_cast<uint64_t>(pass)}})) ==
            R"({"a":")" + std::to_string(i) + R"(","b":")" + std::to_string(pass) + R"("})");
      // Another event's topic0 is refused, whatever the cache holds.
      const std::vector<core::Hash32> other{chain::event_topic(evs[(i + 1) % 20]), topics[1]};
      CHECK(chain::decode_log(evs[i], other, words({U256{1}})).error().code == AbiErrc::kTopicMismatch);
    }
}

TEST_CASE("abi cache: encode_call's selector follows a renamed fragment", "[chain][abi]") {
  auto f = chain::parse_signature("transfer(address,uint256)");
  REQUIRE(f);
  const core::Json args = core::Json::array({"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045", "1"});
  core::Bytes a, b;
  REQUIRE(chain::encode_call(a, *f, args));
  CHECK(core::to_hex(core::ByteView(a).first(4)) == "0xa9059cbb");
  f->name = "approve";
  REQUIRE(chain::encode_call(b, *f, args));
  CHECK(core::to_hex(core::ByteView(b).first(4)) == "0x095ea7b3");
  CHECK(core::ByteView(a).subspan(4).size() == 64);
  CHECK(std::equal(a.begin() + 4, a.end(), b.begin() + 4));
}

TEST_CASE("abi cache: other threads decode with caches of their own", "[chain][abi]") {
  const auto f = event("event P(uint256 indexed k, int256 v)");
  const core::Hash32 t0 = chain::event_topic(f);
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      const std::vector<core::Hash32> topics{t0, word_hash(U256{t})};
      for (int i = 0; i < 200; ++i) got[t] = log_text(f, topics, words({U256{0} - U256{t + 1}}));
    });
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < got.size(); ++t)
    CHECK(got[t] == R"({"k":")" + std::to_string(t) + R"(","v":"-)" + std::to_string(t + 1) + R"("})");
}

TEST_CASE("abi decode: decimals at the 10^19 chunk edges equal core::to_decimal", "[chain][abi]") {
  const auto f = event("event D(uint256 x, int256 y)");
  const std::vector<core::Hash32> topics{chain::event_topic(f)};
  U256 p10{1};
  std::vector<U256> values{U256{0}, U256::max(), U256{~0ull}, U256{1ull << 63, 0, 0, 0}};
  for (int e = 0; e <= 77; ++e) {
    values.push_back(p10);
    values.push_back(p10 - U256{1});
    values.push_back(p10 + U256{1});
    p10 = p10 * U256{10};
  }
  for (const U256& v : values) {
    INFO(core::to_decimal(v));
    const auto r = chain::decode_log(f, topics, words({v, v}));
    REQUIRE(r);
    CHECK((*r)["x"] == core::to_decimal(v));
    const bool neg = v.bit(255);
    CHECK((*r)["y"] == (neg ? "-" + core::to_decimal(U256{0} - v) : core::to_decimal(v)));
  }
}

TEST_CASE("abi decode_log: a data error wins over a topic error, paths name the param", "[chain][abi]") {
  const auto f = event("event Q(address indexed who, (uint8,bytes) info, bool ok)");
  const core::Hash32 dirty_address = word_hash(U256::max());
  const std::vector<core::Hash32> topics{chain::event_topic(f), dirty_address};
  // info = (300, 0x): 300 does not fit uint8; ok = true.
  const core::Bytes bad_data = hex("0x" + std::string(62, '0') + "40" + std::string(63, '0') + "1" + std::string(61, '0') +
                                   "12c" + std::string(62, '0') + "40" + std::string(64, '0'));
  auto r = chain::decode_log(f, topics, bad_data);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == AbiErrc::kDirtyBits);
  CHECK(r.error().path == "param info.0");
  // Clean data: now the topic's dirty address is the error.
  core::Bytes good_data = bad_data;
  good_data[3 * 32 - 2] = 0;  // info.0 = 42
  good_data[3 * 32 - 1] = 0x2a;
  auto t = chain::decode_log(f, topics, good_data);
  REQUIRE_FALSE(t);
  CHECK(t.error().code == AbiErrc::kDirtyBits);
  CHECK(t.error().path == "topic 1 (param who)");
  const std::vector<core::Hash32> clean{topics[0], word_hash(U256{0xabc})};
  const std::string who = core::to_checksum(*core::parse_address("0x" + std::string(37, '0') + "abc"));
  CHECK(log_text(f, clean, good_data) == R"({"who":")" + who + R"(","info":["42","0x"],"ok":true})");
}

TEST_CASE("abi encode: error paths name the argument, element and component", "[chain][abi]") {
  auto f = chain::parse_signature("f(uint8,(uint8,bytes)[],string)");
  REQUIRE(f);
  core::Bytes out;
  auto r = chain::encode_call(out, *f, *core::parse_json(R"([1, [[2,"0x"],[3,"0x"],[256,"0x"]], "s"])"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == AbiErrc::kOutOfRange);
  CHECK(chain::describe(r.error()) == "arg 1[2].0: value does not fit uint8");
  out.clear();
  r = chain::encode_call(out, *f, *core::parse_json(R"([1, [[2,"0x"],[3,"0xz"]], "s"])"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == AbiErrc::kBadValue);
  CHECK(r.error().path == "arg 1[1].1");
}
