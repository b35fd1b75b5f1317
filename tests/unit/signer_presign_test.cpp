// NoncePool: signatures from precomputed nonces are valid, low-s and
// recoverable to the key (checked by libsecp256k1's recovery, independent
// of the pool's scalar arithmetic), use each nonce once, fall back to
// RFC 6979 exactly when the pool is empty, the digest is 0 mod n, or the
// pool was filled by another process.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/presign.hpp"
#include "perpx/signer/txn.hpp"

using namespace perpx;
using namespace perpx::signer;

namespace {

core::Hash32 digest_of(const core::U256& v) {
  core::Hash32 h;
  core::to_be(std::span<uint8_t, 32>(h.bytes), v);
  return h;
}

}  // namespace

TEST_CASE("presigned signatures recover to the key, low-s, a fresh r each", "[signer][presign]") {
  const SecretKey key = SecretKey::generate();
  const core::Address me = address_of(key);
  NoncePool pool(key, 64);
  CHECK(pool.size() == 0);
  CHECK(pool.refill() == 64);
  CHECK(pool.size() == 64);
  CHECK(pool.refill() == 0);  // full
  std::set<std::string> rs;
  std::vector<core::U256> digests = {core::U256{1}, kCurveOrder - core::U256{1}, kHalfCurveOrder,
                                     kCurveOrder + core::U256{1},  // above n: z = 1
                                     ~core::U256{}};               // 2^256 - 1: reduced mod n
  for (uint64_t i = 0; i < 295; ++i) digests.push_back(core::U256{0x9e3779b97f4a7c15ull * (i + 1), i, ~i, i * i});
  for (const auto& v : digests) {
    if (pool.size() == 0) REQUIRE(pool.refill() == 64);
    const core::Hash32 d = digest_of(v);
    const size_t before = pool.size();
    const Signature sig = pool.sign(d);
    CHECK(pool.size() == before - 1);  // one nonce, spent
    CHECK(sig.s <= kHalfCurveOrder);
    CHECK(!sig.r.is_zero());
    auto from = recover_address(d, sig);
    REQUIRE(from);
    CHECK(*from == me);
    CHECK(sig != sign_digest(key, d));  // a random k, not RFC 6979's
    rs.insert(core::to_decimal(sig.r));
    // Its high-s twin signs for -R: the parity the pool gave is the right one.
    Signature flipped = sig;
    flipped.s = kCurveOrder - sig.s;
    flipped.y_parity ^= 1u;
    CHECK(*recover_address(d, flipped, false) == me);
  }
  CHECK(rs.size() == digests.size());  // no nonce used twice
  CHECK(pool.presigned() == digests.size());
  CHECK(pool.fallbacks() == 0);
}

TEST_CASE("an empty pool, and a digest that is 0 mod n, sign by RFC 6979", "[signer][presign]") {
  const SecretKey key = SecretKey::generate();
  NoncePool pool(key, 2);
  const core::Hash32 d = digest_of(core::U256{42});
  CHECK(pool.sign(d) == sign_digest(key, d));  // empty
  CHECK(pool.fallbacks() == 1);
  REQUIRE(pool.refill() == 2);
  for (const auto& zero : {core::U256{}, kCurveOrder}) {
    const core::Hash32 z = digest_of(zero);
    CHECK(pool.sign(z) == sign_digest(key, z));
  }
  CHECK(pool.size() == 0);  // both entries spent, neither signed
  CHECK(pool.presigned() == 0);
  CHECK(pool.fallbacks() == 3);
}

TEST_CASE("a forked child never signs with its parent's nonces", "[signer][presign]") {
  const SecretKey key = SecretKey::generate();
  NoncePool pool(key, 4);
  REQUIRE(pool.refill() == 4);
  const core::Hash32 d = digest_of(core::U256{7});
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const bool rfc6979 = pool.sign(d) == sign_digest(key, d) && pool.size() == 0;
    // Refilled in the child: its own fresh nonces.
    const bool refilled = pool.refill() == 4 && pool.sign(d) != sign_digest(key, d);
    ::_exit(rfc6979 && refilled ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(pool.size() == 4);  // the parent's are untouched
  CHECK(pool.sign(d) != sign_digest(key, d));
}

TEST_CASE("a transaction signed from the pool decodes and recovers its sender", "[signer][presign]") {
  const SecretKey key = SecretKey::generate();
  NoncePool pool(key, 8);
  REQUIRE(pool.refill() == 8);
  Txn t;
  t.type = TxnType::kDynamicFee;
  t.chain_id = core::U256{42161};
  t.nonce = 9;
  t.gas_limit = 250'000;
  t.max_fee_per_gas = core::U256{2'000'000'000};
  t.max_priority_fee_per_gas = core::U256{1'000'000'000};
  t.to = *core::parse_address("0x00000000000000000000000000000000000000aa");
  t.data = core::Bytes(132, 0x5a);
  core::Bytes raw, scratch;
  for (int i = 0; i < 8; ++i) {
    sign_and_encode(raw, scratch, t, pool);
    auto st = decode_raw(raw);
    REQUIRE(st);
    CHECK(st->txn.nonce == 9);
    auto from = recover_sender(*st);
    REQUIRE(from);
    CHECK(*from == address_of(key));
  }
  CHECK(pool.presigned() == 8);
}
