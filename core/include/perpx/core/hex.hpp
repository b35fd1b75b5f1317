#pragma once
// Strict hex: a "0x" prefix is required, byte strings have an even number of
// digits, digits are [0-9a-fA-F]. Output is lowercase with "0x".
#include <expected>
#include <string>
#include <string_view>

#include "perpx/core/bytes.hpp"

namespace perpx::core {

enum class [[nodiscard]] HexError { kMissingPrefix, kOddLength, kBadDigit, kWrongLength };

std::string_view describe(HexError e) noexcept;

// "0x" + even number of digits -> bytes. "0x" alone is the empty string.
std::expected<Bytes, HexError> parse_hex(std::string_view s);

// Exactly N bytes ("0x" + 2N digits).
std::expected<void, HexError> parse_hex_into(std::string_view s, std::span<uint8_t> out);

std::expected<Hash32, HexError> parse_hash32(std::string_view s);

// Lowercase "0x..." of the bytes.
std::string to_hex(ByteView b);
inline std::string to_hex(const Hash32& h) { return to_hex(h.view()); }

// Writes 2*b.size() lowercase digits (no prefix) to out. Does not allocate.
void hex_digits_into(char* out, ByteView b) noexcept;

// Value of one hex digit, or -1.
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace perpx::core
