// perpx drill ...: whole scenarios on a local chain. Each drill registers
// itself on the `drill` group here.
#include "cli.hpp"
#include "oracle_drill.hpp"

namespace perpx::app {

void add_drill_commands(CLI::App& app) {
  auto* grp = app.add_subcommand("drill", "scenarios on a local chain: oracle anomalies, ...");
  grp->require_subcommand(1);
  add_oracle_drill_command(*grp);
}

}  // namespace perpx::app
