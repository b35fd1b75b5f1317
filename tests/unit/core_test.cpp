// core: hex, U256, Address, JSON quantities. Public vectors (keccak known
// answers, EIP-55 examples) live in core_vectors_test.cpp.
#include <catch2/catch.hpp>

#include <random>

#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/core/u256.hpp"

using namespace perpx::core;

namespace {
__extension__ using u128 = unsigned __int128;
U256 from_u128(u128 v) { return U256{0, 0, static_cast<uint64_t>(v >> 64), static_cast<uint64_t>(v)}; }
const std::string kMaxDec = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
}  // namespace

TEST_CASE("hex parses strictly and prints lowercase", "[core][hex]") {
  CHECK(to_hex(*parse_hex("0x")) == "0x");
  CHECK(to_hex(*parse_hex("0x00ABcd")) == "0x00abcd");
  CHECK(parse_hex("00ab").error() == HexError::kMissingPrefix);
  CHECK(parse_hex("0xabc").error() == HexError::kOddLength);
  CHECK(parse_hex("0xzz").error() == HexError::kBadDigit);
  CHECK(parse_hash32("0x1234").error() == HexError::kWrongLength);
  CHECK(parse_hash32("0x" + std::string(64, 'f')).has_value());
  for (auto e : {HexError::kMissingPrefix, HexError::kOddLength, HexError::kBadDigit, HexError::kWrongLength})
    CHECK(!describe(e).empty());
}

TEST_CASE("U256 parses decimal and hex, and rejects every bad form", "[core][u256]") {
  CHECK(to_decimal(*parse_decimal(kMaxDec)) == kMaxDec);
  CHECK(*parse_decimal(kMaxDec) == U256::max());
  CHECK(parse_decimal("115792089237316195423570985008687907853269984665640564039457584007913129639936").error() == U256Error::kOverflow);
  CHECK(parse_decimal("").error() == U256Error::kEmpty);
  CHECK(parse_decimal("01").error() == U256Error::kLeadingZero);
  CHECK(parse_decimal("-1").error() == U256Error::kSign);
  CHECK(parse_decimal("1e3").error() == U256Error::kBadDigit);
  CHECK(parse_hex_u256("0x").error() == U256Error::kEmpty);
  CHECK(parse_hex_u256("0x1" + std::string(64, '0')).error() == U256Error::kOverflow);
  CHECK(*parse_u256("0x" + std::string(64, 'f')) == U256::max());
  CHECK(*parse_u256("0x0001") == U256{1});  // leading zeros in hex quantities are tolerated
  CHECK(from_be(Bytes(33, 1)).error() == U256Error::kTooLong);
  CHECK(to_decimal(U256{}) == "0");
  CHECK(to_hex_quantity(U256{}) == "0x0");
  CHECK(to_hex_quantity(U256{0x1f}) == "0x1f");
  CHECK(to_hex_quantity(U256{0x100}) == "0x100");
  for (auto e : {U256Error::kEmpty, U256Error::kBadDigit, U256Error::kOverflow, U256Error::kLeadingZero, U256Error::kTooLong, U256Error::kSign})
    CHECK(!describe(e).empty());
}

TEST_CASE("U256 arithmetic agrees with 128-bit integers", "[core][u256]") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    const u128 a = (static_cast<u128>(rng()) << 64) | rng();
    const u128 b = (static_cast<u128>(rng() >> (i % 64)) << 64) | (rng() | 1);
    CHECK(from_u128(a) + from_u128(b) - from_u128(b) == from_u128(a));
    CHECK(from_u128(a) / from_u128(b) == from_u128(a / b));
    CHECK(from_u128(a) % from_u128(b) == from_u128(a % b));
    const uint64_t lo = rng() >> 1, hi = rng() >> 1;
    CHECK(U256{lo} * U256{hi} == from_u128(static_cast<u128>(lo) * hi));
    CHECK((from_u128(a) << 64) >> 64 == from_u128(a));
    CHECK(to_decimal(from_u128(a)) == [&] {
      std::string s;
      u128 x = a;
      do { s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(x % 10))); x /= 10; } while (x != 0);
      return s;
    }());
  }
  CHECK(checked_add(U256::max(), U256{1}).error() == U256Error::kOverflow);
  CHECK(checked_sub(U256{1}, U256{2}).error() == U256Error::kOverflow);
  CHECK(checked_mul(U256{0, 1, 0, 0}, U256{0, 1, 0, 0}).error() == U256Error::kOverflow);
  CHECK(*checked_mul(U256{0, 0, 1, 0}, U256{0, 0, 1, 0}) == U256{0, 1, 0, 0});
  CHECK(U256::max() + U256{1} == U256{});  // wraps
  const U256 big = *parse_decimal(kMaxDec);
  CHECK(big / U256{0, 0, 1, 0} == big >> 64);
  uint8_t be[32];
  to_be(be, big >> 8);
  CHECK(be[0] == 0);
  CHECK(*from_be(ByteView(be, 32)) == big >> 8);
}

TEST_CASE("addresses: EIP-55 output, wrong mixed case rejected", "[core][address]") {
  const auto a = parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  REQUIRE(a);
  CHECK(to_checksum(*a) == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  CHECK(parse_address("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").has_value());
  CHECK(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").has_value());
  CHECK(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").error() == AddressError::kBadChecksum);
  CHECK(parse_address("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").error() == AddressError::kMissingPrefix);
  CHECK(parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea").error() == AddressError::kWrongLength);
  CHECK(parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beagg").error() == AddressError::kBadDigit);
  for (auto e : {AddressError::kMissingPrefix, AddressError::kWrongLength, AddressError::kBadDigit, AddressError::kBadChecksum})
    CHECK(!describe(e).empty());
}

TEST_CASE("JSON keeps big integers exact and quantities are checked", "[core][json]") {
  const auto j = parse_json(R"({"big": 115792089237316195423570985008687907853269984665640564039457584007913129639935, "neg": -1, "f": 1.5, "e": 1e3, "hex": "0x10", "s": true})");
  REQUIRE(j);
  CHECK(*json_quantity((*j)["big"]) == U256::max());
  CHECK(*json_quantity((*j)["hex"]) == U256{16});
  CHECK(!json_quantity((*j)["neg"]));
  CHECK(!json_quantity((*j)["f"]));
  CHECK(!json_quantity((*j)["e"]));
  CHECK(!json_quantity((*j)["s"]));
  CHECK(!parse_json("{\"a\":"));
  CHECK(!parse_json("[1,2] x"));
  CHECK(parse_json(std::string(kJsonMaxDepth, '[') + std::string(kJsonMaxDepth, ']')).has_value());
  const auto deep = parse_json(std::string(kJsonMaxDepth + 1, '[') + std::string(kJsonMaxDepth + 1, ']'));
  REQUIRE_FALSE(deep);
  CHECK(deep.error().find("nesting") != std::string::npos);
  // Key order is kept as given.
  CHECK(parse_json(R"({"z":1,"a":2})")->dump() == R"({"z":1,"a":2})");
}

TEST_CASE("incremental keccak equals one-shot over every split", "[core][keccak]") {
  Bytes msg(300);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 7 + 3);
  const Hash32 whole = keccak256(msg);
  for (size_t split = 0; split <= msg.size(); split += 17) {
    Keccak256 h;
    h.update(ByteView(msg).first(split));
    h.update(ByteView(msg).subspan(split));
    CHECK(h.finish() == whole);
  }
}

TEST_CASE("parse_wad reads plain decimals exactly and refuses the rest", "[core][fixed]") {
  using perpx::core::parse_wad;
  using perpx::core::U256;
  const U256 w{1'000'000'000'000'000'000ull};
  CHECK(parse_wad("1.5").value() == w * U256{3} / U256{2});
  CHECK(parse_wad("0.000000000000000001").value() == U256{1});
  CHECK(parse_wad("3100").value() == w * U256{3100});
  CHECK(parse_wad("0").value() == U256{});
  CHECK(parse_wad("007.25").value() == w * U256{29} / U256{4});
  CHECK(perpx::core::wad_to_string(parse_wad("1234.5").value()) == "1234.5");
  for (const char* bad : {"", ".5", "1.", "-1", "1e3", " 1", "1.2.3", "0x10", "1.0000000000000000001"})
    CHECK_FALSE(parse_wad(bad).has_value());
  CHECK_FALSE(parse_wad(std::string(80, '9')).has_value());  // above 2^256
}
