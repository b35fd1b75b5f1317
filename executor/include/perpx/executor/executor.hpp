#pragma once
// Executor: every order's life, from intent to finality, on one on-chain
// venue. It puts the pieces together in the order that makes a crash safe:
//   1. the intent is journalled under its client order id (a second place of
//      the same id returns the first order: a retried leg is never doubled);
//   2. the kill switch and the risk gate decide (the decision is journalled;
//      a denial is final: "rejected");
//   3. PathPolicy picks the path (journalled with its reasons);
//   4. the first step is simulated (eth_call from the account): a revert is
//      decoded by the venue and the order is rejected, not sent;
//   5. the path's steps go out through the Submitter (journal, sign, send):
//        public         place                               -> included
//        private        place by the relay, block by block,
//                       then public past private_blocks      -> included
//        commit-reveal  salt and deadline journalled, then commit; once the
//                       commit is in (and reveal_depth deeper) and the window
//                       opens, reveal; a reveal near the window's end goes
//                       urgent; a reorg that drops the commit re-sends it
//                       (the same bytes); a window missed -> cancelled
//        batch          submitBatchOrder; when the batch's window has passed,
//                       settleBatch (unless someone else settled it first)
//   6. TxEvents from the Submitter move the order on; a reverted fill fails
//      the order with the venue's named error.
// The kill switch is asked again before every step that puts an order on
// the venue later than its place(): a committed order whose reveal the
// current state would refuse is cancelled (its commitment expires), so a
// trip at a head (trips.hpp, run before on_head) acts on that same head.
// A kill-switch refusal is journalled as rejected with the risk gate's
// typed reason ("halted" or "reducing").
// Order states (journal): new -> sent | committing -> committed -> revealing |
// queued -> settling -> included -> finalized; and rejected, failed,
// cancelled. Open orders are those not finalized, rejected, failed or
// cancelled; recover() after a restart resumes each from its state and facts.
//
// Time: now_ms is event time (the journal's clock); deadlines are chain
// time (the latest block's timestamp). One thread at a time. Allocates.
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "perpx/chain/rpc.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/executor/order.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/path_policy.hpp"
#include "perpx/executor/risk.hpp"
#include "perpx/executor/submitter.hpp"
#include "perpx/executor/venue.hpp"

namespace perpx::executor {

enum class [[nodiscard]] ExecErrc {
  kInvalid,   // the order itself is malformed (zero size, unknown market, wrong venue)
  kHalted,    // the kill switch refuses it (journalled as rejected)
  kRisk,      // the risk gate refuses it (journalled as rejected)
  kPath,      // the named path is not available (journalled as rejected)
  kReverts,   // simulation reverts (journalled as rejected, with the venue's error)
  kVenue,     // the venue could not be read
  kSubmit,    // the submitter failed (see message; a refused send fails the order)
  kFees,      // the order's gas budget cannot pay the fee now: nothing was sent (fails the order)
  kJournal,   // the journal refused: nothing was sent
};
std::string_view describe(ExecErrc e) noexcept;

struct ExecError {
  ExecErrc code = ExecErrc::kInvalid;
  std::string message;
  int64_t order_id = 0;  // when the order was journalled
};
template <class T>
using ExecResult = std::expected<T, ExecError>;

// The oracle pipeline's mark for a market, given the venue's own index:
// the index itself for a market the pipeline does not watch, none when the
// pipeline has no quorum (the gate then denies: kNoMark). Without a source
// the executor uses the venue's index.
using MarkSource = std::function<std::optional<core::U256>(std::string_view market, const core::U256& venue_index)>;

struct ExecutorOptions {
  PathPolicyConfig paths;
  uint64_t deadline_s = 300;       // an order's fill deadline: chain time + this
  uint64_t private_blocks = 3;     // blocks a relay is asked before the public fallback
  uint64_t reveal_depth = 0;       // blocks on top of the commit before revealing (beyond the venue's minimum)
  uint64_t reveal_urgent_within = 3;  // blocks before the window closes: the reveal goes urgent
  bool simulate = true;
  Failpoint failpoint;  // drills: "before_reveal" (submitter.hpp)
};

// What happened to an order (for strategies and the command line).
struct OrderUpdate {
  int64_t order_id = 0;
  std::string client_id;
  std::string state;
  std::string detail;  // JSON
};

class Executor {
 public:
  Executor(Venue& venue, Submitter& submitter, Journal& journal, KillSwitch& kill_switch, chain::RpcClient& rpc,
           ExecutorOptions options = {});

  // The risk gate and its fences (both kept by the caller; none: no risk checks, for tests of paths only).
  void set_risk(RiskGate* gate, const Fencing* fencing) {
    risk_ = gate;
    fencing_ = fencing;
  }
  void set_mark_source(MarkSource marks) { marks_ = std::move(marks); }
  [[nodiscard]] bool has_relay() const noexcept { return relay_; }
  void set_relay(bool available) { relay_ = available; }

  // Journals, checks, routes and sends the order's first step. Returns its journal id.
  // `seen`: when the event this order answers arrived (a price frame read),
  // the start of its tick-to-wire figure; by default the call itself.
  ExecResult<int64_t> place(const Order& o, uint64_t now_ms,
                            std::chrono::steady_clock::time_point seen = std::chrono::steady_clock::now());
  // At a new head: the submitter's receipts and bumps, then each path's next step.
  ExecResult<std::vector<OrderUpdate>> on_head(const chain::BlockHeader& head, uint64_t now_ms);
  // After a restart: the submitter reconciles txns; then every open order resumes.
  ExecResult<std::vector<OrderUpdate>> recover(uint64_t now_ms);
  ExecResult<std::vector<OrderUpdate>> on_reorg(chain::BlockNum unwind_to, uint64_t now_ms);
  ExecResult<std::vector<OrderUpdate>> on_finalized(chain::BlockNum block, uint64_t now_ms);

  // Orders this executor still drives (sent and not yet final).
  [[nodiscard]] size_t open() const noexcept { return live_.size(); }

 private:
  struct Live {
    Order order;
    Path path = Path::kPublic;
    uint64_t market = 0;
    core::U256 notional_wei;
    std::string state;
    core::Hash32 salt{};
    uint64_t deadline = 0;
    chain::BlockNum step_block = 0;  // commit: its block; batch: the block it queued in; included: the fill's block
    std::string waiting;             // why the next step could not go out at the last head
  };

  ExecResult<void> route(int64_t id, Live& l, uint64_t now_ms);
  // The gate's decision on l's order (nothing to check without a gate).
  std::expected<std::optional<Approved>, std::string> check_risk(const Live& l, const VenueMarket& m,
                                                                 const VenueProjection& p, uint64_t now_ms);
  ExecResult<chain::Hash32> send_step(int64_t id, Live& l, std::string_view step, core::Bytes data, Urgency u,
                                      uint64_t now_ms, Route route = Route::kPublic);
  // The order's journal state (and its update, for the caller).
  void set_state(int64_t id, Live& l, std::string state, std::string detail, uint64_t now_ms,
                 std::vector<OrderUpdate>* out);
  void handle(const TxEvent& e, uint64_t now_ms, std::vector<OrderUpdate>& out);
  // The next step of every order whose path is waiting on the chain.
  void advance(const chain::BlockHeader& head, uint64_t now_ms, std::vector<OrderUpdate>& out);
  void note_wait(int64_t id, Live& l, std::string_view step, const std::string& why, uint64_t now_ms);
  std::string revert_reason(int64_t order_id, const chain::Hash32& hash);
  // The order's notional in wei at the ETH market's index (`native` when the caller has it read).
  core::U256 notional_wei(const Order& o, const std::optional<VenueMarket>& native);
  ExecError reject(int64_t id, Live& l, ExecErrc code, std::string why, uint64_t now_ms);

  Venue* venue_;
  Submitter* submitter_;
  Journal* journal_;
  KillSwitch* kill_;
  chain::RpcClient* rpc_;
  ExecutorOptions options_;
  PathPolicy policy_;
  RiskGate* risk_ = nullptr;
  const Fencing* fencing_ = nullptr;
  MarkSource marks_;
  bool relay_ = false;
  chain::BlockNum head_ = 0;
  std::map<int64_t, Live> live_;
};

// An order read back from its journal record (sizes and prices as written).
std::expected<Order, std::string> order_of(const OrderRecord& r);
OrderRecord record_of(const Order& o, uint64_t now_ms);

}  // namespace perpx::executor
