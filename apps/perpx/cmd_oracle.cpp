// perpx oracle check|audit|watch: the oracle pipeline (oracle/) offline on a
// CSV, over a chain's history into SQLite with an HTML report, and live.
#include <cstdio>
#include <memory>
#include <string>

#include "cli.hpp"
#include "oracle_commands.hpp"
#include "perpx/oracle/check.hpp"
#include "perpx/oracle/config.hpp"

namespace perpx::app {

oracle::OracleConfig load_oracle_config(const std::string& path, const std::string& market) {
  if (path.empty()) {
    oracle::OracleConfig c;
    c.market = market;
    return c;
  }
  auto c = oracle::load_config(path, market);
  if (!c) fail("--config " + c.error());
  return std::move(*c);
}

namespace {

struct CheckOptions {
  std::string input;
  std::string config;
  std::string market;
  bool json = false;
};

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

void check(const CheckOptions& o) {
  const oracle::OracleConfig cfg = load_oracle_config(o.config, o.market);
  const std::string text = o.input == "-" ? read_arg("-") : read_file(o.input, "--input");
  auto in = oracle::parse_samples_csv(text, cfg);
  if (!in) fail("--input " + o.input + ": " + oracle::describe(in.error()));
  // Everything parsed: only now does anything reach stdout.
  std::string out;
  out.reserve(in->rows.size() * 160);
  if (!o.json)
    out += pad("row", 7) + pad("time", 18) + pad("source", 14) + pad("price", 18) + pad("decision", 9) +
           pad("reference", 18) + "reasons\n";
  const auto summary = oracle::run_check(*in, cfg, [&](const oracle::RowResult& r) {
    if (o.json) {
      out += oracle::row_json(r, *in).dump();
      out += '\n';
    } else {
      const auto j = oracle::row_json(r, *in);
      std::string reasons;
      for (const auto& x : j["reasons"]) reasons += (reasons.empty() ? "" : ",") + x.get<std::string>();
      out += pad(std::to_string(r.row), 7) + pad(j["time"].dump(), 18) + pad(j["source"].get<std::string>(), 14) +
             pad(j["price"].get<std::string>(), 18) + pad(r.decision.accepted ? "accept" : "REJECT", 9) +
             pad(r.decision.reference ? oracle::to_string(*r.decision.reference) : "no_quorum", 18) + reasons + "\n";
    }
    if (out.size() > (1u << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  });
  if (o.json) {
    out += oracle::summary_json(summary, *in).dump();
    out += '\n';
  } else {
    out += "rows " + std::to_string(summary.rows) + ", accepted " + std::to_string(summary.accepted) + ", rejected " +
           std::to_string(summary.rejected) + ", rows without quorum " + std::to_string(summary.no_quorum_rows) + "\n";
    for (size_t k = 0; k < oracle::kReasonCount; ++k)
      if (summary.reasons[k])
        out += "  " + std::string(oracle::reason_name(static_cast<oracle::Reason>(k))) + ": " +
               std::to_string(summary.reasons[k]) + "\n";
    for (size_t i = 0; i < summary.sources.size(); ++i)
      out += "  source " + in->sources[i] + ": " + std::to_string(summary.sources[i].rows) + " rows, " +
             std::to_string(summary.sources[i].rejected) + " rejected\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

void add_oracle_commands(CLI::App& app) {
  auto* grp = app.add_subcommand("oracle", "oracle sanity checks: offline check, audit of a chain's feeds, live watch");
  grp->require_subcommand(1);

  auto co = std::make_shared<CheckOptions>();
  auto* c = grp->add_subcommand("check", "run a samples CSV (time,source,price[,conf]) through the oracle pipeline");
  c->add_option("--input", co->input, "CSV file with header time,source,price[,conf] ('-' for stdin)")->required();
  c->add_option("--config", co->config, "TOML thresholds per source and market");
  c->add_option("--market", co->market, "which [markets.X] of the config applies (default: the config's market key)");
  c->add_flag("--json", co->json, "one JSON object per row, then a summary object");
  c->callback([co] { check(*co); });

  add_oracle_audit_command(*grp);
  add_oracle_watch_command(*grp);
}

}  // namespace perpx::app
