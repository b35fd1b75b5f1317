// perpx replay <recording> [--json]: rebuilds the strategies named in the
// recording's header (with their config and the Book snapshot), re-feeds the
// recorded events and checks every decision is the same. Identical: exit 0;
// different: exit 1 with the first difference (stdout: the result; stderr:
// one line naming the event and decision). A recording that cannot be read
// is bad input (exit 1, one line on stderr).
#include <memory>
#include <string>

#include "cli.hpp"
#include "perpx/strategies/recording.hpp"

namespace perpx::app {

namespace {

struct ReplayOptions {
  std::string recording;
  bool json = false;
};

void run_replay(const ReplayOptions& opts) {
  auto r = strategies::replay(opts.recording);
  if (!r) fail("replay: " + r.error().message);
  if (opts.json) {
    core::Json j = core::Json::object();
    j["replay"] = opts.recording;
    j["events"] = r->events;
    j["decisions"] = r->decisions;
    j["identical"] = r->identical;
    j["strategies"] = r->strategies;
    if (r->first_difference) {
      const auto& d = *r->first_difference;
      core::Json dj = core::Json::object();
      dj["event_index"] = d.event_index;
      dj["decision_index"] = d.decision_index;
      dj["recorded"] = d.recorded;
      dj["replayed"] = d.replayed;
      j["first_difference"] = std::move(dj);
    }
    print_json(j);
  } else {
    print_line(std::string(r->identical ? "identical" : "different") + ": " + std::to_string(r->events) +
               " events, " + std::to_string(r->decisions) + " decisions");
  }
  if (!r->identical) {
    const auto& d = *r->first_difference;
    fail("replay: first difference after event " + std::to_string(d.event_index) + ", decision " +
         std::to_string(d.decision_index) + ": recorded " + (d.recorded.empty() ? "(none)" : d.recorded) +
         ", replayed " + (d.replayed.empty() ? "(none)" : d.replayed));
  }
}

}  // namespace

void add_replay_command(CLI::App& app) {
  auto opts = std::make_shared<ReplayOptions>();
  auto* cmd = app.add_subcommand("replay", "re-feed a recorded strategy run and check its decisions are identical");
  cmd->add_option("recording", opts->recording, "the recording (JSON lines: header, events, decisions)")->required();
  cmd->add_flag("--json", opts->json, "one JSON object");
  cmd->callback([opts] { run_replay(*opts); });
}

}  // namespace perpx::app
