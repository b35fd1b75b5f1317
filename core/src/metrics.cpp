#include "perpx/core/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <variant>
#include <vector>

namespace perpx::core {

Histogram::Histogram(std::span<const double> bounds)
    : n_bounds_(bounds.size()),
      bounds_(new double[bounds.size() == 0 ? 1 : bounds.size()]),
      counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
      throw std::invalid_argument("histogram bounds must be finite and increasing");
    bounds_[i] = bounds[i];
  }
  for (size_t i = 0; i <= bounds.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
  // Few buckets: a linear scan beats a binary search and keeps NaN in +Inf.
  size_t i = 0;
  while (i < n_bounds_ && !(v <= bounds_[i])) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

uint64_t Histogram::count() const noexcept {
  uint64_t n = 0;
  for (size_t i = 0; i <= n_bounds_; ++i) n += counts_[i].load(std::memory_order_relaxed);
  return n;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

enum class Type { kCounter, kGauge, kHistogram };

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

bool name_char(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view s, bool colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (!name_char(s[i], i == 0, colon)) return false;
  return true;
}

// A float as Prometheus reads it (Go's ParseFloat): shortest round trip.
void append_double(std::string& out, double v) {
  if (std::isnan(v)) { out += "NaN"; return; }
  if (std::isinf(v)) { out += v > 0 ? "+Inf" : "-Inf"; return; }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <class T>
void append_int(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

using Series = std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>>;

struct Family {
  Type type;
  std::string help;
  std::vector<double> bounds;
  // Rendered label pairs (`a="x",b="y"`, names sorted) -> the series.
  std::map<std::string, Series> series;
};

// `a="x",b="y"` with the names sorted: one key per label set whatever the
// order they were given in.
std::string label_key(std::initializer_list<Label> labels, bool histogram) {
  std::vector<Label> sorted(labels);
  std::sort(sorted.begin(), sorted.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  std::string key;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Label& l = sorted[i];
    if (!valid_name(l.name, false) || l.name.starts_with("__"))
      throw std::invalid_argument("metric label name '" + std::string(l.name) + "' is not valid");
    if (histogram && l.name == "le") throw std::invalid_argument("a histogram cannot have a label 'le'");
    if (i > 0 && sorted[i - 1].name == l.name)
      throw std::invalid_argument("metric label '" + std::string(l.name) + "' given twice");
    if (i > 0) key += ',';
    key.append(l.name);
    key += "=\"";
    key += escape_label_value(l.value);
    key += '"';
  }
  return key;
}

}  // namespace

struct Registry::Impl {
  mutable std::mutex mu;
  std::map<std::string, Family, std::less<>> families;
  size_t n_series = 0;
  uint64_t refused = 0;
  // Handed out past kMaxSeries: they work, they are never rendered.
  Counter detached_counter;
  Gauge detached_gauge;
  Histogram detached_histogram{std::span<const double>{}};

  Family& family(std::string_view name, std::string_view help, Type type, std::span<const double> bounds) {
    if (!valid_name(name, true)) throw std::invalid_argument("metric name '" + std::string(name) + "' is not valid");
    auto it = families.find(name);
    if (it == families.end()) {
      it = families.emplace(std::string(name), Family{type, std::string(help), {bounds.begin(), bounds.end()}, {}}).first;
      return it->second;
    }
    Family& f = it->second;
    if (f.type != type)
      throw std::invalid_argument("metric '" + std::string(name) + "' registered as " + std::string(type_name(f.type)) +
                                  " and as " + std::string(type_name(type)));
    if (type == Type::kHistogram && !std::equal(f.bounds.begin(), f.bounds.end(), bounds.begin(), bounds.end()))
      throw std::invalid_argument("histogram '" + std::string(name) + "' registered with two bucket layouts");
    return f;
  }

  template <class T, class Make>
  T& get(std::string_view name, std::string_view help, Type type, std::span<const double> bounds,
         std::initializer_list<Label> labels, T& detached, Make make) {
    std::string key = label_key(labels, type == Type::kHistogram);
    std::lock_guard lock(mu);
    Family& f = family(name, help, type, bounds);
    if (auto it = f.series.find(key); it != f.series.end()) return *std::get<std::unique_ptr<T>>(it->second);
    if (n_series >= kMaxSeries) {
      ++refused;
      return detached;
    }
    auto p = make();
    T& ref = *p;
    f.series.emplace(std::move(key), Series(std::move(p)));
    ++n_series;
    return ref;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Counter& Registry::counter(std::string_view name, std::string_view help, std::initializer_list<Label> labels) {
  return impl_->get<Counter>(name, help, Type::kCounter, {}, labels, impl_->detached_counter,
                             [] { return std::make_unique<Counter>(); });
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, std::initializer_list<Label> labels) {
  return impl_->get<Gauge>(name, help, Type::kGauge, {}, labels, impl_->detached_gauge,
                           [] { return std::make_unique<Gauge>(); });
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                               std::initializer_list<Label> labels) {
  // Checked before the lock so that bad bounds never leave a family behind.
  Histogram check(bounds);
  return impl_->get<Histogram>(name, help, Type::kHistogram, bounds, labels, impl_->detached_histogram,
                               [&] { return std::make_unique<Histogram>(bounds); });
}

size_t Registry::series_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->n_series;
}

uint64_t Registry::series_refused() const {
  std::lock_guard lock(impl_->mu);
  return impl_->refused;
}

namespace {

void append_series_name(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels,
                        std::string_view extra = {}) {
  out.append(name);
  out.append(suffix);
  if (!labels.empty() || !extra.empty()) {
    out += '{';
    out.append(labels);
    if (!labels.empty() && !extra.empty()) out += ',';
    out.append(extra);
    out += '}';
  }
  out += ' ';
}

}  // namespace

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(impl_->mu);
  out.reserve(256 * impl_->n_series + 64);
  for (const auto& [name, f] : impl_->families) {
    if (f.series.empty()) continue;
    out += "# HELP ";
    out += name;
    out += ' ';
    out += escape_help(f.help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    for (const auto& [labels, s] : f.series) {
      switch (f.type) {
        case Type::kCounter:
          append_series_name(out, name, "", labels);
          append_int(out, std::get<std::unique_ptr<Counter>>(s)->value());
          out += '\n';
          break;
        case Type::kGauge:
          append_series_name(out, name, "", labels);
          append_int(out, std::get<std::unique_ptr<Gauge>>(s)->value());
          out += '\n';
          break;
        case Type::kHistogram: {
          const Histogram& h = *std::get<std::unique_ptr<Histogram>>(s);
          // Read each bucket once; _count is the +Inf bucket of the same reading.
          uint64_t cumulative = 0;
          const auto bounds = h.bounds();
          std::string le;
          for (size_t i = 0; i <= bounds.size(); ++i) {
            cumulative += h.bucket(i);
            le = "le=\"";
            if (i < bounds.size()) append_double(le, bounds[i]);
            else le += "+Inf";
            le += '"';
            append_series_name(out, name, "_bucket", labels, le);
            append_int(out, cumulative);
            out += '\n';
          }
          append_series_name(out, name, "_sum", labels);
          append_double(out, h.sum());
          out += '\n';
          append_series_name(out, name, "_count", labels);
          append_int(out, cumulative);
          out += '\n';
          break;
        }
      }
    }
  }
  return out;
}

Registry& default_registry() {
  // Leaked on purpose: series stay valid for static destructors elsewhere.
  static Registry* r = new Registry;
  return *r;
}

}  // namespace perpx::core
