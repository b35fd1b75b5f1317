#pragma once
// Trips: the kill switch's automatic triggers, fed by what a running session
// sees at each head, so that a change acts on the event that caused it:
//   oracle   every new sample of a traded market's feeds goes through that
//            market's sanity pipeline (oracle/pipeline.hpp); a rejected
//            sample counts toward the kill switch's rejected burst
//            (REDUCING), a lost quorum halts (HALTED: no price to trade on).
//            Before a market's quorum has first held (a session's start,
//            sources still arriving) there is nothing to lose: no trip, and
//            no mark, so the risk gate refuses that market's orders (kNoMark)
//   margin   the account as the venue reads it: equity below maintenance
//            plus margin_buffer_bps (or at or below zero with any
//            maintenance) -> REDUCING
//   drawdown loss since the UTC day's starting equity, in bps of it (the
//            start is journalled once per day: Journal::day_start_equity,
//            the same figure the risk gate's daily loss uses) -> REDUCING
//            or HALTED by KillSwitchConfig's levels
// A traded market is one that has sources here: a session registers feeds
// for the markets it trades. Every change is journalled (trading_state,
// with its cause and detail) before the call returns it, so the caller
// checks the next order (and every order still waiting on this event)
// against the new state.
//
// The pipeline marks (1e18) are what the risk gate's price band and margin
// use for these markets (Executor::set_mark_source): none while the
// quorum is lost (fail closed).
//
// Deterministic on the caller's event time (ms) and the samples' times.
// Sources are registered before samples arrive (allocates); on_sample
// allocates only for the changes it returns. One thread.
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/feeds.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/executor/venue.hpp"
#include "perpx/oracle/pipeline.hpp"

namespace perpx::executor {

enum class [[nodiscard]] TripErrc {
  kUnknownSource,  // no such market or source registered
  kBadSample,      // the feed's price does not fit the oracle's fixed point (nothing was processed)
  kJournal,        // a change could not be journalled (the kill switch has moved: stop trading)
};
std::string_view describe(TripErrc e) noexcept;

struct TripError {
  TripErrc code = TripErrc::kBadSample;
  std::string message;
};
template <class T>
using TripResult = std::expected<T, TripError>;

struct TripConfig {
  uint32_t margin_buffer_bps = 2000;  // as the risk gate's (RiskConfig::margin_buffer_bps)
  std::string venue = "ref";          // whose account on_account() reads (the day's start is per venue)
};

// One sample's outcome.
struct SampleOutcome {
  oracle::Decision decision;
  std::vector<StateChange> changes;  // journalled
};

// A feed's reading as the oracle's sample (1e-9 fixed point, seconds to us).
std::expected<oracle::Sample, std::string> sample_of(const chain::PriceSample& s, oracle::SourceId source);

class Trips {
 public:
  Trips(KillSwitch& kill, Journal& journal, TripConfig config = {}) : kill_(&kill), journal_(&journal), config_(config) {}

  // A source of a traded market; the market's parameters count from its first source.
  oracle::SourceId add_source(std::string_view market, std::string name, const oracle::MarketParams& params = {},
                              const oracle::Thresholds& thresholds = {});
  [[nodiscard]] bool trades(std::string_view market) const noexcept { return markets_.contains(market); }
  [[nodiscard]] std::vector<std::string> markets() const;

  // A new sample of `source` (registered for `market`).
  TripResult<SampleOutcome> on_sample(std::string_view market, oracle::SourceId source, const chain::PriceSample& s,
                                      uint64_t now_ms);
  // The L2 sequencer's status for a market's pipeline.
  void on_sequencer(std::string_view market, bool up, int64_t since_us);

  // The account at a head: the margin buffer, then the drawdown.
  TripResult<std::vector<StateChange>> on_account(const VenueAccount& account, uint64_t now_ms);

  // The market's mark (1e18), none without a quorum or for a market not traded here.
  [[nodiscard]] std::optional<core::U256> mark(std::string_view market) const;

 private:
  TripResult<void> journal(std::optional<StateChange> change, std::vector<StateChange>& out);

  KillSwitch* kill_;
  Journal* journal_;
  TripConfig config_;
  struct Market {
    oracle::Pipeline pipe;
    bool held = false;  // the quorum has held once: only then is its loss a trip
  };
  std::map<std::string, Market, std::less<>> markets_;
};

}  // namespace perpx::executor
