#pragma once
// Submitter: the transaction layer under every path. Turns a transaction
// request into a signed EIP-1559 transaction and sees it to inclusion and
// finality (the TxTracker), without ever sending anything twice or
// forgetting it:
//   1. a nonce is reserved (NonceManager) and fees quoted (FeePolicy);
//   2. the signed bytes are journalled (txn state "signed") and only then
//      sent: to the public endpoint (eth_sendRawTransaction), or, on the
//      private route, to the caller's PrivateSender (a relay) for the next
//      block, again at every head until the route's last block, then to the
//      public endpoint (the same bytes: the same hash, so at most one lands);
//   3. a send that fails for sure (the node refused it) is marked failed and
//      its nonce released; a send whose outcome is unknown (timeout, reset)
//      is kept as "outcome_unknown" and reconciled by hash at the next head;
//   4. on each head, pending txns are looked up by hash; public ones that
//      are due are replaced at the same nonce with bumped fees (journalled
//      first), so at most one of a nonce's transactions can ever execute;
//   5. recover() after a restart reads every unfinished txn from the journal
//      and reconciles it with the chain: included ones are marked, ones the
//      chain has never seen are re-sent as the same bytes (a node that has
//      them answers "already known"), and the nonce manager is seeded past
//      everything journalled;
//   6. a reorg that drops a block puts its transactions back to pending and
//      rebroadcasts their bytes; finality forgets them;
//   7. gaps: a pending transaction the node no longer has (dropped from its
//      pool) holds back every nonce above it; at the next head it is sent
//      again as its journalled bytes ("already known": the node only hid
//      it, and it is escalated as usual; refused for its price: the
//      escalation replaces it), or, when the node refuses those for funds,
//      replaced by a zero-value transfer to ourselves at the
//      nonce (step "cancel", journalled first; the step it replaced fails:
//      kFailed). A nonce the node calls too low on that resend was used
//      elsewhere: kFailed;
//   8. "nonce too low" on a first send: the nonce manager is synced with
//      the chain's counts and the transaction signed once more at the next
//      free nonce (the refused one is journalled failed).
// The Submitter writes txn states only ("signed", "sent", "outcome_unknown",
// "included", "replaced", "failed"); what they mean for an order is the
// caller's (Executor), told by TxEvents.
//
// Keys: the SecretKey is owned here and never written anywhere. Time is the
// caller's (event time, ms). One thread at a time. Allocates (RPC, journal).
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/rpc.hpp"
#include "perpx/executor/fees.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/nonces.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::executor {

struct TxnRequest {
  chain::Address to;
  core::Bytes data;
  U256 value;
  uint64_t gas_limit = 0;
};

enum class [[nodiscard]] SubmitErrc {
  kJournal,  // the journal refused (see journal); nothing was sent
  kRpc,      // the node could not be asked (fees, nonce, receipt)
  kFees,     // the fee policy refused (see fee): nothing was sent
  kRefused,  // the node refused the transaction for sure: nothing will execute
};
std::string_view describe(SubmitErrc e) noexcept;

struct SubmitError {
  SubmitErrc code = SubmitErrc::kRpc;
  std::string message;
  std::optional<chain::RpcError> rpc;
  std::optional<FeeErrc> fee;
};
template <class T>
using SubmitResult = std::expected<T, SubmitError>;

// Where a test may stop a submission, as a crash would (the call returns there).
enum class CrashPoint : uint8_t { kNone, kAfterJournal, kAfterSend };

// Named points in an order's life where a drill may kill the process for
// real (the hook raises SIGKILL): "after_sign" (signed, not journalled),
// "after_journal" (journalled, not sent), "after_send" (sent, not yet
// tracked), "before_reveal" (commit included, reveal not sent).
using Failpoint = std::function<void(std::string_view where)>;

// Where a transaction goes first.
enum class Route : uint8_t { kPublic, kPrivate };

// Sends signed bytes privately for inclusion in `target_block` (a relay's
// eth_sendBundle). An error string: the relay refused or could not be asked.
using PrivateSender = std::function<std::expected<void, std::string>(core::ByteView raw, chain::BlockNum target_block)>;

// One transaction of an order's step.
struct SubmitRequest {
  int64_t order_id = 0;
  std::string step = "place";  // place | commit | reveal | batch | settle | cancel
  TxnRequest txn;
  Urgency urgency = Urgency::kNormal;
  U256 notional_wei;  // the order's notional, for the gas budget
  Route route = Route::kPublic;
  chain::BlockNum private_until = 0;  // kPrivate: the last block a relay is asked for
};

// What became of a transaction.
enum class TxEventKind : uint8_t {
  kIncluded,    // mined and succeeded (block)
  kReverted,    // mined and reverted: the step failed on chain
  kReorgedOut,  // its block left the chain: pending again, rebroadcast
  kFinalized,   // at or below the finalized block
  kFellBack,    // private route past its last block: sent publicly
  kFailed,      // refused for sure after a recovery (its nonce was used elsewhere)
};
std::string_view tx_event_name(TxEventKind k) noexcept;

struct TxEvent {
  TxEventKind kind = TxEventKind::kIncluded;
  int64_t order_id = 0;
  std::string step;
  chain::Hash32 hash;
  chain::BlockNum block = 0;
};

struct SubmitterOptions {
  FeeConfig fees;
  uint32_t fee_history_blocks = 10;
  CrashPoint crash_at = CrashPoint::kNone;  // stop there, as if the process died (tests)
  Failpoint failpoint;                      // drills: called at each named point
};

// What recover(), on_head(), on_reorg() and on_finalized() found.
struct Reconciled {
  std::vector<TxEvent> events;          // in the order they happened
  std::vector<chain::Hash32> included;  // now known included
  std::vector<chain::Hash32> resent;    // journalled, never seen by the node, sent again (same bytes)
  std::vector<chain::Hash32> replaced;  // bumped: the old hash is replaced by a new one
  std::vector<uint64_t> gaps_filled;    // nonces whose dropped transaction was resent or cancelled
  std::vector<chain::Hash32> cancelled; // zero-value self-transfers that filled a gap
};

class Submitter {
 public:
  // Reads the chain id and the key's pending nonce from the node.
  static SubmitResult<Submitter> make(chain::RpcClient& rpc, signer::SecretKey key, Journal& journal,
                                      SubmitterOptions options = {});

  [[nodiscard]] const chain::Address& address() const noexcept { return address_; }
  [[nodiscard]] const NonceManager& nonces() const noexcept { return nonces_; }
  [[nodiscard]] uint64_t chain_id() const noexcept { return chain_id_; }
  // Transactions sent and not yet included.
  [[nodiscard]] size_t pending() const noexcept { return pending_.size(); }
  // The relay the private route uses (none: kPrivate requests go public).
  void set_private_sender(PrivateSender send) { private_send_ = std::move(send); }

  // Journals, signs and sends one transaction of an order's step.
  SubmitResult<chain::Hash32> submit(const SubmitRequest& req, uint64_t now_ms);
  // At a new head: receipts for what is pending, bumps for what is due,
  // private re-sends for the next block.
  SubmitResult<Reconciled> on_head(const chain::BlockHeader& head, uint64_t now_ms);
  // After a restart: the journal's unfinished transactions against the chain.
  SubmitResult<Reconciled> recover(uint64_t now_ms);
  // A reorg (HeadTracker's Reorg{unwind_to}): every transaction included
  // above unwind_to is tracked as pending again and its bytes rebroadcast
  // (the new branch may not carry it); each gives a kReorgedOut event.
  SubmitResult<Reconciled> on_reorg(chain::BlockNum unwind_to, uint64_t now_ms);
  // Included at or below `block` is final: a kFinalized event each, then
  // forgotten. Each is checked first against the chain: a receipt from a
  // block that left the chain between two heads (a fast reorg, a builder's
  // trial block) was never in HeadTracker's window, so no reorg reported it;
  // such a transaction is rebroadcast (kReorgedOut) instead, and one found in
  // another block is followed there.
  SubmitResult<Reconciled> on_finalized(chain::BlockNum block, uint64_t now_ms);

 private:
  struct Pending {
    int64_t order_id = 0;
    std::string step;
    Route route = Route::kPublic;
    chain::BlockNum private_until = 0;
    uint64_t nonce = 0;
    TxnRequest req;
    FeeQuote quote;
    chain::Hash32 hash;  // the latest
    core::Bytes raw;     // its signed bytes (as journalled): what a rebroadcast sends
    std::vector<chain::Hash32> older;  // replaced ones: any of them may still be what lands
    chain::BlockNum sent_at = 0;       // head number when (re)sent
  };

  Submitter(chain::RpcClient& rpc, signer::SecretKey key, Journal& journal, SubmitterOptions options,
            uint64_t chain_id, uint64_t pending_nonce);
  SubmitResult<FeeQuote> quote(Urgency u, uint64_t gas_limit, const U256& notional_wei);
  // Signs p's request at p.nonce with `q`, journals, sends by p's route. Crash points apply.
  SubmitResult<chain::Hash32> sign_journal_send(const Pending& p, const FeeQuote& q, uint64_t now_ms);
  // p.raw to its route: the relay for the next block while private, else the public endpoint.
  chain::RpcResult<void> send(const Pending& p);
  TxEvent event(TxEventKind k, const Pending& p, chain::BlockNum block) const {
    return TxEvent{k, p.order_id, p.step, p.hash, block};
  }
  SubmitResult<std::optional<chain::Receipt>> find_receipt(const Pending& p);
  // The nonce manager against the chain's latest and pending counts.
  SubmitResult<void> sync_nonces();
  // it's txn is not found by hash: resend, or cancel (it then tracks the cancel).
  enum class GapFill : uint8_t { kKnown, kResent, kCancelled, kFailed };  // kFailed: stop tracking it
  SubmitResult<GapFill> fill_gap(std::map<uint64_t, Pending>::iterator it, const chain::BlockHeader& head,
                              uint64_t now_ms, Reconciled& out);
  // A receipt for one of p's hashes: journals which one landed and which were replaced.
  void settle(const Pending& p, const chain::Receipt& r, uint64_t now_ms, Reconciled& out);
  struct Included;
  // p as it landed (the hash and bytes the receipt names), kept until final for a rebroadcast.
  Included landed(Pending p, const chain::Receipt& r);

  chain::RpcClient* rpc_;
  signer::SecretKey key_;
  Journal* journal_;
  SubmitterOptions options_;
  FeePolicy policy_;
  uint64_t chain_id_;
  chain::Address address_;
  NonceManager nonces_;
  std::map<uint64_t, Pending> pending_;  // by nonce
  struct Included {
    Pending p;  // p.hash and p.raw: the one that landed
    chain::BlockNum block = 0;
    chain::Hash32 block_hash;  // the block the receipt named
  };
  // An inclusion that is gone: tracked as pending again, its bytes rebroadcast.
  SubmitResult<void> rebroadcast(Included gone, chain::BlockNum from, uint64_t now_ms, Reconciled& out);
  std::map<uint64_t, Included> included_;  // by nonce, until finalized
  chain::BlockNum head_ = 0;
  PrivateSender private_send_;
  core::Bytes raw_, scratch_;
};

}  // namespace perpx::executor
