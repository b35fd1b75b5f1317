// Hyperliquid wire formats: decimal normal form, the Python SDK's
// float_to_wire, tick (5 significant figures, 6/8 - szDecimals decimals,
// integers always valid) and lot rounding, lowercase addresses and cloids.
// One negative test per WireError.
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "perpx/venues/hyperliquid_wire.hpp"

namespace hl = perpx::venues::hl;
using hl::Market;
using hl::Rounding;
using hl::WireError;

namespace {

std::string norm(std::string_view s) { return hl::normalize_decimal(s).value(); }
WireError norm_error(std::string_view s) { return hl::normalize_decimal(s).error(); }
std::string px(std::string_view s, int szd, Market m = Market::kPerp, Rounding r = Rounding::kNearest) {
  return hl::round_price(s, szd, m, r).value();
}
std::string sz(std::string_view s, int szd, Rounding r = Rounding::kNearest) { return hl::round_size(s, szd, r).value(); }

}  // namespace

TEST_CASE("hl wire: decimals in normal form", "[venues][hl][wire]") {
  CHECK(norm("0") == "0");
  CHECK(norm("000") == "0");
  CHECK(norm("0.000") == "0");
  CHECK(norm("1") == "1");
  CHECK(norm("001.500") == "1.5");
  CHECK(norm("100") == "100");
  CHECK(norm("100.0") == "100");
  CHECK(norm("0.0147") == "0.0147");
  CHECK(norm("1670.10") == "1670.1");
  CHECK(norm("123456789012345678901234567890.123456789") == "123456789012345678901234567890.123456789");
  CHECK(norm_error("") == WireError::kEmpty);
  for (const char* bad : {".5", "5.", "1e3", "-1", "+1", "1.2.3", "1,5", " 1", "0x10", "NaN"}) {
    INFO(bad);
    CHECK(norm_error(bad) == WireError::kBadDecimal);
  }
  CHECK(norm_error(std::string(61, '9')) == WireError::kTooPrecise);
  CHECK(norm_error("0." + std::string(61, '1')) == WireError::kTooPrecise);
}

TEST_CASE("hl wire: float_to_wire as the Python SDK's", "[venues][hl][wire]") {
  // signing.py float_to_wire: f"{x:.8f}", |rounded - x| < 1e-12, Decimal.normalize.
  CHECK(hl::float_to_wire(1670.1).value() == "1670.1");
  CHECK(hl::float_to_wire(0.0147).value() == "0.0147");
  CHECK(hl::float_to_wire(100).value() == "100");
  CHECK(hl::float_to_wire(0.00001231).value() == "0.00001231");
  CHECK(hl::float_to_wire(123123123123.0).value() == "123123123123");
  CHECK(hl::float_to_wire(0).value() == "0");
  CHECK(hl::float_to_wire(-0.0).value() == "0");
  CHECK(hl::float_to_wire(0.000012312312).error() == WireError::kInexact);
  CHECK(hl::float_to_wire(-1).error() == WireError::kBadDecimal);
  CHECK(hl::float_to_wire(std::numeric_limits<double>::infinity()).error() == WireError::kBadDecimal);
  CHECK(hl::float_to_wire(std::numeric_limits<double>::quiet_NaN()).error() == WireError::kBadDecimal);
}

TEST_CASE("hl wire: prices on the tick", "[venues][hl][wire]") {
  // 5 significant figures.
  CHECK(px("1234.5", 0) == "1234.5");
  CHECK(px("1234.56", 0) == "1234.6");
  CHECK(px("1234.54", 0) == "1234.5");
  CHECK(px("1234.50", 0) == "1234.5");
  // At most 6 (perp) / 8 (spot) minus szDecimals decimals.
  CHECK(px("0.0012345", 0) == "0.001235");
  CHECK(px("0.0012345", 0, Market::kSpot) == "0.0012345");
  CHECK(px("0.00123456", 0) == "0.001235");
  CHECK(px("0.00012345", 0) == "0.000123");
  CHECK(px("0.00012345", 0, Market::kSpot) == "0.00012345");
  CHECK(px("0.123456", 2) == "0.1235");
  CHECK(px("0.123456", 5) == "0.1");
  CHECK(px("0.123456", 2, Market::kSpot) == "0.12346");
  // Integer prices are always valid, whatever their significant figures.
  CHECK(px("123456", 0) == "123456");
  CHECK(px("123456.7", 0) == "123457");
  CHECK(px("100", 5) == "100");
  CHECK(px("0.6", 6) == "1");
  // Carries.
  CHECK(px("9.99999", 0) == "10");
  CHECK(px("99999.5", 0) == "100000");
  CHECK(px("0.0099999", 0) == "0.01");
  // Modes: down for a bid that must not pay more, up for an ask, exact refuses.
  CHECK(px("1234.51", 0, Market::kPerp, Rounding::kDown) == "1234.5");
  CHECK(px("1234.51", 0, Market::kPerp, Rounding::kUp) == "1234.6");
  CHECK(px("1234.59", 0, Market::kPerp, Rounding::kDown) == "1234.5");
  CHECK(px("1234.5", 0, Market::kPerp, Rounding::kExact) == "1234.5");
  CHECK(px("1234.50000", 0, Market::kPerp, Rounding::kExact) == "1234.5");
  CHECK(hl::round_price("1234.51", 0, Market::kPerp, Rounding::kExact).error() == WireError::kNotOnTick);
  CHECK(hl::round_price("0.1234567", 0, Market::kSpot, Rounding::kExact).error() == WireError::kNotOnTick);
  // Errors.
  CHECK(hl::round_price("0", 0, Market::kPerp, Rounding::kNearest).error() == WireError::kZero);
  CHECK(hl::round_price("0.4", 6, Market::kPerp, Rounding::kNearest).error() == WireError::kZero);
  CHECK(px("0.4", 6, Market::kPerp, Rounding::kUp) == "1");
  CHECK(hl::round_price("1", 7, Market::kPerp, Rounding::kNearest).error() == WireError::kBadDecimals);
  CHECK(hl::round_price("1", 9, Market::kSpot, Rounding::kNearest).error() == WireError::kBadDecimals);
  CHECK(hl::round_price("1", -1, Market::kSpot, Rounding::kNearest).error() == WireError::kBadDecimals);
  CHECK(px("1.5", 8, Market::kSpot) == "2");
  CHECK(hl::round_price("1e3", 0, Market::kPerp, Rounding::kNearest).error() == WireError::kBadDecimal);
}

TEST_CASE("hl wire: sizes on the lot", "[venues][hl][wire]") {
  CHECK(sz("1.23456", 2) == "1.23");
  CHECK(sz("1.235", 2) == "1.24");
  CHECK(sz("1.23456", 2, Rounding::kUp) == "1.24");
  CHECK(sz("1.23956", 2, Rounding::kDown) == "1.23");
  CHECK(sz("100", 0) == "100");
  CHECK(sz("1.5", 0) == "2");
  CHECK(sz("0100.10", 1, Rounding::kExact) == "100.1");
  CHECK(sz("0.004", 2, Rounding::kUp) == "0.01");
  CHECK(hl::round_size("1.55", 1, Rounding::kExact).error() == WireError::kNotOnTick);
  CHECK(hl::round_size("0.004", 2, Rounding::kNearest).error() == WireError::kZero);
  CHECK(hl::round_size("0", 2, Rounding::kNearest).error() == WireError::kZero);
  CHECK(hl::round_size("1", 9, Rounding::kNearest).error() == WireError::kBadDecimals);
  CHECK(hl::round_size("", 2, Rounding::kNearest).error() == WireError::kEmpty);
}

TEST_CASE("hl wire: addresses and cloids lowercase", "[venues][hl][wire]") {
  CHECK(hl::wire_address("0x5E9EE1089755C3435139848E47E6635505D5A13A").value() == "0x5e9ee1089755c3435139848e47e6635505d5a13a");
  CHECK(hl::wire_address("0x0D1d9635D0640821d15e323ac8AdADfA9c111414").value() == "0x0d1d9635d0640821d15e323ac8adadfa9c111414");
  CHECK(hl::wire_address("0x0d1d9635D0640821d15e323ac8AdADfA9c111414").error() == WireError::kBadAddress);  // bad checksum
  CHECK(hl::wire_address("0x12").error() == WireError::kBadAddress);
  CHECK(hl::wire_cloid("0x0000000000000000000000000000ABCD").value() == "0x0000000000000000000000000000abcd");
  CHECK(hl::wire_cloid("0x1e60610f0b3d420597c88c1fed2ad5ee").value() == "0x1e60610f0b3d420597c88c1fed2ad5ee");
  CHECK(hl::wire_cloid("0x12").error() == WireError::kBadCloid);
  CHECK(hl::wire_cloid("1e60610f0b3d420597c88c1fed2ad5ee").error() == WireError::kBadCloid);
  for (auto e : {WireError::kEmpty, WireError::kBadDecimal, WireError::kTooPrecise, WireError::kInexact, WireError::kZero,
                 WireError::kBadDecimals, WireError::kNotOnTick, WireError::kBadAddress, WireError::kBadCloid})
    CHECK(!hl::describe(e).empty());
}
