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

}  // namespace perpx::core
