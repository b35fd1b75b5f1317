#pragma once
// Submitter: the public path. Turns an order's transaction request into a
// signed EIP-1559 transaction and sees it to inclusion, without ever
// sending an order twice or forgetting one:
//   1. a nonce is reserved (NonceManager) and fees quoted (FeePolicy);
//   2. the signed bytes are journalled (state "signed") and only then sent;
//   3. a send that fails for sure (the node refused it) releases nothing the
//      chain could still use: the txn is marked failed and its nonce
//      released; a send whose outcome is unknown (timeout, reset) is kept as
//      "outcome_unknown" and reconciled by hash at the next head;
//   4. on each head, pending txns are looked up by hash; those due are
//      replaced at the same nonce with bumped fees (journalled first), so
//      at most one of an order's transactions can ever execute;
//   5. recover() after a restart reads every unfinished txn from the
//      journal and reconciles it with the chain: included ones are marked,
//      ones the chain has never seen are re-sent as the same bytes (same
//      hash: a node that has it answers "already known"), and the nonce
//      manager is seeded past everything journalled.
//   6. a reorg that drops a block puts its transactions back to pending and
//      rebroadcasts their bytes; finality forgets them.
// Order states it writes: "signed", "sent", "included", "finalized", "failed".
// Txn states: "signed", "sent", "outcome_unknown", "included", "replaced", "failed".
//
// Keys: the SecretKey is owned here and never written anywhere. Time is the
// caller's (event time, ms). One thread at a time. Allocates (RPC, journal).
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
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

// Where a test or drill may stop a submission, as a crash would.
enum class CrashPoint : uint8_t { kNone, kAfterJournal, kAfterSend };

struct SubmitterOptions {
  FeeConfig fees;
  uint32_t fee_history_blocks = 10;
  CrashPoint crash_at = CrashPoint::kNone;  // stop there, as if the process died (tests, drills)
};

// What recover() and on_head() found.
struct Reconciled {
  std::vector<chain::Hash32> included;  // now known included
  std::vector<chain::Hash32> resent;    // journalled, never seen by the node, sent again (same bytes)
  std::vector<chain::Hash32> replaced;  // bumped: the old hash is replaced by a new one
};

class Submitter {
 public:
  // Reads the chain id and the key's pending nonce from the node.
  static SubmitResult<Submitter> make(chain::RpcClient& rpc, signer::SecretKey key, Journal& journal,
                                      SubmitterOptions options = {});

  [[nodiscard]] const chain::Address& address() const noexcept { return address_; }
  [[nodiscard]] const NonceManager& nonces() const noexcept { return nonces_; }

  // Journals, signs and sends the order's first transaction.
  SubmitResult<chain::Hash32> submit(int64_t order_id, const TxnRequest& req, Urgency urgency,
                                     const U256& notional_wei, uint64_t now_ms);
  // At a new head: receipts for what is pending, bumps for what is due.
  SubmitResult<Reconciled> on_head(const chain::BlockHeader& head, uint64_t now_ms);
  // After a restart: the journal's unfinished transactions against the chain.
  SubmitResult<Reconciled> recover(uint64_t now_ms);
  // A reorg (HeadTracker's Reorg{unwind_to}): every transaction included
  // above unwind_to is tracked as pending again and its bytes rebroadcast
  // (the new branch may not carry it). Returns the rebroadcast hashes.
  SubmitResult<std::vector<chain::Hash32>> on_reorg(chain::BlockNum unwind_to, uint64_t now_ms);
  // Included at or below `block` and final: the order is "finalized" and forgotten.
  void on_finalized(chain::BlockNum block, uint64_t now_ms);

 private:
  struct Pending {
    int64_t order_id = 0;
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
  // Signs at `nonce` with `q`, journals, sends. Crash points apply.
  SubmitResult<chain::Hash32> sign_journal_send(int64_t order_id, uint64_t nonce, const TxnRequest& req,
                                                const FeeQuote& q, uint64_t now_ms);
  SubmitResult<std::optional<chain::Receipt>> find_receipt(const Pending& p);
  // A receipt for one of p's hashes: journals which one landed and which were replaced.
  void settle(const Pending& p, const chain::Receipt& r, uint64_t now_ms);
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
  };
  std::map<uint64_t, Included> included_;  // by nonce, until finalized
  chain::BlockNum head_ = 0;
  core::Bytes raw_, scratch_;
};

}  // namespace perpx::executor
