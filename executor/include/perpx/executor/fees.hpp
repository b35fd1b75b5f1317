#pragma once
// FeePolicy: EIP-1559 fees for an order's transaction, from eth_feeHistory
// (the next block's base fee, its trend, reward percentiles) and the node's
// eth_maxPriorityFeePerGas, with per-chain floors, and the escalation rule
// for a transaction that waits.
//
// Urgency picks three things (FeeLevel): the reward percentile the tip
// follows, the max-fee headroom (how many blocks of maximal base-fee rise,
// 12.5% each, the max fee survives), and how fast and how far a waiting
// transaction escalates. Every order has a gas budget: cap_bps of its
// notional (in wei). A quote or bump that cannot fit the budget says so
// (kOverCap) instead of paying more: low and normal orders wait, urgent and
// critical ones have larger budgets.
//
// Tip rules: the median over the history's blocks of the level's reward
// percentile; urgent and critical also take the node's suggestion when it
// is higher; never below the chain's floor (an empty history or all-zero
// rewards never give a 1-wei tip), never above max_tip.
//
// Replacement (bump): tip and max fee each rise by at least bump_ppm (at
// least 12.5%: geth and anvil refuse a replacement below +10%, and some
// pools ask more), rounded up, and the max fee still covers the current
// base fee with headroom.
//
// Quotes carry their inputs (FeeQuote), so whoever journals or logs the
// decision records why. Pure and deterministic; does not allocate.
#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>

#include "perpx/chain/types.hpp"

namespace perpx::executor {

using chain::U256;

enum class Urgency : uint8_t { kLow, kNormal, kUrgent, kCritical };
std::string_view urgency_name(Urgency u) noexcept;  // "low", "normal", "urgent", "critical"
std::optional<Urgency> parse_urgency(std::string_view s) noexcept;

// What a level pays and how it escalates.
struct FeeLevel {
  size_t percentile_index = 1;      // into FeeConfig::percentiles
  uint32_t headroom_blocks = 3;     // max fee = base_next * 1.125^k + tip
  uint32_t escalate_after = 3;      // blocks pending before a bump
  uint32_t bump_ppm = 125'000;      // per bump, parts per million (>= 125'000)
  uint32_t cap_bps = 10;            // gas budget: bps of the order's notional
};

struct FeeConfig {
  // The percentiles asked of eth_feeHistory, in this order.
  std::array<double, 4> percentiles{10, 50, 90, 99};
  std::array<FeeLevel, 4> levels{{
      {0, 1, 6, 125'000, 5},     // low: 10th pct, 1 block of headroom, bump every 6 blocks, 5 bps
      {1, 3, 3, 125'000, 10},    // normal
      // urgent: escalates every block by 50%. Measured (perpx drill congestion):
      // tips rising 20% a block outrun a 25% bump from a 10-block median (3
      // blocks to land); 50% catches up in one bump (2 blocks).
      {2, 6, 1, 500'000, 50},
      {3, 8, 1, 750'000, 200},   // critical
  }};
  U256 min_tip{1'000'000};      // 0.001 gwei
  U256 max_tip{U256{500} * U256{1'000'000'000}};  // 500 gwei
};

// Tip floors per chain: Ethereum mainnet and its testnets 0.01 gwei, anvil
// (31337) 1 gwei as anvil's own default, others the config's min_tip.
U256 chain_tip_floor(uint64_t chain_id, const FeeConfig& c) noexcept;

enum class [[nodiscard]] FeeErrc {
  kNoBaseFee,    // the history has no base fee (pre-London chain or an empty reply)
  kBadHistory,   // reward rows do not match the percentiles asked for
  kOverCap,      // the fee that would be paid exceeds the order's gas budget
  kBadArgument,  // gas limit 0, or a bump of a quote with zero fees
};
std::string_view describe(FeeErrc e) noexcept;

struct FeeInputs {
  const chain::FeeHistory* history = nullptr;  // asked with FeeConfig::percentiles
  std::optional<U256> node_tip;                // eth_maxPriorityFeePerGas, when asked
  uint64_t chain_id = 1;
  uint64_t gas_limit = 0;
  U256 notional_wei;  // the order's notional in wei (at the oracle's mark)
};

struct FeeQuote {
  U256 max_fee_per_gas;
  U256 max_priority_fee_per_gas;
  // Inputs of the decision, for the journal.
  Urgency urgency = Urgency::kNormal;
  U256 base_fee_next;
  U256 history_tip;    // the median of the level's percentile (0 if no rewards)
  U256 node_tip;       // 0 if not asked
  U256 tip_floor;
  uint32_t headroom_blocks = 0;
  bool rising = false;  // base fee rose in each of the last 3 blocks: one more block of headroom
  U256 budget_wei;      // cap_bps of notional
  U256 worst_case_wei;  // max_fee * gas_limit
  uint32_t bumps = 0;   // replacements so far
};

class FeePolicy {
 public:
  explicit FeePolicy(FeeConfig config = {}) : config_(config) {}
  [[nodiscard]] const FeeConfig& config() const noexcept { return config_; }

  // The first transaction of an order.
  [[nodiscard]] std::expected<FeeQuote, FeeErrc> quote(Urgency u, const FeeInputs& in) const noexcept;

  // True when a transaction (re)sent `blocks_waiting` blocks ago and still
  // not included should be replaced now.
  [[nodiscard]] bool due(Urgency u, uint64_t blocks_waiting) const noexcept;

  // The replacement of `prev` given the current next-block base fee:
  // kOverCap when it would exceed the order's budget (the caller keeps
  // waiting on `prev`, never pays more).
  [[nodiscard]] std::expected<FeeQuote, FeeErrc> bump(const FeeQuote& prev, const U256& base_fee_next,
                                                      uint64_t gas_limit) const noexcept;

 private:
  FeeConfig config_;
};

// ceil(v * (1e6 + ppm) / 1e6): a raise of at least ppm parts per million, and at least 1 wei.
U256 raise_ppm(const U256& v, uint32_t ppm) noexcept;

}  // namespace perpx::executor
