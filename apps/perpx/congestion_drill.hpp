#pragma once
// `perpx drill congestion` (congestion_drill.cpp): the executor's fee policy
// through a fee market that climbs block after block, on a local anvil with
// the drill world, blocks mined by the drill.
//
// run_congestion_drill() is the command's body without the printing, for the
// integration test: it returns every line the command prints and calls
// `check` (when given) while the chain is still up, so a caller can read the
// chain itself. Failures to set the world up throw CliError (cli.hpp); a
// broken invariant is not an exception: ok is false and why says which.
// Starts and stops its own anvil; one thread; allocates.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "drill.hpp"
#include "perpx/chain/rpc.hpp"
#include "perpx/core/json.hpp"

namespace perpx::app {

struct CongestionOptions {
  unsigned urgent = 6;                 // urgent hedges placed (trader1)
  unsigned normal = 6;                 // normal orders placed (trader2, or trader1 with one_key)
  unsigned warmup_blocks = 10;         // half-full blocks before the congestion: a fee history to quote from
  unsigned congestion_blocks = 16;     // full blocks at rising tips (at least orders + 2)
  unsigned max_cooldown_blocks = 60;   // after the congestion: until every order is settled, at most this many
  uint64_t block_gas_limit = 5'000'000;
  uint32_t tip_growth_ppm = 200'000;   // the competitors' tip level rises this much per congested block
  double fill = 1.3;                   // competitors' gas offered per congested block, in blocks
  // The urgent level's bump per block (0: the executor's default, +25%). The
  // drill uses +50% (the critical level's default): at +25% a hedge falls
  // behind tips that rise 20% a block and takes 3 blocks (congestion_drill.cpp).
  uint32_t urgent_bump_ppm = 500'000;
  bool one_key = false;                // urgent and normal orders from one key (shows head-of-line blocking)
  std::string contracts_dir;
};

using CongestionResult = DrillResult;

using CongestionCheck = DrillCheck;

CongestionResult run_congestion_drill(const CongestionOptions& options, const CongestionCheck& check = {});

void add_congestion_drill_command(CLI::App& drill_group);

}  // namespace perpx::app
