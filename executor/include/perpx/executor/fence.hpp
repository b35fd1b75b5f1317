#pragma once
// Fencing: limits per strategy, and fencing a failing strategy without
// touching the others.
//
// Limits (StrategyLimits, opt-in per strategy): max |position| per market
// and max gross notional of the strategy's own positions (from
// AccountView::strategies) after the fill. A strategy without a table, or a
// market without an entry, is bounded by the account limits only
// (risk.hpp). Maps 1:1 onto TOML:
//   [fencing]
//   flatten_slippage_bps = 50
//   flatten_urgency = "urgent"
//   isolate_buffer_bps = 2000
//   [fencing.strategies.hedger]
//   max_gross_usd = "200000"
//   [fencing.strategies.hedger.max_position]
//   ETH = "50"
//
// fence(strategy, mode, reason, now, ...) fences one strategy; in every mode
// its new orders are denied (kStrategyFenced) while its reduce-only orders
// still pass so it can unwind. The mode also says what the caller does next:
//   kDenyNew  nothing more
//   kIsolate  move each of its positions to isolated margin: (market, size)
//             actions, with the margin that keeps each at maintenance plus
//             isolate_buffer_bps at the mark
//   kFlatten  send the returned reduce-only IOC orders: one per position,
//             exactly its size, the opposite side, limit = mark -/+
//             flatten_slippage_bps (rounded toward the mark, so it stays
//             inside a price band at least that wide; a sell's never below
//             1 wei)
// A position whose market has no mark gets no order or margin (fail closed):
// it is listed in `unpriced`, and acting again later retries. Attribution
// comes from the journal (Journal::strategy_positions: each strategy's net
// filled size per market; strategy_views() values it at the marks for
// AccountView::strategies). On a netted account a strategy's flatten order
// can flip the account's position, and then the gate denies it as not
// reducing. Fencing again changes the mode; unfence() restores normal
// trading. Each change carries a FenceRecord for the caller to journal
// before acting on it (as KillSwitch's StateChange).
//
// Acting once: the caller journals the record (which gives it its seq) and
// then takes actions(record) for the journalled one. Flatten orders are
// named after the fence's seq ("fence-<seq>-<strategy>-<market>"), so
// everyone who acts on the same fence (the CLI, a running session, a
// restart) places the same client ids, and the journal's one-order-per-id
// rule sends each at most once. fence()'s own actions are those of the
// record before it is journalled (seq 0): for reading, not for sending.
//
// Pure and deterministic on the caller's event time. check() does not
// allocate when it passes; fence() allocates its decision.
// Single-threaded: the engine thread owns it.
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perpx/executor/risk.hpp"

namespace perpx::executor {

enum class FenceMode : uint8_t { kDenyNew, kIsolate, kFlatten };
std::string_view fence_mode_name(FenceMode m) noexcept;  // "deny-new", "isolate", "flatten"
std::optional<FenceMode> parse_fence_mode(std::string_view s) noexcept;

struct StrategyLimits {
  std::map<std::string, core::U256, std::less<>> max_position;  // market -> max |size| after the fill, base units
  std::optional<core::U256> max_gross_usd;                      // USD, 1e18
};

struct FencingConfig {
  std::map<std::string, StrategyLimits, std::less<>> strategies;
  uint32_t flatten_slippage_bps = 50;
  Urgency flatten_urgency = Urgency::kUrgent;
  uint32_t isolate_buffer_bps = 2000;
};

// A fence change, journalled by the caller before it acts.
struct FenceRecord {
  int64_t seq = 0;                // the journal's number for it (Journal::add_fence_change); 0: not journalled
  std::string strategy;
  std::optional<FenceMode> from;  // none: was not fenced
  std::optional<FenceMode> to;    // none: unfenced
  std::string reason;             // the caller's; never a key
  uint64_t time_ms = 0;
};

// Move this position to isolated margin with `margin` (USD, 1e18).
struct IsolateAction {
  std::string market;
  I256 size;
  core::U256 margin;
};

// One strategy's net filled size in one market, as the journal attributes it.
struct StrategyPosition {
  std::string strategy;
  std::string market;
  I256 size;  // base units, 1e18, + long
  friend bool operator==(const StrategyPosition&, const StrategyPosition&) = default;
};

// AccountView::strategies from attribution (sorted by strategy, as the
// journal gives it): every strategy listed, with its non-zero positions
// valued at their market's mark (0 notional where the market has no mark or
// no view: its orders are denied kNoMark or kUnknownMarket anyway).
std::vector<StrategyView> strategy_views(std::span<const StrategyPosition> held, std::span<const MarketView> markets);

// The client id of the flatten order of fence `fence_seq` in `market`.
std::string flatten_client_id(int64_t fence_seq, std::string_view strategy, std::string_view market);

struct FenceDecision {
  FenceRecord record;
  std::vector<IsolateAction> isolate;  // kIsolate
  std::vector<Order> flatten;          // kFlatten
  std::vector<std::string> unpriced;   // markets held without a mark: nothing made for them
};

class Fencing {
 public:
  explicit Fencing(FencingConfig config = {}) : config_(std::move(config)) {}

  [[nodiscard]] const FencingConfig& config() const noexcept { return config_; }
  // The strategy's fence, if it is fenced.
  [[nodiscard]] std::optional<FenceMode> mode(std::string_view strategy) const noexcept;

  // Fences `strategy` in `mode` (or changes its mode) and says what to do
  // (the actions of the record as yet unjournalled: seq 0).
  FenceDecision fence(std::string_view strategy, FenceMode mode, std::string reason, uint64_t now_ms,
                      const AccountView& account, std::span<const MarketView> markets);
  // What fence `record` (journalled: its seq names the flatten orders) asks
  // for now, from the account view's attribution to record.strategy:
  // nothing for deny-new or a lifted fence; isolate actions or flatten
  // orders (for account.venue) otherwise. Does not change the fences.
  [[nodiscard]] FenceDecision actions(const FenceRecord& record, const AccountView& account,
                                      std::span<const MarketView> markets) const;
  // A fence read back from the journal (session start): the mode only, no
  // actions (they were the caller's when the fence was set).
  void restore(std::string_view strategy, FenceMode mode) { fenced_[std::string(strategy)] = mode; }
  // Lifts the fence; nothing when it was not fenced.
  std::optional<FenceRecord> unfence(std::string_view strategy, std::string reason, uint64_t now_ms);

  // The strategy-level part of RiskGate::check (it calls this; callers need
  // not): a fenced strategy's new orders, then its limits. `reduce_only`
  // means the gate has verified that the order only reduces (risk.hpp), and
  // such orders pass. `mark` is the order's market's.
  [[nodiscard]] std::expected<void, RiskDenial> check(const Order& order, bool reduce_only, const AccountView& account,
                                                      const core::U256& mark) const;

 private:
  FencingConfig config_;
  std::map<std::string, FenceMode, std::less<>> fenced_;
};

}  // namespace perpx::executor
