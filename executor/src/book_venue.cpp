// BookExecutor: an order's life on an off-chain book venue (book_venue.hpp).
#include "perpx/executor/book_venue.hpp"

#include "perpx/core/json.hpp"
#include "venue_risk.hpp"

namespace perpx::executor {

namespace {

using core::Json;

bool final_state(std::string_view s) {
  return s == "filled" || s == "finalized" || s == "rejected" || s == "failed" || s == "cancelled";
}

Json report_json(const BookReport& r) {
  Json j = Json::object();
  j["venue_state"] = book_state_name(r.state);
  if (!r.venue_order_id.empty()) j["venue_order_id"] = r.venue_order_id;
  if (!r.filled_size.empty()) j["filled_size"] = r.filled_size;
  if (!r.avg_price.empty()) j["avg_price"] = r.avg_price;
  if (!r.error.empty()) j["why"] = r.error;
  return j;
}

ExecErrc exec_code(BookErrc c) {
  switch (c) {
    case BookErrc::kInvalid: return ExecErrc::kInvalid;
    case BookErrc::kNonce: return ExecErrc::kJournal;
    default: return ExecErrc::kSubmit;
  }
}

}  // namespace

std::string_view book_state_name(BookState s) noexcept {
  switch (s) {
    case BookState::kResting: return "resting";
    case BookState::kFilled: return "filled";
    case BookState::kTwapRunning: return "twap_running";
    case BookState::kCancelled: return "cancelled";
    case BookState::kRejected: return "rejected";
    case BookState::kUnknown: return "unknown";
  }
  return "?";
}

std::string_view journal_state(BookState s) noexcept {
  return s == BookState::kUnknown ? "outcome_unknown" : book_state_name(s);
}

std::string_view describe(BookErrc e) noexcept {
  switch (e) {
    case BookErrc::kInvalid: return "invalid order for the venue";
    case BookErrc::kTransport: return "venue unreachable";
    case BookErrc::kRateLimited: return "rate limited";
    case BookErrc::kRejected: return "refused by the venue";
    case BookErrc::kBadReply: return "unreadable venue reply";
    case BookErrc::kOutcomeUnknown: return "outcome unknown";
    case BookErrc::kNonce: return "nonce unavailable";
  }
  return "?";
}

BookExecutor::BookExecutor(BookVenue& venue, Journal& journal, KillSwitch& kill_switch, BookExecutorOptions options)
    : venue_(&venue), journal_(&journal), kill_(&kill_switch), options_(std::move(options)) {}

bool BookExecutor::stop(std::string_view where) {
  if (options_.failpoint) options_.failpoint(where);
  return options_.stop_at == where;
}

ExecError BookExecutor::reject(int64_t id, ExecErrc code, std::string why, uint64_t now_ms) {
  Json d = Json::object();
  d["code"] = describe(code);
  d["why"] = why;
  (void)journal_->set_order_state(id, "rejected", d.dump(), now_ms);
  return ExecError{code, std::move(why), id};
}

BookPlaced BookExecutor::settle(int64_t id, const BookReport& r, uint64_t now_ms) {
  const std::string state(journal_state(r.state));
  (void)journal_->set_order_state(id, state, report_json(r).dump(), now_ms);
  if (!r.venue_order_id.empty()) (void)journal_->set_fact(id, "venue_order_id", r.venue_order_id);
  return BookPlaced{id, state, r, false};
}

ExecResult<BookPlaced> BookExecutor::place(const BookOrder& bo, uint64_t now_ms) {
  const Order& o = bo.order;
  if (auto why = invalid_reason(o, venue_->name())) return std::unexpected(ExecError{ExecErrc::kInvalid, *why, 0});
  auto market = venue_->market(o.market);
  if (!market) return std::unexpected(ExecError{ExecErrc::kInvalid, market.error().message, 0});
  auto existing = journal_->order_by_client_id(o.client_id);
  if (!existing) return std::unexpected(ExecError{ExecErrc::kJournal, existing.error().message, 0});
  if (*existing) {  // placed before: that order, reconciled, never a second one
    auto r = reconcile(**existing, now_ms);
    if (r) r->existing = true;
    return r;
  }
  BookOrder canon = bo;
  canon.order.market = market->name;
  auto id = journal_->add_order(record_of(canon.order, now_ms));
  if (!id) return std::unexpected(ExecError{ExecErrc::kJournal, id.error().message, 0});
  // What record_of does not keep but a restart must know.
  (void)journal_->set_fact(*id, "tif", tif_name(o.tif));
  if (bo.trigger) {
    Json t = Json::object();
    t["trigger_price"] = core::wad_to_string(bo.trigger->trigger_price);
    t["take_profit"] = bo.trigger->take_profit;
    t["is_market"] = bo.trigger->is_market;
    (void)journal_->set_fact(*id, "trigger", t.dump());
  }
  if (bo.twap) {
    Json t = Json::object();
    t["minutes"] = bo.twap->minutes;
    t["randomize"] = bo.twap->randomize;
    (void)journal_->set_fact(*id, "twap", t.dump());
  }
  return route(*id, canon, now_ms);
}

ExecResult<BookPlaced> BookExecutor::route(int64_t id, const BookOrder& bo, uint64_t now_ms) {
  const Order& o = bo.order;
  if (!kill_->allows(o.reduce_only))
    return std::unexpected(reject(id, ExecErrc::kHalted,
                                  std::string("trading is ") + std::string(trading_state_name(kill_->state())) +
                                      (o.reduce_only ? "" : "; only reduce-only orders pass while reducing"),
                                  now_ms));
  auto m = venue_->market(o.market);
  if (!m) return std::unexpected(reject(id, ExecErrc::kVenue, m.error().message, now_ms));
  std::optional<Approved> approved;
  if (risk_ && fencing_) {
    auto proj = venue_->project(o);
    if (!proj) return std::unexpected(reject(id, ExecErrc::kVenue, proj.error().message, now_ms));
    auto a = check_risk(o, *m, *proj, now_ms);
    if (!a) return std::unexpected(reject(id, ExecErrc::kRisk, a.error(), now_ms));
    approved = *a;
  }
  (void)journal_->set_order_state(id, "routed", R"({"path":"book"})", now_ms);
  auto req = venue_->prepare(bo);
  if (!req) {
    const ExecErrc code = exec_code(req.error().code);
    if (code == ExecErrc::kInvalid) return std::unexpected(reject(id, code, req.error().message, now_ms));
    Json d = Json::object();
    d["why"] = req.error().message;
    (void)journal_->set_order_state(id, "failed", d.dump(), now_ms);
    return std::unexpected(ExecError{code, req.error().message, id});
  }
  // The exact bytes, on disk before they leave: a restart looks them up, never signs anew.
  if (auto r = journal_->set_fact(id, "request", req->body); !r)
    return std::unexpected(ExecError{ExecErrc::kJournal, r.error().message, id});
  (void)journal_->set_fact(id, "nonce", std::to_string(req->nonce));
  if (!req->venue_client_id.empty()) (void)journal_->set_fact(id, "venue_client_id", req->venue_client_id);
  Json d = Json::object();
  d["nonce"] = req->nonce;
  if (!req->venue_client_id.empty()) d["venue_client_id"] = req->venue_client_id;
  if (auto r = journal_->set_order_state(id, "sending", d.dump(), now_ms); !r)
    return std::unexpected(ExecError{ExecErrc::kJournal, r.error().message, id});
  if (stop("after_journal")) return BookPlaced{id, "sending", {}, false};
  auto placed = send_journalled(id, *req, false, now_ms);
  if (placed && risk_ && approved) risk_->record(*approved, now_ms);  // it left: it counts against the rate
  return placed;
}

ExecResult<BookPlaced> BookExecutor::send_journalled(int64_t id, const BookRequest& req, bool resend, uint64_t now_ms) {
  auto sent = venue_->send(req);
  if (stop("after_send")) return BookPlaced{id, "sending", {}, false};
  if (!sent) {
    const BookError& e = sent.error();
    Json d = Json::object();
    d["code"] = describe(e.code);
    d["why"] = e.message;
    if (resend) d["resent"] = true;
    if (e.code == BookErrc::kOutcomeUnknown) {
      // It may be on the book: the next recover() looks it up.
      (void)journal_->set_order_state(id, "outcome_unknown", d.dump(), now_ms);
      return BookPlaced{id, "outcome_unknown", {}, false};
    }
    if (e.retry_after.count() > 0) d["retry_after_ms"] = e.retry_after.count();
    // Refused whole (rate limit, transport before it left, bad signature): nothing was taken.
    if (auto change = kill_->on_send_failed(e.message, now_ms)) (void)journal_->add_state_change(*change);
    (void)journal_->set_order_state(id, "failed", d.dump(), now_ms);
    return std::unexpected(ExecError{ExecErrc::kSubmit, std::string(describe(e.code)) + ": " + e.message, id});
  }
  return settle(id, *sent, now_ms);
}

ExecResult<BookPlaced> BookExecutor::reconcile(const OrderRecord& rec, uint64_t now_ms) {
  if (final_state(rec.state)) return BookPlaced{rec.id, rec.state, {}, false};
  auto facts = journal_->facts(rec.id);
  if (!facts) return std::unexpected(ExecError{ExecErrc::kJournal, facts.error().message, rec.id});
  auto body = facts->find("request");
  if (body == facts->end()) {
    // Nothing left the process: route it now, as a place would have.
    auto order = order_of(rec);
    if (!order) return std::unexpected(reject(rec.id, ExecErrc::kInvalid, order.error(), now_ms));
    BookOrder bo{*order, std::nullopt, std::nullopt};
    if (auto t = facts->find("tif"); t != facts->end())
      if (auto tif = parse_tif(t->second)) bo.order.tif = *tif;
    if (auto t = facts->find("trigger"); t != facts->end()) {
      const Json j = core::parse_json(t->second).value_or(Json::object());
      auto px = core::parse_wad(j.value("trigger_price", std::string()));
      if (!px) return std::unexpected(reject(rec.id, ExecErrc::kInvalid, "trigger fact does not read back", now_ms));
      bo.trigger = BookTrigger{*px, j.value("take_profit", false), j.value("is_market", true)};
    }
    if (auto t = facts->find("twap"); t != facts->end()) {
      const Json j = core::parse_json(t->second).value_or(Json::object());
      bo.twap = BookTwap{j.value("minutes", 0u), j.value("randomize", false)};
    }
    return route(rec.id, bo, now_ms);
  }
  BookRequest req;
  req.body = body->second;
  if (auto n = facts->find("nonce"); n != facts->end()) req.nonce = std::stoull(n->second);
  if (auto c = facts->find("venue_client_id"); c != facts->end()) req.venue_client_id = c->second;
  auto seen = venue_->lookup(req);
  if (!seen) {
    // Cannot tell now: the order stays as it is for the next attempt.
    return std::unexpected(ExecError{ExecErrc::kVenue, std::string(describe(seen.error().code)) + ": " + seen.error().message, rec.id});
  }
  if (seen->state != BookState::kUnknown) {
    if (journal_state(seen->state) == rec.state && rec.state != "sending" && rec.state != "outcome_unknown")
      return BookPlaced{rec.id, rec.state, *seen, false};
    return settle(rec.id, *seen, now_ms);
  }
  if (rec.state == "resting" || rec.state == "twap_running") return BookPlaced{rec.id, rec.state, *seen, false};
  // The venue never saw it: the same bytes again (same nonce and client order id).
  if (!kill_->allows(rec.reduce_only))
    return std::unexpected(reject(rec.id, ExecErrc::kHalted, "never reached the venue; trading is " +
                                                                 std::string(trading_state_name(kill_->state())),
                                  now_ms));
  return send_journalled(rec.id, req, true, now_ms);
}

ExecResult<std::vector<BookPlaced>> BookExecutor::recover(uint64_t now_ms) {
  auto open = journal_->orders(true);
  if (!open) return std::unexpected(ExecError{ExecErrc::kJournal, open.error().message, 0});
  std::vector<BookPlaced> out;
  for (const auto& rec : *open) {
    if (rec.venue != venue_->name()) continue;
    auto r = reconcile(rec, now_ms);
    if (r) {
      out.push_back(std::move(*r));
      continue;
    }
    if (r.error().code == ExecErrc::kJournal) return std::unexpected(r.error());
    // This order's trouble is journalled with it (or it waits for the venue): on to the next.
    auto now = journal_->order(rec.id);
    out.push_back(BookPlaced{rec.id, now ? now->state : rec.state, {}, false});
  }
  return out;
}

std::expected<std::optional<Approved>, std::string> BookExecutor::check_risk(const Order& o, const VenueMarket& m,
                                                                             const VenueProjection& p, uint64_t now_ms) {
  auto r = detail::check_venue_risk(*risk_, *fencing_, *kill_, *journal_, marks_, std::string(venue_->name()),
                                    [&](std::string_view name) { return venue_->market(name); }, o, m, p, now_ms);
  if (!r) return std::unexpected(r.error());
  return std::optional<Approved>{*r};
}

}  // namespace perpx::executor
