// perpx drill ...: whole scenarios on a local chain. Each drill registers
// itself on the `drill` group here (and the soak's fault proxy beside it).
#include "cli.hpp"
#include "congestion_drill.hpp"
#include "mev_drill.hpp"
#include "oracle_drill.hpp"
#include "soak_drill.hpp"

namespace perpx::app {

void add_crash_drill_command(CLI::App& drill_group);  // crash_drill.cpp
void add_fault_proxy_command(CLI::App& app);          // fault_proxy.cpp

void add_drill_commands(CLI::App& app) {
  auto* grp = app.add_subcommand("drill", "scenarios on a local chain: oracle anomalies, ...");
  grp->require_subcommand(1);
  add_oracle_drill_command(*grp);
  add_crash_drill_command(*grp);
  add_congestion_drill_command(*grp);
  add_mev_drill_command(*grp);
  add_soak_drill_command(*grp);
  add_fault_proxy_command(app);
}

}  // namespace perpx::app
