#pragma once
// `perpx drill mev` (mev_drill.cpp): the same buy orders by each submission
// path (public, private, commit-reveal, batch) on a local anvil with the
// drill world, a fee-ordered pool and blocks mined by the drill through the
// stand-in builder (relay_standin.hpp), while a searcher of the drill's own
// sandwiches every placeOrder it can see in the pool.
//
// run_mev_drill() is the command's body without the printing, for the
// integration test: it returns every line the command prints (the summary
// last) and calls `check` (when given) while the chain is still up. Failures
// to set the world up throw CliError (cli.hpp); a broken invariant is not an
// exception: ok is false and why says which. Starts and stops its own anvil;
// one thread (plus the stand-in's server thread); allocates.
#include <functional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "drill.hpp"
#include "perpx/chain/rpc.hpp"
#include "perpx/core/json.hpp"

namespace perpx::app {

struct MevOptions {
  unsigned orders = 3;          // victim orders per path
  unsigned victim_eth = 200;    // each victim buy, ETH (above ~100 ETH a sandwich beats the venue's 2 x 5 bps fees)
  unsigned attack_eth = 200;    // the searcher's front-run, ETH
  unsigned max_blocks = 30;     // per order (and per close): blocks until it is final, at most
  std::string contracts_dir;
};

using MevResult = DrillResult;

using MevCheck = DrillCheck;

MevResult run_mev_drill(const MevOptions& options, const MevCheck& check = {});

void add_mev_drill_command(CLI::App& drill_group);

}  // namespace perpx::app
