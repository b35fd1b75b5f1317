// The public submission path on a real anvil (--no-mining, blocks mined by
// the test) with a real SQLite journal: journalled before sent, escalated
// at the same nonce until it lands, recovered after a crash at each point,
// and refused sends release their nonce. The chain is then inspected on its
// own (account nonce, receipts) to check that every order executed once.
#include <catch2/catch.hpp>

#include <filesystem>

#include "submit_world.hpp"
#include "value_of.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/submitter.hpp"

using namespace perpx;
using executor::CrashPoint;
using executor::Journal;
using executor::Submitter;
using executor::SubmitterOptions;
using executor::TxnRequest;
using executor::U256;
using executor::Urgency;
using perpx::test::value_of;

namespace {

using perpx::test::kEth;

struct World : perpx::test::SubmitWorld {
  World() : SubmitWorld("order-") {}
  Submitter submitter(CrashPoint crash = CrashPoint::kNone) {
    SubmitterOptions so;
    so.crash_at = crash;
    auto s = Submitter::make(rpc, node.dev_key(0), *journal, so);
    REQUIRE(s);
    return std::move(*s);
  }
  int64_t order() { return SubmitWorld::order(*journal, "urgent"); }
};

}  // namespace

TEST_CASE("a submission is journalled before it is sent and lands once", "[anvil][executor][submit]") {
  World w;
  Submitter s = w.submitter();
  const uint64_t n0 = w.mined_nonce();
  const int64_t id = w.order();
  const chain::Hash32 h = value_of(s.submit(w.req(id, w.transfer(), Urgency::kNormal), 1));
  auto txns = value_of(w.journal->txns(id));
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].hash == h);
  CHECK(core::keccak256(txns[0].raw) == h);  // the journal holds exactly the bytes sent
  CHECK(txns[0].state == "sent");
  CHECK(txns[0].nonce == n0);
  CHECK(w.state_of(id) == "sent");

  const auto head = w.mine();
  auto r = value_of(s.on_head(head, 2));
  REQUIRE(r.included == std::vector<chain::Hash32>{h});
  CHECK(w.state_of(id) == "included");
  CHECK(value_of(w.journal->txns(id))[0].state == "included");
  CHECK(w.mined_nonce() == n0 + 1);
}

TEST_CASE("a transaction priced out by the base fee is replaced at the same nonce until it lands",
          "[anvil][executor][submit]") {
  World w;
  Submitter s = w.submitter();
  const uint64_t n0 = w.mined_nonce();
  const int64_t id = w.order();
  const chain::Hash32 first = value_of(s.submit(w.req(id, w.transfer(), Urgency::kUrgent), 1));
  // The base fee jumps far above the quote: the transaction cannot be mined.
  value_of(w.rpc.request("anvil_setNextBlockBaseFeePerGas", core::Json::array({"0xe8d4a51000"})));  // 1000 gwei
  auto head = w.mine();
  REQUIRE(!value_of(w.rpc.transaction_receipt(first)).has_value());
  CHECK(w.mined_nonce() == n0);
  // Urgent escalates every block: the replacement covers the new base fee.
  auto r = value_of(s.on_head(head, 2));
  REQUIRE(r.replaced == std::vector<chain::Hash32>{first});
  head = w.mine();
  r = value_of(s.on_head(head, 3));
  REQUIRE(r.included.size() == 1);
  CHECK(r.included[0] != first);
  CHECK(w.mined_nonce() == n0 + 1);  // one of the two executed, never both
  const auto txns = value_of(w.journal->txns(id));
  REQUIRE(txns.size() == 2);
  CHECK(txns[0].hash == first);
  CHECK(txns[0].state == "replaced");
  CHECK(txns[1].state == "included");
  CHECK(txns[0].nonce == txns[1].nonce);
  CHECK(w.state_of(id) == "included");
}

TEST_CASE("a crash between journal and send: recovery sends the same bytes, once", "[anvil][executor][submit][crash]") {
  World w;
  const uint64_t n0 = w.mined_nonce();
  const int64_t id = w.order();
  chain::Hash32 journalled;
  {
    Submitter crashing = w.submitter(CrashPoint::kAfterJournal);
    journalled = value_of(crashing.submit(w.req(id, w.transfer(), Urgency::kNormal), 1));
  }
  CHECK(!value_of(w.rpc.transaction_by_hash(journalled)).has_value());  // never left the process
  Submitter s = w.submitter();
  auto r = value_of(s.recover(2));
  REQUIRE(r.resent == std::vector<chain::Hash32>{journalled});
  CHECK(value_of(w.rpc.transaction_by_hash(journalled)).has_value());
  auto head = w.mine();
  r = value_of(s.on_head(head, 3));
  CHECK(r.included == std::vector<chain::Hash32>{journalled});
  CHECK(w.mined_nonce() == n0 + 1);
  CHECK(w.state_of(id) == "included");
  // A second recovery finds nothing to do.
  Submitter again = w.submitter();
  auto none = value_of(again.recover(4));
  CHECK(none.resent.empty());
  CHECK(none.included.empty());
}

TEST_CASE("a crash after the send: recovery finds it in the pool and does not resend", "[anvil][executor][submit][crash]") {
  World w;
  const uint64_t n0 = w.mined_nonce();
  const int64_t id = w.order();
  chain::Hash32 sent;
  {
    Submitter crashing = w.submitter(CrashPoint::kAfterSend);
    sent = value_of(crashing.submit(w.req(id, w.transfer(), Urgency::kNormal), 1));
  }
  Submitter s = w.submitter();
  auto r = value_of(s.recover(2));
  CHECK(r.resent.empty());
  // The next order gets the next nonce, not the one in flight.
  const int64_t id2 = w.order();
  value_of(s.submit(w.req(id2, w.transfer(U256{2}), Urgency::kNormal), 3));
  auto head = w.mine();
  r = value_of(s.on_head(head, 4));
  CHECK(r.included.size() == 2);
  CHECK(w.mined_nonce() == n0 + 2);
  CHECK(w.state_of(id) == "included");
  CHECK(w.state_of(id2) == "included");
  CHECK(value_of(w.journal->txns(id))[0].hash == sent);
}

TEST_CASE("a send the node refuses fails the order and frees its nonce", "[anvil][executor][submit]") {
  World w;
  Submitter s = w.submitter();
  const uint64_t n0 = w.mined_nonce();
  const int64_t id = w.order();
  auto refused = s.submit(w.req(id, w.transfer(U256{1'000'000} * kEth), Urgency::kNormal), 1);
  REQUIRE(!refused);
  CHECK(refused.error().code == executor::SubmitErrc::kRefused);
  REQUIRE(refused.error().rpc.has_value());
  CHECK(refused.error().rpc->code == chain::RpcErrc::kInsufficientFunds);
  CHECK(w.state_of(id) == "failed");
  CHECK(value_of(w.journal->txns(id))[0].state == "failed");
  CHECK(s.nonces().next() == n0);  // given back: the next order uses it
  const int64_t id2 = w.order();
  value_of(s.submit(w.req(id2, w.transfer(), Urgency::kNormal), 2));
  value_of(s.on_head(w.mine(), 3));
  CHECK(w.state_of(id2) == "included");
  CHECK(w.mined_nonce() == n0 + 1);
}

TEST_CASE("a reorg that drops the block: the transaction is rebroadcast and lands once", "[anvil][executor][submit][reorg]") {
  World w;
  Submitter s = w.submitter();
  const uint64_t n0 = w.mined_nonce();
  const int64_t id = w.order();
  const chain::Hash32 h = value_of(s.submit(w.req(id, w.transfer(), Urgency::kNormal), 1));
  auto head = w.mine();
  REQUIRE(value_of(s.on_head(head, 2)).included.size() == 1);
  const uint64_t included_at = head.number;
  // Replace that block with an empty one at the same height.
  value_of(w.rpc.request("anvil_reorg", core::Json::array({1, core::Json::array()})));
  REQUIRE(!value_of(w.rpc.transaction_receipt(h)).has_value());
  REQUIRE(w.mined_nonce() == n0);
  auto re = value_of(s.on_reorg(included_at - 1, 3));
  REQUIRE(re.resent == std::vector<chain::Hash32>{h});
  REQUIRE(re.events.size() == 1);
  CHECK(re.events[0].kind == executor::TxEventKind::kReorgedOut);
  CHECK(re.events[0].order_id == id);
  CHECK(w.state_of(id) == "sent");
  head = w.mine();
  auto r = value_of(s.on_head(head, 4));
  CHECK(r.included == std::vector<chain::Hash32>{h});
  CHECK(w.mined_nonce() == n0 + 1);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == executor::TxEventKind::kIncluded);
  CHECK(r.events[0].block == head.number);
  auto fin = value_of(s.on_finalized(head.number, 5));
  REQUIRE(fin.events.size() == 1);
  CHECK(fin.events[0].kind == executor::TxEventKind::kFinalized);
  CHECK(fin.events[0].hash == h);
  CHECK(value_of(s.on_finalized(head.number, 6)).events.empty());  // told once
}

TEST_CASE("a receipt from a block that left the chain unreported is not final: rebroadcast, then final once", "[anvil][executor][submit][reorg]") {
  // A builder's trial block (mined, read, evm_revert) or a reorg between two
  // polls: the receipt was real when read, but HeadTracker never saw that
  // block, so no reorg is reported. Finality must check the chain again.
  World w;
  Submitter s = w.submitter();
  const uint64_t n0 = w.mined_nonce();
  const int64_t id = w.order();
  const std::string snap = value_of(w.rpc.request("evm_snapshot", core::Json::array())).get<std::string>();
  const chain::Hash32 h = value_of(s.submit(w.req(id, w.transfer(), Urgency::kNormal), 1));
  auto trial = w.mine();
  REQUIRE(value_of(s.on_head(trial, 2)).included == std::vector<chain::Hash32>{h});
  CHECK(w.state_of(id) == "included");
  REQUIRE(value_of(w.rpc.request("evm_revert", core::Json::array({snap}))).get<bool>());
  REQUIRE(!value_of(w.rpc.transaction_receipt(h)).has_value());  // gone with its block; the pool is empty too
  w.mine();
  auto after = w.mine();
  REQUIRE(after.number >= trial.number);
  auto fin = value_of(s.on_finalized(after.number, 3));
  REQUIRE(fin.events.size() == 1);
  CHECK(fin.events[0].kind == executor::TxEventKind::kReorgedOut);  // not kFinalized
  CHECK(fin.resent == std::vector<chain::Hash32>{h});
  CHECK(w.state_of(id) == "sent");
  auto head = w.mine();
  auto r = value_of(s.on_head(head, 4));
  CHECK(r.included == std::vector<chain::Hash32>{h});
  CHECK(w.mined_nonce() == n0 + 1);  // landed once
  auto done = value_of(s.on_finalized(head.number, 5));
  REQUIRE(done.events.size() == 1);
  CHECK(done.events[0].kind == executor::TxEventKind::kFinalized);
  CHECK(done.events[0].block == head.number);
}

TEST_CASE("after a restart an inclusion whose block is gone is rebroadcast, one still on chain is followed to final", "[anvil][executor][submit][reorg]") {
  World w;
  const uint64_t n0 = w.mined_nonce();
  const int64_t kept = w.order();
  const int64_t gone = w.order();
  chain::Hash32 h_kept, h_gone;
  std::string snap;
  {
    Submitter s = w.submitter();
    h_kept = value_of(s.submit(w.req(kept, w.transfer(), Urgency::kNormal), 1));
    REQUIRE(value_of(s.on_head(w.mine(), 2)).included == std::vector<chain::Hash32>{h_kept});
    snap = value_of(w.rpc.request("evm_snapshot", core::Json::array())).get<std::string>();
    h_gone = value_of(s.submit(w.req(gone, w.transfer(U256{2}), Urgency::kNormal), 3));
    REQUIRE(value_of(s.on_head(w.mine(), 4)).included == std::vector<chain::Hash32>{h_gone});
  }  // the process dies with both journalled as included
  REQUIRE(w.state_of(gone) == "included");
  REQUIRE(value_of(w.rpc.request("evm_revert", core::Json::array({snap}))).get<bool>());  // the second block leaves
  REQUIRE(value_of(w.rpc.transaction_receipt(h_kept)).has_value());
  REQUIRE(!value_of(w.rpc.transaction_receipt(h_gone)).has_value());

  Submitter s = w.submitter();
  auto rec = value_of(s.recover(5));
  CHECK(rec.resent == std::vector<chain::Hash32>{h_gone});
  REQUIRE(rec.events.size() == 1);
  CHECK(rec.events[0].kind == executor::TxEventKind::kReorgedOut);
  CHECK(rec.events[0].order_id == gone);
  CHECK(w.state_of(gone) == "sent");
  CHECK(w.state_of(kept) == "included");
  auto head = w.mine();
  CHECK(value_of(s.on_head(head, 6)).included == std::vector<chain::Hash32>{h_gone});
  CHECK(w.mined_nonce() == n0 + 2);  // each landed once
  auto fin = value_of(s.on_finalized(head.number, 7));
  REQUIRE(fin.events.size() == 2);
  for (const auto& e : fin.events) CHECK(e.kind == executor::TxEventKind::kFinalized);
  CHECK(w.state_of(kept) == "finalized");
  CHECK(w.state_of(gone) == "finalized");
  // Final txns are not followed again after another restart.
  Submitter again = w.submitter();
  CHECK(value_of(again.recover(8)).events.empty());
  CHECK(value_of(again.on_finalized(head.number, 9)).events.empty());
}
