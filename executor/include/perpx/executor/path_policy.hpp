#pragma once
// PathPolicy: which path an order takes to the venue, and why.
//
// What a sandwich can take from an order is bounded by its slippage
// allowance: a searcher moves the price against the order up to its limit,
// so the value exposed to MEV is size * |limit - fill now| (USD). The policy
// weighs that against speed and cost:
//   a named path       that path, if the venue (or a relay) offers it
//   exposure below     public: nothing worth protecting, the cheapest and
//   max_public_exposure  fastest path
//   urgent, critical   private (a relay: next block, unseen), else
//                      commit-reveal (two blocks, unseen), else public
//   low, normal        batch (one clearing price for the window: nothing to
//                      sandwich), else commit-reveal, else private, else public
//   large against depth (size / depth over large_order_ppm), low or normal:
//                      batch first even when the exposure is small
// The choice carries its reasons (for the journal and logs). Pure.
#include <cstdint>
#include <expected>
#include <string>

#include "perpx/executor/order.hpp"
#include "perpx/executor/venue.hpp"

namespace perpx::executor {

struct PathPolicyConfig {
  core::U256 max_public_exposure = core::kWad * core::U256{5};  // USD: below this, public
  uint32_t large_order_ppm = 5'000;  // size / depth above 0.5%: a large order
};

struct PathChoice {
  Path path = Path::kPublic;
  core::U256 exposure;  // USD (1e18) a sandwich could take
  std::string reasons;  // JSON object: the inputs and the rule that chose
};

class PathPolicy {
 public:
  explicit PathPolicy(PathPolicyConfig config = {}) : config_(config) {}
  [[nodiscard]] const PathPolicyConfig& config() const noexcept { return config_; }

  // relay: a private relay is configured. An error names why a named path cannot be used.
  [[nodiscard]] std::expected<PathChoice, std::string> choose(const Order& o, const VenueMarket& m,
                                                              const core::U256& fill_price, const Venue& venue,
                                                              bool relay) const;

 private:
  PathPolicyConfig config_;
};

// size * |limit - fill| / 1e18.
core::U256 mev_exposure(const Order& o, const core::U256& fill_price) noexcept;

}  // namespace perpx::executor
