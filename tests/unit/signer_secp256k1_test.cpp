// secp256k1: RFC 6979 determinism, low-s, recovery, and every KeyError and
// SignatureError.
#include <catch2/catch.hpp>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/secp256k1.hpp"

using namespace perpx;
using namespace perpx::signer;

namespace {
SecretKey key46() { return *SecretKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646"); }
// The EIP-155 example's signing hash and its published r, s.
const core::Hash32 kEip155Hash = *core::parse_hash32("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
}  // namespace

TEST_CASE("signing is RFC 6979 deterministic and matches EIP-155's example", "[signer][secp256k1]") {
  const auto sig = sign_digest(key46(), kEip155Hash);
  CHECK(core::to_decimal(sig.r) == "18515461264373351373200002665853028612451056578545711640558177340181847433846");
  CHECK(core::to_decimal(sig.s) == "46948507304638947509940763649030358759909902576025900602547168820602576006531");
  CHECK(sig.y_parity == 0);
  CHECK(sign_digest(key46(), kEip155Hash) == sig);
  CHECK(core::to_checksum(address_of(key46())) == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
  CHECK(*recover_address(kEip155Hash, sig) == address_of(key46()));
}

TEST_CASE("signatures are low-s, high-s recovers only when allowed", "[signer][secp256k1]") {
  auto key = SecretKey::generate();
  for (int i = 0; i < 50; ++i) {
    core::Hash32 d;
    d.bytes[0] = static_cast<uint8_t>(i);
    const auto sig = sign_digest(key, d);
    CHECK(sig.s <= kHalfCurveOrder);
    Signature high = sig;
    high.s = kCurveOrder - sig.s;
    high.y_parity ^= 1;
    CHECK(recover(d, high).error() == SignatureError::kHighS);
    CHECK(*recover_address(d, high, false) == address_of(key));
  }
}

TEST_CASE("every KeyError and SignatureError", "[signer][secp256k1]") {
  CHECK(SecretKey::from_hex("0x1234").error() == KeyError::kBadHex);
  CHECK(SecretKey::from_hex("0x" + std::string(63, '1') + "g").error() == KeyError::kBadHex);
  CHECK(SecretKey::from_bytes(core::Bytes(31, 1)).error() == KeyError::kWrongLength);
  CHECK(SecretKey::from_hex("0x" + std::string(64, '0')).error() == KeyError::kOutOfRange);
  CHECK(SecretKey::from_hex("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").error() == KeyError::kOutOfRange);
  CHECK(SecretKey::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140").has_value());  // n-1, no 0x

  Signature sig = sign_digest(key46(), kEip155Hash);
  Signature bad = sig;
  bad.y_parity = 2;
  CHECK(recover(kEip155Hash, bad).error() == SignatureError::kBadRecoveryId);
  bad = sig;
  bad.r = core::U256{};
  CHECK(recover(kEip155Hash, bad).error() == SignatureError::kOutOfRange);
  bad = sig;
  bad.r = kCurveOrder;
  CHECK(recover(kEip155Hash, bad).error() == SignatureError::kOutOfRange);
  bad = sig;
  bad.s = kHalfCurveOrder + core::U256{1};
  CHECK(recover(kEip155Hash, bad).error() == SignatureError::kHighS);
  // Some r values are not the x of any curve point: nothing recovers.
  bool seen_unrecoverable = false;
  for (uint64_t r = 1; r < 64 && !seen_unrecoverable; ++r) {
    bad = sig;
    bad.r = core::U256{r};
    seen_unrecoverable = !recover(kEip155Hash, bad) && recover(kEip155Hash, bad).error() == SignatureError::kNoKeyRecovered;
  }
  CHECK(seen_unrecoverable);
  for (auto e : {KeyError::kBadHex, KeyError::kWrongLength, KeyError::kOutOfRange}) CHECK(!describe(e).empty());
  for (auto e : {SignatureError::kBadRecoveryId, SignatureError::kOutOfRange, SignatureError::kHighS, SignatureError::kNoKeyRecovered})
    CHECK(!describe(e).empty());
}

TEST_CASE("r||s||v round trip", "[signer][secp256k1]") {
  const auto sig = sign_digest(key46(), kEip155Hash);
  const auto rsv = to_rsv(sig);
  CHECK(rsv[64] == 27);
  CHECK(*from_rsv(rsv) == sig);
  auto v0 = rsv;
  v0[64] = 0;
  CHECK(*from_rsv(v0) == sig);
  v0[64] = 29;
  CHECK(from_rsv(v0).error() == SignatureError::kBadRecoveryId);
  CHECK(from_rsv(core::ByteView(rsv).first(64)).error() == SignatureError::kOutOfRange);
}

TEST_CASE("a moved-from secret key is wiped", "[signer][secp256k1]") {
  auto a = key46();
  auto b = std::move(a);
  CHECK(a.expose_secret() == std::array<uint8_t, 32>{});  // NOLINT(bugprone-use-after-move): the point of the test
  CHECK(b.expose_secret()[0] == 0x46);
}
