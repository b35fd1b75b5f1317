#pragma once
// Strategy: a pure function of the events it is fed (events.hpp). It holds
// no I/O: it starts from a Book snapshot (the venue model with the account's
// positions, and its spot holdings), learns its positions from the fills it
// is told about, and returns Decisions (orders with a reason) for the caller
// to pass to the executor (risk gate, path policy, journal, send).
//
// Client ids are deterministic: "<strategy name>-<sequence>" (a retry adds
// "-r<k>"), so a replay makes the same ids and the executor's idempotency
// key holds across restarts of the same event stream.
//
// Single-threaded: the engine thread calls on_event in event order. No
// errors: an event that does not concern a strategy gives no decision.
// on_event allocates (its decisions).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/core/json.hpp"
#include "perpx/executor/order.hpp"
#include "perpx/strategies/events.hpp"
#include "perpx/venues/ref_model.hpp"

namespace perpx::strategies {

struct Decision {
  executor::Order order;
  std::string why;  // one line, for the journal and the demo's log
};

// What the strategies start from.
struct Book {
  venues::RefModel model;                               // the venue: market params and state, the account
  core::Address account;                                // whose positions
  std::vector<core::U256> prices;                       // each model market's index at the snapshot
  uint64_t time_us = 0;                                 // the snapshot's event time
  std::map<std::string, core::I256, std::less<>> spot;  // spot holdings by pair ("WETH/USD": base units, 1e18)
};

// The model's market index by name ("ETH-PERP"); none if it has no such market.
std::optional<size_t> market_index(const venues::RefModel& model, std::string_view market);

class Strategy {
 public:
  virtual ~Strategy();
  [[nodiscard]] virtual std::string_view name() const = 0;
  virtual std::vector<Decision> on_event(const Event& e) = 0;
};

// Several strategies fed the same events in the order added; their decisions
// concatenated in that order.
class StrategySet {
 public:
  void add(std::unique_ptr<Strategy> s) { strategies_.push_back(std::move(s)); }
  [[nodiscard]] size_t size() const noexcept { return strategies_.size(); }
  [[nodiscard]] Strategy& at(size_t i) const { return *strategies_.at(i); }
  std::vector<Decision> on_event(const Event& e);

 private:
  std::vector<std::unique_ptr<Strategy>> strategies_;
};

// A decision's wire form (every Order field, the reason); the recording
// compares decisions by it.
core::Json decision_to_json(const Decision& d);
std::expected<Decision, std::string> decision_from_json(const core::Json& j);

}  // namespace perpx::strategies
