// Price: the oracle's fixed-point type, its parser (one negative test per
// PriceErrc) and the conversion from feed prices.
#include <catch2/catch.hpp>

#include "perpx/oracle/price.hpp"

using namespace perpx::oracle;

namespace {
int64_t raw(std::string_view s) {
  auto p = parse_price(s);
  INFO(s);
  REQUIRE(p);
  return p->raw;
}
PriceErrc err(std::string_view s) {
  auto p = parse_price(s);
  INFO(s);
  REQUIRE_FALSE(p);
  return p.error();
}
}  // namespace

TEST_CASE("parse_price reads decimals exactly at 10^-9", "[oracle][price]") {
  CHECK(raw("3000") == 3'000'000'000'000);
  CHECK(raw("3000.5") == 3'000'500'000'000);
  CHECK(raw("-2.5") == -2'500'000'000);
  CHECK(raw("+1") == 1'000'000'000);
  CHECK(raw("0.000000001") == 1);
  CHECK(raw("0.0000000019") == 1);  // truncated toward zero
  CHECK(raw("-0.0000000019") == -1);
  CHECK(raw("1.5e3") == 1'500'000'000'000);
  CHECK(raw("15E-1") == 1'500'000'000);
  CHECK(raw(".5") == 500'000'000);
  CHECK(raw("5.") == 5'000'000'000);
  CHECK(raw("0") == 0);
  CHECK(raw("-0") == 0);
  CHECK(raw("1e-40") == 0);
  CHECK(raw("000123.4500") == 123'450'000'000);
  CHECK(raw("9223372036.854775807") == INT64_MAX);
  CHECK(raw("12345678901234567890123456789012345678901234e-35") == 123'456'789'012'345'678);
}

TEST_CASE("parse_price rejects each kind of bad number", "[oracle][price]") {
  CHECK(err("") == PriceErrc::kEmpty);
  CHECK(err("abc") == PriceErrc::kBadSyntax);
  CHECK(err("1.2.3") == PriceErrc::kBadSyntax);
  CHECK(err("1e") == PriceErrc::kBadSyntax);
  CHECK(err("0x10") == PriceErrc::kBadSyntax);
  CHECK(err("1 000") == PriceErrc::kBadSyntax);
  CHECK(err("-") == PriceErrc::kBadSyntax);
  CHECK(err("NaN") == PriceErrc::kNotFinite);
  CHECK(err("-inf") == PriceErrc::kNotFinite);
  CHECK(err("Infinity") == PriceErrc::kNotFinite);
  CHECK(err("1e400") == PriceErrc::kHugeExponent);
  CHECK(err("1e-99999999999") == PriceErrc::kHugeExponent);
  CHECK(err("1e41") == PriceErrc::kHugeExponent);
  CHECK(err("9223372036.854775808") == PriceErrc::kOutOfRange);
  CHECK(err("1e20") == PriceErrc::kOutOfRange);
  for (auto e : {PriceErrc::kEmpty, PriceErrc::kBadSyntax, PriceErrc::kNotFinite, PriceErrc::kHugeExponent,
                 PriceErrc::kOutOfRange})
    CHECK_FALSE(describe(e).empty());
}

TEST_CASE("to_string is exact and round-trips", "[oracle][price]") {
  CHECK(to_string(Price{3'000'500'000'000}) == "3000.5");
  CHECK(to_string(Price{-1}) == "-0.000000001");
  CHECK(to_string(Price{42'000'000'000}) == "42");
  CHECK(to_string(Price{0}) == "0");
  CHECK(to_string(Price{INT64_MIN + 1}) == "-9223372036.854775807");
  for (int64_t v : {int64_t{1}, int64_t{123456789}, int64_t{-987654321012}, INT64_MAX})
    CHECK(parse_price(to_string(Price{v}))->raw == v);
}

TEST_CASE("from_fixed converts feed prices", "[oracle][price]") {
  using perpx::chain::FixedPrice;
  using perpx::chain::U256;
  CHECK(from_fixed(FixedPrice{U256{300'012'345'678}, false, -8})->raw == 3'000'123'456'780);
  CHECK(from_fixed(FixedPrice{U256{5}, true, -8})->raw == -50);
  // Uniswap prices at 18 decimals are truncated.
  CHECK(from_fixed(FixedPrice{U256{3'000'123'456'789'123ull}, false, -12})->raw == 3'000'123'456'789);
  CHECK(from_fixed(FixedPrice{U256{7}, false, 2})->raw == 700'000'000'000);
  CHECK(from_fixed(FixedPrice{U256{1} << 100, false, -8}).error() == PriceErrc::kOutOfRange);
  CHECK(from_fixed(FixedPrice{U256{1}, false, 60}).error() == PriceErrc::kOutOfRange);
}

TEST_CASE("differs_by_more compares ratios exactly", "[oracle][price]") {
  const Price m{100'000'000'000};  // 100
  CHECK_FALSE(differs_by_more(Price{102'000'000'000}, m, m, Ppm{20'000}));  // exactly 2%: not more
  CHECK(differs_by_more(Price{102'000'000'001}, m, m, Ppm{20'000}));
  CHECK(differs_by_more(Price{97'999'999'999}, m, m, Ppm{20'000}));
  CHECK_FALSE(differs_by_more(Price{INT64_MAX}, Price{INT64_MAX}, Price{INT64_MAX}, Ppm{0}));
}
