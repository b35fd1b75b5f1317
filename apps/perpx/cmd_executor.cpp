// perpx killswitch | orders | order status | order place: the executor
// from the command line.
//
//   perpx order place --venue ref --market ETH --side buy --size 1.5 --limit 3100
//       [--path auto|public|private|commit-reveal|batch] [--urgency low|normal|urgent|critical]
//       [--tif ioc|gtc|post_only] [--reduce-only] [--client-id ID] [--strategy S]
//       --rpc-url URL --venue-address 0x.. (or PERPX_VENUE) [key options]
//       [--relay URL ...] [--confirmations N] [--wait-blocks N | --no-wait] [--journal F] [--json]
//       [--oracle-feed MARKET:FEED ...] [--oracle-config F]
//       recovers the journal's open orders first (a crashed run's orders
//       resume here), then journals, checks, routes and sends the order and
//       follows it head by head until it is included (exit 0), fails,
//       is rejected or cancelled (exit 1), or --wait-blocks pass (exit 0,
//       state as it is: the next run resumes it). A --client-id already in
//       the journal is that order, never a second one. With --oracle-feed
//       (FEED as `perpx oracle watch --feed` takes it, for the market before
//       the first ':'), each head's samples go through the oracle pipeline
//       and the account is read for the margin and drawdown trips before the
//       executor sees the head (exec_session.hpp); the JSON then carries
//       "trading_state" and the "trips" this run journalled.
//   perpx order resume [session options as for place] [--json]
//       after a crash: reconciles the journal's open orders with the chain,
//       resumes each (reveals, settles, re-sends) and follows them until
//       none is in flight; {"resumed":n,"still_open":[...]}
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
#include <thread>

#include "cli.hpp"
#include "exec_session.hpp"
#include "hl_order.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/ops/log.hpp"

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
  auto j = Journal::open(journal_path(o.journal));
  if (!j) fail("--journal: " + j.error().message);
  return std::move(*j);
}

uint64_t now_ms() { return wall_ms(); }

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

struct PlaceOptions {
  JournalOptions journal;
  KeyOptions key;
  std::string rpc_url, venue_address, venue = "ref", market, side, size, limit;
  std::string path = "auto", urgency = "normal", tif = "ioc", client_id, strategy = "manual";
  bool reduce_only = false, no_wait = false;
  std::vector<std::string> relays;
  std::optional<uint64_t> confirmations;
  std::vector<std::string> oracle_feeds;
  std::string oracle_config;
  uint64_t wait_blocks = 60;
  uint64_t poll_ms = 100;
};

SessionOptions session_options(const PlaceOptions& o) {
  auto venue = core::parse_address(o.venue_address);
  if (!venue) fail("--venue-address: " + (o.venue_address.empty() ? std::string("required (or set PERPX_VENUE)")
                                                                   : "not an address: \"" + o.venue_address + "\""));
  SessionOptions so;
  so.rpc_url = o.rpc_url;
  so.journal = journal_path(o.journal.journal);
  so.venue = *venue;
  so.relays = o.relays;
  so.confirmations = o.confirmations;
  so.oracle_feeds = o.oracle_feeds;
  so.oracle_config = o.oracle_config;
  return so;
}

void add_session_options(CLI::App* cmd, PlaceOptions& p) {
  add_journal_options(cmd, p.journal);
  add_key_options(cmd, p.key);
  cmd->add_option("--rpc-url", p.rpc_url, "HTTP JSON-RPC endpoint")->envname("ETH_RPC_URL");
  cmd->add_option("--venue-address", p.venue_address, "the venue's contract")->envname("PERPX_VENUE");
  cmd->add_option("--relay", p.relays, "private relay URL (repeatable): enables the private path");
  cmd->add_option("--confirmations", p.confirmations, "finality by depth instead of the node's tags");
  cmd->add_option("--wait-blocks", p.wait_blocks, "follow orders this many blocks at most (default 60)");
  cmd->add_option("--oracle-feed", p.oracle_feeds,
                  "MARKET:[name=]chainlink:<addr> | pyth:<addr>:<id> | univ3:<pool>[:invert] | sequencer:<addr> "
                  "(repeatable): the kill switch's oracle trips");
  cmd->add_option("--oracle-config", p.oracle_config, "TOML thresholds for the oracle feeds");
}

bool settled(std::string_view s) {
  return s == "included" || s == "finalized" || s == "failed" || s == "rejected" || s == "cancelled";
}

Json change_json(const executor::StateChange& c) {
  return Json{{"from", executor::trading_state_name(c.from)}, {"to", executor::trading_state_name(c.to)},
              {"cause", executor::trip_cause_name(c.cause)}, {"detail", c.detail}, {"time_ms", c.time_ms}};
}

// The trading state now and the trips this session journalled.
void add_trips(Json& out, const ExecSession& s) {
  out["trading_state"] = executor::trading_state_name(s.kill.state());
  Json a = Json::array();
  for (const auto& c : s.tripped) a.push_back(change_json(c));
  out["trips"] = a;
}

Json placed_json(Journal& j, int64_t id) {
  const auto rec = take(j.order(id), "--journal");
  Json out = order_json(rec);
  Json tx = Json::array();
  for (const auto& t : take(j.txns(id), "--journal"))
    tx.push_back(Json{{"step", t.step}, {"hash", core::to_hex(t.hash)}, {"nonce", t.nonce}, {"route", t.route},
                      {"state", t.state}});
  out["txns"] = tx;
  const auto facts = take(j.facts(id), "--journal");
  if (auto f = facts.find("path"); f != facts.end()) out["path_taken"] = f->second;
  if (auto f = facts.find("included_block"); f != facts.end()) out["block"] = std::stoull(f->second);
  for (const auto& e : take(j.events(id), "--journal"))
    if (e.state == "rejected" || e.state == "failed" || e.state == "cancelled") out["why"] = core::parse_json(e.detail).value_or(Json(e.detail));
  return out;
}

// Order state changes as log lines (the async logger; stderr).
void log_updates(const std::vector<executor::OrderUpdate>& updates) {
  for (const auto& u : updates)
    ops::log(ops::Level::kInfo, "order.state", {{"order_id", u.order_id}, {"client_id", u.client_id}, {"state", u.state}});
}

void place_order(const PlaceOptions& o) {
  if (o.venue == "hyperliquid")  // an off-chain book: hl_order.cpp
    return place_hl_order({o.journal.journal, o.journal.json, o.key, o.market, o.side, o.size, o.limit, o.tif, o.urgency,
                           o.path, o.client_id, o.strategy, o.reduce_only});
  if (o.venue != "ref") fail("--venue: \"" + o.venue + "\" is not a venue perpx trades (ref, hyperliquid)");
  executor::Order order;
  order.venue = o.venue;
  order.market = o.market;
  auto side = executor::parse_side(o.side);
  if (!side) fail("--side: buy or sell, not \"" + o.side + "\"");
  order.side = *side;
  auto size = core::parse_wad(o.size);
  if (!size || size->is_zero()) fail("--size: " + (size ? std::string("must be above zero") : size.error()));
  order.size = *size;
  auto limit = core::parse_wad(o.limit);
  if (!limit || limit->is_zero()) fail("--limit: " + (limit ? std::string("must be above zero") : limit.error()));
  order.limit_price = *limit;
  auto path = executor::parse_path(o.path);
  if (!path) fail("--path: auto, public, private, commit-reveal or batch, not \"" + o.path + "\"");
  order.path = *path;
  auto urgency = executor::parse_urgency(o.urgency);
  if (!urgency) fail("--urgency: low, normal, urgent or critical, not \"" + o.urgency + "\"");
  order.urgency = *urgency;
  auto tif = executor::parse_tif(o.tif);
  if (!tif) fail("--tif: ioc, gtc or post_only, not \"" + o.tif + "\"");
  order.tif = *tif;
  order.reduce_only = o.reduce_only;
  order.strategy = o.strategy;
  order.client_id = o.client_id.empty() ? "cli-" + std::to_string(wall_ms()) : o.client_id;
  ExecSession s(session_options(o), load_key(o.key));
  auto id = s.ex.place(order, wall_ms());
  if (!id) {
    if (id.error().order_id != 0 && o.journal.json) {
      Json out = placed_json(s.journal, id.error().order_id);
      add_trips(out, s);
      print_json(out);
      throw CliError("");  // exit 1, the JSON says why
    }
    fail(std::string("order: ") + std::string(executor::describe(id.error().code)) + ": " + id.error().message);
  }
  std::string state = take(s.journal.order(*id), "--journal").state;
  ops::log(ops::Level::kInfo, "order.placed", {{"order_id", *id}, {"client_id", order.client_id}, {"state", state}});
  auto first = s.rpc.block_number();
  if (!first) fail("--rpc-url: " + chain::to_string(first.error()));
  const chain::BlockNum start = *first;
  while (!o.no_wait && !settled(state)) {
    auto r = s.poll(wall_ms());
    if (!r) fail("order: " + r.error().message);
    log_updates(*r);
    state = take(s.journal.order(*id), "--journal").state;
    auto head = s.rpc.block_number();
    if (head && *head >= start + o.wait_blocks) break;
    if (!settled(state)) std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
  Json out = placed_json(s.journal, *id);
  add_trips(out, s);
  if (o.journal.json) print_json(out);
  else
    print_line(order_line(take(s.journal.order(*id), "--journal")) +
               (out.contains("why") ? "  " + out["why"].dump() : std::string()));
  if (state == "failed" || state == "rejected" || state == "cancelled") throw CliError("");
}

// After a crash: every open order of the journal, reconciled and followed
// until none is left in flight (or --wait-blocks pass).
void resume_orders(const PlaceOptions& o) {
  ExecSession s(session_options(o), load_key(o.key));
  auto first = s.rpc.block_number();
  if (!first) fail("--rpc-url: " + chain::to_string(first.error()));
  while (s.ex.open() > 0) {
    auto r = s.poll(wall_ms());
    if (!r) fail("order resume: " + r.error().message);
    log_updates(*r);
    auto head = s.rpc.block_number();
    if (head && *head >= *first + o.wait_blocks) break;
    if (s.ex.open() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
  const auto open = take(s.journal.orders(true), "--journal");
  if (o.journal.json) {
    Json a = Json::array();
    for (const auto& x : open) a.push_back(order_json(x));
    Json out{{"resumed", s.recovered.size()}, {"still_open", a}};
    add_trips(out, s);
    return print_json(out);
  }
  print_line("resumed " + std::to_string(s.recovered.size()) + ", still open " + std::to_string(open.size()));
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

  auto p = std::make_shared<PlaceOptions>();
  auto* place = order->add_subcommand("place", "journal, check, route, send and follow one order");
  add_ops_options(place);
  add_session_options(place, *p);
  place->add_option("--venue", p->venue, "the venue: ref (the reference on-chain venue) or hyperliquid (hl_order.hpp)");
  place->add_option("--market", p->market, "market (ETH, BTC)")->required();
  place->add_option("--side", p->side, "buy or sell")->required();
  place->add_option("--size", p->size, "base units, decimal")->required();
  place->add_option("--limit", p->limit, "worst price accepted, USD, decimal")->required();
  place->add_option("--path", p->path, "auto, public, private, commit-reveal, batch");
  place->add_option("--urgency", p->urgency, "low, normal, urgent, critical");
  place->add_option("--tif", p->tif, "ioc, gtc, post_only");
  place->add_flag("--reduce-only", p->reduce_only, "only reduces a position");
  place->add_option("--client-id", p->client_id, "idempotency key: one order per id, ever");
  place->add_option("--strategy", p->strategy, "who asks (journalled)");
  place->add_flag("--no-wait", p->no_wait, "return once the first step is sent");
  add_hl_place_options(place);
  place->callback([p] { place_order(*p); });

  auto rp = std::make_shared<PlaceOptions>();
  auto* resume = order->add_subcommand("resume", "after a crash: reconcile the journal's open orders and follow them");
  add_ops_options(resume);
  add_session_options(resume, *rp);
  resume->callback([rp] { resume_orders(*rp); });
}

}  // namespace perpx::app
