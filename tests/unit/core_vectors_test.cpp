// Known answers and a differential check for core::keccak256 / core::Keccak256
// against Crypto++'s Keccak_256 (the original Keccak padding, as Ethereum uses),
// and the EIP-55 examples for parse_address / to_checksum.
#include <cryptopp/keccak.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "perpx/core/address.hpp"
#include "perpx/core/bytes.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"

namespace {

using perpx::core::ByteView;
using perpx::core::Bytes;

std::string keccak_hex(ByteView b) { return perpx::core::to_hex(perpx::core::keccak256(b)); }

std::string cryptopp_keccak_hex(ByteView b) {
  CryptoPP::Keccak_256 h;
  std::array<uint8_t, 32> d{};
  h.CalculateDigest(d.data(), b.data(), b.size());
  return perpx::core::to_hex(ByteView(d));
}

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Byte i of a pattern message is i mod 256.
Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i & 0xff);
  return b;
}

// Deterministic bytes from a fixed-seed mt19937_64 (whose output sequence the
// standard fixes, unlike the distributions).
Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng() >> 56);
  return b;
}

}  // namespace

TEST_CASE("keccak256 known answers", "[core][keccak][vectors]") {
  // Empty and "abc": the Keccak team's Keccak-256 (not SHA3-256) values.
  CHECK(keccak_hex({}) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(keccak_hex(ascii("abc")) == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // 200 bytes of 0xa3 (the NIST "1600-bit message" pattern), Keccak padding.
  CHECK(keccak_hex(Bytes(200, 0xa3)) == "0x3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
  // Around the 136-byte rate: one byte short of a block, a full block (padding
  // needs a whole extra block), one byte over, two blocks. Values from ethers
  // 6.17.0 keccak256 and checked below against Crypto++ too.
  CHECK(keccak_hex(pattern(135)) == "0xcbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62");
  CHECK(keccak_hex(pattern(136)) == "0x7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e");
  CHECK(keccak_hex(pattern(137)) == "0xac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db");
  CHECK(keccak_hex(pattern(272)) == "0xfdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e");
}

TEST_CASE("keccak256 known answers agree with Crypto++", "[core][keccak][vectors]") {
  CHECK(cryptopp_keccak_hex({}) == keccak_hex({}));
  CHECK(cryptopp_keccak_hex(Bytes(200, 0xa3)) == keccak_hex(Bytes(200, 0xa3)));
  for (size_t n : {size_t{1}, size_t{135}, size_t{136}, size_t{137}, size_t{271}, size_t{272}, size_t{273}})
    CHECK(cryptopp_keccak_hex(pattern(n)) == keccak_hex(pattern(n)));
}

TEST_CASE("keccak256 matches Crypto++ Keccak_256 on random inputs", "[core][keccak][differential]") {
  std::mt19937_64 rng(0x5eed'cafe'f00dULL);
  int mismatches = 0;
  for (int i = 0; i < 600; ++i) {
    const size_t len = static_cast<size_t>(rng() % 1001);  // 0..1000
    const Bytes msg = random_bytes(rng, len);
    const std::string want = cryptopp_keccak_hex(msg);
    const std::string got = keccak_hex(msg);
    if (got != want && ++mismatches <= 5) {
      INFO("length " << len << " input " << perpx::core::to_hex(msg));
      CHECK(got == want);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("Keccak256 incremental over random splits equals one-shot", "[core][keccak][differential]") {
  std::mt19937_64 rng(0x1234'5678'9abcULL);
  int mismatches = 0;
  for (int i = 0; i < 400; ++i) {
    const size_t len = static_cast<size_t>(rng() % 1001);
    const Bytes msg = random_bytes(rng, len);
    perpx::core::Keccak256 h;
    size_t pos = 0;
    std::string splits;
    while (pos < len) {
      // Mix tiny, rate-sized and larger pieces, and empty updates.
      size_t piece = 0;
      switch (rng() % 4) {
        case 0: piece = static_cast<size_t>(rng() % 8); break;
        case 1: piece = 136; break;
        case 2: piece = static_cast<size_t>(rng() % 300); break;
        default: piece = static_cast<size_t>(rng() % 137); break;
      }
      if (piece > len - pos) piece = len - pos;
      h.update(ByteView(msg).subspan(pos, piece));
      pos += piece;
      splits += std::to_string(piece) + " ";
    }
    const std::string got = perpx::core::to_hex(h.finish());
    const std::string want = cryptopp_keccak_hex(msg);
    if (got != want && ++mismatches <= 5) {
      INFO("length " << len << " splits " << splits);
      CHECK(got == want);
    }
    // reset() makes the object reusable.
    h.reset();
    h.update(msg);
    CHECK(perpx::core::to_hex(h.finish()) == want);
  }
  CHECK(mismatches == 0);
}

namespace {

std::string checksum_of(std::string_view s) {
  auto a = perpx::core::parse_address(s);
  if (!a) return "error: " + std::string(perpx::core::describe(a.error()));
  return perpx::core::to_checksum(*a);
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string upper_digits(std::string s) {
  for (size_t i = 2; i < s.size(); ++i)
    if (s[i] >= 'a' && s[i] <= 'f') s[i] = static_cast<char>(s[i] - 'a' + 'A');
  return s;
}

// Flips the case of the first letter digit: a checksummed address with one
// letter's case wrong.
std::string flip_first_letter(std::string s) {
  for (size_t i = 2; i < s.size(); ++i) {
    if (s[i] >= 'a' && s[i] <= 'f') { s[i] = static_cast<char>(s[i] - 'a' + 'A'); return s; }
    if (s[i] >= 'A' && s[i] <= 'F') { s[i] = static_cast<char>(s[i] - 'A' + 'a'); return s; }
  }
  return s;
}

// EIP-55 (ethereum/EIPs EIPS/eip-55.md): the "Normal" group is in the EIP's
// test() lines; the "All caps" and "All lower" groups are from the EIP's test
// cases section. All eight were checked with ethers 6.17.0 getAddress.
const std::vector<std::string> kEip55 = {
    // All caps
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    // All lower
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    // Normal
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
};

}  // namespace

TEST_CASE("EIP-55 examples: checksum output", "[core][address][eip55][vectors]") {
  for (const auto& want : kEip55) {
    INFO(want);
    CHECK(checksum_of(want) == want);                // the checksummed form itself parses
    CHECK(checksum_of(lower(want)) == want);         // all-lowercase is accepted as is
    CHECK(checksum_of(upper_digits(want)) == want);  // all-uppercase is accepted as is
  }
}

TEST_CASE("EIP-55 examples: a wrong mixed case is rejected", "[core][address][eip55][vectors]") {
  for (const auto& good : kEip55) {
    const std::string bad = flip_first_letter(good);
    // A flip in an all-caps or all-lower address is mixed case with one wrong
    // letter too, unless the address has a single letter digit (none here).
    INFO(good << " -> " << bad);
    auto r = perpx::core::parse_address(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == perpx::core::AddressError::kBadChecksum);
  }
}
