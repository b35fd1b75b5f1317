// Benchmarks for perpx::signer: the transaction hot path (RLP, signing hash,
// build-and-sign) beside the bare libsecp256k1 signature it is built on, and
// EIP-712 hashing.
//
// The figure that matters is BM_eip1559_sign_and_encode against
// BM_secp256k1_sign_raw in the same run: the signature is ~95% of the work,
// so build-and-sign should stay at or above 0.9x the raw rate. Run e.g.
//   signer_bench --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
// and compare medians. `perpx bench sign` measures the same ratio with the
// two interleaved, which is steadier on a shared machine.
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <expected>
#include <string>
#include <utility>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/eip712.hpp"
#include "perpx/signer/presign.hpp"
#include "perpx/signer/rlp.hpp"
#include "perpx/signer/secp256k1.hpp"
#include "perpx/signer/txn.hpp"

namespace {

using perpx::core::Bytes;
using perpx::signer::SecretKey;
using perpx::signer::Txn;

template <class T, class E>
T must(std::expected<T, E> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "signer_bench: bad constant: %s\n", what);
    std::abort();
  }
  return std::move(*r);
}

// The benchmark transaction, the same as `perpx bench sign` and bench/compare
// use: an EIP-1559 call on Arbitrum One with 132 bytes of calldata (a selector
// and four words, the shape of a perp order call), no access list.
Txn sample_txn() {
  Txn t;
  t.type = perpx::signer::TxnType::kDynamicFee;
  t.chain_id = 42161;
  t.nonce = 42;
  t.max_priority_fee_per_gas = 1'000'000;
  t.max_fee_per_gas = 120'000'000;
  t.gas_limit = 350'000;
  t.to = must(perpx::core::parse_address("0x5fbdb2315678afecb367f032d93f642f64180aa3"), "to");
  t.value = 0;
  t.data = must(perpx::core::parse_hex(
                    "0x3d7403a3"
                    "0000000000000000000000000000000000000000000000000000000000000001"
                    "0000000000000000000000000000000000000000000000000de0b6b3a7640000"
                    "00000000000000000000000000000000000000000000006c6b935b8bbd400000"
                    "000000000000000000000000000000000000000000000000000000006553f100"),
                "data");
  return t;
}

// A well-known test key (never holds funds).
SecretKey sample_key() {
  return must(SecretKey::from_hex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"), "key");
}

// RLP signing payload of the transaction into a reused buffer. A regression
// here means the encoder started allocating or measuring twice per field;
// it is a small share of signing, but every submitted order pays it.
void BM_rlp_encode_eip1559(benchmark::State& state) {
  const Txn t = sample_txn();
  Bytes out;
  out.reserve(512);
  for (auto _ : state) {
    out.clear();
    perpx::signer::encode_for_signing(out, t);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_rlp_encode_eip1559);

// RLP + keccak: the digest that gets signed. A regression beside
// BM_rlp_encode_eip1559 unchanged points at keccak (see core_bench).
void BM_signing_hash_eip1559(benchmark::State& state) {
  const Txn t = sample_txn();
  Bytes scratch;
  scratch.reserve(512);
  for (auto _ : state) {
    auto h = perpx::signer::signing_hash(t, scratch);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_signing_hash_eip1559);

// The whole hot path: RLP, keccak, RFC 6979 recoverable sign, signed
// encoding, with reused buffers. Falling below 0.9x BM_secp256k1_sign_raw
// means perpx added real overhead around the signature (a context per call,
// an allocation, a second hash).
void BM_eip1559_sign_and_encode(benchmark::State& state) {
  const Txn t = sample_txn();
  const SecretKey key = sample_key();
  Bytes out, scratch;
  out.reserve(512);
  scratch.reserve(512);
  for (auto _ : state) {
    perpx::signer::sign_and_encode(out, scratch, t, key);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["txs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_eip1559_sign_and_encode);

// The floor: libsecp256k1's recoverable sign on one randomised context, the
// same key and the same kind of digest (the transaction's signing hash). A
// change here alone is the machine or the library, not perpx.
void BM_secp256k1_sign_raw(benchmark::State& state) {
  const SecretKey key = sample_key();
  Bytes scratch;
  const auto digest = perpx::signer::signing_hash(sample_txn(), scratch);
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN);
  unsigned char seed[32];
  for (size_t i = 0; i < sizeof seed; ++i) seed[i] = static_cast<unsigned char>(i * 37 + 11);
  if (secp256k1_context_randomize(ctx, seed) != 1) std::abort();
  secp256k1_ecdsa_recoverable_signature sig;
  for (auto _ : state) {
    if (secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest.bytes.data(), key.expose_secret().data(), nullptr, nullptr) != 1)
      std::abort();
    benchmark::DoNotOptimize(sig);
  }
  secp256k1_context_destroy(ctx);
  state.counters["sigs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_secp256k1_sign_raw);

// The hot path with a precomputed nonce (signer::NoncePool): the same
// transaction signed and encoded; the pool is refilled outside the timed
// part, as the tick-to-wire engine does between events.
void BM_eip1559_sign_and_encode_presigned(benchmark::State& state) {
  const Txn t = sample_txn();
  const SecretKey key = sample_key();
  perpx::signer::NoncePool pool(key, perpx::signer::NoncePool::kMaxEntries);
  Bytes out, scratch;
  out.reserve(512);
  scratch.reserve(512);
  for (auto _ : state) {
    if (pool.size() == 0) {
      state.PauseTiming();
      pool.refill();
      state.ResumeTiming();
    }
    perpx::signer::sign_and_encode(out, scratch, t, pool);
    benchmark::DoNotOptimize(out.data());
  }
  if (pool.fallbacks() != 0) state.SkipWithError("the pool fell back to RFC 6979");
  state.counters["txs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_eip1559_sign_and_encode_presigned);

// What a refill costs per nonce (R = k*G, k^-1 by square and multiply, a = k^-1*r*d).
void BM_nonce_pool_refill(benchmark::State& state) {
  const SecretKey key = sample_key();
  perpx::signer::NoncePool pool(key, 1);
  const auto digest = perpx::core::Hash32{};
  for (auto _ : state) {
    pool.refill();
    state.PauseTiming();
    benchmark::DoNotOptimize(pool.sign(digest));
    state.ResumeTiming();
  }
  state.counters["nonces_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_nonce_pool_refill);

// An order in eth_signTypedData_v4 form, the shape venues with off-chain
// order books ask for.
constexpr const char* kTypedOrder = R"({
  "types": {
    "EIP712Domain": [
      {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
      {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
    "Order": [
      {"name": "trader", "type": "address"}, {"name": "market", "type": "uint256"},
      {"name": "size", "type": "int256"}, {"name": "price", "type": "uint256"},
      {"name": "reduceOnly", "type": "bool"}, {"name": "nonce", "type": "uint256"},
      {"name": "deadline", "type": "uint256"}, {"name": "clientId", "type": "bytes32"}]
  },
  "primaryType": "Order",
  "domain": {"name": "PerpX", "version": "1", "chainId": 42161,
             "verifyingContract": "0x5fbdb2315678afecb367f032d93f642f64180aa3"},
  "message": {"trader": "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23", "market": 1,
              "size": "-1500000000000000000", "price": "2000000000000000000000",
              "reduceOnly": false, "nonce": 42, "deadline": 1700000000,
              "clientId": "0x00000000000000000000000000000000000000000000000000000000000004d2"}
})";

// EIP-712 digest of a parsed document (type strings, type hashes, field
// encoding, three keccaks). It allocates by design; a regression (x2) means
// repeated encodeType work or per-field copies crept in. Off-chain order
// venues sign one of these per order, so it sits next to the signature.
void BM_eip712_hash_order(benchmark::State& state) {
  const auto doc = must(perpx::core::parse_json(kTypedOrder), "typed data");
  for (auto _ : state) {
    auto h = perpx::signer::eip712::hash_typed_data(doc);
    if (!h) state.SkipWithError("hash_typed_data failed");
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_eip712_hash_order);

// The same from JSON text (what the CLI and RPC paths do): adds parsing.
void BM_eip712_hash_order_text(benchmark::State& state) {
  const std::string text = kTypedOrder;
  for (auto _ : state) {
    auto h = perpx::signer::eip712::hash_typed_data(std::string_view(text));
    if (!h) state.SkipWithError("hash_typed_data failed");
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_eip712_hash_order_text);

}  // namespace

BENCHMARK_MAIN();
