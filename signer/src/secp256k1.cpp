#include "perpx/signer/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>  // explicit_bzero
#include <sys/random.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "perpx/core/hex.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/keccak.hpp"
#include "secp_context.hpp"

namespace perpx::signer {

namespace detail {

void fill_random(uint8_t* out, size_t n) {
  while (n > 0) {
    const ssize_t k = getrandom(out, n, 0);
    if (k < 0) throw std::runtime_error("getrandom failed");
    out += k;
    n -= static_cast<size_t>(k);
  }
}

// One context for the process, randomised once against side channels.
const secp256k1_context* context() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    uint8_t seed[32];
    fill_random(seed, sizeof seed);
    if (secp256k1_context_randomize(c, seed) != 1) std::abort();
    explicit_bzero(seed, sizeof seed);
    return c;
  }();
  return ctx;
}

}  // namespace detail

namespace {

using detail::context;
using detail::fill_random;

using core::U256;


void u256_to_be32(uint8_t* out, const U256& v) noexcept { core::to_be(std::span<uint8_t, 32>(out, 32), v); }

PublicKey to_public_key(const secp256k1_pubkey& pub) noexcept {
  uint8_t ser[65];
  size_t len = sizeof ser;
  secp256k1_ec_pubkey_serialize(context(), ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  PublicKey out;
  std::memcpy(out.xy.data(), ser + 1, 64);
  return out;
}

}  // namespace

std::string_view describe(KeyError e) noexcept {
  switch (e) {
    case KeyError::kBadHex: return "private key must be 64 hex digits (0x optional)";
    case KeyError::kWrongLength: return "private key must be 32 bytes";
    case KeyError::kOutOfRange: return "private key is zero or not below the curve order";
  }
  return "invalid private key";
}

std::string_view describe(SignatureError e) noexcept {
  switch (e) {
    case SignatureError::kBadRecoveryId: return "signature recovery id (v) is invalid";
    case SignatureError::kOutOfRange: return "signature r or s is zero or not below the curve order";
    case SignatureError::kHighS: return "signature s is above n/2 (EIP-2)";
    case SignatureError::kNoKeyRecovered: return "no public key recovers from this signature";
  }
  return "invalid signature";
}

std::expected<SecretKey, KeyError> SecretKey::from_bytes(ByteView b) noexcept {
  if (b.size() != 32) return std::unexpected(KeyError::kWrongLength);
  SecretKey k;
  std::memcpy(k.key_.data(), b.data(), 32);
  if (secp256k1_ec_seckey_verify(context(), k.key_.data()) != 1) return std::unexpected(KeyError::kOutOfRange);
  return k;
}

std::expected<SecretKey, KeyError> SecretKey::from_hex(std::string_view s) noexcept {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.size() != 64) return std::unexpected(KeyError::kBadHex);
  SecretKey k;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = core::hex_digit_value(s[2 * i]), lo = core::hex_digit_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::unexpected(KeyError::kBadHex);
    k.key_[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  if (secp256k1_ec_seckey_verify(context(), k.key_.data()) != 1) return std::unexpected(KeyError::kOutOfRange);
  return k;
}

SecretKey SecretKey::generate() {
  SecretKey k;
  do fill_random(k.key_.data(), 32);
  while (secp256k1_ec_seckey_verify(context(), k.key_.data()) != 1);
  return k;
}

SecretKey::SecretKey(SecretKey&& other) noexcept : key_(other.key_) { other.wipe(); }

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    key_ = other.key_;
    other.wipe();
  }
  return *this;
}

SecretKey::~SecretKey() { wipe(); }

void SecretKey::wipe() noexcept { explicit_bzero(key_.data(), key_.size()); }

Signature sign_digest(const SecretKey& key, const Hash32& digest) noexcept {
  secp256k1_ecdsa_recoverable_signature rsig;
  // The default nonce function is RFC 6979; libsecp256k1 always emits low-s.
  if (secp256k1_ecdsa_sign_recoverable(context(), &rsig, digest.bytes.data(), key.expose_secret().data(), nullptr, nullptr) != 1)
    std::abort();  // only fails for an invalid key, which SecretKey rules out
  uint8_t compact[64];
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &recid, &rsig);
  Signature sig;
  sig.r = *core::from_be(ByteView(compact, 32));
  sig.s = *core::from_be(ByteView(compact + 32, 32));
  sig.y_parity = static_cast<uint8_t>(recid);
  return sig;
}

std::expected<PublicKey, SignatureError> recover(const Hash32& digest, const Signature& sig, bool require_low_s) noexcept {
  if (sig.y_parity > 1) return std::unexpected(SignatureError::kBadRecoveryId);
  if (sig.r.is_zero() || sig.s.is_zero() || sig.r >= kCurveOrder || sig.s >= kCurveOrder) return std::unexpected(SignatureError::kOutOfRange);
  if (require_low_s && sig.s > kHalfCurveOrder) return std::unexpected(SignatureError::kHighS);
  uint8_t compact[64];
  u256_to_be32(compact, sig.r);
  u256_to_be32(compact + 32, sig.s);
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &rsig, compact, sig.y_parity) != 1)
    return std::unexpected(SignatureError::kOutOfRange);
  secp256k1_pubkey pub;
  if (secp256k1_ecdsa_recover(context(), &pub, &rsig, digest.bytes.data()) != 1)
    return std::unexpected(SignatureError::kNoKeyRecovered);
  return to_public_key(pub);
}

std::expected<Address, SignatureError> recover_address(const Hash32& digest, const Signature& sig, bool require_low_s) noexcept {
  auto pub = recover(digest, sig, require_low_s);
  if (!pub) return std::unexpected(pub.error());
  return address_of(*pub);
}

PublicKey public_key_of(const SecretKey& key) noexcept {
  secp256k1_pubkey pub;
  if (secp256k1_ec_pubkey_create(context(), &pub, key.expose_secret().data()) != 1) std::abort();
  return to_public_key(pub);
}

Address address_of(const PublicKey& pub) noexcept { return core::address_from_word(core::keccak256(pub.xy)); }

Address address_of(const SecretKey& key) noexcept { return address_of(public_key_of(key)); }

std::array<uint8_t, 65> to_rsv(const Signature& sig) noexcept {
  std::array<uint8_t, 65> out{};
  u256_to_be32(out.data(), sig.r);
  u256_to_be32(out.data() + 32, sig.s);
  out[64] = static_cast<uint8_t>(27 + sig.y_parity);
  return out;
}

std::expected<Signature, SignatureError> from_rsv(ByteView b) noexcept {
  if (b.size() != 65) return std::unexpected(SignatureError::kOutOfRange);
  Signature sig;
  sig.r = *core::from_be(b.first(32));
  sig.s = *core::from_be(b.subspan(32, 32));
  const uint8_t v = b[64];
  if (v == 0 || v == 1) sig.y_parity = v;
  else if (v == 27 || v == 28) sig.y_parity = static_cast<uint8_t>(v - 27);
  else return std::unexpected(SignatureError::kBadRecoveryId);
  return sig;
}

}  // namespace perpx::signer
