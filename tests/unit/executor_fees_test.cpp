// FeePolicy: tips from reward percentiles with floors, max-fee headroom,
// the gas budget in bps of notional, and replacement bumps of >= 12.5%.
#include <catch2/catch.hpp>

#include "perpx/executor/fees.hpp"

using namespace perpx;
using executor::FeeConfig;
using executor::FeeErrc;
using executor::FeeInputs;
using executor::FeePolicy;
using executor::FeeQuote;
using executor::U256;
using executor::Urgency;

namespace {

const U256 kGwei{1'000'000'000};
const U256 kEth = U256{1'000'000'000} * U256{1'000'000'000};

// Five blocks: base fees (and the next one), rewards at 10/50/90/99.
chain::FeeHistory history(std::vector<uint64_t> base_gwei, std::vector<std::array<uint64_t, 4>> rewards_gwei) {
  chain::FeeHistory h;
  for (uint64_t b : base_gwei) h.base_fee_per_gas.push_back(U256{b} * kGwei);
  for (const auto& r : rewards_gwei) {
    std::vector<U256> row;
    for (uint64_t x : r) row.push_back(U256{x} * kGwei);
    h.reward.push_back(row);
    h.gas_used_ratio.push_back(0.5);
  }
  return h;
}

FeeInputs inputs(const chain::FeeHistory& h, U256 notional = U256{100} * kEth, uint64_t gas = 200'000) {
  FeeInputs in;
  in.history = &h;
  in.chain_id = 1;
  in.gas_limit = gas;
  in.notional_wei = notional;
  return in;
}

U256 headroom(U256 base, int k) {
  for (int i = 0; i < k; ++i) {
    const U256 num = base * U256{9};
    base = num / U256{8} + ((num % U256{8}).is_zero() ? U256{0} : U256{1});
  }
  return base;
}

FeeQuote ok(std::expected<FeeQuote, FeeErrc> r) {
  if (!r) FAIL(std::string(executor::describe(r.error())));
  return *r;
}

}  // namespace

TEST_CASE("raise_ppm rounds up and always raises", "[executor][fees]") {
  CHECK(executor::raise_ppm(U256{8}, 125'000) == U256{9});
  CHECK(executor::raise_ppm(U256{9}, 125'000) == U256{11});  // 10.125 -> 11
  CHECK(executor::raise_ppm(U256{1}, 125'000) == U256{2});
  CHECK(executor::raise_ppm(U256{0}, 125'000) == U256{1});
  CHECK(executor::raise_ppm(U256{1'000'000}, 125'000) == U256{1'125'000});
}

TEST_CASE("urgency names", "[executor][fees]") {
  for (Urgency u : {Urgency::kLow, Urgency::kNormal, Urgency::kUrgent, Urgency::kCritical})
    CHECK(executor::parse_urgency(executor::urgency_name(u)) == u);
  CHECK_FALSE(executor::parse_urgency("asap").has_value());
}

TEST_CASE("a normal quote: median 50th-percentile tip, three blocks of headroom", "[executor][fees]") {
  const auto h = history({30, 28, 31, 29, 30, 32}, {{1, 2, 5, 9}, {1, 3, 6, 9}, {1, 2, 4, 8}, {1, 4, 7, 9}, {1, 2, 5, 9}});
  const FeePolicy p;
  const FeeQuote q = ok(p.quote(Urgency::kNormal, inputs(h)));
  CHECK(q.base_fee_next == U256{32} * kGwei);
  CHECK(q.history_tip == U256{2} * kGwei);  // 2,3,2,4,2 -> 2
  CHECK(q.max_priority_fee_per_gas == U256{2} * kGwei);
  CHECK_FALSE(q.rising);
  CHECK(q.headroom_blocks == 3);
  CHECK(q.max_fee_per_gas == headroom(U256{32} * kGwei, 3) + U256{2} * kGwei);
  CHECK(q.budget_wei == U256{100} * kEth / U256{1000});  // 10 bps
  CHECK(q.worst_case_wei == q.max_fee_per_gas * U256{200'000});
}

TEST_CASE("urgency picks the percentile, urgent takes the node's tip when higher, normal does not", "[executor][fees]") {
  const auto h = history({30, 30, 30}, {{1, 2, 5, 9}, {1, 2, 5, 9}});
  const FeePolicy p;
  auto in = inputs(h);
  in.node_tip = U256{7} * kGwei;
  CHECK(ok(p.quote(Urgency::kLow, in)).max_priority_fee_per_gas == U256{1} * kGwei);
  CHECK(ok(p.quote(Urgency::kNormal, in)).max_priority_fee_per_gas == U256{2} * kGwei);
  CHECK(ok(p.quote(Urgency::kUrgent, in)).max_priority_fee_per_gas == U256{7} * kGwei);
  CHECK(ok(p.quote(Urgency::kCritical, in)).max_priority_fee_per_gas == U256{9} * kGwei);
  CHECK(ok(p.quote(Urgency::kUrgent, in)).headroom_blocks == 6);
}

TEST_CASE("an empty or all-zero history never gives a 1-wei tip", "[executor][fees]") {
  const FeePolicy p;
  auto no_rewards = history({20}, {});
  auto q = ok(p.quote(Urgency::kNormal, inputs(no_rewards)));
  CHECK(q.max_priority_fee_per_gas == U256{10'000'000});  // mainnet floor: 0.01 gwei
  auto zeros = history({20, 20}, {{0, 0, 0, 0}});
  auto in = inputs(zeros);
  in.chain_id = 31337;
  CHECK(ok(p.quote(Urgency::kNormal, in)).max_priority_fee_per_gas == kGwei);  // anvil: 1 gwei
  in.chain_id = 8453;
  CHECK(ok(p.quote(Urgency::kNormal, in)).max_priority_fee_per_gas == p.config().min_tip);
}

TEST_CASE("a rising base fee adds a block of headroom", "[executor][fees]") {
  const auto h = history({20, 22, 24, 27}, {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}});
  const FeeQuote q = ok(FeePolicy{}.quote(Urgency::kNormal, inputs(h)));
  CHECK(q.rising);
  CHECK(q.headroom_blocks == 4);
  CHECK(q.max_fee_per_gas == headroom(U256{27} * kGwei, 4) + kGwei);
}

TEST_CASE("the gas budget: headroom is given up first, then the quote is refused", "[executor][fees]") {
  const auto h = history({100, 100}, {{1, 1, 1, 1}});
  const FeePolicy p;
  // 100 gwei base, 1 gwei tip, 200k gas: base+tip costs 0.0202 ETH; with
  // three blocks of headroom 0.0289 ETH. A 0.025 ETH budget (10 bps of 25 ETH):
  auto in = inputs(h, U256{25} * kEth);
  const FeeQuote q = ok(p.quote(Urgency::kNormal, in));
  CHECK(q.max_fee_per_gas == q.budget_wei / U256{200'000});
  CHECK(q.max_fee_per_gas >= q.base_fee_next + q.max_priority_fee_per_gas);
  CHECK(q.worst_case_wei <= q.budget_wei);
  // 10 bps of 15 ETH cannot pay base + tip: refused, not paid.
  in.notional_wei = U256{15} * kEth;
  auto refused = p.quote(Urgency::kNormal, in);
  REQUIRE(!refused);
  CHECK(refused.error() == FeeErrc::kOverCap);
  // The same order as urgent has a 50 bps budget.
  CHECK(p.quote(Urgency::kUrgent, in).has_value());
}

TEST_CASE("bumps raise tip and max fee by at least 12.5% until the budget ends them", "[executor][fees]") {
  const auto h = history({30, 30}, {{2, 2, 2, 2}});
  const FeePolicy p;
  auto in = inputs(h, U256{100} * kEth);
  FeeQuote q = ok(p.quote(Urgency::kNormal, in));
  int bumps = 0;
  for (;;) {
    auto next = p.bump(q, q.base_fee_next, in.gas_limit);
    if (!next) {
      CHECK(next.error() == FeeErrc::kOverCap);
      break;
    }
    // Both fields at least +12.5% (ceil), so a node's +10% rule always passes.
    CHECK(next->max_priority_fee_per_gas * U256{8} >= q.max_priority_fee_per_gas * U256{9});
    CHECK(next->max_fee_per_gas * U256{8} >= q.max_fee_per_gas * U256{9});
    CHECK(next->worst_case_wei <= next->budget_wei);
    CHECK(next->bumps == q.bumps + 1);
    q = *next;
    REQUIRE(++bumps < 100);
  }
  CHECK(bumps >= 3);
  CHECK(q.worst_case_wei <= q.budget_wei);  // never past the cap
}

TEST_CASE("a bump follows a base fee that rose meanwhile", "[executor][fees]") {
  const auto h = history({30, 30}, {{2, 2, 2, 2}});
  const FeePolicy p;
  const auto in = inputs(h, U256{1000} * kEth);
  const FeeQuote q = ok(p.quote(Urgency::kUrgent, in));
  const U256 base_now = U256{60} * kGwei;
  const FeeQuote b = ok(p.bump(q, base_now, in.gas_limit));
  CHECK(b.max_priority_fee_per_gas == executor::raise_ppm(q.max_priority_fee_per_gas, 500'000));
  CHECK(b.max_fee_per_gas == headroom(base_now, 6) + b.max_priority_fee_per_gas);
}

TEST_CASE("escalation cadence per urgency", "[executor][fees]") {
  const FeePolicy p;
  CHECK_FALSE(p.due(Urgency::kLow, 5));
  CHECK(p.due(Urgency::kLow, 6));
  CHECK_FALSE(p.due(Urgency::kNormal, 2));
  CHECK(p.due(Urgency::kNormal, 3));
  CHECK(p.due(Urgency::kUrgent, 1));
  CHECK_FALSE(p.due(Urgency::kUrgent, 0));
}

TEST_CASE("fee errors", "[executor][fees]") {
  const FeePolicy p;
  chain::FeeHistory empty;
  CHECK(p.quote(Urgency::kNormal, inputs(empty)).error() == FeeErrc::kNoBaseFee);
  FeeInputs none;
  none.gas_limit = 21000;
  CHECK(p.quote(Urgency::kNormal, none).error() == FeeErrc::kNoBaseFee);
  auto bad = history({10, 10}, {{1, 2, 3, 4}});
  bad.reward[0].pop_back();  // three percentiles where four were asked
  CHECK(p.quote(Urgency::kNormal, inputs(bad)).error() == FeeErrc::kBadHistory);
  auto h = history({10, 10}, {{1, 1, 1, 1}});
  CHECK(p.quote(Urgency::kNormal, inputs(h, U256{100} * kEth, 0)).error() == FeeErrc::kBadArgument);
  CHECK(p.bump(FeeQuote{}, kGwei, 21000).error() == FeeErrc::kBadArgument);
  // kOverCap is covered above.
  for (FeeErrc e : {FeeErrc::kNoBaseFee, FeeErrc::kBadHistory, FeeErrc::kOverCap, FeeErrc::kBadArgument})
    CHECK(executor::describe(e) != "?");
}
