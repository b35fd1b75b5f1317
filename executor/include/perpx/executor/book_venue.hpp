#pragma once
// BookVenue and BookExecutor: orders on an off-chain order book (Hyperliquid),
// beside the on-chain Venue/Executor (venue.hpp, executor.hpp).
//
// Why a second interface: Venue is calldata for a contract (place/commit/
// reveal/batch calls, gas limits, revert decoding, batch blocks), and the
// Executor around it signs transactions, picks MEV paths, pays priority
// fees and follows heads. A book venue has none of that: an order is one
// signed API request, its paths are the book's own order types (GTC, IOC,
// ALO post-only, trigger, native TWAP), no fee is bid, and the venue answers
// at once with a status per order. What both share is kept shared: the
// Order, the journal (same tables, venue named), the kill switch, the risk
// gate with its fences, and the market and account views (VenueMarket,
// VenueAccount, VenueProjection).
//
// BookExecutor's order of work makes a crash safe, as the on-chain one does:
//   1. the intent is journalled under its client order id (a second place of
//      the same id returns the first order: never a second);
//   2. the kill switch, then the risk gate decide (a denial is "rejected");
//   3. the venue prepares the request (signed, with its nonce and the
//      venue's client order id derived from ours); the exact bytes are
//      journalled as facts before they leave;
//   4. the request is sent; the venue's status for the order moves it to
//      resting | filled | cancelled | rejected; a request whose fate is
//      unknown (the reply lost) is "outcome_unknown";
//   5. recover() after a restart asks the venue what became of each order
//      that may have left (lookup by the venue's client order id) and adopts
//      that; only an order the venue says it never saw is sent again, as the
//      same journalled bytes (same nonce, same client order id: the venue
//      refuses a second copy of either, so this can never double it).
// Order states (journal): new -> routed -> sending -> resting | twap_running
// | outcome_unknown -> filled | cancelled; rejected, failed.
//
// Errors are values (ExecResult, executor.hpp); messages never hold keys.
// Time is the caller's event time (ms). One thread at a time. Allocates.
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/executor/executor.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/executor/order.hpp"
#include "perpx/executor/risk.hpp"
#include "perpx/executor/venue.hpp"

namespace perpx::executor {

// The book's own order types beyond Order's limit and time in force.
struct BookTrigger {
  core::U256 trigger_price;  // USD, 1e18
  bool take_profit = false;  // tp (else sl)
  bool is_market = true;     // fills as a market order once triggered (else a limit at Order::limit_price)
};
struct BookTwap {
  uint32_t minutes = 0;      // the venue's native TWAP over this long
  bool randomize = false;
};
struct BookOrder {
  Order order;
  std::optional<BookTrigger> trigger;  // a trigger order (tif does not apply)
  std::optional<BookTwap> twap;        // a TWAP (limit price and tif do not apply; size, side, reduce-only do)
};

// What the venue says of one order.
enum class BookState : uint8_t {
  kResting,      // on the book (or a trigger waiting)
  kFilled,       // filled (IOC: what could fill did; filled_size says how much)
  kTwapRunning,  // a TWAP is working
  kCancelled,    // gone without (more) fill: an IOC with nothing to match, a cancel
  kRejected,     // refused (error says why: margin, minimum value, post-only would cross, ...)
  kUnknown,      // lookup: the venue has never seen this order
};
std::string_view book_state_name(BookState s) noexcept;  // "resting", "filled", "twap_running", ...

struct BookReport {
  BookState state = BookState::kUnknown;
  std::string venue_order_id;  // oid, twapId
  std::string filled_size;     // decimal, as the venue wrote it ("" when none)
  std::string avg_price;
  std::string error;           // kRejected/kCancelled: the venue's message
};

enum class [[nodiscard]] BookErrc {
  kInvalid,         // the order cannot be written for this venue (unknown market, rounds to zero, ...)
  kTransport,       // could not reach the venue; nothing was taken
  kRateLimited,     // the venue refused for a rate limit (retry_after when it said)
  kRejected,        // the venue refused the whole request (bad signature, unknown user)
  kBadReply,        // the venue's reply cannot be read (for a send: see kOutcomeUnknown)
  kOutcomeUnknown,  // the request may have been taken: look it up, never resend blindly
  kNonce,           // no nonce could be taken (the nonce journal)
};
std::string_view describe(BookErrc e) noexcept;

struct BookError {
  BookErrc code = BookErrc::kTransport;
  std::string message;  // what failed and where; never a key
  std::chrono::milliseconds retry_after{0};
};
template <class T>
using BookResult = std::expected<T, BookError>;

// A request ready to leave: the exact body, its nonce and the venue's id for the order.
struct BookRequest {
  std::string body;           // e.g. the signed /exchange JSON
  uint64_t nonce = 0;
  std::string venue_client_id;  // e.g. the cloid ("" for kinds without one: TWAP)
};

class BookVenue {
 public:
  virtual ~BookVenue() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;  // as Order::venue

  virtual VenueResult<VenueMarket> market(std::string_view market) = 0;
  // The account now, and after `o` filled at its limit (for the risk gate).
  virtual VenueResult<VenueProjection> project(const Order& o) = 0;

  // The request for `o` (signed; takes a nonce). Pure but for the nonce.
  virtual BookResult<BookRequest> prepare(const BookOrder& o) = 0;
  // Sends it; the venue's status for the order.
  virtual BookResult<BookReport> send(const BookRequest& r) = 0;
  // What the venue knows of the order `r` carried (kUnknown: never seen).
  virtual BookResult<BookReport> lookup(const BookRequest& r) = 0;
};

struct BookExecutorOptions {
  // Tests and drills: stop as if the process died there ("after_journal":
  // the request journalled, not sent; "after_send": sent, the reply not yet
  // journalled). The hook may kill the process; if it returns, place()
  // returns as a crash would leave things (the order open in the journal).
  Failpoint failpoint;
  std::string stop_at;  // in-process stand-in for a crash: "after_journal" | "after_send"
};

// What place() and recover() did with one order.
struct BookPlaced {
  int64_t order_id = 0;
  std::string state;       // the journal state now
  BookReport report;       // the venue's word (state kUnknown when it was not asked)
  bool existing = false;   // the client id was journalled before: no new request left
};

class BookExecutor {
 public:
  BookExecutor(BookVenue& venue, Journal& journal, KillSwitch& kill_switch, BookExecutorOptions options = {});

  void set_risk(RiskGate* gate, const Fencing* fencing) {
    risk_ = gate;
    fencing_ = fencing;
  }
  void set_mark_source(MarkSource marks) { marks_ = std::move(marks); }

  // Steps 1-4 above. An order the journal already has under its client id
  // is not placed again: it is reconciled (as recover does) and returned.
  ExecResult<BookPlaced> place(const BookOrder& o, uint64_t now_ms);
  // Every open order of this venue in the journal, reconciled (step 5).
  ExecResult<std::vector<BookPlaced>> recover(uint64_t now_ms);

 private:
  ExecResult<BookPlaced> route(int64_t id, const BookOrder& o, uint64_t now_ms);
  ExecResult<BookPlaced> send_journalled(int64_t id, const BookRequest& req, bool resend, uint64_t now_ms);
  ExecResult<BookPlaced> reconcile(const OrderRecord& rec, uint64_t now_ms);
  std::expected<std::optional<Approved>, std::string> check_risk(const Order& o, const VenueMarket& m,
                                                                 const VenueProjection& p, uint64_t now_ms);
  ExecError reject(int64_t id, ExecErrc code, std::string why, uint64_t now_ms);
  BookPlaced settle(int64_t id, const BookReport& r, uint64_t now_ms);
  bool stop(std::string_view where);

  BookVenue* venue_;
  Journal* journal_;
  KillSwitch* kill_;
  BookExecutorOptions options_;
  RiskGate* risk_ = nullptr;
  const Fencing* fencing_ = nullptr;
  MarkSource marks_;
};

// The journal state a venue report moves an order to.
std::string_view journal_state(BookState s) noexcept;

}  // namespace perpx::executor
