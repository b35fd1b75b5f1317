#pragma once
// Price: the oracle's fixed-point money type (STYLE.md rule 6). A signed
// 64-bit raw count of 10^-9 units: exact for Chainlink (8 decimals) and Pyth
// (expo >= -9) USD feeds, range +-9.2e9. Ratios on the decision path are
// parts per million (Ppm) compared with 128-bit integer products, never
// doubles.
//
// Pure, allocation-free except to_string.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "perpx/chain/feeds.hpp"

namespace perpx::oracle {

inline constexpr int32_t kPriceDecimals = 9;
inline constexpr int64_t kPriceScale = 1'000'000'000;

struct Price {
  int64_t raw = 0;  // value * 10^9
  friend constexpr bool operator==(const Price&, const Price&) = default;
  friend constexpr auto operator<=>(const Price&, const Price&) = default;
};

// Parts per million: 20000 = 2%.
enum class Ppm : uint32_t {};
constexpr uint32_t to_u32(Ppm p) noexcept { return static_cast<uint32_t>(p); }

__extension__ typedef __int128 Int128;

// |a - b| > ratio * |reference|, exactly.
constexpr bool differs_by_more(Price a, Price b, Price reference, Ppm ratio) noexcept {
  const Int128 d = static_cast<Int128>(a.raw) - b.raw;
  const Int128 ad = d < 0 ? -d : d;
  const Int128 r = reference.raw < 0 ? -static_cast<Int128>(reference.raw) : reference.raw;
  return ad * 1'000'000 > r * to_u32(ratio);
}

enum class [[nodiscard]] PriceErrc {
  kEmpty,         // no characters
  kBadSyntax,     // not [+-]digits[.digits][e[+-]digits]
  kNotFinite,     // nan, inf, infinity (any case)
  kHugeExponent,  // an exponent beyond +-40
  kOutOfRange,    // |value| >= 2^63 * 10^-9 after scaling
};
std::string_view describe(PriceErrc e) noexcept;

// A decimal number ("3000.5", "-1", "1.5e3", "0.000000001") as a Price.
// Digits beyond the 9th decimal are truncated toward zero.
std::expected<Price, PriceErrc> parse_price(std::string_view text) noexcept;

// Exact decimal text, trailing fractional zeros removed: "3000.5", "-0.000000001", "42".
std::string to_string(Price p);

// A feed's fixed-point price (chain::FixedPrice) at 10^-9: truncated toward
// zero below that, kOutOfRange beyond 64 bits.
std::expected<Price, PriceErrc> from_fixed(const chain::FixedPrice& p) noexcept;
std::expected<Price, PriceErrc> from_fixed(const chain::U256& magnitude, bool negative, int32_t exponent) noexcept;

}  // namespace perpx::oracle
