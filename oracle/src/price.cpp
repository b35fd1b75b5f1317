#include "perpx/oracle/price.hpp"

#include <cctype>
#include <limits>

namespace perpx::oracle {

std::string_view describe(PriceErrc e) noexcept {
  switch (e) {
    case PriceErrc::kEmpty: return "empty number";
    case PriceErrc::kBadSyntax: return "not a decimal number";
    case PriceErrc::kNotFinite: return "not a finite number (NaN or infinity)";
    case PriceErrc::kHugeExponent: return "exponent out of range (beyond +-40)";
    case PriceErrc::kOutOfRange: return "value out of range (|value| must be below 9.2e9)";
  }
  return "bad number";
}

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

constexpr Int128 kMaxMagnitude = std::numeric_limits<int64_t>::max();

}  // namespace

std::expected<Price, PriceErrc> parse_price(std::string_view s) noexcept {
  if (s.empty()) return std::unexpected(PriceErrc::kEmpty);
  size_t i = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
  }
  const std::string_view body = s.substr(i);
  if (iequals(body, "nan") || iequals(body, "inf") || iequals(body, "infinity"))
    return std::unexpected(PriceErrc::kNotFinite);
  // Mantissa digits as one integer (significant digits only, at most 38),
  // with the decimal exponent they carry.
  Int128 mantissa = 0;
  int32_t exp10 = 0;
  size_t digits = 0;
  bool overflow = false;  // a nonzero digit beyond what fits
  bool seen_point = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (seen_point) return std::unexpected(PriceErrc::kBadSyntax);
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    ++digits;
    if (mantissa < (Int128{1} << 120) / 10) {
      mantissa = mantissa * 10 + (c - '0');
      if (seen_point) --exp10;
    } else {
      if (!seen_point) ++exp10;  // integer digits beyond precision still scale
      if (c != '0') overflow = true;
    }
  }
  if (digits == 0) return std::unexpected(PriceErrc::kBadSyntax);
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return std::unexpected(PriceErrc::kBadSyntax);
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      ++i;
    }
    if (i == s.size()) return std::unexpected(PriceErrc::kBadSyntax);
    int64_t e = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::unexpected(PriceErrc::kBadSyntax);
      e = e * 10 + (s[i] - '0');
      if (e > 1'000'000) return std::unexpected(PriceErrc::kHugeExponent);
    }
    if (e > 40) return std::unexpected(PriceErrc::kHugeExponent);
    exp10 += static_cast<int32_t>(eneg ? -e : e);
  }
  (void)overflow;  // truncated low digits: the value is within 10^-9 (truncation)
  // value = mantissa * 10^exp10; raw = value * 10^9.
  int32_t shift = exp10 + kPriceDecimals;
  Int128 raw = mantissa;
  if (raw != 0) {
    while (shift > 0) {
      if (raw > kMaxMagnitude) return std::unexpected(PriceErrc::kOutOfRange);
      raw *= 10;
      --shift;
    }
    while (shift < 0 && raw != 0) {
      raw /= 10;
      ++shift;
    }
  }
  if (raw > kMaxMagnitude) return std::unexpected(PriceErrc::kOutOfRange);
  return Price{static_cast<int64_t>(negative ? -raw : raw)};
}

std::string to_string(Price p) {
  const bool negative = p.raw < 0;
  const uint64_t mag = negative ? 0 - static_cast<uint64_t>(p.raw) : static_cast<uint64_t>(p.raw);
  const uint64_t scale = static_cast<uint64_t>(kPriceScale);
  std::string out = negative ? "-" : "";
  out += std::to_string(mag / scale);
  uint64_t frac = mag % scale;
  if (frac != 0) {
    char buf[10];
    for (int k = 8; k >= 0; --k) {
      buf[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int len = 9;
    while (len > 0 && buf[len - 1] == '0') --len;
    out += '.';
    out.append(buf, static_cast<size_t>(len));
  }
  return out;
}

std::expected<Price, PriceErrc> from_fixed(const chain::U256& magnitude, bool negative, int32_t exponent) noexcept {
  chain::U256 m = magnitude;
  int32_t shift = exponent + kPriceDecimals;
  const chain::U256 limit{static_cast<uint64_t>(std::numeric_limits<int64_t>::max())};
  if (m == chain::U256{}) return Price{0};
  if (shift > 40) return std::unexpected(PriceErrc::kOutOfRange);
  for (; shift > 0; --shift) {
    if (m > limit) return std::unexpected(PriceErrc::kOutOfRange);
    m = m * chain::U256{10};
  }
  for (; shift < 0 && m != chain::U256{}; ++shift) m = m / chain::U256{10};
  if (m > limit) return std::unexpected(PriceErrc::kOutOfRange);
  const auto v = static_cast<int64_t>(m.w[0]);
  return Price{negative ? -v : v};
}

std::expected<Price, PriceErrc> from_fixed(const chain::FixedPrice& p) noexcept {
  return from_fixed(p.magnitude, p.negative, p.exponent);
}

}  // namespace perpx::oracle
