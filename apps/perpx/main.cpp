// perpx: the command-line program. Subcommands live in cmd_*.cpp.
#include <cstdio>
#include <exception>

#include "cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"perpx: connector and MEV-aware executor for on-chain perpetual futures"};
  app.require_subcommand(1);
  perpx::app::add_hash_commands(app);
  perpx::app::add_rlp_commands(app);
  perpx::app::add_tx_commands(app);
  perpx::app::add_abi_commands(app);
  perpx::app::add_typed_data_commands(app);
  perpx::app::add_wallet_commands(app);
  perpx::app::add_bench_commands(app);
  perpx::app::add_chain_commands(app);
  perpx::app::add_watch_commands(app);
  perpx::app::add_oracle_commands(app);
  perpx::app::add_drill_commands(app);
  perpx::app::add_venue_commands(app);
  perpx::app::add_hl_commands(app);
  perpx::app::add_executor_commands(app);
  perpx::app::add_fence_commands(app);
  perpx::app::add_stress_commands(app);
  perpx::app::add_config_commands(app);
  perpx::app::add_demo_command(app);
  perpx::app::add_replay_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // CLI11's message repeats the stray arguments, which may be a key typed
    // in the wrong place: name only how many there were.
    (void)e;
    std::fprintf(stderr, "perpx: unexpected argument(s) (not repeated here, in case one is a key); see --help\n");
    return 1;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "perpx: %s\n", e.what());
    return 1;
  } catch (const perpx::app::CliError& e) {
    if (*e.what() != '\0') std::fprintf(stderr, "perpx: %s\n", e.what());  // empty: the output already says why
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "perpx: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
