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
#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cli.hpp"
#include "drill.hpp"
#include "perpx/chain/rpc.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/secp256k1.hpp"
#include "perpx/venues/ref_venue.hpp"

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

// The drill's searcher (also the demo's, demo_scenario.cpp): before each
// block it reads the pool (txpool_content) and, for every pending
// placeOrder to the venue from someone else that it has not answered yet,
// sends a front-run of the same side (`attack` size, max fee and tip 1 gwei
// above the victim's) and a back-run close (max fee 1 wei below), so that
// anvil's fee order puts them around the victim in one block. RPC failures
// throw CliError. One thread; allocates.
class Searcher {
 public:
  Searcher(chain::RpcClient& c, uint64_t chain_id, signer::SecretKey key, const chain::Address& venue, core::I256 attack);
  [[nodiscard]] const chain::Address& address() const noexcept { return address_; }
  [[nodiscard]] unsigned sandwiches() const noexcept { return sandwiches_; }
  [[nodiscard]] unsigned looked_at() const noexcept { return looked_at_; }
  // Before a block: every new pending placeOrder of someone else gets a
  // front- and a back-run (limits 2% around `index`); returns how many.
  unsigned scan(const core::U256& index, uint64_t deadline);

 private:
  void send(uint64_t nonce, const venues::VenueOrder& o, const core::U256& max_fee, const core::U256& tip);

  chain::RpcClient* rpc_;
  uint64_t chain_id_;
  signer::SecretKey key_;
  chain::Address venue_, address_;
  core::I256 attack_;
  std::vector<uint8_t> selector_;
  std::set<std::array<uint8_t, 32>> answered_;
  unsigned sandwiches_ = 0, looked_at_ = 0;
  core::Bytes raw_, scratch_;
};

MevResult run_mev_drill(const MevOptions& options, const MevCheck& check = {});

void add_mev_drill_command(CLI::App& drill_group);

}  // namespace perpx::app
