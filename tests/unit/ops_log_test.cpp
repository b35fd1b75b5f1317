// ops: the asynchronous structured logger: text and JSON lines, levels,
// escaping, cut strings, and a full queue that drops (counted) instead of
// blocking.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "perpx/core/json.hpp"
#include "perpx/core/metrics.hpp"
#include "perpx/ops/log.hpp"

using namespace perpx;

namespace {

// A temporary file the logger writes to; lines() reads it back.
struct LogFile {
  std::filesystem::path path;
  int fd;
  LogFile() {
    char tmpl[] = "/tmp/perpx-ops-log-XXXXXX";
    fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
  }
  ~LogFile() {
    ::close(fd);
    std::filesystem::remove(path);
  }
  std::vector<std::string> lines() const {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
};

}  // namespace

TEST_CASE("levels and formats parse by name", "[ops][log]") {
  CHECK(ops::parse_level("debug") == ops::Level::kDebug);
  CHECK(ops::parse_level("warning") == ops::Level::kWarn);
  CHECK(ops::parse_level("error") == ops::Level::kError);
  CHECK_FALSE(ops::parse_level("verbose"));
  CHECK(ops::parse_format("json") == ops::LogFormat::kJson);
  CHECK(ops::parse_format("text") == ops::LogFormat::kText);
  CHECK_FALSE(ops::parse_format("xml"));
}

TEST_CASE("JSON lines: one object per record, fields typed, strings escaped", "[ops][log]") {
  LogFile f;
  {
    ops::Logger log({.level = ops::Level::kDebug, .format = ops::LogFormat::kJson, .fd = f.fd});
    CHECK(log.log(ops::Level::kInfo, "order.sent",
                  {{"id", int64_t{-3}}, {"nonce", uint64_t{7}}, {"path", "public"}, {"ok", true}, {"ratio", 0.5},
                   {"why", std::string_view("quote \" backslash \\ newline \n tab \t bell \a")}}));
    CHECK(log.log(ops::Level::kDebug, "tick"));
    log.flush();
    CHECK(log.written() == 2);
  }
  auto lines = f.lines();
  REQUIRE(lines.size() == 2);
  auto j = core::parse_json(lines[0]);
  REQUIRE(j);
  CHECK((*j)["level"] == "info");
  CHECK((*j)["event"] == "order.sent");
  CHECK((*j)["id"] == -3);
  CHECK((*j)["nonce"] == 7);
  CHECK((*j)["path"] == "public");
  CHECK((*j)["ok"] == true);
  CHECK((*j)["ratio"] == 0.5);
  CHECK((*j)["why"] == "quote \" backslash \\ newline \n tab \t bell \a");
  const std::string ts = (*j)["ts"];
  CHECK(ts.size() == 27);  // 2024-05-01T12:00:00.123456Z
  CHECK(ts[10] == 'T');
  CHECK(ts.back() == 'Z');
  auto k = core::parse_json(lines[1]);
  REQUIRE(k);
  CHECK((*k)["event"] == "tick");
  CHECK((*k)["level"] == "debug");
}

TEST_CASE("text lines: time, level, event, key=value, odd strings quoted", "[ops][log]") {
  LogFile f;
  {
    ops::Logger log({.level = ops::Level::kInfo, .format = ops::LogFormat::kText, .fd = f.fd});
    CHECK(log.log(ops::Level::kWarn, "rpc.slow", {{"method", "eth_call"}, {"ms", 12}, {"note", "two words"}}));
    CHECK_FALSE(log.log(ops::Level::kDebug, "hidden"));  // below the level: not queued
    CHECK(log.log(ops::Level::kError, "x", {{"eq", "a=b"}, {"empty", ""}}));
  }  // the destructor writes what was queued
  auto lines = f.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].substr(27) == " warn rpc.slow method=eth_call ms=12 note=\"two words\"");
  CHECK(lines[1].substr(27) == " error x eq=\"a=b\" empty=\"\"");
}

TEST_CASE("strings longer than a record are cut and marked", "[ops][log]") {
  LogFile f;
  const std::string big(2 * ops::Logger::kTextBytes, 'x');
  {
    ops::Logger log({.format = ops::LogFormat::kJson, .fd = f.fd});
    CHECK(log.log(ops::Level::kInfo, "big", {{"a", big}, {"b", big}, {"n", 1}}));
  }
  auto lines = f.lines();
  REQUIRE(lines.size() == 1);
  auto j = core::parse_json(lines[0]);
  REQUIRE(j);
  const std::string a = (*j)["a"];
  CHECK(a.ends_with("x..."));
  CHECK(a.size() < big.size());
  CHECK((*j)["b"] == "...");  // no room left: empty, marked cut
  CHECK((*j)["n"] == 1);      // numbers take no text room
}

TEST_CASE("a full queue drops and counts, never blocks", "[ops][log]") {
  LogFile f;
  core::Counter& metric = core::default_registry().counter(
      "perpx_log_dropped_total", "Log records dropped because the log queue was full (the hot path never waits).");
  const uint64_t before = metric.value();
  // The writer waits its idle poll (here: far longer than the test) before
  // its first look, so exactly `capacity` records fit.
  ops::Logger log({.format = ops::LogFormat::kJson, .fd = f.fd, .capacity = 4, .idle_poll = std::chrono::minutes(10)});
  int accepted = 0;
  for (int i = 0; i < 100; ++i) accepted += log.log(ops::Level::kInfo, "burst", {{"i", i}}) ? 1 : 0;
  CHECK(accepted == 4);
  CHECK(log.dropped() == 96);
  CHECK(metric.value() - before == 96);
  log.flush();  // wakes the writer
  auto lines = f.lines();
  REQUIRE(lines.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK((*core::parse_json(lines[static_cast<size_t>(i)]))["i"] == i);  // in order
  // Room again once written.
  CHECK(log.log(ops::Level::kInfo, "after"));
  log.flush();
  CHECK(f.lines().size() == 5);
}

TEST_CASE("several threads log at once, every accepted record is written once", "[ops][log]") {
  LogFile f;
  constexpr int kThreads = 4, kPer = 2000;
  uint64_t accepted = 0;
  {
    ops::Logger log({.format = ops::LogFormat::kJson, .fd = f.fd, .capacity = 1 << 15});
    std::vector<std::thread> ts;
    std::atomic<uint64_t> ok{0};
    for (int t = 0; t < kThreads; ++t)
      ts.emplace_back([&, t] {
        for (int i = 0; i < kPer; ++i)
          if (log.log(ops::Level::kInfo, "t", {{"thread", t}, {"i", i}})) ok.fetch_add(1);
      });
    for (auto& t : ts) t.join();
    log.flush();
    accepted = ok.load();
    CHECK(accepted + log.dropped() == uint64_t{kThreads} * kPer);
    CHECK(log.written() == accepted);
  }
  auto lines = f.lines();
  CHECK(lines.size() == accepted);
  std::vector<std::vector<int>> seen(kThreads);
  for (const auto& l : lines) {
    auto j = core::parse_json(l);
    REQUIRE(j);
    seen[static_cast<size_t>((*j)["thread"].get<int>())].push_back((*j)["i"].get<int>());
  }
  for (const auto& s : seen)  // each thread's records in its own order
    CHECK(std::is_sorted(s.begin(), s.end()));
}

TEST_CASE("the global logger is a no-op until set", "[ops][log]") {
  CHECK(ops::global_logger() == nullptr);
  CHECK_FALSE(ops::log(ops::Level::kError, "nobody"));
  LogFile f;
  {
    ops::Logger log({.fd = f.fd});
    ops::set_global_logger(&log);
    CHECK(ops::log(ops::Level::kInfo, "somebody", {{"k", "v"}}));
    ops::set_global_logger(nullptr);
  }
  auto lines = f.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].ends_with(" info somebody k=v"));
}
