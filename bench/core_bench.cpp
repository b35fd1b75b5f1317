// Benchmarks for perpx::core: Keccak-256 beside Crypto++'s Keccak_256 on the
// sizes the signing path and the chain reader hash, and U256 text I/O.
//
// Compare perpx with Crypto++ within one run (same machine noise), e.g.
//   core_bench --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
// and read the ratio of the medians, not the absolute figures.
#include <cryptopp/keccak.h>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "perpx/core/keccak.hpp"
#include "perpx/core/u256.hpp"

namespace {

using perpx::core::Bytes;
using perpx::core::U256;

Bytes pattern_bytes(size_t n) {
  Bytes b(n);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& c : b) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<uint8_t>(x);
  }
  return b;
}

// Keccak-256, one-shot, of state.range(0) bytes. 32 B is a transaction or
// EIP-712 struct hash input, 136 B is exactly one rate block (so two
// permutations with the padding block), 4 KiB is throughput (calldata, logs).
// A regression here slows every signing hash, address derivation, EIP-712
// hash and log-topic check; falling behind BM_keccak_cryptopp at the same
// size means the permutation lost its register allocation or unrolling.
void BM_keccak_perpx(benchmark::State& state) {
  const Bytes in = pattern_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto h = perpx::core::keccak256(in);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_keccak_perpx)->Arg(32)->Arg(136)->Arg(4096);

// The reference point for BM_keccak_perpx: Crypto++ 8.7 Keccak_256 (original
// Keccak padding, as Ethereum uses). A change in this one alone means the
// machine or the library changed, not perpx.
void BM_keccak_cryptopp(benchmark::State& state) {
  const Bytes in = pattern_bytes(static_cast<size_t>(state.range(0)));
  CryptoPP::Keccak_256 k;
  uint8_t out[32];
  for (auto _ : state) {
    k.CalculateDigest(out, in.data(), in.size());
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_keccak_cryptopp)->Arg(32)->Arg(136)->Arg(4096);

// The incremental hasher fed in 32-byte pieces (EIP-712 encodeData, ABI
// words). A regression beside BM_keccak_perpx/4096 means update()'s
// partial-block path got slow (byte loop, extra copies).
void BM_keccak_perpx_incremental(benchmark::State& state) {
  const Bytes in = pattern_bytes(static_cast<size_t>(state.range(0)));
  perpx::core::Keccak256 k;
  for (auto _ : state) {
    k.reset();
    for (size_t off = 0; off < in.size(); off += 32)
      k.update(perpx::core::ByteView(in).subspan(off, 32));
    auto h = k.finish();
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_keccak_perpx_incremental)->Arg(4096);

// Typical amounts: a wei amount (1.5 ETH, 19 digits) and 2^256-1 (78 digits).
const char* const kDecimals[] = {"1500000000000000000",
                                 "115792089237316195423570985008687907853269984665640564039457584007913129639935"};

// parse_decimal of a JSON/CLI/config amount. A regression slows every
// decimal quantity read from configs, CLI arguments and typed data; a big
// one (x10) means the per-digit overflow check turned into a full multiply.
void BM_u256_parse_decimal(benchmark::State& state) {
  const std::string s = kDecimals[state.range(0)];
  for (auto _ : state) {
    auto v = perpx::core::parse_decimal(s);
    benchmark::DoNotOptimize(v);
  }
  state.SetLabel(std::to_string(s.size()) + " digits");
}
BENCHMARK(BM_u256_parse_decimal)->Arg(0)->Arg(1);

// parse_hex_u256 of a JSON-RPC quantity (balances, gas prices). A
// regression slows decoding every RPC reply that carries quantities.
void BM_u256_parse_hex(benchmark::State& state) {
  const std::string s = state.range(0) == 0 ? "0x14d1120d7b160000" : "0x" + std::string(64, 'f');
  for (auto _ : state) {
    auto v = perpx::core::parse_hex_u256(s);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_u256_parse_hex)->Arg(0)->Arg(1);

// to_decimal (allocates its std::string; logs, CLI output, not the hot
// path). A regression means the 10^19 chunked division was lost (one
// divmod per digit is about 19x more divisions).
void BM_u256_to_decimal(benchmark::State& state) {
  const U256 v = *perpx::core::parse_decimal(kDecimals[state.range(0)]);
  for (auto _ : state) {
    auto s = perpx::core::to_decimal(v);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_u256_to_decimal)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
