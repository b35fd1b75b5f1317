#include "perpx/signer/presign.hpp"

#include <secp256k1.h>
#include <string.h>  // explicit_bzero
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "secp_context.hpp"

namespace perpx::signer {

namespace {

using Scalar = std::array<uint8_t, 32>;

// n - 2, the exponent of k^-1 = k^(n-2) mod n (Fermat: n is prime).
constexpr Scalar kOrderMinus2 = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
                                 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x3F};

Scalar be32(const core::U256& v) noexcept {
  Scalar out;
  core::to_be(std::span<uint8_t, 32>(out), v);
  return out;
}

// x <- x * y mod n (both valid scalars: nonzero, below n).
bool mul(Scalar& x, const Scalar& y) noexcept { return secp256k1_ec_seckey_tweak_mul(detail::context(), x.data(), y.data()) == 1; }

// k^(n-2) mod n by square and multiply over the public exponent's bits
// (the sequence of operations does not depend on k).
bool inverse(const Scalar& k, Scalar& out) noexcept {
  bool started = false;
  for (int bit = 255; bit >= 0; --bit) {
    if (started) {
      Scalar sq = out;
      if (!mul(out, sq)) return false;
      explicit_bzero(sq.data(), sq.size());
    }
    if ((kOrderMinus2[static_cast<size_t>(31 - bit / 8)] >> (bit % 8)) & 1u) {
      if (!started) {
        out = k;
        started = true;
      } else if (!mul(out, k)) {
        return false;
      }
    }
  }
  return started;
}

}  // namespace

NoncePool::NoncePool(const SecretKey& key, size_t capacity)
    : key_(key), capacity_(std::clamp<size_t>(capacity, 1, kMaxEntries)), pid_(::getpid()) {}

NoncePool::~NoncePool() {
  for (auto& e : entries_) wipe(e);
}

void NoncePool::wipe(Entry& e) noexcept {
  explicit_bzero(e.kinv.data(), e.kinv.size());
  explicit_bzero(e.a.data(), e.a.size());
  explicit_bzero(e.r.data(), e.r.size());
  e.y_parity = 0;
}

bool NoncePool::make(Entry& e) {
  const secp256k1_context* ctx = detail::context();
  Scalar k;
  detail::fill_random(k.data(), k.size());
  bool ok = secp256k1_ec_seckey_verify(ctx, k.data()) == 1;
  secp256k1_pubkey pub;
  uint8_t ser[65];
  if (ok) {
    size_t len = sizeof ser;
    ok = secp256k1_ec_pubkey_create(ctx, &pub, k.data()) == 1 &&
         secp256k1_ec_pubkey_serialize(ctx, ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED) == 1;
  }
  if (ok) {
    std::memcpy(e.r.data(), ser + 1, 32);
    e.y_parity = ser[64] & 1u;
    // R.x at or above n (about 2^-128) would need recovery ids 2 and 3,
    // which Ethereum has no room for: such a k is not used.
    ok = secp256k1_ec_seckey_verify(ctx, e.r.data()) == 1 && inverse(k, e.kinv);
  }
  if (ok) {
    e.a = e.kinv;
    ok = mul(e.a, e.r) && mul(e.a, key_.expose_secret());
  }
  explicit_bzero(k.data(), k.size());
  explicit_bzero(ser, sizeof ser);
  if (!ok) wipe(e);
  return ok;
}

size_t NoncePool::refill(size_t n) {
  if (pid_ != ::getpid()) {  // a forked child: the parent's entries are the parent's
    for (size_t i = 0; i < count_; ++i) wipe(entries_[i]);
    count_ = 0;
    pid_ = ::getpid();
  }
  size_t added = 0;
  while (count_ < capacity_ && added < n)
    if (make(entries_[count_])) {
      ++count_;
      ++added;
    }
  return added;
}

Signature NoncePool::sign(const Hash32& digest) noexcept {
  const secp256k1_context* ctx = detail::context();
  if (count_ > 0 && pid_ == ::getpid()) {
    Entry& e = entries_[--count_];
    // z = the digest mod n (it is below 2n); s = kinv*z + a.
    core::U256 z = *core::from_be(digest.view());
    if (z >= kCurveOrder) z = z - kCurveOrder;
    Scalar s = e.kinv;
    const Scalar zb = be32(z);
    bool ok = !z.is_zero() && mul(s, zb) && secp256k1_ec_seckey_tweak_add(ctx, s.data(), e.a.data()) == 1;
    Signature sig;
    if (ok) {
      sig.r = *core::from_be(core::ByteView(e.r.data(), 32));
      sig.s = *core::from_be(core::ByteView(s.data(), 32));
      sig.y_parity = e.y_parity;
      if (sig.s > kHalfCurveOrder) {  // EIP-2: s' = n - s signs for -R
        sig.s = kCurveOrder - sig.s;
        sig.y_parity ^= 1u;
      }
    }
    explicit_bzero(s.data(), s.size());
    wipe(e);
    if (ok) {
      ++presigned_;
      return sig;
    }
    // z = 0 or s = 0 (each about 2^-256): the entry is spent all the same.
  } else if (count_ > 0) {
    for (size_t i = 0; i < count_; ++i) wipe(entries_[i]);
    count_ = 0;
  }
  ++fallbacks_;
  return sign_digest(key_, digest);
}

}  // namespace perpx::signer
