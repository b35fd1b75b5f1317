// The executor's fee and nonce state against a real node.
//
// FeePolicy: quotes from anvil's own eth_feeHistory are
// accepted, every bump the policy makes replaces the pending transaction in
// anvil's pool, one that pays no more is refused as underpriced, and the
// last replacement is the one mined.
#include <catch2/catch.hpp>

#include <thread>

#include "value_of.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/fees.hpp"
#include "perpx/executor/nonces.hpp"
#include "perpx/signer/txn.hpp"

using namespace perpx;
using executor::FeePolicy;
using executor::U256;
using executor::Urgency;
using perpx::test::value_of;

namespace {

const U256 kEth = U256{1'000'000'000} * U256{1'000'000'000};

struct Sender {
  chain::RpcClient& rpc;
  signer::SecretKey key;
  uint64_t chain_id;
  core::Bytes raw, scratch;

  chain::RpcResult<chain::Hash32> send(uint64_t nonce, const U256& max_fee, const U256& tip, const chain::Address& to,
                                       const U256& value = U256{1}) {
    signer::Txn t;
    t.chain_id = U256{chain_id};
    t.nonce = nonce;
    t.max_fee_per_gas = max_fee;
    t.max_priority_fee_per_gas = tip;
    t.gas_limit = 21'000;
    t.to = to;
    t.value = value;
    signer::sign_and_encode(raw, scratch, t, key);
    return rpc.send_raw_transaction(raw);
  }
};

// anvil may answer a send before the receipt exists (automine): wait, bounded.
std::optional<chain::Receipt> receipt_of(chain::RpcClient& rpc, const chain::Hash32& hash) {
  for (int i = 0; i < 400; ++i) {
    if (auto r = value_of(rpc.transaction_receipt(hash))) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("policy bumps replace a pending transaction on anvil, one that pays no more is refused",
          "[anvil][executor][fees]") {
  chain::LocalChainOptions o;
  o.no_mining = true;
  chain::LocalChain node(o);
  auto rpc = node.client();
  value_of(rpc.request("anvil_mine", core::Json::array({"0x5"})));
  const FeePolicy policy;
  const auto& pct = policy.config().percentiles;
  const chain::FeeHistory h =
      value_of(rpc.fee_history(4, chain::Tag::kLatest, std::vector<double>(pct.begin(), pct.end())));
  executor::FeeInputs in;
  in.history = &h;
  in.node_tip = value_of(rpc.max_priority_fee_per_gas());
  in.chain_id = node.chain_id();
  in.gas_limit = 21'000;
  in.notional_wei = U256{10} * kEth;
  auto q = policy.quote(Urgency::kUrgent, in);
  REQUIRE(q);
  CHECK(q->max_priority_fee_per_gas >= U256{1'000'000'000});  // anvil's floor, whatever the history says

  Sender s{rpc, node.dev_key(0), node.chain_id(), {}, {}};
  const chain::Address to = node.accounts()[1];
  const uint64_t nonce = value_of(rpc.transaction_count(node.accounts()[0]));
  chain::Hash32 pending = value_of(s.send(nonce, q->max_fee_per_gas, q->max_priority_fee_per_gas, to));
  for (int i = 0; i < 3; ++i) {
    auto b = policy.bump(*q, q->base_fee_next, in.gas_limit);
    REQUIRE(b);
    const chain::Hash32 replacement = value_of(s.send(nonce, b->max_fee_per_gas, b->max_priority_fee_per_gas, to));
    CHECK(replacement != pending);
    pending = replacement;
    q = b;
  }
  // A replacement that does not pay more than the pending one is refused as
  // underpriced. (anvil 1.7.1 takes any strict increase; geth asks +10%,
  // which the policy's +12.5% steps clear everywhere.)
  auto equal = s.send(nonce, q->max_fee_per_gas, q->max_priority_fee_per_gas, to, U256{2});
  REQUIRE(!equal);
  CHECK(equal.error().code == chain::RpcErrc::kReplacementUnderpriced);
  auto lower = s.send(nonce, q->max_fee_per_gas - U256{1}, q->max_priority_fee_per_gas, to, U256{2});
  REQUIRE(!lower);
  CHECK(lower.error().code == chain::RpcErrc::kReplacementUnderpriced);

  // Mined: exactly the last replacement lands.
  value_of(rpc.request("evm_mine", core::Json::array()));
  auto receipt = value_of(rpc.transaction_receipt(pending));
  REQUIRE(receipt.has_value());
  CHECK(receipt->success);
  CHECK(receipt->effective_gas_price <= q->max_fee_per_gas);
  CHECK(value_of(rpc.transaction_count(node.accounts()[0], chain::Tag::kLatest)) == nonce + 1);
}

TEST_CASE("nonce too low from the node is recovered by a sync with the chain's counts", "[anvil][executor][nonces]") {
  chain::LocalChain node;
  auto rpc = node.client();
  const chain::Address me = node.accounts()[0];
  const chain::Address to = node.accounts()[1];
  Sender ours{rpc, node.dev_key(0), node.chain_id(), {}, {}};
  Sender other{rpc, node.dev_key(0), node.chain_id(), {}, {}};  // another process with the same key
  const U256 fee{100'000'000'000ull}, tip{2'000'000'000ull};

  executor::NonceManager m(value_of(rpc.transaction_count(me, chain::Tag::kPending)));
  const uint64_t a = m.reserve();
  const chain::Hash32 ha = value_of(ours.send(a, fee, tip, to));
  REQUIRE(m.sent(a, ha));
  const uint64_t b = m.reserve();  // reserved, not yet sent...
  // ...while the other process sends nonces b and b+1 (automine includes them).
  const chain::Hash32 o1 = value_of(other.send(b, fee, tip, to, U256{7}));
  const chain::Hash32 o2 = value_of(other.send(b + 1, fee, tip, to, U256{7}));
  // Mined before ours goes out (anvil may answer a send before it mines it;
  // a still-pending b would make ours a replacement, not a stale nonce).
  REQUIRE(receipt_of(rpc, o1).has_value());
  REQUIRE(receipt_of(rpc, o2).has_value());
  auto low = ours.send(b, fee, tip, to);
  REQUIRE(!low);
  CHECK(low.error().code == chain::RpcErrc::kNonceTooLow);

  const uint64_t latest = value_of(rpc.transaction_count(me, chain::Tag::kLatest));
  const uint64_t pending = value_of(rpc.transaction_count(me, chain::Tag::kPending));
  const auto external = m.sync(latest, pending);
  CHECK(external == std::vector<uint64_t>{a, b});  // a: ours but not yet seen included; b: someone else's
  // Reconciled by hash: a's receipt is ours.
  auto ra = receipt_of(rpc, ha);
  REQUIRE(ra.has_value());
  REQUIRE(m.included(a, ra->block_number, ra->block_hash, ha));
  const uint64_t c = m.reserve();
  CHECK(c == b + 2);
  const chain::Hash32 hc = value_of(ours.send(c, fee, tip, to));
  REQUIRE(m.sent(c, hc));
  CHECK(receipt_of(rpc, hc).has_value());
}
