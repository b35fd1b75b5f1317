#pragma once
// Metrics: counters, gauges and fixed-bucket histograms, one series each (a
// name plus labels fixed when it is registered), and their exposition in the
// Prometheus text format 0.0.4 (HELP and TYPE lines, histograms as cumulative
// _bucket{le=...} series ending in le="+Inf", then _sum and _count).
//
// Hot path: inc(), set(), add() and observe() are relaxed atomic operations
// on a series registered earlier: no allocation, no lock, any thread. A
// reader may see a histogram mid-update (a bucket counted before the sum
// moved); each number it reads is whole, and _count is always the +Inf bucket.
//
// Registration (Registry::counter/gauge/histogram) locks and allocates: do it
// at start-up or when a source or endpoint is added, never per event. The
// same name and labels registered again give the same series, so each module
// registers what it uses where it uses it. Misuse is a programmer error and
// throws std::invalid_argument: a name that is not [a-zA-Z_:][a-zA-Z0-9_:]*,
// a label name that is not [a-zA-Z_][a-zA-Z0-9_]* (or starts with "__", or is
// "le" on a histogram, or repeats), one name with two types, one histogram
// name with two bucket layouts, bounds that are not finite and increasing.
// Past kMaxSeries series a registry hands out a detached series (it counts,
// it is never rendered; series_refused() says how many were refused), so
// label values from outside (a source name in a file) cannot grow it
// without bound. Label values are escaped in the exposition, never refused.
//
// Series live as long as their registry; default_registry() is never
// destroyed, so its series may be touched from static destructors too.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace perpx::core {

class Counter {
 public:
  void inc(uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void set(int64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) noexcept { v_.fetch_add(d, std::memory_order_relaxed); }
  [[nodiscard]] int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

class Histogram {
 public:
  // bounds: the buckets' upper limits (inclusive), finite and increasing;
  // a last +Inf bucket is implied.
  explicit Histogram(std::span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe(double v) noexcept;
  void observe(std::chrono::nanoseconds d) noexcept { observe(static_cast<double>(d.count()) * 1e-9); }

  [[nodiscard]] std::span<const double> bounds() const noexcept { return {bounds_.get(), n_bounds_}; }
  // Observations in bucket i alone (not cumulative); i == bounds().size() is +Inf.
  [[nodiscard]] uint64_t bucket(size_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t count() const noexcept;
  [[nodiscard]] double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  size_t n_bounds_;
  std::unique_ptr<double[]> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 10 us to 10 s: RPC round trips on loopback sit
// near 100 us, tick to wire under 100 us is the target, a slow node takes seconds.
inline constexpr std::array<double, 16> kLatencyBuckets{
    10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 1.0, 2.5, 10.0};

struct Label {
  std::string_view name;
  std::string_view value;
};

class Registry {
 public:
  static constexpr size_t kMaxSeries = 4096;

  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& counter(std::string_view name, std::string_view help, std::initializer_list<Label> labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, std::initializer_list<Label> labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                       std::initializer_list<Label> labels = {});

  // The whole exposition, families by name, series by their labels. Locks
  // (against registration only) and allocates.
  [[nodiscard]] std::string render() const;
  [[nodiscard]] size_t series_count() const;
  [[nodiscard]] uint64_t series_refused() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The process's registry: what --metrics-addr serves and what the modules
// register into. Thread-safe; never destroyed.
Registry& default_registry();

// Prometheus text escaping: a label value ('\\', '"' and newline escaped) and
// a HELP text ('\\' and newline escaped).
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);

}  // namespace perpx::core
