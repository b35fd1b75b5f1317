#include "perpx/executor/submitter.hpp"

#include <algorithm>

#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/txn.hpp"
#include "perpx/executor/metrics.hpp"

namespace perpx::executor {

namespace {

SubmitError journal_error(const JournalError& e) { return {SubmitErrc::kJournal, e.message, std::nullopt, std::nullopt}; }
SubmitError rpc_error(std::string what, chain::RpcError e) {
  return {SubmitErrc::kRpc, std::move(what) + ": " + chain::to_string(e), std::move(e), std::nullopt};
}

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

SubmitResult<chain::Hash32> Submitter::sign_journal_send(const Pending& p, const FeeQuote& q, uint64_t now_ms) {
  signer::Txn t;
  t.type = signer::TxnType::kDynamicFee;
  t.chain_id = U256{chain_id_};
  t.nonce = p.nonce;
  t.max_fee_per_gas = q.max_fee_per_gas;
  t.max_priority_fee_per_gas = q.max_priority_fee_per_gas;
  t.gas_limit = p.req.gas_limit;
  t.to = p.req.to;
  t.value = p.req.value;
  t.data = p.req.data;
  signer::sign_and_encode(raw_, scratch_, t, key_);
  const chain::Hash32 hash = core::keccak256(raw_);
  if (options_.failpoint) options_.failpoint("after_sign");

  TxnRecord rec;
  rec.order_id = p.order_id;
  rec.step = p.step;
  rec.route = p.route == Route::kPrivate ? "private" : "public";
  rec.route_until = p.private_until;
  rec.chain_id = chain_id_;
  rec.sender = address_;
  rec.nonce = p.nonce;
  rec.hash = hash;
  rec.raw = raw_;
  rec.max_fee = core::to_decimal(q.max_fee_per_gas);
  rec.tip = core::to_decimal(q.max_priority_fee_per_gas);
  rec.created_ms = now_ms;
  if (auto r = journal_->add_txn(rec); !r) return std::unexpected(journal_error(r.error()));
  if (options_.crash_at == CrashPoint::kAfterJournal) return hash;  // "died" before the send
  if (options_.failpoint) options_.failpoint("after_journal");

  Pending sent_as = p;
  sent_as.raw = raw_;
  auto sent = send(sent_as);
  if (!sent && certainly_refused(sent.error())) {
    (void)journal_->set_txn_state(hash, "failed", now_ms);
    return std::unexpected(SubmitError{SubmitErrc::kRefused, chain::to_string(sent.error()), sent.error(), std::nullopt});
  }
  // Sent, already known, or fate unknown: tracked by hash from here on.
  const std::string_view state = sent || sent.error().code == chain::RpcErrc::kAlreadyKnown ? "sent" : "outcome_unknown";
  if (options_.failpoint) options_.failpoint("after_send");
  if (auto r = journal_->set_txn_state(hash, state, now_ms); !r) return std::unexpected(journal_error(r.error()));
  return hash;
}

chain::RpcResult<void> Submitter::send(const Pending& p) {
  if (p.route == Route::kPrivate && private_send_ && head_ < p.private_until) {
    auto r = private_send_(p.raw, head_ + 1);
    if (r) return {};
    // The relay could not take it: whether it has the bundle is unknown, and
    // the same bytes go public at the route's end at the latest.
    chain::RpcError e;
    e.code = chain::RpcErrc::kTimeout;
    e.cls = chain::ErrorClass::kOutcomeUnknown;
    e.method = "eth_sendBundle";
    e.message = "relay: " + r.error();
    return std::unexpected(std::move(e));
  }
  auto r = rpc_->send_raw_transaction(p.raw);
  if (!r) return std::unexpected(r.error());
  return {};
}

SubmitResult<chain::Hash32> Submitter::submit(const SubmitRequest& req, uint64_t now_ms) {
  auto q = quote(req.urgency, req.txn.gas_limit, req.notional_wei);
  if (!q) return std::unexpected(q.error());
  Pending p;
  p.order_id = req.order_id;
  p.step = req.step;
  p.route = req.route == Route::kPrivate && private_send_ ? Route::kPrivate : Route::kPublic;
  p.private_until = req.private_until;
  p.nonce = nonces_.reserve();
  p.req = req.txn;
  p.quote = *q;
  p.sent_at = head_;
  auto hash = sign_journal_send(p, *q, now_ms);
  if (!hash && hash.error().code == SubmitErrc::kRefused && hash.error().rpc &&
      hash.error().rpc->code == chain::RpcErrc::kNonceTooLow) {
    // Another sender with this key (or a send whose reply we lost) took the
    // nonce: the chain's counts are the truth. Once, at the nonce after them
    // (the refused txn is journalled failed and cannot execute).
    (void)nonces_.release(p.nonce);
    if (auto r = sync_nonces(); !r) return std::unexpected(r.error());
    p.nonce = nonces_.reserve();
    hash = sign_journal_send(p, *q, now_ms);
  }
  if (!hash) {
    if (hash.error().code == SubmitErrc::kRefused || hash.error().code == SubmitErrc::kJournal)
      (void)nonces_.release(p.nonce);
    return std::unexpected(hash.error());
  }
  if (options_.crash_at != CrashPoint::kNone) return *hash;  // the process "died": no in-memory tracking
  (void)nonces_.sent(p.nonce, *hash);
  p.hash = *hash;
  p.raw = raw_;
  pending_[p.nonce] = std::move(p);
  return *hash;
}

SubmitResult<void> Submitter::sync_nonces() {
  auto latest = rpc_->transaction_count(address_, chain::Tag::kLatest);
  if (!latest) return std::unexpected(rpc_error("nonce", latest.error()));
  auto pending = rpc_->transaction_count(address_, chain::Tag::kPending);
  if (!pending) return std::unexpected(rpc_error("nonce", pending.error()));
  // Ours among the slots made external are reconciled by hash at the next head.
  (void)nonces_.sync(*latest, *pending);
  return {};
}

SubmitResult<Submitter::GapFill> Submitter::fill_gap(std::map<uint64_t, Pending>::iterator it, const chain::BlockHeader& head,
                                       uint64_t now_ms, Reconciled& out) {
  Pending& p = it->second;
  // 1. The journalled bytes again: the same hash, so it lands at most once.
  auto sent = rpc_->send_raw_transaction(p.raw);
  // The node had it after all (it hides transactions it cannot execute
  // yet: queued behind a gap, or priced under the base fee): no gap here.
  if (!sent && sent.error().code == chain::RpcErrc::kAlreadyKnown) return GapFill::kKnown;
  // Refused for its price (under the base fee, or a same-nonce one pays
  // more): the escalation below replaces it at the nonce, which fills it.
  if (!sent && certainly_refused(sent.error()) && sent.error().code != chain::RpcErrc::kNonceTooLow &&
      sent.error().code != chain::RpcErrc::kInsufficientFunds)
    return GapFill::kKnown;
  if (sent || !certainly_refused(sent.error())) {
    // Blocks waiting still count from the first send: a transaction the node
    // hid for its price is escalated below as if it had never been resent.
    (void)journal_->set_txn_state(p.hash, "sent", now_ms);
    out.resent.push_back(p.hash);
    out.gaps_filled.push_back(p.nonce);
    return GapFill::kResent;
  }
  if (sent.error().code == chain::RpcErrc::kNonceTooLow) {
    // Used by a transaction we do not know (none of ours has a receipt): the step cannot land.
    (void)journal_->set_txn_state(p.hash, "failed", now_ms);
    for (const auto& h : p.older) (void)journal_->set_txn_state(h, "failed", now_ms);
    out.events.push_back(event(TxEventKind::kFailed, p, head.number));
    return GapFill::kFailed;
  }
  // 2. The bytes cannot go again (they spend more than the account has): a zero-value transfer to
  // ourselves at the nonce, so the nonces above it can land. Journalled
  // first like any txn, as the order's "cancel" step; the step it replaces
  // will never execute.
  auto q = quote(Urgency::kUrgent, 21'000, U256{});
  if (!q) {
    // No fee quote now (the cap of a zero notional): at the node's own prices, twice the base fee as headroom.
    FeeQuote f;
    f.urgency = Urgency::kUrgent;
    const U256 base = head.base_fee.value_or(U256{1'000'000'000});
    f.max_priority_fee_per_gas = U256{1'000'000'000};
    f.max_fee_per_gas = base * U256{2} + f.max_priority_fee_per_gas;
    q = f;
  }
  Pending cancel = p;
  cancel.step = "cancel";
  cancel.route = Route::kPublic;
  cancel.req = TxnRequest{address_, {}, U256{}, 21'000};
  cancel.quote = *q;
  cancel.older.clear();
  auto h = sign_journal_send(cancel, *q, now_ms);
  if (!h) return std::unexpected(h.error());
  for (const auto& old : p.older) (void)journal_->set_txn_state(old, "failed", now_ms);
  (void)journal_->set_txn_state(p.hash, "failed", now_ms);
  out.events.push_back(event(TxEventKind::kFailed, p, head.number));
  cancel.hash = *h;
  cancel.raw = raw_;
  cancel.sent_at = head.number;
  (void)nonces_.sent(cancel.nonce, *h);
  out.gaps_filled.push_back(cancel.nonce);
  out.cancelled.push_back(*h);
  p = std::move(cancel);
  return GapFill::kCancelled;
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

void Submitter::settle(const Pending& p, const chain::Receipt& r, uint64_t now_ms, Reconciled& out) {
  for (const auto& h : p.older)
    if (h != r.txn_hash) (void)journal_->set_txn_state(h, "replaced", now_ms);
  if (r.txn_hash != p.hash) (void)journal_->set_txn_state(p.hash, "replaced", now_ms);
  (void)journal_->set_txn_state(r.txn_hash, "included", now_ms);
  metrics::gas_spent(p.quote.urgency, r.gas_used, r.effective_gas_price);
  (void)nonces_.included(p.nonce, r.block_number, r.block_hash, r.txn_hash);
  out.included.push_back(r.txn_hash);
  out.events.push_back(TxEvent{r.success ? TxEventKind::kIncluded : TxEventKind::kReverted, p.order_id, p.step,
                               r.txn_hash, r.block_number});
}

Submitter::Included Submitter::landed(Pending p, const chain::Receipt& r) {
  if (r.txn_hash != p.hash) {  // an older one landed: its bytes are what a reorg rebroadcasts
    p.hash = r.txn_hash;
    p.raw.clear();
    for (const auto& x : journal_->txns(p.order_id).value_or(std::vector<TxnRecord>{}))
      if (x.hash == r.txn_hash) p.raw = x.raw;
  }
  return Included{std::move(p), r.block_number, r.block_hash};
}

SubmitResult<Reconciled> Submitter::on_head(const chain::BlockHeader& head, uint64_t now_ms) {
  head_ = std::max(head_, head.number);
  Reconciled out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    auto receipt = find_receipt(p);
    if (!receipt) return std::unexpected(receipt.error());
    if (*receipt) {
      const chain::Receipt& r = **receipt;
      settle(p, r, now_ms, out);
      included_[p.nonce] = landed(std::move(p), r);
      it = pending_.erase(it);
      continue;
    }
    if (p.route == Route::kPrivate) {
      // The relay again for the next block, or, past the route's end, the public endpoint.
      if (head.number >= p.private_until) {
        p.route = Route::kPublic;
        p.sent_at = head.number;
        out.events.push_back(event(TxEventKind::kFellBack, p, head.number));
      }
      (void)send(p);  // an unknown outcome is reconciled by hash at the next head
      ++it;
      continue;
    }
    if (head.number > p.sent_at) {
      // Not in the block that came since it was sent. Does the node still
      // have it? A transaction dropped from the pool is a gap at its nonce:
      // nothing of ours above it can land until it is filled.
      auto seen = rpc_->transaction_by_hash(p.hash);
      if (seen && !*seen) {
        auto filled = fill_gap(it, head, now_ms, out);
        if (!filled) return std::unexpected(filled.error());
        if (*filled == GapFill::kFailed) {
          it = pending_.erase(it);
          continue;
        }
        if (*filled == GapFill::kCancelled) {
          ++it;
          continue;
        }
      }
    }
    if (head.number > p.sent_at && policy_.due(p.quote.urgency, head.number - p.sent_at)) {
      const U256 base = head.base_fee.value_or(p.quote.base_fee_next);
      auto bumped = policy_.bump(p.quote, base, p.req.gas_limit);
      if (bumped) {  // kOverCap: keep waiting at the cap, never pay more
        auto h = sign_journal_send(p, *bumped, now_ms);
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
  auto unfinished = journal_->unfinished_txns();
  if (!unfinished) return std::unexpected(journal_error(unfinished.error()));
  auto head = rpc_->block_number();
  if (!head) return std::unexpected(rpc_error("block number", head.error()));
  head_ = std::max(head_, *head);
  // One Pending per nonce: later txns at a nonce are its replacements.
  std::map<uint64_t, Pending> found;
  uint64_t next_nonce = nonces_.next();
  std::vector<const TxnRecord*> landed_before;  // included before the restart: checked below, not resent
  for (const TxnRecord& x : *unfinished) {
    if (x.sender != address_ || x.chain_id != chain_id_) continue;
    if (x.state == "included") {
      landed_before.push_back(&x);
      next_nonce = std::max(next_nonce, x.nonce + 1);
      continue;
    }
    auto decoded = signer::decode_raw(x.raw);
    if (!decoded || !decoded->txn.to)
      return std::unexpected(SubmitError{SubmitErrc::kJournal, "journalled txn " + core::to_hex(x.hash) +
                                                                   " does not decode", std::nullopt, std::nullopt});
    auto [it, fresh] = found.try_emplace(x.nonce);
    Pending& p = it->second;
    if (fresh) {
      p.order_id = x.order_id;
      p.step = x.step;
      p.nonce = x.nonce;
      p.sent_at = head_;
      auto order = journal_->order(x.order_id);
      p.quote.urgency = order ? parse_urgency(order->urgency).value_or(Urgency::kNormal) : Urgency::kNormal;
    } else {
      p.older.push_back(p.hash);
    }
    p.hash = x.hash;
    p.raw = x.raw;
    p.route = x.route == "private" ? Route::kPrivate : Route::kPublic;
    p.private_until = x.route_until;
    const signer::Txn& t = decoded->txn;
    p.req = TxnRequest{*t.to, t.data, t.value, t.gas_limit};
    p.quote.max_fee_per_gas = t.max_fee_per_gas;
    p.quote.max_priority_fee_per_gas = t.max_priority_fee_per_gas;
    next_nonce = std::max(next_nonce, x.nonce + 1);
  }
  for (const TxnRecord* x : landed_before) {
    if (found.contains(x->nonce)) continue;  // a later txn at its nonce is tracked (and checks this one too)
    auto decoded = signer::decode_raw(x->raw);
    if (!decoded || !decoded->txn.to)
      return std::unexpected(SubmitError{SubmitErrc::kJournal, "journalled txn " + core::to_hex(x->hash) +
                                                                   " does not decode", std::nullopt, std::nullopt});
    Pending p;
    p.order_id = x->order_id;
    p.step = x->step;
    p.nonce = x->nonce;
    p.hash = x->hash;
    p.raw = x->raw;
    p.sent_at = head_;
    auto order = journal_->order(x->order_id);
    p.quote.urgency = order ? parse_urgency(order->urgency).value_or(Urgency::kNormal) : Urgency::kNormal;
    const signer::Txn& t = decoded->txn;
    p.req = TxnRequest{*t.to, t.data, t.value, t.gas_limit};
    p.quote.max_fee_per_gas = t.max_fee_per_gas;
    p.quote.max_priority_fee_per_gas = t.max_priority_fee_per_gas;
    auto r = rpc_->transaction_receipt(p.hash);
    if (!r) return std::unexpected(rpc_error("receipt", r.error()));
    if (*r) {  // still in a block: followed until final, nothing to tell
      included_[p.nonce] = Included{std::move(p), (*r)->block_number, (*r)->block_hash};
      continue;
    }
    // Its block left the chain while we were down (a reorg, a builder's trial block).
    if (auto sent = rebroadcast(Included{std::move(p), head_, {}}, head_, now_ms, out); !sent)
      return std::unexpected(sent.error());
  }
  for (auto& [nonce, p] : found) {
    // The journal knows it; the chain decides what it became.
    auto receipt = find_receipt(p);
    if (!receipt) return std::unexpected(receipt.error());
    if (*receipt) {
      const chain::Receipt& r = **receipt;
      settle(p, r, now_ms, out);
      included_[p.nonce] = landed(std::move(p), r);
      continue;
    }
    // Not mined. Known to the node (pending)? Else send the journalled bytes
    // again (a private one to its relay while its route lasts).
    auto seen = rpc_->transaction_by_hash(p.hash);
    if (!seen) return std::unexpected(rpc_error("transaction by hash", seen.error()));
    if (!*seen) {
      auto sent = send(p);
      if (!sent && sent.error().code == chain::RpcErrc::kNonceTooLow) {
        // The nonce was used by something this journal does not know: the
        // step cannot land as signed.
        (void)journal_->set_txn_state(p.hash, "failed", now_ms);
        for (const auto& h : p.older) (void)journal_->set_txn_state(h, "failed", now_ms);
        out.events.push_back(event(TxEventKind::kFailed, p, head_));
        continue;
      }
      out.resent.push_back(p.hash);
    }
    (void)journal_->set_txn_state(p.hash, "sent", now_ms);
    pending_[p.nonce] = std::move(p);
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

SubmitResult<void> Submitter::rebroadcast(Included gone, chain::BlockNum from, uint64_t now_ms, Reconciled& out) {
  Pending p = std::move(gone.p);
  // The same bytes again, publicly: the same hash, so it can land at most once.
  p.route = Route::kPublic;
  auto sent = rpc_->send_raw_transaction(p.raw);
  if (!sent && sent.error().code != chain::RpcErrc::kAlreadyKnown && sent.error().code != chain::RpcErrc::kNonceTooLow &&
      sent.error().cls != chain::ErrorClass::kOutcomeUnknown)
    return std::unexpected(rpc_error("rebroadcast", sent.error()));
  (void)journal_->set_txn_state(p.hash, "sent", now_ms);
  p.sent_at = from;
  out.resent.push_back(p.hash);
  out.events.push_back(event(TxEventKind::kReorgedOut, p, from));
  pending_[p.nonce] = std::move(p);
  return {};
}

SubmitResult<Reconciled> Submitter::on_reorg(chain::BlockNum unwind_to, uint64_t now_ms) {
  Reconciled out;
  head_ = std::min(head_, unwind_to);
  (void)nonces_.unwound(unwind_to);
  for (auto it = included_.begin(); it != included_.end();) {
    if (it->second.block <= unwind_to) {
      ++it;
      continue;
    }
    Included gone = std::move(it->second);
    it = included_.erase(it);
    if (auto r = rebroadcast(std::move(gone), unwind_to, now_ms, out); !r) return std::unexpected(r.error());
  }
  return out;
}

SubmitResult<Reconciled> Submitter::on_finalized(chain::BlockNum block, uint64_t now_ms) {
  Reconciled out;
  for (auto it = included_.begin(); it != included_.end();) {
    Included& inc = it->second;
    if (inc.block > block) {
      ++it;
      continue;
    }
    auto r = rpc_->transaction_receipt(inc.p.hash);
    if (!r) return std::unexpected(rpc_error("receipt", r.error()));
    if (*r && (*r)->block_hash != inc.block_hash) {  // in another block now: follow it there
      (void)nonces_.not_included(inc.p.nonce);
      (void)nonces_.included(inc.p.nonce, (*r)->block_number, (*r)->block_hash, inc.p.hash);
      inc.block = (*r)->block_number;
      inc.block_hash = (*r)->block_hash;
      if (inc.block > block) {
        ++it;
        continue;
      }
    }
    if (!*r) {
      (void)nonces_.not_included(inc.p.nonce);
      Included gone = std::move(inc);
      const chain::BlockNum from = gone.block - 1;
      it = included_.erase(it);
      if (auto sent = rebroadcast(std::move(gone), from, now_ms, out); !sent) return std::unexpected(sent.error());
      continue;
    }
    (void)journal_->set_txn_state(inc.p.hash, "finalized", now_ms);
    out.events.push_back(event(TxEventKind::kFinalized, inc.p, inc.block));
    it = included_.erase(it);
  }
  nonces_.finalized(block);
  return out;
}

std::string_view tx_event_name(TxEventKind k) noexcept {
  switch (k) {
    case TxEventKind::kIncluded: return "included";
    case TxEventKind::kReverted: return "reverted";
    case TxEventKind::kReorgedOut: return "reorged_out";
    case TxEventKind::kFinalized: return "finalized";
    case TxEventKind::kFellBack: return "fell_back";
    case TxEventKind::kFailed: return "failed";
  }
  return "?";
}

}  // namespace perpx::executor
