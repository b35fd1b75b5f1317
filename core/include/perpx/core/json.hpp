#pragma once
// JSON as perpx reads it: key order preserved, and integer literals too large
// for 64 bits kept exactly (as their decimal text) instead of rounded to a
// double. Parsing never throws.
#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "perpx/core/u256.hpp"

namespace perpx::core {

using Json = nlohmann::ordered_json;

// Deepest nesting of arrays/objects parse_json accepts.
inline constexpr int kJsonMaxDepth = 1024;

// Parses a whole document; the error says where and what. Documents nested
// deeper than kJsonMaxDepth are rejected.
std::expected<Json, std::string> parse_json(std::string_view text);

// A quantity: a decimal string, a "0x" hex string, or a non-negative JSON
// integer. The error names what is wrong (not the field: callers add that).
std::expected<U256, std::string> json_quantity(const Json& j);

// A signed integer (ABI intN/uintN, EIP-712): what json_quantity takes, and
// also negative JSON integers and "-" followed by a decimal or 0x hex string.
// Zero is never negative.
struct SignedInt {
  U256 magnitude;
  bool negative = false;
};
struct IntegerError {
  bool out_of_range = false;  // a well-formed number beyond 256 bits
  std::string message;
};
std::expected<SignedInt, IntegerError> json_signed_integer(const Json& j);

// Whether v fits uintN (is_signed false: 0 .. 2^N-1) or intN (-2^(N-1) ..
// 2^(N-1)-1), for 1 <= bits <= 256.
bool fits_integer(const SignedInt& v, unsigned bits, bool is_signed) noexcept;
// v as a 256-bit two's-complement word.
U256 to_word(const SignedInt& v) noexcept;

}  // namespace perpx::core
