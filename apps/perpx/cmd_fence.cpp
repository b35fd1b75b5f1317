// perpx fence: fencing one strategy by hand, journalled, as `perpx
// killswitch` does for the trading state (the executor's sessions restore
// the journalled fences when they start).
//
//   perpx fence <strategy> deny|isolate|flatten|clear --reason <text> [--journal F] [--json]
//       deny     its new orders are refused (kStrategyFenced); its
//                reduce-only orders still pass so it can unwind
//       isolate  as deny, and its positions are to move to isolated margin
//       flatten  as deny, and its positions are to be closed (reduce-only IOC)
//       clear    lifts the fence
//       prints "<strategy>: <from> -> <to> (<reason>)", or "no change" when the
//       strategy is already so ({"changed":false,...} with --json)
//   perpx fence <strategy> status [--journal F] [--json]
//       the strategy's fence ("none" when it has none)
// The journal defaults to ~/.perpx/journal.sqlite. Bad input (no reason, an
// unknown action, an empty strategy) exits 1 with one line on stderr and
// changes nothing.
#include <memory>
#include <optional>
#include <string>

#include "cli.hpp"
#include "exec_session.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/journal.hpp"

namespace perpx::app {

namespace {

using core::Json;

struct FenceOptions {
  std::string strategy, action, reason, journal;
  bool json = false;
};

Json mode_json(const std::optional<executor::FenceMode>& m) {
  return m ? Json(std::string(executor::fence_mode_name(*m))) : Json(nullptr);
}
std::string mode_text(const std::optional<executor::FenceMode>& m) {
  return m ? std::string(executor::fence_mode_name(*m)) : std::string("none");
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
  for (const auto& [strategy, mode] : take(j.fences(), "--journal")) fencing.restore(strategy, mode);
  const std::optional<executor::FenceMode> current = fencing.mode(o.strategy);

  if (o.action == "status") {
    if (o.json) return print_json(Json{{"strategy", o.strategy}, {"mode", mode_json(current)}});
    return print_line(o.strategy + ": " + mode_text(current));
  }
  if (current == to) {
    if (o.json) return print_json(Json{{"changed", false}, {"strategy", o.strategy}, {"mode", mode_json(current)}});
    return print_line("no change: " + o.strategy + " is already " + mode_text(current));
  }
  // The actions of isolate and flatten are the session's (it has the
  // positions and marks); here only the fence and its reason are recorded.
  std::optional<executor::FenceRecord> record;
  if (to) record = fencing.fence(o.strategy, *to, o.reason, wall_ms(), executor::AccountView{}, {}).record;
  else record = fencing.unfence(o.strategy, o.reason, wall_ms());
  if (auto r = j.add_fence_change(*record); !r) fail("--journal: " + r.error().message);
  if (o.json)
    return print_json(Json{{"changed", true},           {"strategy", record->strategy}, {"from", mode_json(record->from)},
                           {"to", mode_json(record->to)}, {"reason", record->reason},    {"time_ms", record->time_ms}});
  print_line(o.strategy + ": " + mode_text(record->from) + " -> " + mode_text(record->to) + " (" + record->reason + ")");
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
  cmd->callback([o] { fence(*o); });
}

}  // namespace perpx::app
