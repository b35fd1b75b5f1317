// perpx oracle audit: a chain's feed history through the oracle pipeline
// into SQLite (resumable), with per-source statistics and an HTML report.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "oracle_commands.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/oracle/audit.hpp"
#include "perpx/oracle/check.hpp"

namespace perpx::app {

namespace {

struct AuditCliOptions {
  std::string rpc_url;
  std::vector<std::string> feeds;
  uint64_t from_block = 0;
  std::optional<uint64_t> to_block;
  uint64_t to_block_value = 0;
  std::string db;
  std::string report;
  std::string config;
  std::string market;
  uint64_t step = 2000;
  bool json = false;
};

void progress_bar(const oracle::AuditProgress& p) {
  const double total = static_cast<double>(p.to >= p.from ? p.to - p.from + 1 : 1);
  const double done = static_cast<double>(p.done >= p.from ? p.done - p.from + 1 : 0);
  const int width = 30;
  const int filled = static_cast<int>(width * done / total);
  std::fprintf(stderr, "\r[%.*s%*s] %3d%%  block %llu/%llu  %llu samples", filled, "==============================",
               width - filled, "", static_cast<int>(100 * done / total), static_cast<unsigned long long>(p.done),
               static_cast<unsigned long long>(p.to), static_cast<unsigned long long>(p.samples));
  if (p.done >= p.to) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace

core::Json audit_result_json(const oracle::AuditResult& r, const std::string& db, const std::string& report) {
  core::Json reasons = core::Json::object();
  for (size_t k = 0; k < oracle::kReasonCount; ++k)
    reasons[std::string(oracle::reason_name(static_cast<oracle::Reason>(k)))] = r.reasons[k];
  core::Json sources = core::Json::array();
  for (const auto& s : r.stats) {
    core::Json by = core::Json::object();
    for (size_t k = 0; k < oracle::kReasonCount; ++k)
      if (s.reasons[k]) by[std::string(oracle::reason_name(static_cast<oracle::Reason>(k)))] = s.reasons[k];
    sources.push_back({{"source", s.name}, {"kind", s.kind}, {"samples", s.samples}, {"accepted", s.accepted},
                       {"rejected", s.rejected}, {"reasons", by}, {"mean_gap_s", s.mean_gap_s},
                       {"p99_gap_s", s.p99_gap_s}, {"heartbeat_misses", s.heartbeat_misses}, {"stale_s", s.stale_s},
                       {"largest_deviation", s.largest_deviation}});
  }
  core::Json j = {{"db", db},
                  {"resumed", r.resumed},
                  {"scanned_from", r.scanned_from},
                  {"scanned_to", r.scanned_to},
                  {"new_samples", r.new_samples},
                  {"total_samples", r.total_samples},
                  {"accepted", r.accepted},
                  {"rejected", r.rejected},
                  {"reasons", reasons},
                  {"sources", sources}};
  j["report"] = report.empty() ? core::Json(nullptr) : core::Json(report);
  return j;
}

namespace {

void audit(const AuditCliOptions& o) {
  if (o.rpc_url.empty()) fail("--rpc-url: required (or set ETH_RPC_URL)");
  if (!o.rpc_url.starts_with("http://") && !o.rpc_url.starts_with("https://"))
    fail("--rpc-url: expected an http:// or https:// URL");
  if (o.feeds.empty()) fail("--feed: at least one feed");
  if (o.to_block && *o.to_block < o.from_block) fail("--to-block: below --from-block");
  oracle::AuditOptions ao;
  ao.config = load_oracle_config(o.config, o.market);
  chain::RpcClient rpc(std::make_unique<chain::HttpTransport>(o.rpc_url));
  for (const auto& spec : o.feeds) {
    auto f = oracle::open_audit_feed(rpc, spec);
    if (!f) fail(f.error());
    ao.feeds.push_back(std::move(*f));
  }
  oracle::name_feeds(ao.feeds);
  ao.from_block = o.from_block;
  ao.to_block = o.to_block;
  ao.db = o.db;
  ao.step = o.step;
  const bool tty = isatty(STDERR_FILENO) == 1;
  auto r = oracle::run_audit(rpc, ao, tty ? std::function<void(const oracle::AuditProgress&)>(progress_bar) : nullptr);
  if (!r) fail(r.error());
  if (!o.report.empty()) {
    auto data = oracle::load_audit(o.db);
    if (!data) fail("--report: " + data.error());
    if (auto w = oracle::write_report(*data, o.report, "perpx oracle audit"); !w) fail("--report " + w.error());
  }
  if (o.json) {
    print_json(audit_result_json(*r, o.db, o.report));
  } else {
    print_line("audited blocks " + std::to_string(r->scanned_from) + ".." + std::to_string(r->scanned_to) +
               (r->resumed ? " (resumed)" : "") + ": " + std::to_string(r->new_samples) + " new samples, " +
               std::to_string(r->total_samples) + " stored, " + std::to_string(r->rejected) + " rejected" +
               (o.report.empty() ? "" : "; report " + o.report));
  }
}

}  // namespace

void add_oracle_audit_command(CLI::App& grp) {
  auto o = std::make_shared<AuditCliOptions>();
  auto* c = grp.add_subcommand("audit", "scan feed history (eth_getLogs) through the pipeline into SQLite, with an HTML report");
  c->add_option("--rpc-url", o->rpc_url, "HTTP JSON-RPC endpoint")->envname("ETH_RPC_URL");
  c->add_option("--feed", o->feeds,
                "[name=]chainlink:<addr> | pyth:<addr>:<priceId> | univ3:<pool>[:invert] | sequencer:<addr> (repeatable)")
      ->required();
  c->add_option("--from-block", o->from_block, "first block to scan")->required();
  auto* to = c->add_option("--to-block", o->to_block_value, "last block to scan (default: the latest)");
  c->add_option("--db", o->db, "SQLite file (created; a second run continues where the first stopped)")->required();
  c->add_option("--report", o->report, "write the HTML report here");
  c->add_option("--config", o->config, "TOML thresholds per source and market");
  c->add_option("--market", o->market, "which [markets.X] of the config applies");
  c->add_option("--step", o->step, "blocks per eth_getLogs range and per transaction (default 2000)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000}));
  c->add_flag("--json", o->json, "one JSON object");
  c->callback([o, to] {
    if (to->count() > 0) o->to_block = o->to_block_value;
    audit(*o);
  });
}

}  // namespace perpx::app
