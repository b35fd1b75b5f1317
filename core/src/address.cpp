#include "perpx/core/address.hpp"

#include <cstring>

#include "perpx/core/keccak.hpp"

namespace perpx::core {

std::string_view describe(AddressError e) noexcept {
  switch (e) {
    case AddressError::kMissingPrefix: return "address must start with 0x";
    case AddressError::kWrongLength: return "address must be 40 hex digits";
    case AddressError::kBadDigit: return "invalid hex digit in address";
    case AddressError::kBadChecksum: return "address has a mixed-case EIP-55 checksum that does not match";
  }
  return "invalid address";
}

namespace {
// EIP-55: the i-th letter is upper case when the i-th nibble of
// keccak256(lowercase hex digits) is >= 8.
void checksum_digits(char digits[40], const Address& a) noexcept {
  hex_digits_into(digits, a.bytes);
  const Hash32 h = keccak256(ByteView(reinterpret_cast<const uint8_t*>(digits), 40));
  for (int i = 0; i < 40; ++i) {
    const uint8_t nibble = (i % 2 == 0) ? (h.bytes[static_cast<size_t>(i / 2)] >> 4) : (h.bytes[static_cast<size_t>(i / 2)] & 0xf);
    if (digits[i] >= 'a' && nibble >= 8) digits[i] = static_cast<char>(digits[i] - 'a' + 'A');
  }
}
}  // namespace

std::expected<Address, AddressError> parse_address(std::string_view s) {
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::unexpected(AddressError::kMissingPrefix);
  const std::string_view d = s.substr(2);
  if (d.size() != 40) return std::unexpected(AddressError::kWrongLength);
  bool lower = false, upper = false;
  for (char c : d) {
    if (hex_digit_value(c) < 0) return std::unexpected(AddressError::kBadDigit);
    lower |= (c >= 'a' && c <= 'f');
    upper |= (c >= 'A' && c <= 'F');
  }
  Address a;
  for (size_t i = 0; i < 20; ++i)
    a.bytes[i] = static_cast<uint8_t>((hex_digit_value(d[2 * i]) << 4) | hex_digit_value(d[2 * i + 1]));
  if (lower && upper) {
    char expect[40];
    checksum_digits(expect, a);
    if (std::memcmp(expect, d.data(), 40) != 0) return std::unexpected(AddressError::kBadChecksum);
  }
  return a;
}

std::string to_checksum(const Address& a) {
  std::string s(42, '0');
  s[1] = 'x';
  checksum_digits(s.data() + 2, a);
  return s;
}

Address address_from_word(const Hash32& h) noexcept {
  Address a;
  std::memcpy(a.bytes.data(), h.bytes.data() + 12, 20);
  return a;
}

}  // namespace perpx::core
