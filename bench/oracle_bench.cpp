// The oracle pipeline's throughput: samples through every check, reference
// and mark per second on one core (issue 4 target: >= 5M samples/s/core).
// A regression here means the per-sample path grew (an allocation, a sort
// that is no longer small, a check that went quadratic in sources).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "perpx/oracle/pipeline.hpp"

namespace {

using namespace perpx::oracle;
constexpr int64_t kS = 1'000'000;

// A pre-generated stream: `sources` sources around 3000 with small noise,
// a few anomalies mixed in (1 in 64), time advancing ~0.2 s per sample.
std::vector<Sample> make_stream(size_t n, SourceId sources) {
  std::vector<Sample> v(n);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int64_t t = 1'750'000'000 * kS;
  int64_t mid = 3'000'000'000'000;
  for (auto& s : v) {
    t += static_cast<int64_t>(next() % (kS / 5));
    mid += static_cast<int64_t>(next() % 2'000'001) - 1'000'000;
    s.source = static_cast<SourceId>(next() % sources);
    s.time_us = t;
    int64_t p = mid + static_cast<int64_t>(next() % 600'000'001) - 300'000'000;  // +-0.01%
    if (next() % 64 == 0) p = p * 13 / 10;
    s.price = Price{p};
    if (s.source == 1) s.conf = Price{p / 1000};
  }
  return v;
}

void BM_pipeline(benchmark::State& state) {
  const auto sources = static_cast<SourceId>(state.range(0));
  const auto stream = make_stream(1 << 16, sources);
  Pipeline p;
  for (SourceId i = 0; i < sources; ++i) p.add_source("s" + std::to_string(i));
  size_t i = 0, accepted = 0;
  for (auto _ : state) {
    const Decision d = p.process(stream[i]);
    accepted += d.accepted;
    benchmark::DoNotOptimize(d);
    if (++i == stream.size()) {
      i = 0;
      state.PauseTiming();
      p = Pipeline{};  // time restarts with the stream
      for (SourceId k = 0; k < sources; ++k) p.add_source("s" + std::to_string(k));
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["accepted_share"] = static_cast<double>(accepted) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_pipeline)->Arg(3)->Arg(5)->Arg(8);

// The bare floor: reading the stream without checks (memory traffic only).
void BM_stream_floor(benchmark::State& state) {
  const auto stream = make_stream(1 << 16, 5);
  size_t i = 0;
  int64_t acc = 0;
  for (auto _ : state) {
    acc += stream[i].price.raw;
    benchmark::DoNotOptimize(acc);
    if (++i == stream.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_stream_floor);

}  // namespace

BENCHMARK_MAIN();
