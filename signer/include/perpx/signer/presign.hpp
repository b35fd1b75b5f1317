#pragma once
// Precomputed ECDSA nonces for the hot path.
//
// Most of an ECDSA signature's cost is the nonce's: R = k*G and k^-1. A
// NoncePool does that ahead, between events (refill, about 60 us an entry):
// a fresh k from getrandom() (not RFC 6979: the message is not known yet),
// r = R.x and its y parity, kinv = k^-1 mod n and a = kinv*r*d mod n. To
// sign a digest z it then only computes s = kinv*z + a mod n (= k^-1(z +
// r*d)), normalised to low s: two scalar operations, well under a
// microsecond. Every scalar operation is libsecp256k1's own constant-time
// code (seckey tweak mul/add/negate); nothing here branches on a secret.
//
// Each entry signs once and is wiped as it is used: a k that signed two
// different digests would give the key away. A forked child must not use
// its parent's entries, so an entry made by another process is never
// used (the pool is then emptied). Without an entry, sign() falls back to
// sign_digest (RFC 6979), so it always signs.
//
// The signatures are valid, recoverable, low-s ECDSA, as sign_digest's,
// but not deterministic: the same digest signs differently each time.
// perpx journals signed bytes before sending them, so a resend is always
// the same bytes; nothing re-signs to compare.
//
// Bound to one key (kept by reference: the key must outlive the pool).
// Single-threaded; does not allocate after construction; the destructor
// wipes every entry.
#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "perpx/signer/secp256k1.hpp"

namespace perpx::signer {

class NoncePool {
 public:
  static constexpr size_t kMaxEntries = 64;

  // Empty: call refill() before the hot path.
  explicit NoncePool(const SecretKey& key, size_t capacity = 8);
  ~NoncePool();
  NoncePool(const NoncePool&) = delete;
  NoncePool& operator=(const NoncePool&) = delete;

  // Adds entries until the pool holds `capacity` (or n more); returns how
  // many it added.
  size_t refill(size_t n = kMaxEntries);
  [[nodiscard]] size_t size() const noexcept { return count_; }
  [[nodiscard]] size_t capacity() const noexcept { return capacity_; }

  // Signs with the newest entry (then wiped), or by sign_digest when the
  // pool is empty (or was filled by another process).
  Signature sign(const Hash32& digest) noexcept;
  // Signatures made from entries, and by the fallback.
  [[nodiscard]] uint64_t presigned() const noexcept { return presigned_; }
  [[nodiscard]] uint64_t fallbacks() const noexcept { return fallbacks_; }

 private:
  struct Entry {
    std::array<uint8_t, 32> kinv{};  // k^-1 mod n
    std::array<uint8_t, 32> a{};     // k^-1 * r * d mod n
    std::array<uint8_t, 32> r{};     // R.x (< n)
    uint8_t y_parity = 0;            // of R
  };
  bool make(Entry& e);
  void wipe(Entry& e) noexcept;

  const SecretKey& key_;
  size_t capacity_;
  std::array<Entry, kMaxEntries> entries_{};
  size_t count_ = 0;
  pid_t pid_ = 0;  // the process that made the entries
  uint64_t presigned_ = 0, fallbacks_ = 0;
};

}  // namespace perpx::signer
