// Nonce drills on a real anvil (--no-mining, blocks mined by the test) with
// the Submitter driving its NonceManager and a real journal: a transaction
// dropped from the pool is a gap that holds back every nonce above it, and
// the submitter fills it (its journalled bytes again, or a zero-value
// transfer to itself when the node refuses those); another process using
// the key makes "nonce too low", answered by a sync and one more signing at
// the next free nonce; a reorg that drops included transactions has them
// rebroadcast and landing once. The chain is read on its own afterwards
// (account nonce, receipts, transactions by hash).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <optional>

#include "submit_world.hpp"
#include "value_of.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/submitter.hpp"

using namespace perpx;
using executor::Journal;
using executor::NonceState;
using executor::Submitter;
using executor::TxnRequest;
using executor::U256;
using executor::Urgency;
using perpx::test::value_of;

namespace {

using perpx::test::kEth;

struct GapWorld : perpx::test::SubmitWorld {
  uint64_t now = 0;

  GapWorld() : SubmitWorld("gap-") {}
  // A submitter that has seen the current head (a fresh one counts blocks
  // waiting from 0 and would bump at its first head).
  Submitter submitter(Journal& j) {
    Submitter s = value_of(Submitter::make(rpc, node.dev_key(0), j));
    value_of(s.on_head(value_of(rpc.block_header(chain::Tag::kLatest)).value(), ++now));
    return s;
  }
  executor::SubmitRequest transfer(int64_t order_id, U256 value = U256{1}) {
    return req(order_id, SubmitWorld::transfer(value), Urgency::kNormal);
  }
  bool node_has(const chain::Hash32& h) { return value_of(rpc.transaction_by_hash(h)).has_value(); }
  std::optional<chain::Receipt> receipt(const chain::Hash32& h) { return value_of(rpc.transaction_receipt(h)); }
  void drop(const chain::Hash32& h) {
    value_of(rpc.request("anvil_dropTransaction", core::Json::array({core::to_hex(h)})));
  }
};

}  // namespace

TEST_CASE("a dropped transaction is a gap: its journalled bytes go again and the queued ones land",
          "[anvil][executor][nonces][gap]") {
  GapWorld w;
  Submitter s = w.submitter(*w.journal);
  const uint64_t n0 = w.mined_nonce();
  std::vector<chain::Hash32> h;
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(w.order(*w.journal));
    h.push_back(value_of(s.submit(w.transfer(ids.back()), ++w.now)));
  }
  w.drop(h[0]);
  REQUIRE_FALSE(w.node_has(h[0]));
  // (anvil then answers null for the later nonces too: they are resent as well, as the same bytes.)
  // A block: nothing of ours can land with nonce n0 missing.
  auto head = w.mine();
  CHECK(w.mined_nonce() == n0);
  CHECK_FALSE(w.receipt(h[1]).has_value());
  auto r = value_of(s.on_head(head, ++w.now));
  REQUIRE_FALSE(r.gaps_filled.empty());
  CHECK(r.gaps_filled.front() == n0);
  REQUIRE_FALSE(r.resent.empty());
  CHECK(r.resent.front() == h[0]);
  for (const auto& x : r.resent) CHECK(std::find(h.begin(), h.end(), x) != h.end());  // only our own bytes
  CHECK(r.cancelled.empty());
  CHECK(r.included.empty());
  CHECK(w.node_has(h[0]));  // the same bytes: the same hash
  // The next block takes all three, in nonce order.
  head = w.mine();
  r = value_of(s.on_head(head, ++w.now));
  CHECK(r.included == h);
  CHECK(w.mined_nonce() == n0 + 3);
  for (size_t i = 0; i < 3; ++i) {
    auto rc = w.receipt(h[i]);
    REQUIRE(rc.has_value());
    CHECK(rc->block_number == head.number);
    const auto txns = value_of(w.journal->txns(ids[i]));
    REQUIRE(txns.size() == 1);  // never a second transaction for the gap
    CHECK(txns[0].state == "included");
    CHECK(s.nonces().slot(n0 + i)->state == NonceState::kIncluded);
  }
}

TEST_CASE("a dropped transaction the node now refuses is cancelled by a zero-value transfer to ourselves",
          "[anvil][executor][nonces][gap]") {
  GapWorld w;
  Submitter s = w.submitter(*w.journal);
  const uint64_t n0 = w.mined_nonce();
  const int64_t big = w.order(*w.journal);
  const chain::Hash32 h0 = value_of(s.submit(w.transfer(big, U256{5} * kEth), ++w.now));
  const int64_t a = w.order(*w.journal);
  const chain::Hash32 h1 = value_of(s.submit(w.transfer(a), ++w.now));
  const int64_t b = w.order(*w.journal);
  const chain::Hash32 h2 = value_of(s.submit(w.transfer(b), ++w.now));
  w.drop(h0);
  // The account can no longer pay the 5 ETH; it can pay gas.
  value_of(w.rpc.request("anvil_setBalance", core::Json::array({core::to_hex(w.me().view()), "0xde0b6b3a7640000"})));
  auto head = w.mine();
  REQUIRE(w.mined_nonce() == n0);
  auto r = value_of(s.on_head(head, ++w.now));
  REQUIRE(r.cancelled.size() == 1);
  REQUIRE_FALSE(r.gaps_filled.empty());
  CHECK(r.gaps_filled.front() == n0);
  CHECK(std::find(r.resent.begin(), r.resent.end(), h0) == r.resent.end());  // refused: not resent
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == executor::TxEventKind::kFailed);  // the 5 ETH step will never execute
  CHECK(r.events[0].order_id == big);
  const chain::Hash32 cancel = r.cancelled[0];
  auto txns = value_of(w.journal->txns(big));
  REQUIRE(txns.size() == 2);  // journalled before it was sent
  CHECK(txns[0].hash == h0);
  CHECK(txns[0].state == "failed");
  CHECK(txns[1].hash == cancel);
  CHECK(txns[1].step == "cancel");
  CHECK(txns[1].nonce == n0);
  CHECK(core::keccak256(txns[1].raw) == cancel);

  head = w.mine();
  r = value_of(s.on_head(head, ++w.now));
  CHECK(w.mined_nonce() == n0 + 3);
  CHECK_FALSE(w.receipt(h0).has_value());
  for (const auto& h : {cancel, h1, h2}) {
    auto rc = w.receipt(h);
    REQUIRE(rc.has_value());
    CHECK(rc->success);
  }
  // Read from the chain: a zero-value transfer from us to us at n0.
  auto tx = value_of(w.rpc.request("eth_getTransactionByHash", core::Json::array({core::to_hex(cancel)})));
  auto lower = [](std::string x) {
    for (auto& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return x;
  };
  CHECK(lower(tx["from"].get<std::string>()) == core::to_hex(w.me().view()));
  CHECK(lower(tx["to"].get<std::string>()) == core::to_hex(w.me().view()));
  CHECK(tx["value"].get<std::string>() == "0x0");
  CHECK(std::stoull(tx["nonce"].get<std::string>(), nullptr, 16) == n0);
  CHECK(value_of(w.journal->txns(big))[1].state == "included");
  CHECK(value_of(w.journal->txns(a))[0].state == "included");
  CHECK(value_of(w.journal->txns(b))[0].state == "included");
}

TEST_CASE("nonce too low after another process used the key: synced, signed once more at the next nonce",
          "[anvil][executor][nonces]") {
  GapWorld w;
  Submitter ours = w.submitter(*w.journal);  // seeded from the pending count now
  const uint64_t n0 = w.mined_nonce();
  REQUIRE(ours.nonces().next() == n0);
  // Another process with the same key (and its own journal) takes n0 and n0+1; both are mined.
  Journal theirs_journal = value_of(Journal::open(w.dir.path / "other.sqlite"));
  Submitter theirs = w.submitter(theirs_journal);
  const chain::Hash32 o1 = value_of(theirs.submit(w.transfer(w.order(theirs_journal)), ++w.now));
  const chain::Hash32 o2 = value_of(theirs.submit(w.transfer(w.order(theirs_journal)), ++w.now));
  w.mine();
  REQUIRE(w.receipt(o1).has_value());
  REQUIRE(w.receipt(o2).has_value());
  REQUIRE(w.mined_nonce() == n0 + 2);

  const int64_t id = w.order(*w.journal);
  const chain::Hash32 h = value_of(ours.submit(w.transfer(id), ++w.now));
  auto txns = value_of(w.journal->txns(id));
  REQUIRE(txns.size() == 2);
  CHECK(txns[0].nonce == n0);
  CHECK(txns[0].state == "failed");  // refused as too low: it cannot execute
  CHECK(txns[1].nonce == n0 + 2);
  CHECK(txns[1].hash == h);
  CHECK(txns[1].state == "sent");
  CHECK(ours.nonces().next() == n0 + 3);
  auto r = value_of(ours.on_head(w.mine(), ++w.now));
  CHECK(r.included == std::vector<chain::Hash32>{h});
  CHECK(w.mined_nonce() == n0 + 3);
}

TEST_CASE("a reorg that drops two included transactions: both rebroadcast, both land once, in nonce order",
          "[anvil][executor][nonces][reorg]") {
  GapWorld w;
  Submitter s = w.submitter(*w.journal);
  const uint64_t n0 = w.mined_nonce();
  const int64_t a = w.order(*w.journal), b = w.order(*w.journal);
  const chain::Hash32 ha = value_of(s.submit(w.transfer(a), ++w.now));
  const chain::Hash32 hb = value_of(s.submit(w.transfer(b), ++w.now));
  auto head = w.mine();
  REQUIRE(value_of(s.on_head(head, ++w.now)).included == std::vector<chain::Hash32>{ha, hb});
  CHECK(s.nonces().slot(n0)->state == NonceState::kIncluded);
  const uint64_t included_at = head.number;
  // The block is replaced by an empty one at the same height: both are gone.
  value_of(w.rpc.request("anvil_reorg", core::Json::array({1, core::Json::array()})));
  REQUIRE_FALSE(w.receipt(ha).has_value());
  REQUIRE(w.mined_nonce() == n0);
  auto re = value_of(s.on_reorg(included_at - 1, ++w.now));
  CHECK(re.resent == std::vector<chain::Hash32>{ha, hb});
  REQUIRE(re.events.size() == 2);
  CHECK(re.events[0].kind == executor::TxEventKind::kReorgedOut);
  CHECK(re.events[1].order_id == b);
  CHECK(s.nonces().slot(n0)->state == NonceState::kSent);
  CHECK(s.nonces().slot(n0 + 1)->state == NonceState::kSent);
  head = w.mine();
  auto r = value_of(s.on_head(head, ++w.now));
  CHECK(r.included == std::vector<chain::Hash32>{ha, hb});
  CHECK(w.mined_nonce() == n0 + 2);
  CHECK(w.receipt(ha)->block_number == head.number);
  CHECK(value_of(w.journal->txns(a)).size() == 1);  // the same bytes, never a second signing
  CHECK(value_of(w.journal->txns(b)).size() == 1);
  CHECK(s.nonces().next() == n0 + 2);
}
