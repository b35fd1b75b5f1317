#pragma once
// U256: an unsigned 256-bit integer as four 64-bit limbs, least significant
// first. Arithmetic wraps modulo 2^256 unless named checked_*; parsing and
// big-endian I/O are checked. Nothing here allocates except the to_* string
// functions.
#include <compare>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "perpx/core/bytes.hpp"

namespace perpx::core {

enum class [[nodiscard]] U256Error { kEmpty, kBadDigit, kOverflow, kLeadingZero, kTooLong, kSign };

std::string_view describe(U256Error e) noexcept;

struct U256 {
  uint64_t w[4]{};  // w[0] is the least significant limb

  constexpr U256() = default;
  constexpr U256(uint64_t v) noexcept : w{v, 0, 0, 0} {}  // NOLINT: implicit by design
  constexpr U256(uint64_t w3, uint64_t w2, uint64_t w1, uint64_t w0) noexcept : w{w0, w1, w2, w3} {}

  static constexpr U256 max() noexcept { return U256{~0ull, ~0ull, ~0ull, ~0ull}; }

  [[nodiscard]] constexpr bool is_zero() const noexcept { return (w[0] | w[1] | w[2] | w[3]) == 0; }
  [[nodiscard]] constexpr bool fits_u64() const noexcept { return (w[1] | w[2] | w[3]) == 0; }
  [[nodiscard]] unsigned bit_length() const noexcept;
  [[nodiscard]] unsigned byte_length() const noexcept { return (bit_length() + 7) / 8; }
  [[nodiscard]] constexpr bool bit(unsigned i) const noexcept { return (w[i / 64] >> (i % 64)) & 1; }

  friend constexpr bool operator==(const U256&, const U256&) = default;
  friend constexpr std::strong_ordering operator<=>(const U256& a, const U256& b) noexcept {
    for (int i = 3; i >= 0; --i)
      if (a.w[i] != b.w[i]) return a.w[i] <=> b.w[i];
    return std::strong_ordering::equal;
  }
};

U256 operator+(const U256& a, const U256& b) noexcept;
U256 operator-(const U256& a, const U256& b) noexcept;
U256 operator*(const U256& a, const U256& b) noexcept;
U256 operator/(const U256& a, const U256& b) noexcept;  // b must not be zero
U256 operator%(const U256& a, const U256& b) noexcept;  // b must not be zero
U256 operator<<(const U256& a, unsigned n) noexcept;
U256 operator>>(const U256& a, unsigned n) noexcept;
U256 operator&(const U256& a, const U256& b) noexcept;
U256 operator|(const U256& a, const U256& b) noexcept;
U256 operator^(const U256& a, const U256& b) noexcept;
U256 operator~(const U256& a) noexcept;

// a+b, a-b, a*b, or nothing when the result does not fit.
std::expected<U256, U256Error> checked_add(const U256& a, const U256& b) noexcept;
std::expected<U256, U256Error> checked_sub(const U256& a, const U256& b) noexcept;
std::expected<U256, U256Error> checked_mul(const U256& a, const U256& b) noexcept;

struct DivMod64 { U256 quot; uint64_t rem; };
DivMod64 divmod(const U256& a, uint64_t d) noexcept;  // d must not be zero

// Parsing. Decimal: digits only, no sign, no leading zeros ("0" itself is
// fine). Hex quantity: "0x" then 1..64 digits (leading zeros accepted, as the
// JSON-RPC "0x01" some nodes send; use parse_quantity_strict for RPC rules).
std::expected<U256, U256Error> parse_decimal(std::string_view s) noexcept;
std::expected<U256, U256Error> parse_hex_u256(std::string_view s) noexcept;
// Either of the two forms above, chosen by the "0x" prefix.
std::expected<U256, U256Error> parse_u256(std::string_view s) noexcept;

// Big-endian: at most 32 bytes, shorter inputs are left-padded with zeros.
std::expected<U256, U256Error> from_be(ByteView b) noexcept;
// Exactly 32 bytes out.
void to_be(std::span<uint8_t, 32> out, const U256& v) noexcept;
// Minimal big-endian bytes (zero -> no bytes) into out; returns the length. Does not allocate.
size_t to_be_trimmed(std::span<uint8_t, 32> out, const U256& v) noexcept;

std::string to_decimal(const U256& v);
// Minimal hex quantity: "0x0", "0x1f".
std::string to_hex_quantity(const U256& v);

}  // namespace perpx::core
