// The audit's HTML report: one self-contained file whose chart (SVG) and
// per-source table are there once a real browser (headless Chromium) has
// loaded it and run its script.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "oracle_chromium.hpp"
#include "perpx/oracle/audit.hpp"

using namespace perpx::oracle;

namespace {

AuditData sample_data() {
  AuditData d;
  d.names = {"chainlink", "pyth", "thin<&>", "sequencer"};
  d.kinds = {"chainlink", "pyth", "other", "sequencer"};
  const int64_t t0 = 1'750'000'000'000'000;
  for (int64_t i = 0; i < 60; ++i) {
    for (size_t f = 0; f < 3; ++f) {
      AuditRow r;
      r.block = static_cast<uint64_t>(i);
      r.log_index = f;
      r.feed = f;
      r.sample.time_us = t0 + i * 12'000'000;
      r.sample.price = Price{3'000'000'000'000 + i * 1'000'000'000 + static_cast<int64_t>(f) * 100'000'000};
      r.accepted = true;
      r.reference = Price{3'000'000'000'000 + i * 1'000'000'000};
      if (f == 2 && i % 20 == 5) {  // the thin source pumped: rejected
        r.sample.price = Price{r.sample.price.raw * 4};
        r.accepted = false;
        r.reasons.add(Reason::kDeviation);
        r.reasons.add(Reason::kJump);
      }
      d.rows.push_back(r);
    }
  }
  AuditRow seq;
  seq.block = 30;
  seq.log_index = 9;
  seq.feed = 3;
  seq.sequencer = true;
  seq.sample.price = Price{kPriceScale};
  seq.sample.time_us = t0 + 360'000'000;
  seq.accepted = true;
  d.rows.push_back(seq);
  for (size_t f = 0; f < 4; ++f) {
    SourceStats s;
    s.name = d.names[f];
    s.kind = d.kinds[f];
    for (const auto& r : d.rows)
      if (r.feed == f) {
        ++s.samples;
        r.accepted ? ++s.accepted : ++s.rejected;
        if (r.reasons.has(Reason::kDeviation)) ++s.reasons[static_cast<size_t>(Reason::kDeviation)];
      }
    s.mean_gap_s = 12;
    s.p99_gap_s = 12;
    d.stats.push_back(s);
  }
  d.next_block = 60;
  return d;
}

}  // namespace

TEST_CASE("render_report: chart, markers by reason, per-source table, escaped names", "[oracle][report]") {
  const std::string html = render_report(sample_data(), "audit <test>");
  CHECK(html.find("<svg id=\"chart\"") != std::string::npos);
  CHECK(perpx::test::count_of(html, "<polyline class=\"series\"") == 3);  // the sequencer is not a price line
  CHECK(perpx::test::count_of(html, "class=\"anomaly\" data-reason=\"deviation\"") == 3);
  CHECK(perpx::test::count_of(html, "<line class=\"sequencer\"") == 1);
  CHECK(html.find("<table id=\"sources\">") != std::string::npos);
  CHECK(html.find("thin&lt;&amp;&gt;") != std::string::npos);
  CHECK(html.find("thin<&>") == std::string::npos);
  CHECK(html.find("audit &lt;test&gt;") != std::string::npos);
  // Self-contained: no URL but the SVG namespace name; no external script or style.
  CHECK(perpx::test::count_of(html, "http") == 1);
  CHECK(perpx::test::count_of(html, "xmlns=\"http://www.w3.org/2000/svg\"") == 1);
  CHECK(html.find("src=") == std::string::npos);
}

TEST_CASE("the report opens in headless Chromium with its chart and table", "[oracle][report][chromium]") {
  const auto path = std::filesystem::temp_directory_path() / ("perpx-report-" + std::to_string(::getpid()) + ".html");
  REQUIRE(write_report(sample_data(), path, "perpx oracle audit"));
  const std::string dom = perpx::test::chromium_dump_dom(path);
  std::filesystem::remove(path);
  INFO(dom.substr(0, 400));
  REQUIRE(!dom.empty());
  CHECK(dom.find("data-rendered=\"1\"") != std::string::npos);  // the script ran
  CHECK(dom.find("3 anomalies marked.") != std::string::npos);  // and counted the chart's markers
  CHECK(dom.find("<svg id=\"chart\"") != std::string::npos);
  CHECK(perpx::test::count_of(dom, "<polyline class=\"series\"") == 3);
  CHECK(perpx::test::count_of(dom, "<tr data-source=") == 4);
}
