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
// Fences: construction applies every journalled fence change, and once
// recovery is done acts on each strategy whose fence is flatten; at each
// head (after the trips) the changes journalled since the last seq seen
// (by `perpx fence`, another session) are applied the same way. Acting on a
// flatten fence places the reduce-only orders Fencing::actions returns for
// the strategy's attributed positions (Journal::strategy_positions) through
// the executor, named after the fence's seq: this session, the CLI and a
// restart place the same client ids, so none is ever sent twice. A fence
// whose markets had no mark is tried again at the next head, and none is
// acted on while trading is HALTED (it would be refused for good). Isolate
// fences are applied (new orders denied) but do not move positions here.
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
  executor::FencingConfig fencing;  // per-strategy limits, flatten slippage and urgency

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
  std::vector<int64_t> fence_orders;             // orders placed (or found journalled) for flatten fences

  // What fences act on now: the account's positions with each strategy's
  // attribution, and a view of every market either holds (marked as the
  // executor marks orders).
  struct FenceView {
    executor::AccountView account;
    std::vector<executor::MarketView> markets;
  };
  executor::ExecResult<FenceView> fence_view();
  // Places the flatten orders of journalled fence `record` (a flatten one;
  // nothing for another mode); their ids (also added to fence_orders). A
  // placement the gate refuses is journalled as rejected and reported on
  // stderr; only a journal failure is an error. `unpriced` (when given)
  // gets the markets it made nothing for.
  executor::ExecResult<std::vector<int64_t>> act_on_fence(const executor::FenceRecord& record, uint64_t now_ms,
                                                          std::vector<std::string>* unpriced = nullptr);

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
  // The fence changes journalled after fence_seq_, applied to `fencing`;
  // the flatten fences among them join pending_fences_ (one per strategy).
  executor::ExecResult<void> apply_fences();
  // Acts on pending_fences_; those with unpriced markets stay.
  executor::ExecResult<void> act_on_fences(uint64_t now_ms);

  std::vector<Feed> feeds_;
  int64_t fence_seq_ = 0;
  bool started_ = false;
  std::vector<executor::FenceRecord> pending_fences_;
};

// ~/.perpx/journal.sqlite when `flag` is empty (the folder made 0700).
std::filesystem::path journal_path(const std::string& flag);
uint64_t wall_ms();

}  // namespace perpx::app
