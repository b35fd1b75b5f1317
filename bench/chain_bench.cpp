// Benchmarks for perpx::chain on the head path: a new head arriving to its
// `head` (Advance) event, and parsing a newHeads notification.
//
// The HeaderSource here is an in-memory synthetic chain (header n is computed
// from n), so a straight chain never waits on I/O: what is timed is our own
// work. Latency benchmarks record every head and report p50/p99/p99.9 as
// counters (STYLE.md item 12); the iteration time is the whole on_head call.
// Read ratios within one run, not the absolute figures, on a shared machine:
//   chain_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// A regression in BM_head_to_advance means every strategy sees each block
// later (target: p99 under 100 us of our own time); one in
// BM_parse_new_heads / BM_new_heads_to_advance means the WebSocket path adds
// latency before the tracker even sees the head.
//
// The generic ABI codec (the fallback for ABIs without typed code): one in
// BM_abi_decode_log means slower backfills and log watches through
// chain::decode_log (bench/compare's getLogs row); one in BM_abi_encode_call
// slower calldata for arbitrary ABIs (its generic-fallback rows).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "perpx/chain/abi.hpp"
#include "perpx/chain/heads.hpp"
#include "perpx/chain/rpc.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"

namespace {

using perpx::chain::BlockHeader;
using perpx::chain::BlockNum;
using perpx::chain::Hash32;
using perpx::chain::RpcResult;
using perpx::chain::Tag;
using perpx::core::U256;
using Clock = std::chrono::steady_clock;

// Block n's hash: n big-endian in the first 8 bytes, a fixed pattern after,
// so that a hash lookup needs no table.
Hash32 hash_of(BlockNum n) {
  Hash32 h;
  for (size_t i = 0; i < 8; ++i) h.bytes[i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  for (size_t i = 8; i < 32; ++i) h.bytes[i] = static_cast<uint8_t>(0xa5 ^ (i * 29));
  return h;
}

BlockHeader header_of(BlockNum n) {
  BlockHeader h;
  h.number = n;
  h.hash = hash_of(n);
  h.parent_hash = n == 0 ? Hash32{} : hash_of(n - 1);
  h.timestamp = 1'700'000'000 + 12 * n;
  h.base_fee = U256(1'000'000'000 + (n % 1000));
  h.gas_used = 15'000'000;
  h.gas_limit = 30'000'000;
  return h;
}

// A straight chain up to latest(); safe = latest - 32, finalized = latest - 64
// (as anvil with --slots-in-an-epoch 32).
class SyntheticChain final : public perpx::chain::HeaderSource {
 public:
  void set_latest(BlockNum n) noexcept { latest_ = n; }
  RpcResult<std::optional<BlockHeader>> header_by_number(BlockNum n) override {
    if (n > latest_) return std::optional<BlockHeader>{};
    return header_of(n);
  }
  RpcResult<std::optional<BlockHeader>> header_by_hash(const Hash32& hash) override {
    BlockNum n = 0;
    for (size_t i = 0; i < 8; ++i) n = (n << 8) | hash.bytes[i];
    if (n > latest_ || hash_of(n) != hash) return std::optional<BlockHeader>{};
    return header_of(n);
  }
  RpcResult<std::optional<BlockHeader>> header_by_tag(Tag tag) override {
    const BlockNum back = tag == Tag::kSafe ? 32 : tag == Tag::kFinalized ? 64 : 0;
    if (latest_ < back) return std::optional<BlockHeader>{};
    return header_of(latest_ - back);
  }

 private:
  BlockNum latest_ = 0;
};

// Nearest-rank percentiles as counters, in nanoseconds.
void report_percentiles(benchmark::State& state, std::vector<int64_t>& ns, const char* prefix) {
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double p) {
    const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(ns.size())));
    return static_cast<double>(ns[std::clamp<size_t>(rank, 1, ns.size()) - 1]);
  };
  const std::string pre(prefix);
  state.counters[pre + "p50_ns"] = at(0.50);
  state.counters[pre + "p99_ns"] = at(0.99);
  state.counters[pre + "p99.9_ns"] = at(0.999);
}

size_t reserve_for(const benchmark::State& state) {
  return static_cast<size_t>(std::min<benchmark::IterationCount>(state.max_iterations, 1 << 22));
}

int64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

// HeadTracker::on_head(next header) on a straight chain until the Advance
// event reaches the sink ("adv_" counters), and the whole call including the
// Safe/Finalized events (the iteration time, "call_" counters).
// range(0): 1 = the node's safe/finalized tags polled every head (from the
// in-memory source), 0 = a confirmation depth of 12 (no source calls).
void BM_head_to_advance(benchmark::State& state) {
  const bool tags = state.range(0) != 0;
  SyntheticChain source;
  perpx::chain::HeadTrackerOptions options;
  if (!tags) options.confirmations = 12;
  Clock::time_point advanced{};
  uint64_t advances = 0;
  perpx::chain::HeadTracker tracker(
      source,
      [&](const perpx::chain::HeadEvent& e) {
        if (std::holds_alternative<perpx::chain::Advance>(e)) {
          advanced = Clock::now();
          ++advances;
        }
      },
      options);
  BlockNum n = 1'000'000;
  source.set_latest(n);
  if (!tracker.on_head(header_of(n))) throw std::runtime_error("anchor failed");
  // Warm-up: the ring fills and wraps, every branch is taken once.
  for (int i = 0; i < 1000; ++i) {
    source.set_latest(++n);
    if (!tracker.on_head(header_of(n))) throw std::runtime_error("on_head failed");
  }
  std::vector<int64_t> adv_ns, call_ns;
  adv_ns.reserve(reserve_for(state));
  call_ns.reserve(reserve_for(state));
  for (auto _ : state) {
    const BlockHeader h = header_of(++n);  // the head as it arrives, decoded
    source.set_latest(n);
    const uint64_t before = advances;
    const auto t0 = Clock::now();
    auto r = tracker.on_head(h);
    const auto t1 = Clock::now();
    if (!r || advances != before + 1) {
      state.SkipWithError("on_head did not advance");
      break;
    }
    adv_ns.push_back(ns_between(t0, advanced));
    call_ns.push_back(ns_between(t0, t1));
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  report_percentiles(state, adv_ns, "adv_");
  report_percentiles(state, call_ns, "call_");
}
BENCHMARK(BM_head_to_advance)->Arg(0)->Arg(1)->UseManualTime();

// A newHeads notification as geth and anvil send it (post-Cancun fields).
std::string new_heads_text(BlockNum n) {
  const BlockHeader h = header_of(n);
  const std::string bloom(512, '0');
  const std::string z32 = "0x" + std::string(64, '0');
  auto q = [](uint64_t v) { return perpx::core::to_hex_quantity(U256(v)); };
  return R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x9ce59a13059e417087c02d3236a0b1cc","result":{)"
         R"("baseFeePerGas":")" + q(h.base_fee->w[0]) + R"(","blobGasUsed":"0x0","difficulty":"0x0","excessBlobGas":"0x0",)"
         R"("extraData":"0x","gasLimit":")" + q(h.gas_limit) + R"(","gasUsed":")" + q(h.gas_used) +
         R"(","hash":")" + perpx::core::to_hex(h.hash) + R"(","logsBloom":"0x)" + bloom +
         R"(","miner":"0x4838b106fce9647bdf1e7877bf73ce8b0bad5f97","mixHash":")" + z32 +
         R"(","nonce":"0x0000000000000000","number":")" + q(n) + R"(","parentBeaconBlockRoot":")" + z32 +
         R"(","parentHash":")" + perpx::core::to_hex(h.parent_hash) + R"(","receiptsRoot":")" + z32 +
         R"(","sha3Uncles":"0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347","stateRoot":")" + z32 +
         R"(","timestamp":")" + q(h.timestamp) + R"(","transactionsRoot":")" + z32 + R"(","withdrawalsRoot":")" + z32 +
         R"("}}})";
}

// Text of a newHeads notification -> core::parse_json -> parse_block_header.
void BM_parse_new_heads(benchmark::State& state) {
  const std::string text = new_heads_text(19'000'000);
  for (auto _ : state) {
    auto j = perpx::core::parse_json(text);
    auto h = perpx::chain::parse_block_header((*j)["params"]["result"]);
    if (!h) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(h->number);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_parse_new_heads);

// parse_block_header alone, from the already parsed result object.
void BM_parse_block_header(benchmark::State& state) {
  const auto j = perpx::core::parse_json(new_heads_text(19'000'000));
  const auto& result = (*j)["params"]["result"];
  for (auto _ : state) {
    auto h = perpx::chain::parse_block_header(result);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_parse_block_header);

// The whole WebSocket-side path: notification text -> parse -> on_head ->
// Advance in the sink (confirmations 12). Texts are made ahead of time; the
// tracker is reset (untimed) when they run out.
void BM_new_heads_to_advance(benchmark::State& state) {
  constexpr BlockNum kFirst = 19'000'000;
  constexpr size_t kTexts = 4096;
  std::vector<std::string> texts;
  texts.reserve(kTexts);
  for (size_t i = 0; i < kTexts; ++i) texts.push_back(new_heads_text(kFirst + i));
  SyntheticChain source;
  source.set_latest(kFirst + kTexts);
  perpx::chain::HeadTrackerOptions options;
  options.confirmations = 12;
  Clock::time_point advanced{};
  perpx::chain::HeadTracker tracker(
      source,
      [&](const perpx::chain::HeadEvent& e) {
        if (std::holds_alternative<perpx::chain::Advance>(e)) advanced = Clock::now();
      },
      options);
  std::vector<int64_t> adv_ns;
  adv_ns.reserve(reserve_for(state));
  size_t next = kTexts;
  for (auto _ : state) {
    if (next == kTexts) {  // anchor anew on the first text, untimed
      tracker.reset();
      if (!tracker.on_head(header_of(kFirst))) throw std::runtime_error("anchor failed");
      next = 1;
    }
    const std::string& text = texts[next++];
    const auto t0 = Clock::now();
    auto j = perpx::core::parse_json(text);
    auto h = perpx::chain::parse_block_header((*j)["params"]["result"]);
    if (!h || !tracker.on_head(*h)) {
      state.SkipWithError("new head failed");
      break;
    }
    const auto t1 = Clock::now();
    adv_ns.push_back(ns_between(t0, advanced));
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  report_percentiles(state, adv_ns, "adv_");
}
BENCHMARK(BM_new_heads_to_advance)->UseManualTime();

// A Chainlink AnswerUpdated log (negative answer, phase-5 round id), decoded
// to Json with the fragment parsed once.
void BM_abi_decode_log(benchmark::State& state) {
  const auto ev = perpx::chain::parse_signature(
      "event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
      perpx::chain::AbiKind::kEvent);
  if (!ev) throw std::logic_error("AnswerUpdated");
  const std::vector<Hash32> topics{perpx::chain::event_topic(*ev), *perpx::core::parse_hash32("0x" + std::string(54, 'f') + "b9a43cf1c0"),
                                   *perpx::core::parse_hash32("0x" + std::string(47, '0') + "50000000000000001")};
  perpx::core::Bytes data;
  perpx::chain::append_uint(data, U256{1'700'000'000});
  for (auto _ : state) {
    auto j = perpx::chain::decode_log(*ev, topics, data);
    benchmark::DoNotOptimize(j);
  }
}
BENCHMARK(BM_abi_decode_log);

// placeOrder(uint256,int256,uint256,uint256) from Json args (decimal strings
// above 64 bits), the fragment parsed once, into a reused buffer.
void BM_abi_encode_call(benchmark::State& state) {
  const auto f = perpx::chain::parse_signature("placeOrder(uint256,int256,uint256,uint256)");
  if (!f) throw std::logic_error("placeOrder");
  const auto args = perpx::core::Json::array({1, "-2500000000000000000", "3000000000000000000000", 1'700'000'000});
  perpx::core::Bytes out;
  out.reserve(256);
  for (auto _ : state) {
    out.clear();
    auto r = perpx::chain::encode_call(out, *f, args);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_abi_encode_call);

}  // namespace

BENCHMARK_MAIN();
