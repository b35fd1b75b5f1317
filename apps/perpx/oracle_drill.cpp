// perpx drill oracle: a local chain with the drill world, a scripted ETH/USD
// market on four real feeds (Chainlink-style aggregator, Pyth's MockPyth, a
// venue and a thin venue on aggregators of their own) and the L2 sequencer
// uptime feed, with the real incident shapes pushed on chain:
//   dai_spike    a single venue printing +30% (Coinbase DAI, Nov 2020)
//   luna_floor   the Chainlink feed pinned at its minAnswer while the market
//                falls through it (LUNA, May 2022)
//   mango_pump   a thin venue pumped five-fold over minutes (Mango, Oct 2022)
//   stale        a venue republishing an answer two hours old
//   sequencer    the sequencer down, then up within the grace period
// The same audit as `perpx oracle audit` then reads the chain's logs
// through the pipeline into SQLite and writes the HTML report. Each row is
// labelled with the incident it belongs to ("clean" otherwise).
//
// Output: one line per sample (JSON with --json), then the summary object
// {"summary":{"accepted","rejected","reasons","incidents":{kind:{"rows",
// "rejected"}},"clean":{"rows","rejected"},"ok","report","db"}}. "ok": every
// incident row that carries a wrong price was rejected and no clean row was.
// Exit 1 (one line on stderr) when not ok.
#include "oracle_drill.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "oracle_commands.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/oracle/check.hpp"
#include "world.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using chain::Address;
using core::Json;

struct DrillOptions {
  bool json = false;
  std::string report;
  std::string db;
  std::string contracts_dir;
};

// The drill's thresholds: the defaults, plus Chainlink's circuit breaker.
// The grace period after the sequencer comes back is 5 minutes here (the
// default is an hour) to keep the drill short.
constexpr const char* kDrillConfig = R"(
market = "ETH/USD"
[markets."ETH/USD"]
sequencer_grace = 300
[sources.chainlink]
kind = "chainlink"
min = "2400"
max = "100000"
[sources.pyth]
kind = "pyth"
[sources.venue]
[sources.thin]
[sources.sequencer]
kind = "sequencer"
)";

enum Feed : size_t { kChainlink, kPyth, kVenue, kThin, kSequencer };

struct Push {
  size_t feed;
  chain::Hash32 txn;
  std::string incident;
};

class Script {
 public:
  Script(chain::LocalChain& lc, const World& w, const Address& venue, const Address& thin)
      : rpc_(lc.client()), sender_(take(chain::TxnSender::make(rpc_, lc.dev_key(0)), "drill sender")), w_(w),
        venue_(venue), thin_(thin) {}

  chain::RpcClient& rpc() { return rpc_; }

  void advance(uint64_t seconds) {
    if (!rpc_.request("evm_increaseTime", Json::array({seconds})) || !rpc_.request("evm_mine", Json::array()))
      fail("drill: cannot move the chain's time");
  }
  uint64_t now() {
    auto h = chain::resolve_block(rpc_, chain::Tag::kLatest);
    if (!h) fail("drill: " + chain::describe(h.error()));
    return h->timestamp;
  }
  static std::string e8(double usd) { return std::to_string(std::llround(usd * 1e8)); }

  // One step: every source publishes (what `prices` says; NaN = silent).
  void step(double chainlink, double pyth, double venue, double thin, const std::string& incident_cl = "clean",
            const std::string& incident_pyth = "clean", const std::string& incident_venue = "clean",
            const std::string& incident_thin = "clean") {
    advance(30);
    const uint64_t t = now();
    if (!std::isnan(chainlink)) send(kChainlink, w_.eth_usd, "submit(int256)", Json::array({e8(chainlink)}), incident_cl);
    if (!std::isnan(pyth)) {
      auto data = take(chain::call(rpc_, w_.pyth,
                                    "createPriceFeedUpdateData(bytes32,int64,uint64,int32,int64,uint64,uint64,uint64)(bytes)",
                                    Json::array({kPythEthUsd, e8(pyth), e8(pyth * 0.0005), -8, e8(pyth),
                                                 e8(pyth * 0.0005), t, 0})),
                        "Pyth update data");
      send(kPyth, w_.pyth, "updatePriceFeeds(bytes[])", Json::array({Json::array({data[0]})}), incident_pyth, 1);
    }
    if (!std::isnan(venue)) send(kVenue, venue_, "submit(int256)", Json::array({e8(venue)}), incident_venue);
    if (!std::isnan(thin)) send(kThin, thin_, "submit(int256)", Json::array({e8(thin)}), incident_thin);
    wait();
  }
  // A venue republishing an old round (updatedAt two hours back).
  void stale_round(uint64_t round, double price) {
    const uint64_t t = now() - 7200;
    send(kVenue, venue_, "submitRound(uint80,int256,uint256,uint256)", Json::array({round, e8(price), t, t}), "stale");
    wait();
  }
  void sequencer(bool up) {
    send(kSequencer, w_.sequencer, "submit(int256)", Json::array({up ? "0" : "1"}), "status");
    wait();
  }
  // (feed, block) -> incident of every push mined.
  const std::map<std::pair<size_t, uint64_t>, std::string>& labels() const { return labels_; }

 private:
  void send(size_t feed, const Address& to, std::string_view sig, const Json& args, const std::string& incident,
            uint64_t value = 0) {
    chain::TxnOptions o;
    o.value = value;
    pending_.push_back({feed, take(sender_.submit(to, take(chain::encode_call(sig, args), "drill"), o), "drill push"), incident});
  }
  void wait() {
    for (const auto& p : pending_) {
      const auto r = take(sender_.wait(p.txn, std::chrono::seconds(60)), "drill push");
      labels_[{p.feed, r.block_number}] = p.incident;
    }
    pending_.clear();
  }
  chain::RpcClient rpc_;
  chain::TxnSender sender_;
  World w_;
  Address venue_, thin_;
  std::vector<Push> pending_;
  std::map<std::pair<size_t, uint64_t>, std::string> labels_;
};

template <class T>
T check_feed(chain::FeedResult<T> r) {
  if (!r) fail("drill: " + chain::describe(r.error()));
  return std::move(*r);
}

void drill(const DrillOptions& o) {
  const fs::path dir = fs::temp_directory_path() / ("perpx-drill-oracle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path report = o.report.empty() ? dir / "report.html" : fs::path(o.report);
  const fs::path db = o.db.empty() ? dir / "audit.sqlite" : fs::path(o.db);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);

  LocalWorld lw = start_world(chain::LocalChainOptions{}, contracts_dir(o.contracts_dir));
  chain::RpcClient rpc = lw.chain.client();
  const Artifacts art = load_artifacts(contracts_dir(o.contracts_dir));
  chain::TxnSender deployer = take(chain::TxnSender::make(rpc, lw.chain.dev_key(0)), "deployer");
  const Address venue = take(deployer.deploy(art.aggregator, "(uint8,int256)", Json::array({8, "300000000000"})), "venue feed");
  const Address thin = take(deployer.deploy(art.aggregator, "(uint8,int256)", Json::array({8, "300000000000"})), "thin feed");
  Script s(lw.chain, lw.world, venue, thin);

  double m = 3000;
  auto calm = [&](int n, const std::string& label = "clean") {
    for (int i = 0; i < n; ++i) {
      m *= 1.0 + 0.0007 * ((i * 7919) % 5 - 2) / 2.0;  // a small deterministic wiggle
      s.step(m, m * 0.9999, m * 1.0002, m * 0.9996, label, label, label, label);
    }
  };
  // Steps inside the grace period after the sequencer came up at `up`
  // (every sample rejected, sequencer_down), and none too near its end.
  auto grace = [&](uint64_t up) {
    for (;;) {
      const uint64_t next = s.now() + 30;
      if (next + 5 >= up + 300 && next <= up + 305) s.advance(12);
      else if (next < up + 300) calm(1, "sequencer");
      else return;
    }
  };
  // The uptime feed said "up" when the world was deployed: its grace period comes first.
  grace(check_feed(chain::read_sequencer(s.rpc(), lw.world.sequencer, check_feed(chain::resolve_block(s.rpc(), chain::Tag::kLatest)))).started_at);
  calm(8);
  // dai_spike: the venue prints +30% once.
  s.step(m, m * 0.9999, m * 1.3, m * 0.9996, "clean", "clean", "dai_spike");
  calm(4);
  // luna_floor: the market falls a third, 0.8% a step; Chainlink is clamped
  // at its 2400 floor (minAnswer) on the way down and back up.
  auto luna_step = [&](double factor) {
    m *= factor;
    const bool pinned = m < 2400;
    s.step(pinned ? 2400 : m, m * 0.9999, m * 1.0002, m * 0.9996, pinned ? "luna_floor" : "clean");
  };
  for (int i = 0; i < 50; ++i) luna_step(0.992);
  for (int i = 0; i < 50; ++i) luna_step(1 / 0.992);
  calm(4);
  // mango_pump: the thin venue pumped five-fold over eight steps, held, then dumped.
  for (int i = 1; i <= 12; ++i) {
    const double k = i <= 8 ? std::pow(5.0, i / 8.0) : 5.0;
    s.step(m, m * 0.9999, m * 1.0002, m * 0.9996 * k, "clean", "clean", "clean", "mango_pump");
  }
  calm(4);
  // stale: the venue republishes a two-hour-old round.
  s.stale_round(1000, m * 0.97);
  s.stale_round(1001, m * 0.97);
  calm(3);
  // sequencer: down for three steps, then up: the grace period follows.
  s.sequencer(false);
  calm(3, "sequencer");
  s.sequencer(true);
  grace(s.now());
  calm(6);

  // The audit: the chain's logs through the pipeline.
  auto cfg = oracle::parse_config(kDrillConfig);
  if (!cfg) fail("drill config: " + cfg.error());
  oracle::AuditOptions ao;
  ao.config = *cfg;
  const std::string id(kPythEthUsd);
  const std::vector<std::string> specs = {
      "chainlink=chainlink:" + core::to_checksum(lw.world.eth_usd), "pyth=pyth:" + core::to_checksum(lw.world.pyth) + ":" + id,
      "venue=chainlink:" + core::to_checksum(venue), "thin=chainlink:" + core::to_checksum(thin),
      "sequencer=sequencer:" + core::to_checksum(lw.world.sequencer)};
  for (const auto& spec : specs) {
    auto f = oracle::open_audit_feed(s.rpc(), spec);
    if (!f) fail("drill: " + f.error());
    ao.feeds.push_back(*f);
  }
  ao.db = db;
  ao.from_block = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> incidents;  // rows, rejected
  std::pair<uint64_t, uint64_t> clean{0, 0};
  std::vector<std::string> missed;
  auto result = oracle::run_audit(s.rpc(), ao, {}, [&](const oracle::AuditRow& r) {
    if (r.sequencer) return;
    const auto it = s.labels().find({r.feed, r.block});
    // Not pushed by the script: the world's deployment (constructor rounds).
    const std::string incident = it == s.labels().end() ? "setup" : it->second;
    if (incident != "setup") {
      auto& slot = incident == "clean" ? clean : incidents[incident];
      ++slot.first;
      slot.second += !r.accepted;
    }
    if (incident != "setup" && (incident == "clean" ? !r.accepted : r.accepted))
      missed.push_back(ao.feeds[r.feed].name + " block " + std::to_string(r.block) + " (" + incident + ")");
    Json reasons = Json::array();
    for (size_t k = 0; k < oracle::kReasonCount; ++k)
      if (r.reasons.has(static_cast<oracle::Reason>(k))) reasons.push_back(oracle::reason_name(static_cast<oracle::Reason>(k)));
    if (o.json) {
      Json line = {{"event", "sample"}, {"source", ao.feeds[r.feed].name}, {"block_num", r.block},
                   {"time", oracle::time_json(r.sample.time_us)}, {"price", oracle::to_string(r.sample.price)},
                   {"decision", r.accepted ? "accept" : "reject"}, {"reasons", reasons}};
      line["reference"] = r.reference ? Json(oracle::to_string(*r.reference)) : Json(nullptr);
      line["incident"] = incident;
      print_json(line);
    } else {
      std::string rs;
      for (const auto& x : reasons) rs += (rs.empty() ? "" : ",") + x.get<std::string>();
      print_line(std::string(r.accepted ? "accept " : "REJECT ") + ao.feeds[r.feed].name + " block " +
                 std::to_string(r.block) + " price " + oracle::to_string(r.sample.price) + " " + incident +
                 (rs.empty() ? "" : " [" + rs + "]"));
    }
  });
  if (!result) fail("drill audit: " + result.error());
  auto data = oracle::load_audit(db);
  if (!data) fail("drill report: " + data.error());
  if (auto w = oracle::write_report(*data, report, "perpx drill oracle"); !w) fail("drill report: " + w.error());

  const bool ok = missed.empty() && incidents.size() == 5;
  Json inc = Json::object();
  for (const auto& [k, v] : incidents) inc[k] = {{"rows", v.first}, {"rejected", v.second}};
  Json reasons = Json::object();
  for (size_t k = 0; k < oracle::kReasonCount; ++k)
    reasons[std::string(oracle::reason_name(static_cast<oracle::Reason>(k)))] = result->reasons[k];
  Json summary = {{"summary",
                   {{"samples", result->total_samples}, {"accepted", result->accepted}, {"rejected", result->rejected},
                    {"reasons", reasons}, {"incidents", inc}, {"clean", {{"rows", clean.first}, {"rejected", clean.second}}},
                    {"ok", ok}, {"report", report.string()}, {"db", db.string()}}}};
  if (o.json) print_json(summary);
  else {
    print_line("accepted " + std::to_string(result->accepted) + ", rejected " + std::to_string(result->rejected));
    for (const auto& [k, v] : incidents)
      print_line("  " + k + ": " + std::to_string(v.second) + " of " + std::to_string(v.first) + " rejected");
    print_line("  clean: " + std::to_string(clean.second) + " of " + std::to_string(clean.first) + " rejected");
    print_line("report " + report.string());
  }
  std::fflush(stdout);
  if (!ok) fail("drill oracle: the pipeline missed " + std::to_string(missed.size()) + " row(s), first " +
                (missed.empty() ? std::string("(an incident produced no rows)") : missed.front()));
}

}  // namespace

void add_oracle_drill_command(CLI::App& grp) {
  auto o = std::make_shared<DrillOptions>();
  auto* c = grp.add_subcommand("oracle", "oracle incidents (DAI spike, LUNA floor, Mango pump, stale feed, sequencer outage) on a local chain");
  add_ops_options(c);
  c->add_flag("--json", o->json, "JSON lines, the last one the summary");
  c->add_option("--report", o->report, "where to write the HTML report (default: a temporary folder)");
  c->add_option("--db", o->db, "where to write the audit database (default: beside the report)");
  c->add_option("--contracts-dir", o->contracts_dir, "compiled contract artifacts (default: the build's)");
  c->callback([o] { drill(*o); });
}

}  // namespace perpx::app
