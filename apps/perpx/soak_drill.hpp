#pragma once
// `perpx drill soak` (soak_drill.cpp): a steady stream of orders on every
// path (public, private through the stand-in builder, commit-reveal, batch)
// from real `perpx order place` processes, through a FaultProxy, while the
// chain reorgs (anvil_reorg), the node is stopped and started again on its
// port with its state kept (anvil --state), and the perpx processes are
// SIGKILLed at random (and at the named crash points) and restarted with the
// same client order ids. At the end the chain is read on its own: fills per
// order (OrderFilled by size), every block's transactions by sender and
// nonce, the pool; and compared with each lane's journal.
//
// run_soak_drill() is the command's body without the printing, for the
// integration test: every line the command prints (summary last), and
// `check` (when given) called while the chain is still up. Failures to set
// the world up throw CliError; a broken invariant is ok = false, why says
// which. Starts and stops its own anvil; one thread (plus the proxy's and
// the stand-in's); allocates.
#include <cstdint>
#include <string>

#include "cli.hpp"
#include "drill.hpp"

namespace perpx::app {

struct SoakOptions {
  double seconds = 120;    // how long orders are placed (the settle phase follows)
  uint64_t seed = 1;       // faults, kills, reorgs, restarts
  unsigned lanes = 2;      // trading accounts placing orders at once (1..3), one journal each
  std::string faults;      // the proxy's spec (fault_proxy.hpp); empty: default_soak_faults(seed)
  unsigned block_ms = 500; // the drill mines a block this often (through the stand-in builder)
  unsigned confirmations = 4;  // finality by depth for the executor; reorgs are shallower
  std::string contracts_dir;
  std::string perpx_bin;   // the binary the order processes run; empty: this one
  bool keep_dir = false;   // keep journals, the anvil state and child logs
};

DrillResult run_soak_drill(const SoakOptions& options, const DrillCheck& check = {});

void add_soak_drill_command(CLI::App& drill_group);

}  // namespace perpx::app
