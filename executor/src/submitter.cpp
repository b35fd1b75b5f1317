#include "perpx/executor/submitter.hpp"

#include <algorithm>

#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/txn.hpp"

namespace perpx::executor {

namespace {

SubmitError journal_error(const JournalError& e) { return {SubmitErrc::kJournal, e.message, std::nullopt, std::nullopt}; }
SubmitError rpc_error(std::string what, chain::RpcError e) {
  return {SubmitErrc::kRpc, std::move(what) + ": " + chain::to_string(e), std::move(e), std::nullopt};
}

bool final_txn_state(std::string_view s) { return s == "included" || s == "replaced" || s == "failed"; }

// A refusal that proves the transaction will not execute as sent.
bool certainly_refused(const chain::RpcError& e) {
  return e.cls != chain::ErrorClass::kOutcomeUnknown && e.code != chain::RpcErrc::kAlreadyKnown;
}

}  // namespace

std::string_view describe(SubmitErrc e) noexcept {
  switch (e) {
    case SubmitErrc::kJournal: return "journal refused";
    case SubmitErrc::kRpc: return "node could not be asked";
    case SubmitErrc::kFees: return "fee policy refused";
    case SubmitErrc::kRefused: return "node refused the transaction";
  }
  return "?";
}

Submitter::Submitter(chain::RpcClient& rpc, signer::SecretKey key, Journal& journal, SubmitterOptions options,
                     uint64_t chain_id, uint64_t pending_nonce)
    : rpc_(&rpc),
      key_(std::move(key)),
      journal_(&journal),
      options_(options),
      policy_(options.fees),
      chain_id_(chain_id),
      address_(signer::address_of(key_)),
      nonces_(pending_nonce) {}

SubmitResult<Submitter> Submitter::make(chain::RpcClient& rpc, signer::SecretKey key, Journal& journal,
                                        SubmitterOptions options) {
  auto id = rpc.chain_id();
  if (!id) return std::unexpected(rpc_error("chain id", id.error()));
  const chain::Address who = signer::address_of(key);
  auto pending = rpc.transaction_count(who, chain::Tag::kPending);
  if (!pending) return std::unexpected(rpc_error("pending nonce", pending.error()));
  return Submitter(rpc, std::move(key), journal, options, *id, *pending);
}

SubmitResult<FeeQuote> Submitter::quote(Urgency u, uint64_t gas_limit, const U256& notional_wei) {
  const auto& pct = policy_.config().percentiles;
  auto history = rpc_->fee_history(options_.fee_history_blocks, chain::Tag::kLatest,
                                   std::vector<double>(pct.begin(), pct.end()));
  if (!history) return std::unexpected(rpc_error("fee history", history.error()));
  FeeInputs in;
  in.history = &*history;
  if (u >= Urgency::kUrgent) {
    if (auto tip = rpc_->max_priority_fee_per_gas()) in.node_tip = *tip;  // optional: some nodes lack it
  }
  in.chain_id = chain_id_;
  in.gas_limit = gas_limit;
  in.notional_wei = notional_wei;
  auto q = policy_.quote(u, in);
  if (!q) return std::unexpected(SubmitError{SubmitErrc::kFees, std::string(describe(q.error())), std::nullopt, q.error()});
  return *q;
}

SubmitResult<chain::Hash32> Submitter::sign_journal_send(int64_t order_id, uint64_t nonce, const TxnRequest& req,
                                                         const FeeQuote& q, uint64_t now_ms) {
  signer::Txn t;
  t.type = signer::TxnType::kDynamicFee;
  t.chain_id = U256{chain_id_};
  t.nonce = nonce;
  t.max_fee_per_gas = q.max_fee_per_gas;
  t.max_priority_fee_per_gas = q.max_priority_fee_per_gas;
  t.gas_limit = req.gas_limit;
  t.to = req.to;
  t.value = req.value;
  t.data = req.data;
  signer::sign_and_encode(raw_, scratch_, t, key_);
  const chain::Hash32 hash = core::keccak256(raw_);

  TxnRecord rec;
  rec.order_id = order_id;
  rec.chain_id = chain_id_;
  rec.sender = address_;
  rec.nonce = nonce;
  rec.hash = hash;
  rec.raw = raw_;
  rec.max_fee = core::to_decimal(q.max_fee_per_gas);
  rec.tip = core::to_decimal(q.max_priority_fee_per_gas);
  rec.created_ms = now_ms;
  if (auto r = journal_->add_txn(rec); !r) return std::unexpected(journal_error(r.error()));
  if (options_.crash_at == CrashPoint::kAfterJournal) return hash;  // "died" before the send

  auto sent = rpc_->send_raw_transaction(raw_);
  if (!sent && certainly_refused(sent.error())) {
    (void)journal_->set_txn_state(hash, "failed", now_ms);
    return std::unexpected(SubmitError{SubmitErrc::kRefused, chain::to_string(sent.error()), sent.error(), std::nullopt});
  }
  // Sent, already known, or fate unknown: tracked by hash from here on.
  const std::string_view state = sent || sent.error().code == chain::RpcErrc::kAlreadyKnown ? "sent" : "outcome_unknown";
  if (auto r = journal_->set_txn_state(hash, state, now_ms); !r) return std::unexpected(journal_error(r.error()));
  return hash;
}

SubmitResult<chain::Hash32> Submitter::submit(int64_t order_id, const TxnRequest& req, Urgency urgency,
                                              const U256& notional_wei, uint64_t now_ms) {
  auto q = quote(urgency, req.gas_limit, notional_wei);
  if (!q) return std::unexpected(q.error());
  const uint64_t nonce = nonces_.reserve();
  if (auto r = journal_->set_order_state(order_id, "signed", "{\"nonce\":" + std::to_string(nonce) + "}", now_ms); !r) {
    (void)nonces_.release(nonce);
    return std::unexpected(journal_error(r.error()));
  }
  auto hash = sign_journal_send(order_id, nonce, req, *q, now_ms);
  if (!hash) {
    if (hash.error().code == SubmitErrc::kRefused || hash.error().code == SubmitErrc::kJournal) {
      (void)nonces_.release(nonce);
      (void)journal_->set_order_state(order_id, "failed", "{}", now_ms);
    }
    return std::unexpected(hash.error());
  }
  if (options_.crash_at != CrashPoint::kNone) return *hash;  // the process "died": no in-memory tracking
  (void)nonces_.sent(nonce, *hash);
  (void)journal_->set_order_state(order_id, "sent", "{\"hash\":\"" + core::to_hex(*hash) + "\"}", now_ms);
  pending_[nonce] = Pending{order_id, nonce, req, *q, *hash, raw_, {}, head_};
  return *hash;
}

SubmitResult<std::optional<chain::Receipt>> Submitter::find_receipt(const Pending& p) {
  auto r = rpc_->transaction_receipt(p.hash);
  if (!r) return std::unexpected(rpc_error("receipt", r.error()));
  if (*r) return std::move(*r);
  for (const auto& h : p.older) {  // a replaced transaction may be the one that landed
    auto o = rpc_->transaction_receipt(h);
    if (!o) return std::unexpected(rpc_error("receipt", o.error()));
    if (*o) return std::move(*o);
  }
  return std::optional<chain::Receipt>{};
}

void Submitter::settle(const Pending& p, const chain::Receipt& r, uint64_t now_ms) {
  for (const auto& h : p.older)
    if (h != r.txn_hash) (void)journal_->set_txn_state(h, "replaced", now_ms);
  if (r.txn_hash != p.hash) (void)journal_->set_txn_state(p.hash, "replaced", now_ms);
  (void)journal_->set_txn_state(r.txn_hash, "included", now_ms);
  (void)journal_->set_order_state(p.order_id, r.success ? "included" : "failed",
                                  "{\"block\":" + std::to_string(r.block_number) + "}", now_ms);
}

Submitter::Included Submitter::landed(Pending p, const chain::Receipt& r) {
  if (r.txn_hash != p.hash) {  // an older one landed: its bytes are what a reorg rebroadcasts
    p.hash = r.txn_hash;
    p.raw.clear();
    for (const auto& x : journal_->txns(p.order_id).value_or(std::vector<TxnRecord>{}))
      if (x.hash == r.txn_hash) p.raw = x.raw;
  }
  const chain::BlockNum block = r.block_number;
  return Included{std::move(p), block};
}

SubmitResult<Reconciled> Submitter::on_head(const chain::BlockHeader& head, uint64_t now_ms) {
  head_ = head.number;
  Reconciled out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    auto receipt = find_receipt(p);
    if (!receipt) return std::unexpected(receipt.error());
    if (*receipt) {
      const chain::Receipt& r = **receipt;
      settle(p, r, now_ms);
      (void)nonces_.included(p.nonce, r.block_number, r.block_hash, r.txn_hash);
      out.included.push_back(r.txn_hash);
      included_[p.nonce] = landed(std::move(p), r);
      it = pending_.erase(it);
      continue;
    }
    if (head.number > p.sent_at && policy_.due(p.quote.urgency, head.number - p.sent_at)) {
      const U256 base = head.base_fee.value_or(p.quote.base_fee_next);
      auto bumped = policy_.bump(p.quote, base, p.req.gas_limit);
      if (bumped) {  // kOverCap: keep waiting at the cap, never pay more
        auto h = sign_journal_send(p.order_id, p.nonce, p.req, *bumped, now_ms);
        if (h) {
          out.replaced.push_back(p.hash);
          p.older.push_back(p.hash);
          p.hash = *h;
          p.raw = raw_;
          p.quote = *bumped;
          p.sent_at = head.number;
          (void)nonces_.sent(p.nonce, *h);
        }
      }
    }
    ++it;
  }
  return out;
}

SubmitResult<Reconciled> Submitter::recover(uint64_t now_ms) {
  Reconciled out;
  auto open = journal_->open_orders();
  if (!open) return std::unexpected(journal_error(open.error()));
  uint64_t next_nonce = nonces_.next();
  for (const OrderRecord& o : *open) {
    auto txns = journal_->txns(o.id);
    if (!txns) return std::unexpected(journal_error(txns.error()));
    std::optional<Pending> p;
    for (const TxnRecord& x : *txns) {
      if (x.sender != address_ || x.chain_id != chain_id_ || final_txn_state(x.state)) continue;
      auto decoded = signer::decode_raw(x.raw);
      if (!decoded || !decoded->txn.to)
        return std::unexpected(SubmitError{SubmitErrc::kJournal, "journalled txn " + core::to_hex(x.hash) +
                                                                     " does not decode", std::nullopt, std::nullopt});
      if (!p) {
        p = Pending{o.id, x.nonce, {}, {}, x.hash, x.raw, {}, head_};
      } else {
        p->older.push_back(p->hash);
        p->hash = x.hash;
        p->raw = x.raw;
      }
      const signer::Txn& t = decoded->txn;
      p->req = TxnRequest{*t.to, t.data, t.value, t.gas_limit};
      p->quote.max_fee_per_gas = t.max_fee_per_gas;
      p->quote.max_priority_fee_per_gas = t.max_priority_fee_per_gas;
      p->quote.urgency = parse_urgency(o.urgency).value_or(Urgency::kNormal);
      next_nonce = std::max(next_nonce, x.nonce + 1);
    }
    if (!p) continue;
    // The journal knows it; the chain decides what it became.
    auto receipt = find_receipt(*p);
    if (!receipt) return std::unexpected(receipt.error());
    if (*receipt) {
      const chain::Receipt& r = **receipt;
      settle(*p, r, now_ms);
      out.included.push_back(r.txn_hash);
      included_[p->nonce] = landed(std::move(*p), r);
      continue;
    }
    // Not mined. Known to the node (pending)? Else send the journalled bytes again.
    auto seen = rpc_->transaction_by_hash(p->hash);
    if (!seen) return std::unexpected(rpc_error("transaction by hash", seen.error()));
    if (!*seen) {
      auto sent = rpc_->send_raw_transaction(p->raw);
      if (!sent && sent.error().code == chain::RpcErrc::kNonceTooLow) {
        // The nonce was used by something this journal does not know: the
        // order cannot land as signed.
        (void)journal_->set_txn_state(p->hash, "failed", now_ms);
        (void)journal_->set_order_state(o.id, "failed", "{\"why\":\"nonce used elsewhere\"}", now_ms);
        continue;
      }
      out.resent.push_back(p->hash);
    }
    (void)journal_->set_txn_state(p->hash, "sent", now_ms);
    (void)journal_->set_order_state(o.id, "sent", "{\"hash\":\"" + core::to_hex(p->hash) + "\"}", now_ms);
    pending_[p->nonce] = std::move(*p);
  }
  // Nonces: past everything journalled and everything the node has.
  auto pending_count = rpc_->transaction_count(address_, chain::Tag::kPending);
  auto latest_count = rpc_->transaction_count(address_, chain::Tag::kLatest);
  if (!pending_count || !latest_count)
    return std::unexpected(rpc_error("nonce", !pending_count ? pending_count.error() : latest_count.error()));
  // Pending ones stay below next and are tracked here by hash.
  nonces_ = NonceManager(std::max({next_nonce, *pending_count, *latest_count}));
  return out;
}

SubmitResult<std::vector<chain::Hash32>> Submitter::on_reorg(chain::BlockNum unwind_to, uint64_t now_ms) {
  std::vector<chain::Hash32> out;
  for (auto it = included_.begin(); it != included_.end();) {
    if (it->second.block <= unwind_to) {
      ++it;
      continue;
    }
    Pending p = std::move(it->second.p);
    it = included_.erase(it);
    // The same bytes again: the same hash, so it can land at most once.
    auto sent = rpc_->send_raw_transaction(p.raw);
    if (!sent && sent.error().code != chain::RpcErrc::kAlreadyKnown && sent.error().code != chain::RpcErrc::kNonceTooLow &&
        sent.error().cls != chain::ErrorClass::kOutcomeUnknown)
      return std::unexpected(rpc_error("rebroadcast", sent.error()));
    (void)journal_->set_txn_state(p.hash, "sent", now_ms);
    (void)journal_->set_order_state(p.order_id, "sent", "{\"reorged_out_above\":" + std::to_string(unwind_to) + "}",
                                    now_ms);
    (void)nonces_.unwound(unwind_to);
    p.sent_at = unwind_to;
    out.push_back(p.hash);
    pending_[p.nonce] = std::move(p);
  }
  return out;
}

void Submitter::on_finalized(chain::BlockNum block, uint64_t now_ms) {
  for (auto it = included_.begin(); it != included_.end();) {
    if (it->second.block > block) {
      ++it;
      continue;
    }
    (void)journal_->set_order_state(it->second.p.order_id, "finalized",
                                    "{\"block\":" + std::to_string(it->second.block) + "}", now_ms);
    it = included_.erase(it);
  }
  nonces_.finalized(block);
}

}  // namespace perpx::executor
