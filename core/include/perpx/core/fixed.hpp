#pragma once
// I256: Solidity's int256 on top of U256 (two's complement), and the 1e18
// fixed-point unit ("wad") that venues, the executor and strategies share.
// I256 has the operations the reference venue's arithmetic uses, each as Solidity does it:
// + - * wrap modulo 2^256 (the venue's values never come near; Solidity would
// revert), / truncates toward zero, comparisons are signed. No allocation
// except to_decimal.
#include <compare>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "perpx/core/json.hpp"
#include "perpx/core/u256.hpp"

namespace perpx::core {

struct I256 {
  U256 bits;  // two's complement

  constexpr I256() = default;
  constexpr I256(int64_t v) noexcept  // NOLINT: implicit, like an int literal
      : bits(v < 0 ? ~U256{static_cast<uint64_t>(-(v + 1))} : U256{static_cast<uint64_t>(v)}) {}
  // A non-negative value below 2^255 (the caller's guarantee, as Solidity's int256(uint) cast).
  static constexpr I256 from_u256(const U256& u) noexcept {
    I256 r;
    r.bits = u;
    return r;
  }
  static constexpr I256 max() noexcept { return from_u256(U256{~0ull >> 1, ~0ull, ~0ull, ~0ull}); }

  [[nodiscard]] constexpr bool negative() const noexcept { return bits.bit(255); }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return bits.is_zero(); }
  // |x| as U256 (the magnitude; |min| wraps to itself, never reached here).
  [[nodiscard]] U256 abs() const noexcept { return negative() ? ~bits + U256{1} : bits; }
  // The value as U256; the caller knows it is >= 0 (Solidity's uint256(x)).
  [[nodiscard]] constexpr const U256& as_u256() const noexcept { return bits; }

  friend constexpr bool operator==(const I256&, const I256&) = default;
  friend constexpr std::strong_ordering operator<=>(const I256& a, const I256& b) noexcept {
    if (a.negative() != b.negative()) return a.negative() ? std::strong_ordering::less : std::strong_ordering::greater;
    return a.bits <=> b.bits;  // same sign: two's complement orders like unsigned
  }
};

inline I256 operator+(const I256& a, const I256& b) noexcept { return I256::from_u256(a.bits + b.bits); }
inline I256 operator-(const I256& a, const I256& b) noexcept { return I256::from_u256(a.bits - b.bits); }
inline I256 operator-(const I256& a) noexcept { return I256::from_u256(~a.bits + U256{1}); }
inline I256 operator*(const I256& a, const I256& b) noexcept { return I256::from_u256(a.bits * b.bits); }
// Truncates toward zero; b must not be zero.
inline I256 operator/(const I256& a, const I256& b) noexcept {
  const I256 q = I256::from_u256(a.abs() / b.abs());
  return a.negative() != b.negative() ? -q : q;
}
inline I256& operator+=(I256& a, const I256& b) noexcept { return a = a + b; }
inline I256& operator-=(I256& a, const I256& b) noexcept { return a = a - b; }

// "-123", "0".
std::string to_decimal(const I256& v);
// JSON in the ABI codec's intN conventions (decimal string, "-..." or 0x hex, JSON integer).
std::expected<I256, std::string> parse_i256(const Json& j);

// 1e18, the venue's fixed-point unit.
inline const U256 kWad{1'000'000'000'000'000'000ull};
inline const I256 kWadI = I256::from_u256(kWad);

// A 1e18 fixed-point value as an exact decimal ("-1234.5", "0.000000000000000001"): trailing zeros dropped.
std::string wad_to_string(const I256& v);
std::string wad_to_string(const U256& v);
// The inverse for non-negative values: "1.5" -> 1.5e18. At most 18 decimals,
// digits and one point only (no sign, exponent or spaces), below 2^256.
std::expected<U256, std::string> parse_wad(std::string_view s);

}  // namespace perpx::core
