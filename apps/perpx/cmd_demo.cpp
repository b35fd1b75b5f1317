// perpx demo: the main job (demo_scenario.hpp). On a terminal: a progress
// line on stderr while it runs and a summary table at the end; without one
// (or with --json): JSON lines on stdout, one per phase and decision batch,
// the last the summary object. Either way it writes the HTML report and the
// strategies' recording (`perpx replay` proves it gives the same decisions).
// Exit 1 when a phase did not happen on chain (the summary says which).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli.hpp"
#include "demo_scenario.hpp"

namespace perpx::app {

namespace {

using core::Json;

std::string fixed(double v, int decimals = 2) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

double num(const Json& j) { return j.is_number() ? j.get<double>() : 0.0; }

void print_table(const Json& s) {
  auto row = [](const std::string& k, const std::string& v) {
    char b[256];
    std::snprintf(b, sizeof b, "  %-34s %s", k.c_str(), v.c_str());
    print_line(b);
  };
  print_line("perpx demo: summary (from the chain and the journal)");
  std::string phases;
  for (const Json& p : s["phases"])
    phases += (phases.empty() ? "" : ", ") + p["name"].get<std::string>() + " " + std::to_string(p["first_block"].get<uint64_t>()) +
              "-" + std::to_string(p["last_block"].get<uint64_t>());
  row("phases (blocks)", phases);
  print_line("PnL by strategy, USD");
  for (const auto& [k, v] : s["pnl_usd"].items()) row("  " + k, fixed(num(v)));
  print_line("fees and gas by urgency");
  for (const auto& [k, v] : s["gas_gwei"].items())
    row("  " + k, "gas " + fixed(num(v), 0) + " gwei, fees " + fixed(s["fees_usd"].contains(k) ? num(s["fees_usd"][k]) : 0.0) + " USD");
  row("carry opened", s["carry_opened"].get<bool>() ? "yes" : "no");
  row("hedges (urgent)", std::to_string(s["hedges"].get<unsigned>()) + " (" + std::to_string(s["urgent_hedges"].get<unsigned>()) + ")");
  row("hedge latency p50 / p99, us", fixed(num(s["hedge_latency_us"]["p50"]), 0) + " / " + fixed(num(s["hedge_latency_us"]["p99"]), 0));
  row("sandwich attempts", std::to_string(s["sandwich_attempts"].get<unsigned>()));
  row("searcher profit, USD", fixed(num(s["searcher_profit_usd"])));
  row("value protected from it, USD", fixed(num(s["value_protected_usd"])) + " (would have taken " +
                                          fixed(num(s["would_have_taken_usd"])) + ", took " + fixed(num(s["taken_from_us_usd"])) + ")");
  row("oracle anomalies (rejected samples)", std::to_string(s["anomalies"]["rejected_samples"].get<uint64_t>()));
  print_line("kill-switch changes");
  for (const Json& c : s["kill_switch_changes"])
    row("  " + c["from"].get<std::string>() + " -> " + c["to"].get<std::string>(), c["cause"].get<std::string>() + ": " + c["detail"].get<std::string>());
  row("report", s["report"].get<std::string>());
  row("recording", s["recording"].get<std::string>());
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  auto json = std::make_shared<bool>(false);
  auto report = std::make_shared<std::string>("demo-report.html");
  auto record = std::make_shared<std::string>();
  auto journal = std::make_shared<std::string>();
  auto* c = app.add_subcommand("demo", "the whole story on a local chain: carry, crash hedges, an oracle anomaly, a searcher");
  c->add_flag("--json", *json, "JSON lines, the last one the summary (the default without a terminal)");
  c->add_flag("--fast", o->fast, "shorter calm and settle phases");
  c->add_option("--report", *report, "the HTML report (default ./demo-report.html)");
  c->add_option("--record", *record, "the strategies' recording for `perpx replay` (default: beside the report)");
  c->add_option("--journal", *journal, "the executor's journal, made afresh (default: beside the report)");
  c->add_option("--contracts-dir", o->contracts_dir, "compiled contract artifacts (default: the build's)");
  auto block_ms = std::make_shared<int64_t>(-1);
  c->add_option("--block-ms", *block_ms,
                "wall time per block, ms (default: 2000 on a terminal, about two minutes in all; 0 without one)");
  c->callback([o, json, report, record, journal, block_ms] {
    const bool lines = *json || !::isatty(STDOUT_FILENO);
    const bool progress = ::isatty(STDERR_FILENO);
    o->report = *report;
    o->record = *record;
    o->journal = *journal;
    if (*block_ms < -1) fail("demo: --block-ms must be 0 or more");
    o->block_ms = *block_ms >= 0 ? static_cast<uint64_t>(*block_ms) : (progress && !lines ? 2000 : 0);
    if (lines) o->on_line = [](const Json& j) {
      print_json(j);
      std::fflush(stdout);
    };
    if (progress) o->on_progress = [](std::string_view phase, uint64_t block) {
      std::fprintf(stderr, "\r\033[Kperpx demo: %.*s, block %llu", static_cast<int>(phase.size()), phase.data(),
                   static_cast<unsigned long long>(block));
      std::fflush(stderr);
    };
    const DemoResult r = run_demo(*o);
    if (progress) std::fprintf(stderr, "\r\033[K");
    if (!lines) print_table(r.lines.back()["summary"]);
    std::fflush(stdout);
    if (!r.ok) fail("demo: " + r.why);
  });
}

}  // namespace perpx::app
