// The signing hot path does not allocate once its buffers have capacity
// (STYLE.md rule 10). Every global operator new and delete of this test
// binary is replaced by a counting version that forwards to malloc/free, and
// the count is read around the call under test.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/txn.hpp"

namespace {

std::atomic<long> g_allocations{0};

void* counted_alloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;  // operator new must return a unique pointer
  return std::malloc(size);
}

void* counted_alloc_aligned(std::size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  auto a = static_cast<std::size_t>(align);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, a, size == 0 ? 1 : size) != 0) return nullptr;
  return p;
}

void* or_throw(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

long allocations() { return g_allocations.load(std::memory_order_relaxed); }

}  // namespace

// ---- the replacements: plain, array, aligned, nothrow, sized deletes --------

void* operator new(std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new[](std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return or_throw(counted_alloc_aligned(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return or_throw(counted_alloc_aligned(n, a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_alloc_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_alloc_aligned(n, a); }

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using perpx::core::Bytes;
using perpx::signer::SecretKey;
using perpx::signer::Txn;
using perpx::signer::TxnType;

SecretKey test_key() { return *SecretKey::from_hex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"); }

Txn dynamic_fee_txn() {
  Txn t;
  t.type = TxnType::kDynamicFee;
  t.chain_id = 42161;
  t.nonce = 42;
  t.max_priority_fee_per_gas = 1'000'000;
  t.max_fee_per_gas = 120'000'000;
  t.gas_limit = 350'000;
  t.to = *perpx::core::parse_address("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  t.data = *perpx::core::parse_hex("0x3d7403a3000000000000000000000000000000000000000000000000000000000000002a");
  t.access_list.push_back({*t.to, {perpx::core::Hash32{}, perpx::core::Hash32{}}});
  return t;
}

// Allocations made by one sign_and_encode call into the given buffers.
long allocations_of_sign(Bytes& out, Bytes& scratch, const Txn& t, const SecretKey& key) {
  const long before = allocations();
  perpx::signer::sign_and_encode(out, scratch, t, key);
  return allocations() - before;
}

}  // namespace

TEST_CASE("the allocation counter sees allocations", "[signer][alloc]") {
  const long before = allocations();
  void* p = ::operator new(24);  // a direct call: cannot be elided like a new-expression
  ::operator delete(p);
  void* q = ::operator new(64, std::align_val_t{64});
  ::operator delete(q, std::align_val_t{64});
  CHECK(allocations() - before == 2);
}

TEST_CASE("sign_and_encode allocates into empty buffers (the check can fail)", "[signer][alloc]") {
  const SecretKey key = test_key();
  const Txn t = dynamic_fee_txn();
  Bytes out, scratch;  // no capacity: encoding must grow them
  CHECK(allocations_of_sign(out, scratch, t, key) > 0);
}

TEST_CASE("sign_and_encode does not allocate after warm-up with reused buffers", "[signer][alloc]") {
  const SecretKey key = test_key();
  Txn t = dynamic_fee_txn();
  SECTION("EIP-1559 with calldata and an access list") {}
  SECTION("EIP-2930") {
    t.type = TxnType::kAccessList;
    t.gas_price = 100'000'000;
  }
  SECTION("legacy EIP-155") {
    t.type = TxnType::kLegacy;
    t.gas_price = 100'000'000;
    t.access_list.clear();
  }
  SECTION("legacy pre-EIP-155, contract creation") {
    t.type = TxnType::kLegacy;
    t.chain_id = 0;
    t.to.reset();
    t.gas_price = 100'000'000;
    t.access_list.clear();
  }
  Bytes out, scratch;
  perpx::signer::sign_and_encode(out, scratch, t, key);  // warm-up: buffers get capacity, context is created
  const Bytes first = out;
  long total = 0;
  for (int i = 0; i < 50; ++i) {
    t.nonce = static_cast<uint64_t>(i);  // different digests, same sizes class
    total += allocations_of_sign(out, scratch, t, key);
  }
  CHECK(total == 0);
  CHECK(!out.empty());
  CHECK(first != out);  // the call did real work
}

// r and s are 32 bytes minimally encoded, so 1 signature in 128 encodes a
// byte or two shorter. If the warm-up happened to sign one of those, a
// buffer sized exactly by that warm-up is too small for the next signature.
// sign_and_encode therefore reserves for the longest signature (r and s of
// 32 bytes), not the one at hand.
TEST_CASE("sign_and_encode does not allocate after a warm-up whose signature was short", "[signer][alloc]") {
  const SecretKey key = test_key();
  Txn t = dynamic_fee_txn();
  Bytes typical, scratch;
  perpx::signer::sign_and_encode(typical, scratch, t, key);
  // Deterministic (RFC 6979): the first value whose signed tx is shorter.
  Txn short_sig = t;
  Bytes probe = typical;
  // Nonce and value stay below 128, so their own encodings keep one byte.
  for (uint64_t i = 1; i < 128 * 128 && probe.size() >= typical.size(); ++i) {
    short_sig.nonce = i % 128;
    short_sig.value = i / 128;
    perpx::signer::sign_and_encode(probe, scratch, short_sig, key);
  }
  REQUIRE(probe.size() < typical.size());
  Bytes out;
  perpx::signer::sign_and_encode(out, scratch, short_sig, key);  // the warm-up
  CHECK(allocations_of_sign(out, scratch, t, key) == 0);
}
