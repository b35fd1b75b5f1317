#include "perpx/executor/executor.hpp"

#include <chrono>
#include <random>

#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/txn.hpp"
#include "perpx/executor/metrics.hpp"
#include "venue_risk.hpp"

namespace perpx::executor {

namespace {

using core::Json;

// The step whose transaction an order in state `s` waits for ("" when none).
std::string_view in_flight_step(std::string_view s) {
  if (s == "sent") return "place";
  if (s == "committing") return "commit";
  if (s == "revealing") return "reveal";
  if (s == "queued") return "batch";
  if (s == "settling") return "settle";
  return {};
}

bool final_state(std::string_view s) {
  return s == "finalized" || s == "rejected" || s == "failed" || s == "cancelled";
}

// 32 bytes no one can guess: the commitment hides the order until the reveal.
core::Hash32 fresh_salt() {
  std::random_device rd;
  core::Hash32 s{};
  for (size_t i = 0; i < s.bytes.size(); i += 4) {
    const uint32_t v = rd();
    for (size_t k = 0; k < 4; ++k) s.bytes[i + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return s;
}

Json facts_json(std::initializer_list<std::pair<const char*, Json>> kv) {
  Json j = Json::object();
  for (const auto& [k, v] : kv) j[k] = v;
  return j;
}

}  // namespace

std::string_view describe(ExecErrc e) noexcept {
  switch (e) {
    case ExecErrc::kInvalid: return "invalid order";
    case ExecErrc::kHalted: return "kill switch";
    case ExecErrc::kRisk: return "risk gate";
    case ExecErrc::kPath: return "path unavailable";
    case ExecErrc::kReverts: return "simulation reverts";
    case ExecErrc::kVenue: return "venue read failed";
    case ExecErrc::kSubmit: return "submission failed";
    case ExecErrc::kFees: return "gas budget";
    case ExecErrc::kJournal: return "journal refused";
  }
  return "?";
}

OrderRecord record_of(const Order& o, uint64_t now_ms) {
  OrderRecord r;
  r.client_order_id = o.client_id;
  r.venue = o.venue;
  r.market = o.market;
  r.side = std::string(side_name(o.side));
  r.size = core::wad_to_string(o.size);
  r.limit_price = core::wad_to_string(o.limit_price);
  r.urgency = std::string(urgency_name(o.urgency));
  r.path = std::string(path_name(o.path));
  r.reduce_only = o.reduce_only;
  r.strategy = o.strategy;
  r.created_ms = now_ms;
  return r;
}

std::expected<Order, std::string> order_of(const OrderRecord& r) {
  Order o;
  o.client_id = r.client_order_id;
  o.venue = r.venue;
  o.market = r.market;
  auto side = parse_side(r.side);
  auto size = core::parse_wad(r.size);
  auto limit = core::parse_wad(r.limit_price);
  auto urgency = parse_urgency(r.urgency);
  auto path = parse_path(r.path);
  if (!side || !size || !limit || !urgency || !path)
    return std::unexpected("order " + std::to_string(r.id) + " in the journal does not read back");
  o.side = *side;
  o.size = *size;
  o.limit_price = *limit;
  o.urgency = *urgency;
  o.path = *path;
  o.reduce_only = r.reduce_only;
  o.strategy = r.strategy;
  return o;
}

Executor::Executor(Venue& venue, Submitter& submitter, Journal& journal, KillSwitch& kill_switch,
                   chain::RpcClient& rpc, ExecutorOptions options)
    : venue_(&venue),
      submitter_(&submitter),
      journal_(&journal),
      kill_(&kill_switch),
      rpc_(&rpc),
      options_(options),
      policy_(options.paths) {}

void Executor::set_state(int64_t id, Live& l, std::string state, std::string detail, uint64_t now_ms,
                         std::vector<OrderUpdate>* out) {
  (void)journal_->set_order_state(id, state, detail, now_ms);
  l.state = state;
  metrics::order_state(l.state, l.path);
  if (out) out->push_back(OrderUpdate{id, l.order.client_id, std::move(state), std::move(detail)});
}

ExecError Executor::reject(int64_t id, Live& l, ExecErrc code, std::string why, uint64_t now_ms) {
  set_state(id, l, "rejected", facts_json({{"code", describe(code)}, {"why", why}}).dump(), now_ms, nullptr);
  return ExecError{code, std::move(why), id};
}

core::U256 Executor::notional_wei(const Order& o, const std::optional<VenueMarket>& native) {
  std::optional<VenueMarket> eth = native;
  if (!eth)
    if (auto m = venue_->market("ETH")) eth = std::move(*m);
  if (!eth || eth->index.is_zero()) return core::U256{};  // no price: the fee policy's cap then refuses to pay
  return notional(o) * core::kWad / eth->index;
}

ExecResult<int64_t> Executor::place(const Order& o, uint64_t now_ms, std::chrono::steady_clock::time_point seen) {
  if (auto why = invalid_reason(o, venue_->name())) return std::unexpected(ExecError{ExecErrc::kInvalid, *why, 0});
  // The market as the venue names it for orders (one spelling in the journal).
  auto market = venue_->market(o.market);
  if (!market) return std::unexpected(ExecError{ExecErrc::kInvalid, market.error().message, 0});
  Order canon = o;
  canon.market = market->name;
  // 1. the intent, once per client id
  auto existing = journal_->order_by_client_id(o.client_id);
  if (!existing) return std::unexpected(ExecError{ExecErrc::kJournal, existing.error().message, 0});
  if (*existing) return (*existing)->id;  // placed before: the same order, never a second one
  auto id = journal_->add_order(record_of(canon, now_ms));
  if (!id) return std::unexpected(ExecError{ExecErrc::kJournal, id.error().message, 0});
  Live l;
  l.order = std::move(canon);
  l.state = "new";
  if (auto r = route(*id, l, now_ms); !r) return std::unexpected(r.error());
  if (l.state != "new" && l.state != "routed")  // its first transaction went out (else it waits for a head)
    metrics::tick_to_wire(std::chrono::steady_clock::now() - seen);
  if (!final_state(l.state)) live_[*id] = std::move(l);
  return *id;
}

ExecResult<void> Executor::route(int64_t id, Live& l, uint64_t now_ms) {
  const Order& o = l.order;
  // 2. the kill switch, then the risk gate
  if (!kill_->allows(o.reduce_only)) {
    const DenyReason why = kill_->state() == TradingState::kHalted ? DenyReason::kHalted : DenyReason::kReducing;
    set_state(id, l, "rejected",
              facts_json({{"code", describe(ExecErrc::kHalted)},
                          {"reason", deny_reason_name(why)},
                          {"why", std::string("trading is ") + std::string(trading_state_name(kill_->state())) +
                                      (o.reduce_only ? "" : "; only reduce-only orders pass while reducing")}})
                  .dump(),
              now_ms, nullptr);
    return std::unexpected(ExecError{ExecErrc::kHalted,
                                     std::string(deny_reason_name(why)) + ": trading is " +
                                         std::string(trading_state_name(kill_->state())),
                                     id});
  }
  auto m = venue_->market(o.market);
  if (!m) return std::unexpected(reject(id, l, ExecErrc::kVenue, m.error().message, now_ms));
  l.market = m->id;
  auto proj = venue_->project(submitter_->address(), o);
  if (!proj) return std::unexpected(reject(id, l, ExecErrc::kVenue, proj.error().message, now_ms));
  auto approved = check_risk(l, *m, *proj, now_ms);
  if (!approved) return std::unexpected(reject(id, l, ExecErrc::kRisk, approved.error(), now_ms));
  // The gas budget is in wei: the order's notional at the native token's
  // price (the ETH market's index; read again only for another market).
  l.notional_wei = notional_wei(o, m->name == "ETH" ? std::optional<VenueMarket>(*m) : std::nullopt);
  // 3. the path
  auto choice = policy_.choose(o, *m, proj->fill_price, *venue_, relay_);
  if (!choice) return std::unexpected(reject(id, l, ExecErrc::kPath, choice.error(), now_ms));
  l.path = choice->path;
  auto head = rpc_->block_header(chain::Tag::kLatest);
  if (!head || !*head) return std::unexpected(reject(id, l, ExecErrc::kVenue, "cannot read the latest block", now_ms));
  head_ = std::max(head_, (*head)->number);
  l.deadline = (*head)->timestamp + options_.deadline_s;
  (void)journal_->set_fact(id, "path", path_name(l.path));
  (void)journal_->set_fact(id, "deadline", std::to_string(l.deadline));
  (void)journal_->set_fact(id, "market_id", std::to_string(l.market));
  // 4. simulation of what the path will execute (a reveal and a batch fill
  // check the same margin and limit rules as a public fill)
  if (options_.simulate) {
    chain::CallRequest call;
    call.from = submitter_->address();
    call.to = venue_->address();
    call.data = venue_->place_call(l.market, o, l.deadline);
    if (auto r = rpc_->call(call); !r) {
      std::string why = venue_->explain_revert(r.error().revert_data);
      if (why.empty()) why = chain::to_string(r.error());
      return std::unexpected(reject(id, l, r.error().code == chain::RpcErrc::kExecutionReverted ? ExecErrc::kReverts
                                                                                                  : ExecErrc::kVenue,
                                    why, now_ms));
    }
  }
  (void)journal_->set_order_state(id, "routed", choice->reasons, now_ms);
  metrics::order_state("routed", l.path);
  // 5. the first step
  ExecResult<chain::Hash32> sent = std::unexpected(ExecError{});
  switch (l.path) {
    case Path::kAuto:
    case Path::kPublic:
      sent = send_step(id, l, "place", venue_->place_call(l.market, o, l.deadline), o.urgency, now_ms);
      if (sent) set_state(id, l, "sent", facts_json({{"hash", core::to_hex(*sent)}}).dump(), now_ms, nullptr);
      break;
    case Path::kPrivate:
      sent = send_step(id, l, "place", venue_->place_call(l.market, o, l.deadline), o.urgency, now_ms, Route::kPrivate);
      if (sent) set_state(id, l, "sent", facts_json({{"hash", core::to_hex(*sent)}, {"route", "private"}}).dump(), now_ms, nullptr);
      break;
    case Path::kCommitReveal: {
      l.salt = fresh_salt();
      // The salt is on disk before the commitment leaves: a crash can always reveal.
      if (auto r = journal_->set_fact(id, "salt", core::to_hex(l.salt)); !r)
        return std::unexpected(ExecError{ExecErrc::kJournal, r.error().message, id});
      sent = send_step(id, l, "commit",
                       venue_->commit_call(submitter_->address(), l.market, o, l.salt, l.deadline), o.urgency, now_ms);
      if (sent) set_state(id, l, "committing", facts_json({{"hash", core::to_hex(*sent)}}).dump(), now_ms, nullptr);
      break;
    }
    case Path::kBatch:
      sent = send_step(id, l, "batch", venue_->batch_call(l.market, o, l.deadline), o.urgency, now_ms);
      if (sent) set_state(id, l, "queued", facts_json({{"hash", core::to_hex(*sent)}}).dump(), now_ms, nullptr);
      break;
  }
  if (!sent) {
    if (sent.error().code == ExecErrc::kSubmit) {  // the node refused or could not be asked: a failed send
      if (auto change = kill_->on_send_failed(sent.error().message, now_ms)) (void)journal_->add_state_change(*change);
    }
    set_state(id, l, "failed", facts_json({{"why", sent.error().message}}).dump(), now_ms, nullptr);
    return std::unexpected(sent.error());
  }
  if (risk_ && *approved) risk_->record(**approved, now_ms);  // it left: it counts against the rate
  return {};
}

std::expected<std::optional<Approved>, std::string> Executor::check_risk(const Live& l, const VenueMarket& m,
                                                                         const VenueProjection& p, uint64_t now_ms) {
  if (!risk_ || !fencing_) return std::optional<Approved>{};
  auto r = detail::check_venue_risk(*risk_, *fencing_, *kill_, *journal_, marks_, std::string(venue_->name()),
                                    [&](std::string_view name) { return venue_->market(name); }, l.order, m, p, now_ms);
  if (!r) return std::unexpected(r.error());
  return std::optional<Approved>{*r};
}

ExecResult<chain::Hash32> Executor::send_step(int64_t id, Live& l, std::string_view step, core::Bytes data, Urgency u,
                                              uint64_t now_ms, Route route) {
  SubmitRequest req;
  req.order_id = id;
  req.step = std::string(step);
  // Gas: the node's estimate with headroom (state may move before inclusion),
  // else the venue's own figure for the step.
  chain::CallRequest call;
  call.from = submitter_->address();
  call.to = venue_->address();
  call.data = data;
  auto est = rpc_->estimate_gas(call);
  // The estimate runs on "latest": with this sender's earlier transactions
  // still pending it can be short, so the venue's figure is the floor.
  const uint64_t gas = std::max(est ? *est * 13 / 10 + 20'000 : 0, venue_->gas_limit(step));
  req.txn = TxnRequest{venue_->address(), std::move(data), core::U256{}, gas};
  req.urgency = u;
  req.notional_wei = l.notional_wei;
  req.route = route;
  req.private_until = head_ + options_.private_blocks;
  auto h = submitter_->submit(req, now_ms);
  if (!h) {
    const ExecErrc code = h.error().code == SubmitErrc::kJournal ? ExecErrc::kJournal
                          : h.error().code == SubmitErrc::kFees  ? ExecErrc::kFees
                                                                 : ExecErrc::kSubmit;
    return std::unexpected(ExecError{code, h.error().message, id});
  }
  return *h;
}

std::string Executor::revert_reason(int64_t order_id, const chain::Hash32& hash) {
  // Replayed as a call at the block before: the venue's named error, when it reproduces.
  auto receipt = rpc_->transaction_receipt(hash);
  auto txns = journal_->txns(order_id);
  if (!receipt || !*receipt || !txns) return "reverted";
  chain::CallRequest call;
  call.from = submitter_->address();
  call.to = venue_->address();
  for (const auto& x : *txns)
    if (x.hash == hash)
      if (auto d = signer::decode_raw(x.raw)) call.data = d->txn.data;
  const chain::BlockNum block = (*receipt)->block_number;
  auto r = rpc_->call(call, block > 0 ? chain::BlockRef(block - 1) : chain::BlockRef(chain::Tag::kLatest));
  if (r) return "reverted (does not reproduce before its block)";
  std::string why = venue_->explain_revert(r.error().revert_data);
  return why.empty() ? "reverted: " + chain::to_string(r.error()) : why;
}

void Executor::handle(const TxEvent& e, uint64_t now_ms, std::vector<OrderUpdate>& out) {
  auto it = live_.find(e.order_id);
  if (it == live_.end()) return;  // not ours to drive (finished, or another executor's)
  Live& l = it->second;
  const int64_t id = e.order_id;
  const std::string hash = core::to_hex(e.hash);
  switch (e.kind) {
    case TxEventKind::kIncluded:
      if (e.step == "commit") {
        l.step_block = e.block;
        (void)journal_->set_fact(id, "commit_block", std::to_string(e.block));
        set_state(id, l, "committed", facts_json({{"block", e.block}, {"hash", hash}}).dump(), now_ms, &out);
      } else if (e.step == "settle") {
        // A batch settled (ours, or an older one first): advance() reads which.
        set_state(id, l, "settled", facts_json({{"block", e.block}, {"hash", hash}}).dump(), now_ms, &out);
      } else if (e.step == "batch") {
        l.step_block = e.block;
        (void)journal_->set_fact(id, "batch_block", std::to_string(e.block));
        set_state(id, l, "queued", facts_json({{"block", e.block}, {"hash", hash}}).dump(), now_ms, &out);
      } else {  // place, reveal, settle: the fill is in
        (void)journal_->set_fact(id, "included_block", std::to_string(e.block));
        set_state(id, l, "included", facts_json({{"block", e.block}, {"hash", hash}, {"step", e.step}}).dump(), now_ms,
                  &out);
        l.step_block = e.block;
      }
      break;
    case TxEventKind::kReverted: {
      std::string why = revert_reason(id, e.hash);
      if (e.step == "settle") {
        // Someone else settled first (NoPendingBatch): advance() reads the outcome.
        set_state(id, l, "settled", facts_json({{"block", e.block}, {"why", why}}).dump(), now_ms, &out);
        break;
      }
      set_state(id, l, "failed", facts_json({{"step", e.step}, {"hash", hash}, {"why", why}}).dump(), now_ms, &out);
      break;
    }
    case TxEventKind::kReorgedOut:
      // Back to the step's in-flight state: the submitter re-sends the same bytes.
      if (e.step == "commit") set_state(id, l, "committing", facts_json({{"reorged_out", hash}}).dump(), now_ms, &out);
      else if (e.step == "batch") set_state(id, l, "queued", facts_json({{"reorged_out", hash}}).dump(), now_ms, &out);
      else if (e.step == "reveal") set_state(id, l, "revealing", facts_json({{"reorged_out", hash}}).dump(), now_ms, &out);
      else if (e.step == "settle") set_state(id, l, "settling", facts_json({{"reorged_out", hash}}).dump(), now_ms, &out);
      else set_state(id, l, "sent", facts_json({{"reorged_out", hash}}).dump(), now_ms, &out);
      break;
    case TxEventKind::kFinalized:
      // Only the fill's own finality closes the order: a commit or a batch
      // entry is final before its reveal or settlement is (the fill may
      // still be reorged out, and must then be followed).
      if (l.state == "included" && e.step != "commit" && e.step != "batch" && e.block >= l.step_block)
        set_state(id, l, "finalized", facts_json({{"block", e.block}}).dump(), now_ms, &out);
      break;
    case TxEventKind::kFellBack:
      (void)journal_->set_order_state(id, l.state, facts_json({{"fell_back_to_public", hash}}).dump(), now_ms);
      break;
    case TxEventKind::kFailed:
      set_state(id, l, "failed", facts_json({{"step", e.step}, {"why", "its transaction cannot land: the nonce was used elsewhere, or cancelled to fill a gap"}}).dump(), now_ms, &out);
      break;
  }
  if (final_state(l.state)) live_.erase(it);
}

void Executor::note_wait(int64_t id, Live& l, std::string_view step, const std::string& why, uint64_t now_ms) {
  // A step that cannot go out now (over its gas budget, node unreachable) is
  // tried again at the next head; the journal hears of each new reason once.
  if (why == l.waiting) return;
  l.waiting = why;
  (void)journal_->set_order_state(id, l.state, facts_json({{"waiting", step}, {"why", why}}).dump(), now_ms);
}

void Executor::advance(const chain::BlockHeader& head, uint64_t now_ms, std::vector<OrderUpdate>& out) {
  const PathTiming t = venue_->timing();
  for (auto it = live_.begin(); it != live_.end();) {
    const int64_t id = it->first;
    Live& l = it->second;
    if (l.state == "committed" && !kill_->allows(l.order.reduce_only)) {
      // The kill switch moved after the commit (at this event or before):
      // the reveal is the order reaching the venue, so it is checked as a
      // new order would be, and the commitment is left to expire.
      set_state(id, l, "cancelled",
                facts_json({{"why", "reveal withheld: trading is " + std::string(trading_state_name(kill_->state()))},
                            {"reason", deny_reason_name(kill_->state() == TradingState::kHalted ? DenyReason::kHalted
                                                                                                  : DenyReason::kReducing)}})
                    .dump(),
                now_ms, &out);
    } else if (l.state == "committed") {
      const chain::BlockNum first = l.step_block + std::max(t.min_reveal_delay, options_.reveal_depth);
      const chain::BlockNum last = l.step_block + t.max_reveal_delay;
      // The reveal is mined in a later block than this head: it must land in [first, last].
      if (head.number + 1 > last) {
        set_state(id, l, "cancelled", facts_json({{"why", "reveal window missed"}, {"last_block", last}}).dump(), now_ms,
                  &out);
      } else if (head.number + 1 >= first) {
        const Urgency u = head.number + 1 + options_.reveal_urgent_within >= last && l.order.urgency < Urgency::kUrgent
                              ? Urgency::kUrgent
                              : l.order.urgency;
        if (options_.failpoint) options_.failpoint("before_reveal");
        auto h = send_step(id, l, "reveal", venue_->reveal_call(l.market, l.order, l.salt, l.deadline), u, now_ms);
        if (h)
          set_state(id, l, "revealing", facts_json({{"hash", core::to_hex(*h)}, {"urgency", urgency_name(u)}}).dump(),
                    now_ms, &out);
        else
          note_wait(id, l, "reveal", h.error().message, now_ms);
      }
    } else if ((l.state == "queued" || l.state == "settled") && l.step_block > 0 &&
               head.number + 1 >= venue_->batch_settle_block(l.step_block)) {
      // The window is over: filled or cancelled by whoever settled it, or
      // still open (an older batch went first): settle it ourselves.
      auto b = venue_->batch_state(submitter_->address(), l.market, l.step_block);
      if (b && *b == Venue::BatchState::kFilled) {
        (void)journal_->set_fact(id, "included_block", std::to_string(head.number));
        set_state(id, l, "included", facts_json({{"block", head.number}, {"step", "settle"}}).dump(), now_ms, &out);
        l.step_block = head.number;
      } else if (b && *b == Venue::BatchState::kCancelled) {
        set_state(id, l, "cancelled", facts_json({{"why", "the batch cancelled it (limit or margin)"}}).dump(), now_ms,
                  &out);
      } else if (b) {
        auto h = send_step(id, l, "settle", venue_->settle_call(l.market), l.order.urgency, now_ms);
        if (h) set_state(id, l, "settling", facts_json({{"hash", core::to_hex(*h)}}).dump(), now_ms, &out);
        else note_wait(id, l, "settle", h.error().message, now_ms);
      }
    }
    if (final_state(l.state)) it = live_.erase(it);
    else ++it;
  }
}

ExecResult<std::vector<OrderUpdate>> Executor::on_head(const chain::BlockHeader& head, uint64_t now_ms) {
  head_ = std::max(head_, head.number);
  std::vector<OrderUpdate> out;
  auto r = submitter_->on_head(head, now_ms);
  if (!r) return std::unexpected(ExecError{ExecErrc::kSubmit, r.error().message, 0});
  for (const TxEvent& e : r->events) handle(e, now_ms, out);
  advance(head, now_ms, out);
  return out;
}

ExecResult<std::vector<OrderUpdate>> Executor::on_reorg(chain::BlockNum unwind_to, uint64_t now_ms) {
  head_ = std::min(head_, unwind_to);
  std::vector<OrderUpdate> out;
  auto r = submitter_->on_reorg(unwind_to, now_ms);
  if (!r) return std::unexpected(ExecError{ExecErrc::kSubmit, r.error().message, 0});
  for (const TxEvent& e : r->events) handle(e, now_ms, out);
  return out;
}

ExecResult<std::vector<OrderUpdate>> Executor::on_finalized(chain::BlockNum block, uint64_t now_ms) {
  std::vector<OrderUpdate> out;
  auto r = submitter_->on_finalized(block, now_ms);
  if (!r) return std::unexpected(ExecError{ExecErrc::kSubmit, r.error().message, 0});
  for (const TxEvent& e : r->events) handle(e, now_ms, out);
  // Fills from before a restart (the submitter no longer tracks them).
  for (auto it = live_.begin(); it != live_.end();) {
    Live& l = it->second;
    if (l.state == "included" && l.step_block > 0 && l.step_block <= block) {
      set_state(it->first, l, "finalized", facts_json({{"block", l.step_block}}).dump(), now_ms, &out);
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

ExecResult<std::vector<OrderUpdate>> Executor::recover(uint64_t now_ms) {
  std::vector<OrderUpdate> out;
  // Every open order of this venue back in memory, from its record and facts.
  auto open = journal_->open_orders();
  if (!open) return std::unexpected(ExecError{ExecErrc::kJournal, open.error().message, 0});
  std::optional<VenueMarket> native;  // read once for every resumed order
  if (auto m = venue_->market("ETH")) native = std::move(*m);
  for (const OrderRecord& rec : *open) {
    if (rec.venue != venue_->name()) continue;
    auto o = order_of(rec);
    if (!o) return std::unexpected(ExecError{ExecErrc::kJournal, o.error(), rec.id});
    auto facts = journal_->facts(rec.id);
    if (!facts) return std::unexpected(ExecError{ExecErrc::kJournal, facts.error().message, rec.id});
    Live l;
    l.order = std::move(*o);
    l.state = rec.state;
    auto fact = [&](const char* k) -> std::string {
      auto f = facts->find(k);
      return f == facts->end() ? std::string() : f->second;
    };
    l.path = parse_path(fact("path")).value_or(Path::kPublic);
    l.market = std::strtoull(fact("market_id").c_str(), nullptr, 10);
    l.deadline = std::strtoull(fact("deadline").c_str(), nullptr, 10);
    if (auto s = core::parse_hash32(fact("salt"))) l.salt = *s;
    const char* block_fact = l.state == "included"   ? "included_block"
                             : l.path == Path::kBatch      ? "batch_block"
                                                           : "commit_block";
    l.step_block = std::strtoull(fact(block_fact).c_str(), nullptr, 10);
    l.notional_wei = notional_wei(l.order, native);
    live_[rec.id] = std::move(l);
  }
  auto r = submitter_->recover(now_ms);
  if (!r) return std::unexpected(ExecError{ExecErrc::kSubmit, r.error().message, 0});
  for (const TxEvent& e : r->events) handle(e, now_ms, out);
  // What the crash interrupted before anything left: route it now. A
  // journalled step whose txn never made it to the journal did not leave.
  std::vector<int64_t> ids;
  for (const auto& [id, l] : live_) ids.push_back(id);
  for (const int64_t id : ids) {
    auto it = live_.find(id);
    if (it == live_.end()) continue;  // finished by an event above
    Live& l = it->second;
    auto txns = journal_->txns(id);
    if (!txns) return std::unexpected(ExecError{ExecErrc::kJournal, txns.error().message, id});
    auto has_step = [&](std::string_view step) {
      for (const auto& x : *txns)
        if (x.step == step && x.state != "failed") return true;
      return false;
    };
    const bool first_step_journalled = has_step("place") || has_step("commit") || has_step("batch");
    if ((l.state == "new" || l.state == "routed") && !first_step_journalled) {
      (void)route(id, l, now_ms);  // rejects or sends; the result is in the journal either way
      out.push_back(OrderUpdate{id, l.order.client_id, l.state, "{\"resumed\":true}"});
    } else if (l.state == "new" || l.state == "routed") {
      // Signed and journalled, the state write lost in the crash: the submitter tracks the txn.
      set_state(id, l, l.path == Path::kCommitReveal ? "committing" : l.path == Path::kBatch ? "queued" : "sent",
                "{\"resumed\":true}", now_ms, &out);
    } else if (l.state == "revealing" && !has_step("reveal")) {
      l.state = "committed";  // the reveal never left: advance() sends it
    } else if (l.state == "settling" && !has_step("settle")) {
      l.state = "queued";
    }
    // A step journalled as included before the crash, whose order state was not yet moved on.
    if (auto step = in_flight_step(l.state); !step.empty()) {
      for (const auto& x : *txns) {
        if (x.step != step || x.state != "included") continue;
        auto receipt = rpc_->transaction_receipt(x.hash);
        if (!receipt) return std::unexpected(ExecError{ExecErrc::kSubmit, chain::to_string(receipt.error()), id});
        if (!*receipt) continue;  // reorged out: the submitter did not see it unfinished; the next head tells
        const TxEventKind k = (*receipt)->success ? TxEventKind::kIncluded : TxEventKind::kReverted;
        handle(TxEvent{k, id, x.step, x.hash, (*receipt)->block_number}, now_ms, out);  // may erase it
        break;
      }
      continue;
    }
    if (final_state(l.state)) live_.erase(it);
  }
  return out;
}

}  // namespace perpx::executor
