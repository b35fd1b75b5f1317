#include "perpx/core/u256.hpp"

#include <algorithm>
#include <bit>

#include "perpx/core/hex.hpp"

namespace perpx::core {

namespace {
__extension__ using u128 = unsigned __int128;
}

std::string_view describe(U256Error e) noexcept {
  switch (e) {
    case U256Error::kEmpty: return "empty number";
    case U256Error::kBadDigit: return "invalid digit in number";
    case U256Error::kOverflow: return "number does not fit in 256 bits";
    case U256Error::kLeadingZero: return "number has a leading zero";
    case U256Error::kTooLong: return "more than 32 bytes";
    case U256Error::kSign: return "number must not be negative";
  }
  return "invalid number";
}

unsigned U256::bit_length() const noexcept {
  for (int i = 3; i >= 0; --i)
    if (w[i] != 0) return static_cast<unsigned>(i) * 64 + 64 - static_cast<unsigned>(std::countl_zero(w[i]));
  return 0;
}

U256 operator+(const U256& a, const U256& b) noexcept {
  U256 r;
  unsigned long long carry = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned long long s;
    const bool c1 = __builtin_add_overflow(a.w[i], b.w[i], &s);
    const bool c2 = __builtin_add_overflow(s, carry, &s);
    r.w[i] = s;
    carry = (c1 || c2) ? 1 : 0;
  }
  return r;
}

U256 operator-(const U256& a, const U256& b) noexcept {
  U256 r;
  unsigned long long borrow = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned long long d;
    const bool b1 = __builtin_sub_overflow(a.w[i], b.w[i], &d);
    const bool b2 = __builtin_sub_overflow(d, borrow, &d);
    r.w[i] = d;
    borrow = (b1 || b2) ? 1 : 0;
  }
  return r;
}

namespace {
// Full 512-bit product's low 256 bits, and whether the high half is non-zero.
U256 mul_wide(const U256& a, const U256& b, bool& overflow) noexcept {
  uint64_t r[8]{};
  for (int i = 0; i < 4; ++i) {
    uint64_t carry = 0;
    for (int j = 0; j < 4; ++j) {
      const u128 t = static_cast<u128>(a.w[i]) * b.w[j] + r[i + j] + carry;
      r[i + j] = static_cast<uint64_t>(t);
      carry = static_cast<uint64_t>(t >> 64);
    }
    r[i + 4] = carry;
  }
  overflow = (r[4] | r[5] | r[6] | r[7]) != 0;
  return U256{r[3], r[2], r[1], r[0]};
}
}  // namespace

U256 operator*(const U256& a, const U256& b) noexcept {
  U256 r;
  for (int i = 0; i < 4; ++i) {
    uint64_t carry = 0;
    for (int j = 0; i + j < 4; ++j) {
      const u128 t = static_cast<u128>(a.w[i]) * b.w[j] + r.w[i + j] + carry;
      r.w[i + j] = static_cast<uint64_t>(t);
      carry = static_cast<uint64_t>(t >> 64);
    }
  }
  return r;
}

U256 operator<<(const U256& a, unsigned n) noexcept {
  if (n >= 256) return {};
  U256 r;
  const unsigned limbs = n / 64, bits = n % 64;
  for (int i = 3; i >= static_cast<int>(limbs); --i) {
    const unsigned src = static_cast<unsigned>(i) - limbs;
    uint64_t v = a.w[src] << bits;
    if (bits != 0 && src > 0) v |= a.w[src - 1] >> (64 - bits);
    r.w[i] = v;
  }
  return r;
}

U256 operator>>(const U256& a, unsigned n) noexcept {
  if (n >= 256) return {};
  U256 r;
  const unsigned limbs = n / 64, bits = n % 64;
  for (unsigned i = 0; i + limbs < 4; ++i) {
    const unsigned src = i + limbs;
    uint64_t v = a.w[src] >> bits;
    if (bits != 0 && src + 1 < 4) v |= a.w[src + 1] << (64 - bits);
    r.w[i] = v;
  }
  return r;
}

U256 operator&(const U256& a, const U256& b) noexcept { return U256{a.w[3] & b.w[3], a.w[2] & b.w[2], a.w[1] & b.w[1], a.w[0] & b.w[0]}; }
U256 operator|(const U256& a, const U256& b) noexcept { return U256{a.w[3] | b.w[3], a.w[2] | b.w[2], a.w[1] | b.w[1], a.w[0] | b.w[0]}; }
U256 operator^(const U256& a, const U256& b) noexcept { return U256{a.w[3] ^ b.w[3], a.w[2] ^ b.w[2], a.w[1] ^ b.w[1], a.w[0] ^ b.w[0]}; }
U256 operator~(const U256& a) noexcept { return U256{~a.w[3], ~a.w[2], ~a.w[1], ~a.w[0]}; }

DivMod64 divmod(const U256& a, uint64_t d) noexcept {
  DivMod64 r;
  u128 rem = 0;
  for (int i = 3; i >= 0; --i) {
    const u128 cur = (rem << 64) | a.w[i];
    r.quot.w[i] = static_cast<uint64_t>(cur / d);
    rem = cur % d;
  }
  r.rem = static_cast<uint64_t>(rem);
  return r;
}

namespace {
// Schoolbook binary long division; not on any hot path.
void divmod_full(const U256& a, const U256& b, U256& q, U256& r) noexcept {
  q = {};
  r = {};
  if (b.fits_u64()) {
    const auto d = divmod(a, b.w[0]);
    q = d.quot;
    r = U256{d.rem};
    return;
  }
  for (int i = static_cast<int>(a.bit_length()) - 1; i >= 0; --i) {
    r = r << 1;
    if (a.bit(static_cast<unsigned>(i))) r.w[0] |= 1;
    if (r >= b) {
      r = r - b;
      q.w[i / 64] |= 1ull << (i % 64);
    }
  }
}
}  // namespace

U256 operator/(const U256& a, const U256& b) noexcept {
  U256 q, r;
  divmod_full(a, b, q, r);
  return q;
}

U256 operator%(const U256& a, const U256& b) noexcept {
  U256 q, r;
  divmod_full(a, b, q, r);
  return r;
}

std::expected<U256, U256Error> checked_add(const U256& a, const U256& b) noexcept {
  U256 r = a + b;
  if (r < a) return std::unexpected(U256Error::kOverflow);
  return r;
}

std::expected<U256, U256Error> checked_sub(const U256& a, const U256& b) noexcept {
  if (b > a) return std::unexpected(U256Error::kOverflow);
  return a - b;
}

std::expected<U256, U256Error> checked_mul(const U256& a, const U256& b) noexcept {
  bool overflow = false;
  U256 r = mul_wide(a, b, overflow);
  if (overflow) return std::unexpected(U256Error::kOverflow);
  return r;
}

namespace {
// v = v * m + a for m, a below 2^64; false when the result passes 256 bits.
bool mul_add_small(U256& v, uint64_t m, uint64_t a) noexcept {
  u128 carry = a;
  for (auto& limb : v.w) {
    const u128 t = static_cast<u128>(limb) * m + carry;
    limb = static_cast<uint64_t>(t);
    carry = t >> 64;
  }
  return carry == 0;
}
}  // namespace

std::expected<U256, U256Error> parse_decimal(std::string_view s) noexcept {
  if (s.empty()) return std::unexpected(U256Error::kEmpty);
  if (s[0] == '-' || s[0] == '+') return std::unexpected(U256Error::kSign);
  if (s.size() > 1 && s[0] == '0') return std::unexpected(U256Error::kLeadingZero);
  // Up to 19 digits at a time in 64 bits, then v = v * 10^k + chunk. The
  // value of a prefix only grows, so overflow is found at the chunk (or the
  // partial chunk before a bad digit) just as digit by digit: a number that
  // overflows before its first bad digit is kOverflow, otherwise kBadDigit.
  U256 v;
  for (size_t i = 0; i < s.size();) {
    uint64_t chunk = 0, scale = 1;
    for (size_t k = 0; k < 19 && i < s.size(); ++k, ++i) {
      const char c = s[i];
      if (c < '0' || c > '9') {
        if (!mul_add_small(v, scale, chunk)) return std::unexpected(U256Error::kOverflow);
        return std::unexpected(U256Error::kBadDigit);
      }
      chunk = chunk * 10 + static_cast<uint64_t>(c - '0');
      scale *= 10;
    }
    if (!mul_add_small(v, scale, chunk)) return std::unexpected(U256Error::kOverflow);
  }
  return v;
}

std::expected<U256, U256Error> parse_hex_u256(std::string_view s) noexcept {
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::unexpected(U256Error::kBadDigit);
  s.remove_prefix(2);
  if (s.empty()) return std::unexpected(U256Error::kEmpty);
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  if (s.size() > 64) {
    for (char c : s)
      if (hex_digit_value(c) < 0) return std::unexpected(U256Error::kBadDigit);
    return std::unexpected(U256Error::kOverflow);
  }
  U256 v;
  for (char c : s) {
    const int d = hex_digit_value(c);
    if (d < 0) return std::unexpected(U256Error::kBadDigit);
    v = v << 4;
    v.w[0] |= static_cast<uint64_t>(d);
  }
  return v;
}

std::expected<U256, U256Error> parse_u256(std::string_view s) noexcept {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return parse_hex_u256(s);
  return parse_decimal(s);
}

std::expected<U256, U256Error> from_be(ByteView b) noexcept {
  if (b.size() > 32) return std::unexpected(U256Error::kTooLong);
  U256 v;
  for (size_t i = 0; i < b.size(); ++i) {
    const size_t bit_pos = (b.size() - 1 - i) * 8;
    v.w[bit_pos / 64] |= static_cast<uint64_t>(b[i]) << (bit_pos % 64);
  }
  return v;
}

void to_be(std::span<uint8_t, 32> out, const U256& v) noexcept {
  for (int i = 0; i < 4; ++i) {
    const uint64_t limb = v.w[3 - i];
    for (int j = 0; j < 8; ++j) out[static_cast<size_t>(i * 8 + j)] = static_cast<uint8_t>(limb >> (56 - 8 * j));
  }
}

size_t to_be_trimmed(std::span<uint8_t, 32> out, const U256& v) noexcept {
  const size_t n = v.byte_length();
  uint8_t full[32];
  to_be(full, v);
  std::copy(full + 32 - n, full + 32, out.begin());
  return n;
}

std::string to_decimal(const U256& v) {
  if (v.is_zero()) return "0";
  constexpr uint64_t kChunk = 10'000'000'000'000'000'000ull;  // 10^19
  std::string out;
  U256 cur = v;
  while (!cur.is_zero()) {
    const auto d = divmod(cur, kChunk);
    cur = d.quot;
    uint64_t rem = d.rem;
    for (int i = 0; i < 19; ++i) {
      if (cur.is_zero() && rem == 0) break;
      out.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string to_hex_quantity(const U256& v) {
  if (v.is_zero()) return "0x0";
  uint8_t buf[32];
  const size_t n = to_be_trimmed(buf, v);
  std::string s = to_hex(ByteView(buf, n));
  if (s[2] == '0') s.erase(2, 1);
  return s;
}

}  // namespace perpx::core
