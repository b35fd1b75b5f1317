#pragma once
// One executor, assembled: what `perpx order place`, the drills and the demo
// run. The RPC client, the journal, the reference venue (RefAdapter), the
// kill switch (seeded from the journal), the risk gate and its fences, the
// submitter (with a relay when one is named), the executor and its head
// driver, in the order they depend on each other; the object is built in
// place (its parts refer to each other) and never moves.
// Construction restores the journalled fences, reads the oracle feeds and
// the account once (the kill switch's trips, executor/trips.hpp), then
// recovers: every open order of the journal is reconciled with the chain
// and resumed before anything new is placed.
// While it follows heads (poll), every head is first seen by the trips:
// each oracle feed of a traded market read at that head (a new sample goes
// through the market's sanity pipeline), then the venue account (margin
// buffer, drawdown from the journalled day start); a change of the trading
// state is journalled with its cause and applies to the executor's
// handling of that same head (a withheld reveal) and every order after.
// A feed or account read that fails is reported on stderr and read again
// at the next head.
// Failures throw CliError (one line, no key material).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "perpx/executor/driver.hpp"
#include "perpx/executor/executor.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/relay.hpp"
#include "perpx/executor/risk.hpp"
#include "perpx/executor/trips.hpp"
#include "perpx/venues/ref_adapter.hpp"

namespace perpx::app {

struct SessionOptions {
  std::string rpc_url;
  std::filesystem::path journal;
  chain::Address venue;
  std::vector<std::string> relays;  // private relays (http URLs); none: no private path
  executor::ExecutorOptions executor;
  executor::SubmitterOptions submitter;
  executor::RiskConfig risk = default_risk_config();
  std::optional<uint64_t> confirmations;  // finality by depth; none: the node's tags
  // Oracle feeds of the traded markets, "<market>:<feed>" with <feed> as
  // `perpx oracle watch --feed` takes it: [name=]chainlink:<addr> |
  // [name=]pyth:<addr>:<priceId> | [name=]univ3:<pool>[:invert] | sequencer:<addr>.
  std::vector<std::string> oracle_feeds;
  std::string oracle_config;  // TOML thresholds (oracle/config.hpp); empty: the defaults
  executor::KillSwitchConfig kill;

  // Limits a trader starts from (override them in the config file): 100 per
  // order, 1000 per market, 10x, a 5% band around the mark, 10M gross, 5M
  // net, 1M daily loss, 20 orders/s, a 20% margin buffer.
  static executor::RiskConfig default_risk_config();
};

struct ExecSession {
  // PERPX_DRILL_FAILPOINT=<point> in the environment arms a drill's crash
  // point (submitter.hpp: after_sign, after_journal, after_send, before_reveal).
  ExecSession(const SessionOptions& o, signer::SecretKey key);
  ExecSession(const ExecSession&) = delete;
  ExecSession& operator=(const ExecSession&) = delete;

  chain::RpcClient rpc;
  executor::Journal journal;
  venues::RefAdapter venue;
  executor::KillSwitch kill;
  executor::RiskGate risk;
  executor::Fencing fencing;
  std::optional<executor::RelayClient> relay;
  executor::Submitter submitter;
  executor::Executor ex;
  executor::HeadDriver driver;
  executor::Trips trips;
  std::vector<executor::OrderUpdate> recovered;  // what construction resumed
  std::vector<executor::StateChange> tripped;    // every trading-state change the trips made (journalled)

  // One look at the chain: each new head through the trips, then the executor.
  executor::ExecResult<std::vector<executor::OrderUpdate>> poll(uint64_t now_ms) { return driver.poll(now_ms); }
  // The trips at `head` (what poll runs before the executor sees a head).
  executor::ExecResult<void> observe(const chain::BlockHeader& head, uint64_t now_ms);

 private:
  struct Feed {
    std::string market, name;
    bool sequencer = false;
    chain::FeedSpec spec;
    chain::Address uptime;
    std::optional<chain::PriceSample> last;
    std::optional<chain::SequencerStatus> last_status;
    oracle::SourceId id = 0;
  };
  ExecSession(const SessionOptions& o, signer::SecretKey key, int);
  void open_oracle(const SessionOptions& o);

  std::vector<Feed> feeds_;
};

// ~/.perpx/journal.sqlite when `flag` is empty (the folder made 0700).
std::filesystem::path journal_path(const std::string& flag);
uint64_t wall_ms();

}  // namespace perpx::app
