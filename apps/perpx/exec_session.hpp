#pragma once
// One executor, assembled: what `perpx order place`, the drills and the demo
// run. The RPC client, the journal, the reference venue (RefAdapter), the
// kill switch (seeded from the journal), the risk gate and its fences, the
// submitter (with a relay when one is named), the executor and its head
// driver, in the order they depend on each other; the object is built in
// place (its parts refer to each other) and never moves.
// Construction recovers: every open order of the journal is reconciled with
// the chain and resumed before anything new is placed.
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
  std::vector<executor::OrderUpdate> recovered;  // what construction resumed

 private:
  ExecSession(const SessionOptions& o, signer::SecretKey key, int);
};

// ~/.perpx/journal.sqlite when `flag` is empty (the folder made 0700).
std::filesystem::path journal_path(const std::string& flag);
uint64_t wall_ms();

}  // namespace perpx::app
