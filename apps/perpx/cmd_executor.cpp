// perpx killswitch | orders | order status: the executor's journal from the
// command line.
//
//   perpx killswitch halt|reduce|resume --reason <text> [--journal F] [--json]
//       journals a manual trading-state change; prints it, or "no change"
//       ({"changed":false,...}) when the state is already that one
//   perpx killswitch status [--journal F] [--json]
//   perpx orders [--open] [--journal F] [--json]
//   perpx order status <id | client order id> [--journal F] [--json]
//       the order, its events and its transactions
// The journal defaults to ~/.perpx/journal.sqlite (created when missing,
// folder mode 0700).
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "cli.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/kill_switch.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using core::Json;
using executor::Journal;

struct JournalOptions {
  std::string journal;
  bool json = false;
};

void add_journal_options(CLI::App* cmd, JournalOptions& o) {
  cmd->add_option("--journal", o.journal, "the executor's journal (default ~/.perpx/journal.sqlite)");
  cmd->add_flag("--json", o.json, "one JSON object");
}

Journal open_journal(const JournalOptions& o) {
  fs::path p = o.journal;
  if (p.empty()) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') fail("--journal: no HOME to put ~/.perpx in; pass --journal");
    const fs::path dir = fs::path(home) / ".perpx";
    std::error_code ec;
    if (fs::create_directories(dir, ec)) ::chmod(dir.c_str(), 0700);
    if (ec) fail("--journal: cannot create " + dir.string());
    p = dir / "journal.sqlite";
  }
  auto j = Journal::open(p);
  if (!j) fail("--journal: " + j.error().message);
  return std::move(*j);
}

uint64_t now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Json order_json(const executor::OrderRecord& o) {
  return Json{{"id", o.id},           {"client_order_id", o.client_order_id}, {"venue", o.venue},
              {"market", o.market},   {"side", o.side},                       {"size", o.size},
              {"limit", o.limit_price}, {"urgency", o.urgency},               {"path", o.path},
              {"reduce_only", o.reduce_only}, {"strategy", o.strategy},       {"state", o.state},
              {"created_ms", o.created_ms}, {"updated_ms", o.updated_ms}};
}

std::string order_line(const executor::OrderRecord& o) {
  return std::to_string(o.id) + "  " + o.client_order_id + "  " + o.venue + " " + o.market + " " + o.side + " " +
         o.size + " @ " + o.limit_price + "  " + o.path + "/" + o.urgency + "  " + o.state;
}

void killswitch(const JournalOptions& o, const std::string& action, const std::string& reason) {
  Journal j = open_journal(o);
  const auto current = take(j.trading_state(), "--journal");
  if (action == "status") {
    if (o.json) return print_json(Json{{"state", executor::trading_state_name(current)}});
    return print_line(std::string(executor::trading_state_name(current)));
  }
  const executor::TradingState to = action == "halt"     ? executor::TradingState::kHalted
                                    : action == "reduce" ? executor::TradingState::kReducing
                                                         : executor::TradingState::kActive;
  if (reason.empty()) fail("--reason: required (it is journalled with the change)");
  executor::KillSwitch k({}, current);
  auto change = k.manual(to, reason, now_ms());
  if (!change) {
    if (o.json) return print_json(Json{{"changed", false}, {"state", executor::trading_state_name(current)}});
    return print_line("no change: already " + std::string(executor::trading_state_name(current)));
  }
  if (auto r = j.add_state_change(*change); !r) fail("--journal: " + r.error().message);
  if (o.json)
    return print_json(Json{{"changed", true},
                           {"from", executor::trading_state_name(change->from)},
                           {"to", executor::trading_state_name(change->to)},
                           {"cause", executor::trip_cause_name(change->cause)},
                           {"reason", change->detail},
                           {"time_ms", change->time_ms}});
  print_line(std::string(executor::trading_state_name(change->from)) + " -> " +
             std::string(executor::trading_state_name(change->to)) + " (" + change->detail + ")");
}

void list_orders(const JournalOptions& o, bool open_only) {
  Journal j = open_journal(o);
  const std::vector<executor::OrderRecord> orders = take(j.orders(open_only), "--journal");
  if (o.json) {
    Json a = Json::array();
    for (const auto& x : orders) a.push_back(order_json(x));
    return print_json(Json{{"orders", a}});
  }
  std::string s;
  for (const auto& x : orders) s += (s.empty() ? "" : "\n") + order_line(x);
  print_line(s.empty() ? "no orders" : s);
}

void order_status(const JournalOptions& o, const std::string& which) {
  Journal j = open_journal(o);
  std::optional<executor::OrderRecord> rec = take(j.order_by_client_id(which), "--journal");
  if (!rec && !which.empty() && which.find_first_not_of("0123456789") == std::string::npos && which.size() < 19) {
    if (auto r = j.order(std::stoll(which))) rec = std::move(*r);
  }
  if (!rec) fail("order: no order " + which + " in the journal");
  const auto events = take(j.events(rec->id), "--journal");
  const auto txns = take(j.txns(rec->id), "--journal");
  if (o.json) {
    Json out = order_json(*rec);
    Json ev = Json::array();
    for (const auto& e : events) {
      auto detail = core::parse_json(e.detail);
      ev.push_back(Json{{"time_ms", e.time_ms}, {"state", e.state}, {"detail", detail ? *detail : Json(e.detail)}});
    }
    Json tx = Json::array();
    for (const auto& t : txns)
      tx.push_back(Json{{"hash", core::to_hex(t.hash)}, {"nonce", t.nonce}, {"max_fee", t.max_fee}, {"tip", t.tip},
                        {"state", t.state}, {"created_ms", t.created_ms}});
    out["events"] = ev;
    out["txns"] = tx;
    return print_json(out);
  }
  std::string s = order_line(*rec);
  for (const auto& e : events) s += "\n  " + std::to_string(e.time_ms) + "  " + e.state + "  " + e.detail;
  for (const auto& t : txns)
    s += "\n  txn " + core::to_hex(t.hash) + " nonce " + std::to_string(t.nonce) + " tip " + t.tip + " max " +
         t.max_fee + "  " + t.state;
  print_line(s);
}

}  // namespace

void add_executor_commands(CLI::App& app) {
  auto ks_opts = std::make_shared<JournalOptions>();
  auto reason = std::make_shared<std::string>();
  auto* ks = app.add_subcommand("killswitch", "the trading state: halt, reduce (reduce-only), resume, status");
  ks->require_subcommand(1);
  for (const char* action : {"halt", "reduce", "resume", "status"}) {
    auto* sub = ks->add_subcommand(action, std::string(action) == "status" ? "print the journalled trading state"
                                                                           : std::string(action) + " trading (journalled)");
    add_journal_options(sub, *ks_opts);
    if (std::string(action) != "status") sub->add_option("--reason", *reason, "why (journalled)")->required();
    sub->callback([ks_opts, reason, a = std::string(action)] { killswitch(*ks_opts, a, *reason); });
  }

  auto list_opts = std::make_shared<JournalOptions>();
  auto open_only = std::make_shared<bool>(false);
  auto* orders = app.add_subcommand("orders", "orders in the journal");
  add_journal_options(orders, *list_opts);
  orders->add_flag("--open", *open_only, "only orders not yet final");
  orders->callback([list_opts, open_only] { list_orders(*list_opts, *open_only); });

  auto st_opts = std::make_shared<JournalOptions>();
  auto which = std::make_shared<std::string>();
  auto* order = app.add_subcommand("order", "one order");
  order->require_subcommand(1);
  auto* status = order->add_subcommand("status", "an order with its events and transactions");
  add_journal_options(status, *st_opts);
  status->add_option("id", *which, "journal id or client order id")->required();
  status->callback([st_opts, which] { order_status(*st_opts, *which); });
}

}  // namespace perpx::app
