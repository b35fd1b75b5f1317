#include "perpx/core/hex.hpp"

namespace perpx::core {

std::string_view describe(HexError e) noexcept {
  switch (e) {
    case HexError::kMissingPrefix: return "hex must start with 0x";
    case HexError::kOddLength: return "hex has an odd number of digits";
    case HexError::kBadDigit: return "invalid hex digit";
    case HexError::kWrongLength: return "hex has the wrong length";
  }
  return "invalid hex";
}

namespace {

std::expected<std::string_view, HexError> digits_of(std::string_view s) {
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::unexpected(HexError::kMissingPrefix);
  s.remove_prefix(2);
  if (s.size() % 2 != 0) return std::unexpected(HexError::kOddLength);
  return s;
}

bool decode_digits(std::string_view d, uint8_t* out) {
  for (size_t i = 0; i < d.size(); i += 2) {
    const int hi = hex_digit_value(d[i]);
    const int lo = hex_digit_value(d[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return true;
}

}  // namespace

std::expected<Bytes, HexError> parse_hex(std::string_view s) {
  auto d = digits_of(s);
  if (!d) return std::unexpected(d.error());
  Bytes out(d->size() / 2);
  if (!decode_digits(*d, out.data())) return std::unexpected(HexError::kBadDigit);
  return out;
}

std::expected<void, HexError> parse_hex_into(std::string_view s, std::span<uint8_t> out) {
  auto d = digits_of(s);
  if (!d) return std::unexpected(d.error());
  if (d->size() != out.size() * 2) return std::unexpected(HexError::kWrongLength);
  if (!decode_digits(*d, out.data())) return std::unexpected(HexError::kBadDigit);
  return {};
}

std::expected<Hash32, HexError> parse_hash32(std::string_view s) {
  Hash32 h;
  if (auto r = parse_hex_into(s, h.bytes); !r) return std::unexpected(r.error());
  return h;
}

void hex_digits_into(char* out, ByteView b) noexcept {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < b.size(); ++i) {
    out[2 * i] = kDigits[b[i] >> 4];
    out[2 * i + 1] = kDigits[b[i] & 0xf];
  }
}

std::string to_hex(ByteView b) {
  std::string s(2 + 2 * b.size(), '0');
  s[1] = 'x';
  hex_digits_into(s.data() + 2, b);
  return s;
}

}  // namespace perpx::core
