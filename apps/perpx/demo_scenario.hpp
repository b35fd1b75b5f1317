#pragma once
// `perpx demo` (cmd_demo.cpp): the main job of issue 7. A local anvil with
// the drill world (world.hpp), every block built by the stand-in builder
// (relay_standin.hpp), and the strategies (strategies/: DeltaHedger and
// FundingCarry) driving one executor (exec_session.hpp) through six phases:
//   calm            small moves; the hedger brings the desk's WETH inventory
//                   inside its band with a normal (batch) hedge
//   funding_spike   another trader pushes the ETH-PERP skew long with public
//                   orders (the searcher sandwiches them); funding rises and
//                   FundingCarry opens: long WETH on the Uniswap v3 pool
//                   (UniV3Helper) and short ETH-PERP
//   crash           the Chainlink and Pyth feeds fall fast, an arbitrageur
//                   follows on the pool, clients sell WETH to the desk; the
//                   hedger's hedges go urgent (private, via the stand-in)
//   oracle_anomaly  a third ETH/USD feed prints outliers: the oracle
//                   pipeline rejects them, the kill switch trips to REDUCING
//                   (a probe that would add risk is denied, a reduce-only one
//                   passes); once the feed is healthy the operator resumes
//                   (journalled as manual)
//   sandwich        the other trader's public orders are sandwiched again;
//                   ours are not seen
//   settle          every open order reaches a final state
// The summary is read from the chain (receipts, OrderFilled and Swap events,
// venue views) and the executor's journal, never from the scenario's own
// numbers; see demo_scenario.cpp.
//
// run_demo() is the command's body without the printing: every JSON line in
// order (the summary last; `on_line` sees each as it is made), the series
// for the report, and `check` is called while the chain is still up.
// Failures to set up throw CliError; a phase that did not happen on chain is
// not an exception: ok is false and why names it. Starts and stops its own
// anvil; one thread (plus the stand-in's server thread); allocates.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "demo_report.hpp"
#include "drill.hpp"

namespace perpx::app {

struct DemoOptions {
  bool fast = false;                 // shorter calm, funding history and settle phases (tests)
  // Wall time per block at least this long (a watchable run: chain time is
  // set per block, so pacing changes no decision). 0: as fast as it goes.
  uint64_t block_ms = 0;
  std::filesystem::path report = "demo-report.html";
  std::filesystem::path record;      // the strategies' recording; empty: beside the report (demo-recording.jsonl)
  std::filesystem::path journal;     // the executor's journal; empty: beside the report (demo-journal.sqlite)
  std::string contracts_dir;
  std::function<void(const core::Json&)> on_line;          // each JSON line as it is made
  std::function<void(std::string_view phase, uint64_t block_num)> on_progress;  // each block
};

struct DemoResult : DrillResult {
  DemoSeries series;
  std::filesystem::path report, record, journal;
};

DemoResult run_demo(const DemoOptions& options, const DrillCheck& check = {});

}  // namespace perpx::app
