// parse_decimal reads 19 digits at a time (u256.cpp): round trips with
// to_decimal at every chunk edge and on random values, and the same error as
// a digit-by-digit reader when a number both overflows and has a bad digit.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "perpx/core/u256.hpp"

using namespace perpx::core;

TEST_CASE("u256: parse_decimal round-trips powers of ten and their neighbours", "[core][u256]") {
  U256 p{1};
  for (int e = 0; e <= 77; ++e, p = p * U256{10})
    for (const U256& v : {p, p - U256{1}, p + U256{1}}) {
      const std::string d = to_decimal(v);
      INFO(d);
      REQUIRE(parse_decimal(d));
      CHECK(*parse_decimal(d) == v);
    }
}

TEST_CASE("u256: parse_decimal round-trips random values of every size", "[core][u256]") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 5000; ++i) {
    U256 v{rng(), rng(), rng(), rng()};
    v = v >> static_cast<unsigned>(rng() % 256);
    const std::string d = to_decimal(v);
    INFO(d);
    CHECK(*parse_decimal(d) == v);
  }
}

TEST_CASE("u256: parse_decimal errors: overflow before a bad digit wins, else the bad digit", "[core][u256]") {
  const std::string max = to_decimal(U256::max());  // 78 digits
  CHECK(parse_decimal(max + "0").error() == U256Error::kOverflow);
  CHECK(parse_decimal(std::string(100, '9')).error() == U256Error::kOverflow);
  // Overflowed within the chunk before the bad digit.
  CHECK(parse_decimal(max + "1x").error() == U256Error::kOverflow);
  CHECK(parse_decimal(std::string(79, '9') + "x").error() == U256Error::kOverflow);
  // The bad digit comes first.
  CHECK(parse_decimal(max + "x").error() == U256Error::kBadDigit);
  CHECK(parse_decimal("12x" + std::string(90, '9')).error() == U256Error::kBadDigit);
  CHECK(parse_decimal(std::string(19, '9') + "x").error() == U256Error::kBadDigit);  // at a chunk edge
  CHECK(parse_decimal(std::string(38, '9') + " ").error() == U256Error::kBadDigit);
  CHECK(parse_decimal("1.5").error() == U256Error::kBadDigit);
  CHECK(*parse_decimal("0") == U256{0});
  CHECK(*parse_decimal("18446744073709551616") == U256{0, 0, 1, 0});  // 2^64
}
