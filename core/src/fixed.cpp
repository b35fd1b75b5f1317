#include "perpx/core/fixed.hpp"

#include <algorithm>

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

std::expected<U256, std::string> parse_wad(std::string_view s) {
  const std::string shown(s.substr(0, 40));
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  auto digits = [](std::string_view d) { return d.find_first_not_of("0123456789") == std::string_view::npos; };
  if (whole.empty() || !digits(whole) || !digits(frac) || (dot != std::string_view::npos && frac.empty()))
    return std::unexpected("not a plain decimal number: \"" + shown + "\"");
  if (frac.size() > 18) return std::unexpected("more than 18 decimals: \"" + shown + "\"");
  std::string all(whole);
  all += frac;
  all.append(18 - frac.size(), '0');
  all.erase(0, std::min(all.find_first_not_of('0'), all.size() - 1));  // parse_decimal refuses leading zeros
  auto v = parse_decimal(all);
  if (!v) return std::unexpected("out of range: \"" + shown + "\"");
  return *v;
}

std::string wad_to_string(const I256& v) { return (v.negative() ? "-" : "") + wad_to_string(v.abs()); }

}  // namespace perpx::core
