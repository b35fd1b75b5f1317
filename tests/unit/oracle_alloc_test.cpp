// The pipeline never allocates per sample (issue 4; STYLE.md rule 10):
// every global operator new of this binary counts, and the count is read
// around Pipeline::process on a long mixed stream (accepted, every kind of
// rejection, quorum lost and recovered, mark updates).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "perpx/oracle/pipeline.hpp"

namespace {
std::atomic<long> g_allocations{0};
void* counted(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p) throw std::bad_alloc();
  return p;
}
void* counted_aligned(std::size_t n, std::align_val_t a) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  auto al = static_cast<std::size_t>(a);
  if (posix_memalign(&p, al < sizeof(void*) ? sizeof(void*) : al, n == 0 ? 1 : n) != 0) throw std::bad_alloc();
  return p;
}
long allocations() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n == 0 ? 1 : n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n == 0 ? 1 : n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace perpx::oracle;

TEST_CASE("the counter sees allocations (the check can fail)", "[oracle][alloc]") {
  const long before = allocations();
  std::string* s = new std::string(100, 'x');
  delete s;
  CHECK(allocations() - before >= 2);
  Pipeline p;
  const long b2 = allocations();
  p.add_source("a-source-name-too-long-for-sso");  // registration allocates: not the hot path
  CHECK(allocations() > b2);
}

TEST_CASE("Pipeline::process does not allocate", "[oracle][alloc]") {
  Thresholds th;
  th.min = Price{1'000'000};
  Pipeline p;
  for (int i = 0; i < 6; ++i) p.add_source("source-with-a-long-name-" + std::to_string(i), th);
  constexpr int64_t kS = 1'000'000;
  uint64_t x = 88172645463325252ull;  // xorshift: deterministic pseudo-random stream
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  size_t rejected = 0, accepted = 0, no_quorum = 0, recovered = 0;
  int64_t t = 1'750'000'000 * kS;
  const long before = allocations();
  for (int i = 0; i < 200'000; ++i) {
    Sample s;
    s.source = static_cast<SourceId>(next() % 6);
    t += static_cast<int64_t>(next() % (2 * kS));
    s.time_us = t;
    int64_t price = 3'000'000'000'000 + static_cast<int64_t>(next() % 3'000'000'000);
    switch (next() % 50) {
      case 0: price = 0; break;                     // non_positive
      case 1: price = price * 13 / 10; break;        // spike
      case 2: s.time_us -= 7200 * kS; break;         // stale
      case 3: s.time_us += 600 * kS; break;          // future
      case 4: s.conf = Price{price / 10}; break;     // confidence
      case 5: s.round_id = 5; s.answered_in_round = 4; break;
      case 6: p.on_sequencer(next() % 2 == 0, t); break;
      case 7: t += 4000 * kS; break;                 // a long gap: quorum lost
      default: break;
    }
    s.price = Price{price};
    const Decision d = p.process(s);
    d.accepted ? ++accepted : ++rejected;
    for (uint8_t k = 0; k < d.event_count; ++k) {
      no_quorum += d.events[k].kind == EventKind::kNoQuorum;
      recovered += d.events[k].kind == EventKind::kRecovered;
    }
  }
  CHECK(allocations() - before == 0);
  // The stream exercised the paths that matter.
  CHECK(accepted > 1000);
  CHECK(rejected > 1000);
  CHECK(no_quorum > 0);
  CHECK(recovered > 0);
}
