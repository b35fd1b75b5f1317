// perpx fence: fencing one strategy by hand, journalled, as `perpx
// killswitch` does for the trading state (the executor's sessions apply
// the journalled fences when they start and at every head after).
//
//   perpx fence <strategy> deny|isolate|flatten|clear --reason <text> [--journal F] [--json]
//       [--rpc-url URL --venue-address 0x.. key options [--oracle-feed M:FEED ...]
//        [--oracle-config F] [--confirmations N] [--wait-blocks N]]
//       deny     its new orders are refused (kStrategyFenced); its
//                reduce-only orders still pass so it can unwind
//       isolate  as deny, and its positions are to move to isolated margin
//                (recorded; no session moves them yet)
//       flatten  as deny, and its positions are closed: with --rpc-url this
//                command runs a session (exec_session.hpp, as `perpx order
//                place` does) that sends the strategy's reduce-only IOC
//                orders through the executor (journalled like any order,
//                named after the fence's journal seq, so neither a rerun,
//                a running session nor a restart sends one twice) and
//                follows them until each is settled or --wait-blocks pass;
//                exit 1 when one fails or is refused. Without --rpc-url the
//                fence is only recorded: the next session acts on it.
//       clear    lifts the fence
//       prints "<strategy>: <from> -> <to> (<reason>)", or "no change" when the
//       strategy is already so ({"changed":false,...} with --json); a flatten
//       with --rpc-url adds one line per order ("orders":[...] in the JSON).
//       A flatten that is "no change" with --rpc-url still acts (on the
//       journalled fence: whatever of it was already sent is not sent again).
//   perpx fence <strategy> status [--journal F] [--json]
//       the strategy's fence ("none" when it has none)
// The journal defaults to ~/.perpx/journal.sqlite. Bad input (no reason, an
// unknown action, an empty strategy) exits 1 with one line on stderr and
// changes nothing.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "exec_session.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/journal.hpp"

namespace perpx::app {

namespace {

using core::Json;

struct FenceOptions {
  std::string strategy, action, reason, journal;
  bool json = false;
  // A session, for flatten: as `perpx order place` takes them.
  std::string rpc_url, venue_address, oracle_config;
  KeyOptions key;
  std::vector<std::string> oracle_feeds;
  std::optional<uint64_t> confirmations;
  uint64_t wait_blocks = 60;
  uint64_t poll_ms = 100;
};

Json mode_json(const std::optional<executor::FenceMode>& m) {
  return m ? Json(std::string(executor::fence_mode_name(*m))) : Json(nullptr);
}
std::string mode_text(const std::optional<executor::FenceMode>& m) {
  return m ? std::string(executor::fence_mode_name(*m)) : std::string("none");
}

bool settled(std::string_view s) {
  return s == "included" || s == "finalized" || s == "failed" || s == "rejected" || s == "cancelled";
}

Json order_json(executor::Journal& j, const executor::OrderRecord& r) {
  Json out{{"id", r.id},         {"client_order_id", r.client_order_id}, {"market", r.market}, {"side", r.side},
           {"size", r.size},     {"limit", r.limit_price},               {"state", r.state}};
  Json tx = Json::array();
  for (const auto& t : take(j.txns(r.id), "--journal"))
    tx.push_back(Json{{"step", t.step}, {"hash", core::to_hex(t.hash)}, {"nonce", t.nonce}, {"state", t.state}});
  out["txns"] = tx;
  for (const auto& e : take(j.events(r.id), "--journal"))
    if (e.state == "rejected" || e.state == "failed" || e.state == "cancelled")
      out["why"] = core::parse_json(e.detail).value_or(Json(e.detail));
  return out;
}

// Runs a session that acts on the journalled flatten fence `seq` of the
// strategy and follows its orders; their final records.
std::vector<executor::OrderRecord> flatten_now(const FenceOptions& o, int64_t seq) {
  auto venue = core::parse_address(o.venue_address);
  if (!venue) fail("--venue-address: " + (o.venue_address.empty() ? std::string("required with --rpc-url (or set PERPX_VENUE)")
                                                                   : "not an address: \"" + o.venue_address + "\""));
  SessionOptions so;
  so.rpc_url = o.rpc_url;
  so.journal = journal_path(o.journal);
  so.venue = *venue;
  so.confirmations = o.confirmations;
  so.oracle_feeds = o.oracle_feeds;
  so.oracle_config = o.oracle_config;
  ExecSession s(so, load_key(o.key));  // acts on every flatten fence, this one included
  const std::string prefix = executor::flatten_client_id(seq, o.strategy, "");
  auto ours = [&] {
    std::vector<executor::OrderRecord> out;
    for (const int64_t id : s.fence_orders) {
      auto r = take(s.journal.order(id), "--journal");
      if (r.client_order_id.starts_with(prefix)) out.push_back(std::move(r));
    }
    return out;
  };
  auto first = s.rpc.block_number();
  if (!first) fail("--rpc-url: " + chain::to_string(first.error()));
  for (;;) {
    bool open = false;
    for (const auto& r : ours()) open = open || !settled(r.state);
    if (!open) break;
    auto p = s.poll(wall_ms());
    if (!p) fail("fence: " + p.error().message);
    auto head = s.rpc.block_number();
    if (head && *head >= *first + o.wait_blocks) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
  return ours();
}

void fence(const FenceOptions& o) {
  if (o.strategy.empty()) fail("strategy: must not be empty");
  std::optional<executor::FenceMode> to;
  if (o.action == "deny") to = executor::FenceMode::kDenyNew;
  else if (o.action == "isolate") to = executor::FenceMode::kIsolate;
  else if (o.action == "flatten") to = executor::FenceMode::kFlatten;
  else if (o.action != "clear" && o.action != "status")
    fail("action: deny, isolate, flatten, clear or status, not \"" + o.action + "\"");
  if (o.action != "status" && o.reason.empty()) fail("--reason: required (it is journalled with the change)");

  auto opened = executor::Journal::open(journal_path(o.journal));
  if (!opened) fail("--journal: " + opened.error().message);
  executor::Journal j = std::move(*opened);
  executor::Fencing fencing;
  std::optional<executor::FenceRecord> latest;  // the strategy's last journalled change
  for (const auto& r : take(j.fence_changes(), "--journal")) {
    if (r.to) fencing.restore(r.strategy, *r.to);
    else (void)fencing.unfence(r.strategy, r.reason, r.time_ms);
    if (r.strategy == o.strategy) latest = r;
  }
  const std::optional<executor::FenceMode> current = fencing.mode(o.strategy);

  if (o.action == "status") {
    if (o.json) return print_json(Json{{"strategy", o.strategy}, {"mode", mode_json(current)}});
    return print_line(o.strategy + ": " + mode_text(current));
  }
  Json out;
  std::string line;
  int64_t seq = latest ? latest->seq : 0;
  if (current == to) {
    out = Json{{"changed", false}, {"strategy", o.strategy}, {"mode", mode_json(current)}};
    line = "no change: " + o.strategy + " is already " + mode_text(current);
  } else {
    // Journalled before anyone acts on it: its seq names the flatten orders.
    std::optional<executor::FenceRecord> record;
    if (to) record = fencing.fence(o.strategy, *to, o.reason, wall_ms(), executor::AccountView{}, {}).record;
    else record = fencing.unfence(o.strategy, o.reason, wall_ms());
    seq = take(j.add_fence_change(*record), "--journal");
    out = Json{{"changed", true},           {"strategy", record->strategy}, {"from", mode_json(record->from)},
               {"to", mode_json(record->to)}, {"reason", record->reason},    {"time_ms", record->time_ms},
               {"seq", seq}};
    line = o.strategy + ": " + mode_text(record->from) + " -> " + mode_text(record->to) + " (" + record->reason + ")";
  }
  bool failed = false;
  if (to == executor::FenceMode::kFlatten && !o.rpc_url.empty()) {
    Json orders = Json::array();
    for (const auto& r : flatten_now(o, seq)) {
      orders.push_back(order_json(j, take(j.order(r.id), "--journal")));
      line += "\n" + r.client_order_id + "  " + r.market + " " + r.side + " " + r.size + " @ " + r.limit_price + "  " +
              r.state;
      failed = failed || r.state == "failed" || r.state == "rejected" || r.state == "cancelled";
    }
    out["orders"] = orders;
  }
  if (o.json) print_json(out);
  else print_line(line);
  if (failed) throw CliError("");  // exit 1: the output says why
}

}  // namespace

void add_fence_commands(CLI::App& app) {
  auto o = std::make_shared<FenceOptions>();
  auto* cmd = app.add_subcommand("fence", "fence one strategy: deny its new orders, isolate or flatten it, or clear");
  cmd->add_option("strategy", o->strategy, "the strategy (as orders name it)")->required();
  cmd->add_option("action", o->action, "deny, isolate, flatten, clear or status")->required();
  cmd->add_option("--reason", o->reason, "why (journalled)");
  cmd->add_option("--journal", o->journal, "the executor's journal (default ~/.perpx/journal.sqlite)");
  cmd->add_flag("--json", o->json, "one JSON object");
  add_key_options(cmd, o->key);
  cmd->add_option("--rpc-url", o->rpc_url, "flatten: send the orders now through this node")->envname("ETH_RPC_URL");
  cmd->add_option("--venue-address", o->venue_address, "the venue's contract")->envname("PERPX_VENUE");
  cmd->add_option("--oracle-feed", o->oracle_feeds, "MARKET:FEED (repeatable): marks and trips, as for order place");
  cmd->add_option("--oracle-config", o->oracle_config, "TOML thresholds for the oracle feeds");
  cmd->add_option("--confirmations", o->confirmations, "finality by depth instead of the node's tags");
  cmd->add_option("--wait-blocks", o->wait_blocks, "follow the flatten orders this many blocks at most (default 60)");
  cmd->callback([o] { fence(*o); });
}

}  // namespace perpx::app
