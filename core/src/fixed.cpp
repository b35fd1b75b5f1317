#include "perpx/core/fixed.hpp"

namespace perpx::core {

std::string to_decimal(const I256& v) {
  return v.negative() ? "-" + core::to_decimal(v.abs()) : core::to_decimal(v.bits);
}

std::expected<I256, std::string> parse_i256(const Json& j) {
  auto s = json_signed_integer(j);
  if (!s) return std::unexpected(s.error().message);
  const U256 limit = U256{1} << 255;
  if (s->negative ? s->magnitude > limit : s->magnitude >= limit) return std::unexpected("does not fit int256");
  const I256 m = I256::from_u256(s->magnitude);
  return s->negative ? -m : m;
}

std::string wad_to_string(const U256& v) {
  const U256 whole = v / kWad;
  std::string frac = to_decimal(v % kWad);
  if (frac == "0") return to_decimal(whole);
  frac.insert(0, 18 - frac.size(), '0');
  while (frac.back() == '0') frac.pop_back();
  return to_decimal(whole) + "." + frac;
}

std::string wad_to_string(const I256& v) { return (v.negative() ? "-" : "") + wad_to_string(v.abs()); }

}  // namespace perpx::core
