#pragma once
// Hyperliquid wire formats: prices and sizes as normalised decimal strings,
// rounded to the asset's tick and lot size before signing; addresses and
// cloids lowercase. The exchange hashes the strings it is sent, so "1.0" and
// "1" are different orders to it: every builder writes the one normal form.
//
// Normal form: digits, at most one '.', no sign, no exponent, no leading zeros
// ("0.5", not ".5" or "00.5"), no trailing zeros after the point and no bare
// point ("1.5", "2", not "1.50" or "2."); zero is "0".
//
// Pure, allocating (strings), callable from any thread; never throws.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace perpx::venues::hl {

enum class [[nodiscard]] WireError {
  kEmpty,        // nothing to parse
  kBadDecimal,   // not digits with at most one point (a sign, an exponent, a stray character)
  kTooPrecise,   // more digits than can be carried exactly (over 60 significant digits)
  kInexact,      // a float that is not exactly a decimal of at most 8 places (float_to_wire's rule)
  kZero,         // a price or size that is, or rounds to, zero
  kBadDecimals,  // szDecimals larger than the market allows (6 perp, 8 spot)
  kNotOnTick,    // Rounding::kExact and the value needs rounding
  kBadAddress,   // not 0x + 40 hex digits (or a bad EIP-55 checksum)
  kBadCloid,     // not 0x + 32 hex digits
};
std::string_view describe(WireError e) noexcept;

// A decimal string in normal form, or an error (leading/trailing zeros are
// removed; anything else that is not a plain decimal is refused).
std::expected<std::string, WireError> normalize_decimal(std::string_view s);

// The Python SDK's float_to_wire: the double written with 8 decimals, refused
// when that changes its value by 1e-12 or more, then normalised. Negative
// values and non-finite ones are refused (kBadDecimal).
std::expected<std::string, WireError> float_to_wire(double x);

enum class Rounding {
  kNearest,  // half away from zero
  kDown,     // toward zero (a bid that must not pay more)
  kUp,       // away from zero (an ask that must not sell for less)
  kExact,    // refuse anything that needs rounding (kNotOnTick)
};

enum class Market { kPerp, kSpot };

// A price on the asset's tick: at most 5 significant figures and at most
// (6 perp | 8 spot) - szDecimals decimals. Integer prices are always valid
// (Hyperliquid's rule), so a value whose 5 significant figures would fall left
// of the point is rounded to an integer instead. Input and output in normal form.
std::expected<std::string, WireError> round_price(std::string_view px, int sz_decimals, Market market, Rounding mode);

// A size on the lot: at most szDecimals decimals.
std::expected<std::string, WireError> round_size(std::string_view sz, int sz_decimals, Rounding mode);

// "0x" + 40 lowercase hex digits (EIP-55 input is checked, then lowercased).
std::expected<std::string, WireError> wire_address(std::string_view s);
// "0x" + 32 lowercase hex digits (a 16-byte client order id).
std::expected<std::string, WireError> wire_cloid(std::string_view s);

}  // namespace perpx::venues::hl
