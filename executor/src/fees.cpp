#include "perpx/executor/fees.hpp"

#include <algorithm>

namespace perpx::executor {

namespace {

constexpr uint64_t kMillion = 1'000'000;
constexpr size_t kMaxHistory = 1024;  // blocks looked at; older ones say little about the next

// base * (9/8)^k, each step rounded up: what a max fee needs to stay valid
// through k blocks of maximal base-fee rise (EIP-1559: at most 1/8 a block).
U256 with_headroom(U256 base, uint32_t k) noexcept {
  for (uint32_t i = 0; i < k; ++i) {
    const U256 num = base * U256{9};
    base = num / U256{8} + ((num % U256{8}).is_zero() ? U256{0} : U256{1});
  }
  return base;
}

// The lower median of the level's percentile over the (last kMaxHistory) blocks.
U256 median_reward(const chain::FeeHistory& h, size_t index) noexcept {
  std::array<U256, kMaxHistory> xs;
  size_t n = 0;
  const size_t first = h.reward.size() > kMaxHistory ? h.reward.size() - kMaxHistory : 0;
  for (size_t i = first; i < h.reward.size(); ++i) xs[n++] = h.reward[i][index];
  if (n == 0) return U256{};
  std::nth_element(xs.begin(), xs.begin() + static_cast<ptrdiff_t>((n - 1) / 2), xs.begin() + static_cast<ptrdiff_t>(n));
  return xs[(n - 1) / 2];
}

// Whether the base fee rose in each of the last three blocks.
bool rising(const chain::FeeHistory& h) noexcept {
  const auto& b = h.base_fee_per_gas;
  if (b.size() < 4) return false;
  for (size_t i = b.size() - 3; i < b.size(); ++i)
    if (!(b[i] > b[i - 1])) return false;
  return true;
}

// worst-case spend, or nothing on overflow
std::optional<U256> spend(const U256& max_fee, uint64_t gas) noexcept {
  auto w = core::checked_mul(max_fee, U256{gas});
  if (!w) return std::nullopt;
  return *w;
}

// Fits `q` into its budget by giving up headroom (never below base + tip).
std::expected<FeeQuote, FeeErrc> fit_budget(FeeQuote q, uint64_t gas) noexcept {
  const auto worst = spend(q.max_fee_per_gas, gas);
  if (worst && *worst <= q.budget_wei) {
    q.worst_case_wei = *worst;
    return q;
  }
  const U256 affordable = q.budget_wei / U256{gas};
  if (affordable < q.base_fee_next + q.max_priority_fee_per_gas) return std::unexpected(FeeErrc::kOverCap);
  q.max_fee_per_gas = affordable;
  q.worst_case_wei = affordable * U256{gas};
  return q;
}

}  // namespace

std::string_view urgency_name(Urgency u) noexcept {
  switch (u) {
    case Urgency::kLow: return "low";
    case Urgency::kNormal: return "normal";
    case Urgency::kUrgent: return "urgent";
    case Urgency::kCritical: return "critical";
  }
  return "normal";
}

std::optional<Urgency> parse_urgency(std::string_view s) noexcept {
  for (Urgency u : {Urgency::kLow, Urgency::kNormal, Urgency::kUrgent, Urgency::kCritical})
    if (s == urgency_name(u)) return u;
  return std::nullopt;
}

std::string_view describe(FeeErrc e) noexcept {
  switch (e) {
    case FeeErrc::kNoBaseFee: return "fee history has no base fee";
    case FeeErrc::kBadHistory: return "fee history rewards do not match the percentiles asked for";
    case FeeErrc::kOverCap: return "fee would exceed the order's gas budget";
    case FeeErrc::kBadArgument: return "bad fee argument (gas limit 0 or zero fees)";
  }
  return "?";
}

U256 chain_tip_floor(uint64_t chain_id, const FeeConfig& c) noexcept {
  switch (chain_id) {
    case 1: case 11155111: case 17000: return std::max(c.min_tip, U256{10'000'000});  // 0.01 gwei
    case 31337: return std::max(c.min_tip, U256{1'000'000'000});                       // anvil's default tip
    default: return c.min_tip;
  }
}

U256 raise_ppm(const U256& v, uint32_t ppm) noexcept {
  const U256 num = v * U256{kMillion + ppm};
  U256 r = num / U256{kMillion};
  if (!(num % U256{kMillion}).is_zero()) r = r + U256{1};
  return r > v ? r : v + U256{1};
}

std::expected<FeeQuote, FeeErrc> FeePolicy::quote(Urgency u, const FeeInputs& in) const noexcept {
  if (in.gas_limit == 0) return std::unexpected(FeeErrc::kBadArgument);
  if (in.history == nullptr || in.history->base_fee_per_gas.empty()) return std::unexpected(FeeErrc::kNoBaseFee);
  const chain::FeeHistory& h = *in.history;
  for (const auto& row : h.reward)
    if (row.size() != config_.percentiles.size()) return std::unexpected(FeeErrc::kBadHistory);
  const FeeLevel& level = config_.levels[static_cast<size_t>(u)];

  FeeQuote q;
  q.urgency = u;
  q.base_fee_next = h.base_fee_per_gas.back();
  q.history_tip = median_reward(h, level.percentile_index);
  q.node_tip = in.node_tip.value_or(U256{});
  q.tip_floor = chain_tip_floor(in.chain_id, config_);
  U256 tip = std::max(q.history_tip, q.tip_floor);
  if (u >= Urgency::kUrgent && q.node_tip > tip) tip = q.node_tip;
  tip = std::min(tip, std::max(config_.max_tip, q.tip_floor));
  q.max_priority_fee_per_gas = tip;
  q.rising = rising(h);
  q.headroom_blocks = level.headroom_blocks + (q.rising ? 1 : 0);
  q.max_fee_per_gas = with_headroom(q.base_fee_next, q.headroom_blocks) + tip;
  q.budget_wei = in.notional_wei * U256{level.cap_bps} / U256{10'000};
  return fit_budget(q, in.gas_limit);
}

bool FeePolicy::due(Urgency u, uint64_t blocks_waiting) const noexcept {
  return blocks_waiting >= config_.levels[static_cast<size_t>(u)].escalate_after;
}

std::expected<FeeQuote, FeeErrc> FeePolicy::bump(const FeeQuote& prev, const U256& base_fee_next,
                                                 uint64_t gas_limit) const noexcept {
  if (gas_limit == 0 || prev.max_fee_per_gas.is_zero() || prev.max_priority_fee_per_gas.is_zero())
    return std::unexpected(FeeErrc::kBadArgument);
  const FeeLevel& level = config_.levels[static_cast<size_t>(prev.urgency)];
  const uint32_t ppm = std::max<uint32_t>(level.bump_ppm, 125'000);
  FeeQuote q = prev;
  q.bumps = prev.bumps + 1;
  q.base_fee_next = base_fee_next;
  q.max_priority_fee_per_gas = raise_ppm(prev.max_priority_fee_per_gas, ppm);
  // The replacement must beat the old one by the bump on both fields; it
  // must also still be valid for the base fee now, with the level's headroom.
  const U256 min_max = raise_ppm(prev.max_fee_per_gas, ppm);
  const U256 wanted = with_headroom(base_fee_next, q.headroom_blocks) + q.max_priority_fee_per_gas;
  q.max_fee_per_gas = std::max(min_max, wanted);
  // Giving up headroom is allowed; going below the minimal replacement is not.
  auto fitted = fit_budget(q, gas_limit);
  if (!fitted || fitted->max_fee_per_gas < min_max) return std::unexpected(FeeErrc::kOverCap);
  return fitted;
}

}  // namespace perpx::executor
