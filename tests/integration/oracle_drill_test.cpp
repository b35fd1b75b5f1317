// perpx drill oracle end to end: a local chain with the drill world, the
// scripted incidents pushed on the real feed contracts, the audit, the
// report (opened in headless Chromium).
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "cli_run.hpp"
#include "oracle_chromium.hpp"
#include "perpx/core/json.hpp"

using perpx::core::Json;
namespace fs = std::filesystem;

TEST_CASE("perpx drill oracle: every incident rejected, the clean market accepted, the report opens",
          "[anvil][oracle][drill]") {
  const fs::path dir = fs::temp_directory_path() / ("perpx-drill-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto r = perpx::test::run_perpx({"drill", "oracle", "--json", "--report", (dir / "r.html").string(), "--db",
                                         (dir / "a.sqlite").string()},
                                        {}, {std::string("PERPX_CONTRACTS_DIR=") + PERPX_CONTRACTS_DIR});
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::vector<Json> lines;
  size_t pos = 0;
  while (pos < r.out.size()) {
    const size_t end = r.out.find('\n', pos);
    lines.push_back(Json::parse(r.out.substr(pos, end - pos)));
    pos = end + 1;
  }
  REQUIRE(lines.size() > 100);
  const Json s = lines.back()["summary"];
  CHECK(s["ok"] == true);
  CHECK(s["report"] == (dir / "r.html").string());
  for (const char* kind : {"dai_spike", "luna_floor", "mango_pump", "stale", "sequencer"}) {
    INFO(kind);
    REQUIRE(s["incidents"].contains(kind));
    CHECK(s["incidents"][kind]["rows"].get<int>() > 0);
    CHECK(s["incidents"][kind]["rejected"] == s["incidents"][kind]["rows"]);
  }
  CHECK(s["clean"]["rows"].get<int>() > 300);
  CHECK(s["clean"]["rejected"] == 0);
  // The incidents were caught for their own reasons.
  CHECK(s["reasons"]["bounds"].get<int>() > 0);       // Chainlink at its floor
  CHECK(s["reasons"]["stale"] == 2);
  CHECK(s["reasons"]["sequencer_down"].get<int>() > 0);
  size_t spikes = 0, pumps = 0;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const Json& l = lines[i];
    CHECK(l["event"] == "sample");
    if (l["incident"] == "dai_spike") {
      ++spikes;
      CHECK(l["source"] == "venue");
      CHECK(l["reasons"].size() >= 2);
    }
    if (l["incident"] == "mango_pump") {
      ++pumps;
      CHECK(l["source"] == "thin");
      CHECK(l["decision"] == "reject");
    }
  }
  CHECK(spikes == 1);
  CHECK(pumps == 12);
  const std::string dom = perpx::test::chromium_dump_dom(dir / "r.html");
  CHECK(dom.find("data-rendered=\"1\"") != std::string::npos);
  CHECK(perpx::test::count_of(dom, "<tr data-source=") == 5);
  CHECK(perpx::test::count_of(dom, "class=\"anomaly\"") == static_cast<size_t>(s["rejected"].get<int>()));
  fs::remove_all(dir);
}
