// perpx stress: the stress scenarios of a scenario file (strategies/
// scenario_file.hpp; sample strategies/scenarios/crash.toml) on a portfolio
// in the file, or on live positions read from the reference venue
// (--account, --rpc-url, --venue or the file's [live]), every read pinned to
// one block. Prints each scenario's loss and liquidations (the order they
// go, step, price, the collateral that would have kept each bucket) and the
// accounts' margin view; with --json one object:
//   {"worst_loss_usd", "worst_scenario", "kill_switch", "liquidations": [...the worst scenario's],
//    "scenarios": [{"name", "loss_usd", "bad_debt_usd", "liquidations": [...]}], "accounts": [...]}
// Amounts are exact decimal strings in USD (prices USD per unit, sizes in
// units); a liquidation: {"account", "market", "step", "time", "price",
// "size_closed", "partial", "isolated", "collateral_to_survive_usd"}.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/core/address.hpp"
#include "perpx/strategies/portfolio.hpp"
#include "perpx/strategies/scenario_file.hpp"
#include "perpx/strategies/stress.hpp"
#include "perpx/venues/ref_venue.hpp"

namespace perpx::app {

namespace {

using core::Json;
using strategies::Address;
using strategies::I256;
using strategies::U256;

struct StressOptions {
  std::string scenario;
  std::vector<std::string> accounts;
  std::string rpc_url;
  std::string venue;
  bool json = false;
};

std::string joined(const std::vector<std::string>& errors) {
  std::string s;
  for (const auto& e : errors) s += (s.empty() ? "" : "; ") + e;
  return s;
}

Address address_of(const std::string& s, std::string_view what) {
  auto a = core::parse_address(read_arg(s));
  if (!a) fail(std::string(what) + ": not an address (" + std::string(core::describe(a.error())) + ")");
  return *a;
}

struct Book {
  venues::RefModel model;
  std::vector<Address> accounts;
  std::vector<U256> prices;
  uint64_t now = 0;
  std::vector<std::string> markets;
  std::optional<uint64_t> block_num;
};

Book live_book(const StressOptions& o, const strategies::ScenarioFile& f) {
  if (o.rpc_url.empty()) fail("--rpc-url: required for live positions (or set ETH_RPC_URL)");
  if (!o.rpc_url.starts_with("http://") && !o.rpc_url.starts_with("https://")) fail("--rpc-url: must be an http(s) URL");
  Address venue;
  if (!o.venue.empty()) venue = address_of(o.venue, "--venue");
  else if (f.venue) venue = *f.venue;
  else fail("--venue: required for live positions (or [live] venue in the scenario file)");
  Book b;
  for (const auto& a : o.accounts) b.accounts.push_back(address_of(a, "--account"));
  if (b.accounts.empty()) b.accounts = f.live_accounts;
  if (b.accounts.empty()) fail("--account: at least one (or [live] accounts in the scenario file)");
  chain::RpcClient rpc = chain::make_http_client(o.rpc_url);
  auto head = chain::resolve_block(rpc, chain::Tag::kLatest);
  if (!head) fail("--rpc-url: " + chain::describe(head.error()));
  const venues::RefVenue v(rpc, venue);
  auto need_error = [](const chain::ContractError& e, std::string_view what) {
    std::string msg = std::string(what) + ": " + chain::describe(e);
    if (auto ve = venues::venue_error(e)) msg += " (" + std::string(venues::error_name(*ve)) + ")";
    fail(msg);
  };
  auto model = v.load_model(b.accounts, head->number);
  if (!model) need_error(model.error(), "venue state (is --venue a PerpVenue?)");
  b.model = std::move(*model);
  b.now = head->timestamp;
  b.block_num = head->number;
  for (size_t m = 0; m < b.model.market_count(); ++m) {
    b.markets.push_back(b.model.market_params(m).name);
    auto index = v.index_price(m, head->number);
    if (!index) need_error(index.error(), "index price of " + b.markets.back());
    b.prices.push_back(*index);
  }
  return b;
}

std::string usd(const I256& v) { return core::wad_to_string(v); }
std::string usd(const U256& v) { return core::wad_to_string(v); }

Json liquidation_json(const strategies::LiquidationRecord& r, const std::vector<std::string>& markets) {
  return {{"account", core::to_checksum(r.account)},
          {"market", markets.at(r.market)},
          {"step", r.step},
          {"time", r.time},
          {"price", usd(r.price)},
          {"size_closed", usd(r.size_closed)},
          {"partial", r.partial},
          {"isolated", r.isolated},
          {"collateral_to_survive_usd", r.collateral_to_survive ? Json(usd(*r.collateral_to_survive)) : Json(nullptr)}};
}

void run_stress_command(const StressOptions& o) {
  auto file = strategies::load_scenario_file(o.scenario);
  if (!file) fail("--scenario: " + joined(file.error()));
  const bool live = !o.accounts.empty() || !o.venue.empty() || file->venue || !file->live_accounts.empty();
  Book b;
  if (live) {
    if (file->portfolio) fail("--scenario: the file holds a [portfolio]; live flags (--account, --venue) read the venue instead");
    b = live_book(o, *file);
  } else {
    if (!file->portfolio) fail("--scenario: no [portfolio] in the file; for live positions give --account and --rpc-url");
    b.model = file->portfolio->model;
    b.accounts = file->portfolio->accounts;
    b.prices = file->portfolio->prices;
    b.now = file->portfolio->now;
    for (size_t m = 0; m < b.model.market_count(); ++m) b.markets.push_back(b.model.market_params(m).name);
  }
  auto scenarios = strategies::resolve_scenarios(*file, b.markets);
  if (!scenarios) fail("--scenario: " + joined(scenarios.error()));
  auto report = strategies::run_stress(b.model, b.accounts, b.prices, b.now, *scenarios, file->options);
  if (!report) fail("--scenario: " + report.error());

  // The margin view now.
  strategies::Portfolio pf(b.model, b.accounts, b.prices, b.now);
  for (size_t m = 0; m < b.markets.size(); ++m)
    if (auto it = file->vols.find(b.markets[m]); it != file->vols.end() && it->second > 0) pf.set_vol(m, it->second);
  const auto margins = pf.all();

  // The kill switch's verdict on the configured scenario (default: the worst).
  std::optional<size_t> ks_index = report->worst;
  if (!file->kill_switch_scenario.empty())
    for (size_t i = 0; i < scenarios->size(); ++i)
      if ((*scenarios)[i].name == file->kill_switch_scenario) ks_index = i;
  std::string ks = "active";
  if (file->limits) {
    const I256 loss = ks_index ? report->results[*ks_index].cascade.loss : I256{};
    if (auto st = strategies::stress_state(loss, *file->limits)) ks = std::string(executor::trading_state_name(*st));
  } else {
    ks = "";
  }

  if (o.json) {
    Json scen = Json::array();
    for (const auto& r : report->results) {
      Json liqs = Json::array();
      for (const auto& l : r.cascade.liquidations) liqs.push_back(liquidation_json(l, b.markets));
      scen.push_back({{"name", r.scenario.name},
                      {"loss_usd", usd(r.cascade.loss)},
                      {"bad_debt_usd", usd(r.cascade.bad_debt)},
                      {"steps", r.scenario.steps},
                      {"liquidations", liqs}});
    }
    Json accounts = Json::array();
    for (const auto& a : margins) {
      Json ps = Json::array();
      for (const auto& p : a.positions) {
        ps.push_back({{"market", b.markets.at(p.market)},
                      {"size", usd(p.size)},
                      {"isolated", p.isolated},
                      {"liquidatable", p.liquidatable},
                      {"liquidation_price", p.liquidation_price ? Json(usd(*p.liquidation_price)) : Json(nullptr)},
                      {"distance_price", p.distance_price ? Json(usd(*p.distance_price)) : Json(nullptr)},
                      {"distance_sigma", p.distance_sigma ? Json(*p.distance_sigma) : Json(nullptr)}});
      }
      accounts.push_back({{"account", core::to_checksum(a.account)},
                          {"equity_usd", usd(a.equity)},
                          {"cross_margin_ratio", a.cross.margin_ratio == I256::max() ? Json(nullptr)
                                                                                       : Json(usd(a.cross.margin_ratio))},
                          {"move_down", a.move_down ? Json(usd(*a.move_down)) : Json(nullptr)},
                          {"move_up", a.move_up ? Json(usd(*a.move_up)) : Json(nullptr)},
                          {"positions", ps}});
    }
    Json worst_liqs = report->worst ? scen[*report->worst]["liquidations"] : Json::array();
    Json out = {{"worst_loss_usd", usd(report->worst_loss)},
                {"worst_scenario", report->worst ? Json(report->results[*report->worst].scenario.name) : Json(nullptr)},
                {"kill_switch", ks.empty() ? Json(nullptr) : Json(ks)},
                {"liquidations", worst_liqs},
                {"scenarios", scen},
                {"accounts", accounts}};
    if (b.block_num) out["block_num"] = *b.block_num;
    print_json(out);
    return;
  }
  std::string t;
  for (const auto& a : margins) {
    t += "account " + core::to_checksum(a.account) + ": equity " + usd(a.equity) + " USD, cross margin ratio " +
         (a.cross.margin_ratio == I256::max() ? std::string("inf") : usd(a.cross.margin_ratio)) + "\n";
    for (const auto& p : a.positions) {
      t += "  " + b.markets.at(p.market) + " " + usd(p.size) + (p.isolated ? " isolated" : " cross") + ": liquidation " +
           (p.liquidation_price ? usd(*p.liquidation_price) : std::string("none"));
      if (p.distance_price) t += " (" + usd(*p.distance_price) + " away";
      if (p.distance_sigma) t += ", " + std::to_string(*p.distance_sigma) + " sigma";
      if (p.distance_price) t += ")";
      t += "\n";
    }
  }
  t += "scenario                          loss USD          liquidations\n";
  for (const auto& r : report->results) {
    std::string name = r.scenario.name;
    name.resize(32, ' ');
    std::string loss = usd(r.cascade.loss);
    if (loss.size() < 18) loss.resize(18, ' ');
    t += name + "  " + loss + std::to_string(r.cascade.liquidations.size()) + "\n";
    for (const auto& l : r.cascade.liquidations) {
      t += "    step " + std::to_string(l.step) + ": " + core::to_checksum(l.account) + " " + b.markets.at(l.market) +
           (l.partial ? " partial " : " full ") + usd(l.size_closed) + " at " + usd(l.price);
      if (l.collateral_to_survive) t += ", survives with +" + usd(*l.collateral_to_survive) + " USD";
      t += "\n";
    }
  }
  t += "worst loss " + usd(report->worst_loss) + " USD" +
       (report->worst ? " (" + report->results[*report->worst].scenario.name + ")" : std::string()) +
       (ks.empty() ? std::string() : ", kill switch: " + ks);
  print_line(t);
}

}  // namespace

void add_stress_commands(CLI::App& app) {
  auto opts = std::make_shared<StressOptions>();
  auto* cmd = app.add_subcommand("stress", "stress scenarios and the liquidation cascade on a portfolio or live positions");
  cmd->add_option("--scenario", opts->scenario, "the scenario file (TOML)")->required();
  cmd->add_option("--account", opts->accounts, "a live account (repeatable)");
  cmd->add_option("--rpc-url", opts->rpc_url, "HTTP JSON-RPC endpoint (live positions)")->envname("ETH_RPC_URL");
  cmd->add_option("--venue", opts->venue, "the PerpVenue address (live positions)");
  cmd->add_flag("--json", opts->json, "one JSON object");
  cmd->callback([opts] { run_stress_command(*opts); });
}

}  // namespace perpx::app
