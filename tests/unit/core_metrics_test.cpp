// core metrics: the registry and its exposition in the Prometheus text format
// 0.0.4 (HELP/TYPE lines, label escaping, histogram _bucket/_sum/_count with
// le="+Inf"). A small reader of the format below checks the whole output the
// way a scraper would, not by comparing one golden string.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "perpx/core/metrics.hpp"

using namespace perpx::core;

namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string value;
};

struct Exposition {
  std::map<std::string, std::string> help, type;
  std::vector<Sample> samples;
};

// Reads the text format strictly: a sample's family must have its TYPE line
// before it; label values are unescaped; a malformed line fails the test.
Exposition parse(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  REQUIRE((text.empty() || text.back() == '\n'));
  while (std::getline(in, line)) {
    REQUIRE(!line.empty());
    if (line.starts_with("# HELP ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      REQUIRE(sp != std::string::npos);
      e.help[rest.substr(0, sp)] = rest.substr(sp + 1);
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      REQUIRE(sp != std::string::npos);
      REQUIRE(e.help.count(rest.substr(0, sp)) == 1);  // HELP comes first
      e.type[rest.substr(0, sp)] = rest.substr(sp + 1);
      continue;
    }
    REQUIRE(line[0] != '#');
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name += line[i++];
    REQUIRE(i < line.size());
    if (line[i] == '{') {
      ++i;
      while (line[i] != '}') {
        std::string k;
        while (line[i] != '=') k += line[i++];
        REQUIRE(line[++i] == '"');
        ++i;
        std::string v;
        for (;; ++i) {
          REQUIRE(i < line.size());
          if (line[i] == '"') break;
          if (line[i] == '\\') {
            ++i;
            REQUIRE((line[i] == '\\' || line[i] == '"' || line[i] == 'n'));
            v += line[i] == 'n' ? '\n' : line[i];
          } else {
            v += line[i];
          }
        }
        ++i;
        REQUIRE(s.labels.count(k) == 0);
        s.labels[k] = v;
        if (line[i] == ',') ++i;
      }
      ++i;
    }
    REQUIRE(line[i] == ' ');
    s.value = line.substr(i + 1);
    REQUIRE(!s.value.empty());
    std::string family = s.name;
    for (std::string suffix : {"_bucket", "_sum", "_count"})
      if (!e.type.count(family) && family.ends_with(suffix)) family.resize(family.size() - suffix.size());
    REQUIRE(e.type.count(family) == 1);
    e.samples.push_back(std::move(s));
  }
  return e;
}

const Sample* find(const Exposition& e, const std::string& name, const std::map<std::string, std::string>& labels) {
  for (const auto& s : e.samples)
    if (s.name == name && s.labels == labels) return &s;
  return nullptr;
}

std::string value_of(const Exposition& e, const std::string& name, const std::map<std::string, std::string>& labels) {
  const Sample* s = find(e, name, labels);
  REQUIRE(s != nullptr);
  return s->value;
}

}  // namespace

TEST_CASE("counters and gauges render with HELP and TYPE lines", "[core][metrics]") {
  Registry r;
  Counter& sent = r.counter("perpx_orders_total", "Orders by state.", {{"state", "sent"}, {"path", "public"}});
  Counter& failed = r.counter("perpx_orders_total", "Orders by state.", {{"state", "failed"}, {"path", "public"}});
  Gauge& up = r.gauge("perpx_endpoint_up", "1 while the endpoint answers.", {{"endpoint", "http://127.0.0.1:8545"}});
  sent.inc();
  sent.inc(2);
  up.set(1);
  up.add(-3);
  auto e = parse(r.render());
  CHECK(e.type["perpx_orders_total"] == "counter");
  CHECK(e.help["perpx_orders_total"] == "Orders by state.");
  CHECK(e.type["perpx_endpoint_up"] == "gauge");
  CHECK(value_of(e, "perpx_orders_total", {{"state", "sent"}, {"path", "public"}}) == "3");
  CHECK(value_of(e, "perpx_orders_total", {{"state", "failed"}, {"path", "public"}}) == "0");
  CHECK(value_of(e, "perpx_endpoint_up", {{"endpoint", "http://127.0.0.1:8545"}}) == "-2");
  CHECK(failed.value() == 0);
  // One HELP and one TYPE line per family, however many series it has.
  const std::string text = r.render();
  size_t helps = 0;
  for (size_t p = 0; (p = text.find("# HELP perpx_orders_total ", p)) != std::string::npos; ++p) ++helps;
  CHECK(helps == 1);
}

TEST_CASE("registering the same name and labels again gives the same series", "[core][metrics]") {
  Registry r;
  Counter& a = r.counter("x_total", "x", {{"a", "1"}, {"b", "2"}});
  Counter& b = r.counter("x_total", "x", {{"b", "2"}, {"a", "1"}});  // label order does not matter
  Counter& c = r.counter("x_total", "x", {{"a", "1"}, {"b", "3"}});
  CHECK(&a == &b);
  CHECK(&a != &c);
  CHECK(r.series_count() == 2);
}

TEST_CASE("histograms render cumulative buckets, le=+Inf, _sum and _count", "[core][metrics]") {
  Registry r;
  const double bounds[] = {0.001, 0.01, 0.1};
  Histogram& h = r.histogram("perpx_rpc_latency_seconds", "RPC latency.", bounds, {{"method", "eth_call"}});
  for (double v : {0.0005, 0.001, 0.002, 0.05, 0.05, 3.0}) h.observe(v);
  h.observe(std::chrono::microseconds(20));  // 2e-5 s: the first bucket
  CHECK(h.count() == 7);
  auto e = parse(r.render());
  CHECK(e.type["perpx_rpc_latency_seconds"] == "histogram");
  auto bucket = [&](const std::string& le) {
    return value_of(e, "perpx_rpc_latency_seconds_bucket", {{"method", "eth_call"}, {"le", le}});
  };
  CHECK(bucket("0.001") == "3");  // upper bounds are inclusive
  CHECK(bucket("0.01") == "4");
  CHECK(bucket("0.1") == "6");
  CHECK(bucket("+Inf") == "7");
  CHECK(value_of(e, "perpx_rpc_latency_seconds_count", {{"method", "eth_call"}}) == "7");
  CHECK(std::stod(value_of(e, "perpx_rpc_latency_seconds_sum", {{"method", "eth_call"}})) ==
        Approx(0.0005 + 0.001 + 0.002 + 0.05 + 0.05 + 3.0 + 2e-5));
  // Buckets in increasing le order, +Inf last.
  std::vector<std::string> les;
  for (const auto& s : e.samples)
    if (s.name == "perpx_rpc_latency_seconds_bucket") les.push_back(s.labels.at("le"));
  CHECK(les == std::vector<std::string>{"0.001", "0.01", "0.1", "+Inf"});
}

TEST_CASE("an empty histogram renders zero buckets and a zero count", "[core][metrics]") {
  Registry r;
  r.histogram("h_seconds", "h", kLatencyBuckets);
  auto e = parse(r.render());
  CHECK(value_of(e, "h_seconds_bucket", {{"le", "+Inf"}}) == "0");
  CHECK(value_of(e, "h_seconds_bucket", {{"le", "1e-05"}}) == "0");
  CHECK(value_of(e, "h_seconds_count", {}) == "0");
  CHECK(value_of(e, "h_seconds_sum", {}) == "0");
}

TEST_CASE("label values and help text are escaped", "[core][metrics]") {
  Registry r;
  const std::string nasty = "a\\b\"c\nd";
  r.counter("esc_total", "line one\nback\\slash \"quotes\" stay", {{"source", nasty}}).inc();
  const std::string text = r.render();
  CHECK(text.find("# HELP esc_total line one\\nback\\\\slash \"quotes\" stay\n") != std::string::npos);
  CHECK(text.find("esc_total{source=\"a\\\\b\\\"c\\nd\"} 1\n") != std::string::npos);
  auto e = parse(text);
  CHECK(value_of(e, "esc_total", {{"source", nasty}}) == "1");  // the reader gets the original back
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_help("a\"b") == "a\"b");
}

TEST_CASE("misuse of names, labels, types and buckets is refused", "[core][metrics]") {
  Registry r;
  const double b1[] = {1, 2};
  const double b2[] = {1, 3};
  const double bad[] = {2, 1};
  r.counter("m_total", "m");
  CHECK_THROWS_AS(r.gauge("m_total", "m"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("9lives", "n"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("with-dash", "n"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("", "n"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "n", {{"bad-label", "x"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "n", {{"__reserved", "x"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "n", {{"a", "x"}, {"a", "y"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h", "h", b1, {{"le", "1"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h_bad", "h", bad), std::invalid_argument);
  r.histogram("h", "h", b1);
  CHECK_THROWS_AS(r.histogram("h", "h", b2), std::invalid_argument);
  CHECK(r.counter("ns:sub_total", "colons are allowed in names").value() == 0);
  // Nothing half-registered: the refused calls left no family behind.
  auto e = parse(r.render());
  CHECK(e.type.count("h_bad") == 0);
  CHECK(e.type.count("ok_total") == 0);
}

TEST_CASE("past kMaxSeries a registry hands out detached series", "[core][metrics]") {
  Registry r;
  for (size_t i = 0; i < Registry::kMaxSeries; ++i) r.counter("many_total", "m", {{"i", std::to_string(i)}});
  CHECK(r.series_count() == Registry::kMaxSeries);
  Counter& extra = r.counter("many_total", "m", {{"i", "one more"}});
  extra.inc(5);  // usable, never shown
  CHECK(extra.value() == 5);
  CHECK(r.series_count() == Registry::kMaxSeries);
  CHECK(r.series_refused() == 1);
  CHECK(r.render().find("one more") == std::string::npos);
  // An existing series is still found.
  CHECK(&r.counter("many_total", "m", {{"i", "7"}}) != &extra);
}

TEST_CASE("increments from several threads are all counted", "[core][metrics]") {
  Registry r;
  Counter& c = r.counter("threads_total", "t");
  const double bounds[] = {0.5};
  Histogram& h = r.histogram("threads_h", "t", bounds);
  constexpr int kThreads = 4, kPer = 50'000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        c.inc();
        h.observe(t % 2 == 0 ? 0.25 : 1.0);
      }
    });
  std::string during = r.render();  // rendering while they run is allowed
  for (auto& t : ts) t.join();
  CHECK(!during.empty());
  CHECK(c.value() == uint64_t{kThreads} * kPer);
  CHECK(h.count() == uint64_t{kThreads} * kPer);
  CHECK(h.bucket(0) == uint64_t{kThreads / 2} * kPer);
  CHECK(h.sum() == Approx(kThreads / 2 * kPer * 0.25 + kThreads / 2 * kPer * 1.0));
}

TEST_CASE("the default registry is one process-wide registry", "[core][metrics]") {
  Counter& a = default_registry().counter("perpx_test_default_total", "t");
  a.inc();
  CHECK(&default_registry().counter("perpx_test_default_total", "t") == &a);
  CHECK(default_registry().render().find("perpx_test_default_total 1\n") != std::string::npos);
}
