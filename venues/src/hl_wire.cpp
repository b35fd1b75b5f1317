// Hyperliquid wire formats: decimal normalisation, tick and lot rounding,
// lowercase addresses and cloids. Decimal arithmetic on digit strings, so
// nothing passes through a double once it is text.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/venues/hyperliquid_wire.hpp"

namespace perpx::venues::hl {

std::string_view describe(WireError e) noexcept {
  switch (e) {
    case WireError::kEmpty: return "empty";
    case WireError::kBadDecimal: return "not a plain decimal (digits with at most one '.', no sign, no exponent)";
    case WireError::kTooPrecise: return "more than 60 significant digits";
    case WireError::kInexact: return "not exactly a decimal of at most 8 places";
    case WireError::kZero: return "zero (or rounds to zero)";
    case WireError::kBadDecimals: return "szDecimals out of range for the market";
    case WireError::kNotOnTick: return "not on the tick or lot size";
    case WireError::kBadAddress: return "not a 0x address of 40 hex digits (or a bad EIP-55 checksum)";
    case WireError::kBadCloid: return "not a 0x cloid of 32 hex digits";
  }
  return "unknown error";
}

namespace {

constexpr size_t kMaxDigits = 60;

// value = digits * 10^-scale; digits has no leading zeros ("0" for zero) and,
// when scale > 0, no trailing zero.
struct Dec {
  std::string digits;
  int scale = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void canonicalise(Dec& d) {
  while (d.scale > 0 && d.digits.size() > 1 && d.digits.back() == '0') {
    d.digits.pop_back();
    --d.scale;
  }
  const auto nz = d.digits.find_first_not_of('0');
  if (nz == std::string::npos) {
    d.digits = "0";
    d.scale = 0;
  } else {
    d.digits.erase(0, nz);
  }
}

std::expected<Dec, WireError> parse(std::string_view s) {
  if (s.empty()) return std::unexpected(WireError::kEmpty);
  const auto dot = s.find('.');
  const std::string_view ip = s.substr(0, dot);
  const std::string_view fp = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (ip.empty() || (dot != std::string_view::npos && fp.empty())) return std::unexpected(WireError::kBadDecimal);
  if (!std::all_of(ip.begin(), ip.end(), is_digit) || !std::all_of(fp.begin(), fp.end(), is_digit))
    return std::unexpected(WireError::kBadDecimal);
  Dec d;
  d.digits.assign(ip);
  d.digits.append(fp);
  d.scale = static_cast<int>(fp.size());
  canonicalise(d);
  if (d.digits.size() > kMaxDigits || d.scale > static_cast<int>(kMaxDigits)) return std::unexpected(WireError::kTooPrecise);
  return d;
}

std::string to_text(const Dec& d) {
  if (d.scale == 0) return d.digits;
  std::string digits = d.digits;
  const auto scale = static_cast<size_t>(d.scale);
  if (digits.size() <= scale) digits.insert(0, scale - digits.size() + 1, '0');
  digits.insert(digits.size() - scale, 1, '.');
  return digits;
}

void increment(std::string& digits) {
  for (auto i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return;
    }
    digits[i] = '0';
  }
  digits.insert(0, 1, '1');
}

// d rounded to at most `scale` decimals (scale >= 0).
std::expected<Dec, WireError> round_to(const Dec& d, int scale, Rounding mode) {
  if (d.scale <= scale) return d;
  const auto drop = static_cast<size_t>(d.scale - scale);
  std::string kept, dropped;
  if (drop >= d.digits.size()) {
    kept = "0";
    dropped = std::string(drop - d.digits.size(), '0') + d.digits;
  } else {
    kept = d.digits.substr(0, d.digits.size() - drop);
    dropped = d.digits.substr(d.digits.size() - drop);
  }
  const bool inexact = dropped.find_first_not_of('0') != std::string::npos;  // always true for a canonical d
  bool up = false;
  switch (mode) {
    case Rounding::kExact:
      if (inexact) return std::unexpected(WireError::kNotOnTick);
      break;
    case Rounding::kDown: break;
    case Rounding::kUp: up = inexact; break;
    case Rounding::kNearest: up = dropped[0] >= '5'; break;
  }
  if (up) increment(kept);
  Dec r{kept, scale};
  canonicalise(r);
  return r;
}

}  // namespace

std::expected<std::string, WireError> normalize_decimal(std::string_view s) {
  auto d = parse(s);
  if (!d) return std::unexpected(d.error());
  return to_text(*d);
}

std::expected<std::string, WireError> float_to_wire(double x) {
  if (!std::isfinite(x) || x < 0) return std::unexpected(WireError::kBadDecimal);
  if (x == 0) return std::string("0");
  char buf[400];
  const int n = std::snprintf(buf, sizeof buf, "%.8f", x);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return std::unexpected(WireError::kTooPrecise);
  if (std::fabs(std::strtod(buf, nullptr) - x) >= 1e-12) return std::unexpected(WireError::kInexact);
  return normalize_decimal(buf);
}

std::expected<std::string, WireError> round_price(std::string_view px, int sz_decimals, Market market, Rounding mode) {
  auto d = parse(px);
  if (!d) return std::unexpected(d.error());
  const int max_decimals = (market == Market::kPerp ? 6 : 8) - sz_decimals;
  if (sz_decimals < 0 || max_decimals < 0) return std::unexpected(WireError::kBadDecimals);
  if (d->digits == "0") return std::unexpected(WireError::kZero);
  if (d->scale == 0) return to_text(*d);  // integer prices are always valid
  const int sig = static_cast<int>(d->digits.size());
  const int by_sig = sig > 5 ? d->scale - (sig - 5) : d->scale;
  const int scale = std::max(0, std::min({d->scale, max_decimals, by_sig}));
  auto r = round_to(*d, scale, mode);
  if (!r) return std::unexpected(r.error());
  if (r->digits == "0") return std::unexpected(WireError::kZero);
  return to_text(*r);
}

std::expected<std::string, WireError> round_size(std::string_view sz, int sz_decimals, Rounding mode) {
  auto d = parse(sz);
  if (!d) return std::unexpected(d.error());
  if (sz_decimals < 0 || sz_decimals > 8) return std::unexpected(WireError::kBadDecimals);
  if (d->digits == "0") return std::unexpected(WireError::kZero);
  auto r = round_to(*d, sz_decimals, mode);
  if (!r) return std::unexpected(r.error());
  if (r->digits == "0") return std::unexpected(WireError::kZero);
  return to_text(*r);
}

std::expected<std::string, WireError> wire_address(std::string_view s) {
  auto a = core::parse_address(s);
  if (!a) return std::unexpected(WireError::kBadAddress);
  return core::to_hex(a->view());
}

std::expected<std::string, WireError> wire_cloid(std::string_view s) {
  std::array<uint8_t, 16> b{};
  if (!core::parse_hex_into(s, b)) return std::unexpected(WireError::kBadCloid);
  return core::to_hex(core::ByteView(b));
}

}  // namespace perpx::venues::hl
