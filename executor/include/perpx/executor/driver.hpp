#pragma once
// HeadDriver: feeds an Executor the chain as HeadTracker sees it, so that
// every head, reorg and finality step reaches it once and in order:
//   Advance   -> Executor::on_head
//   Reorg     -> Executor::on_reorg(unwind_to)  (before the new branch's heads)
//   Finalized -> Executor::on_finalized
// poll() asks the node for its latest head (and safe/finalized tags, or a
// confirmation depth); events are queued by the tracker's sink and handed
// to the executor after the tracker returns (the sink never calls back).
// A hook set with set_before_head sees each Advance first, so what it
// changes (the trading state) applies to the executor's handling of that
// same head. One thread; allocates.
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "perpx/chain/heads.hpp"
#include "perpx/executor/executor.hpp"

namespace perpx::executor {

// Runs at each new head before the executor sees it (the kill switch's
// trips: trips.hpp); an error stops the drain there.
using HeadHook = std::function<ExecResult<void>(const chain::BlockHeader& head, uint64_t now_ms)>;

class HeadDriver {
 public:
  HeadDriver(chain::RpcClient& rpc, Executor& ex, chain::HeadTrackerOptions options = {});
  void set_before_head(HeadHook hook) { before_head_ = std::move(hook); }
  HeadDriver(const HeadDriver&) = delete;
  HeadDriver& operator=(const HeadDriver&) = delete;

  // One look at the chain; the updates of every order that moved.
  ExecResult<std::vector<OrderUpdate>> poll(uint64_t now_ms);
  // A head the caller already has (a subscription): the same handling.
  ExecResult<std::vector<OrderUpdate>> on_head(const chain::BlockHeader& head, uint64_t now_ms);

  [[nodiscard]] const chain::HeadTracker& tracker() const noexcept { return tracker_; }
  [[nodiscard]] uint64_t reorgs() const noexcept { return reorgs_; }

 private:
  ExecResult<std::vector<OrderUpdate>> drain(uint64_t now_ms);

  chain::RpcHeaderSource source_;
  Executor* ex_;
  std::deque<chain::HeadEvent> queue_;
  chain::HeadTracker tracker_;
  uint64_t reorgs_ = 0;
  HeadHook before_head_;
};

}  // namespace perpx::executor
