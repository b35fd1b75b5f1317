#include "perpx/executor/path_policy.hpp"

#include "perpx/core/json.hpp"

namespace perpx::executor {

core::U256 mev_exposure(const Order& o, const core::U256& fill) noexcept {
  // A buy pays up to its limit, a sell receives down to it; a limit already
  // through the fill price leaves nothing (the order would revert).
  const bool room = o.side == Side::kBuy ? o.limit_price > fill : fill > o.limit_price;
  if (!room) return core::U256{};
  const core::U256 slack = o.side == Side::kBuy ? o.limit_price - fill : fill - o.limit_price;
  return o.size * slack / core::kWad;
}

std::expected<PathChoice, std::string> PathPolicy::choose(const Order& o, const VenueMarket& m,
                                                          const core::U256& fill, const Venue& venue,
                                                          bool relay) const {
  auto offered = [&](Path p) { return p == Path::kPublic || (p == Path::kPrivate ? relay : venue.supports(p)); };
  PathChoice c;
  c.exposure = mev_exposure(o, fill);
  const bool large = !m.depth.is_zero() && o.size * core::U256{1'000'000} / m.depth > core::U256{config_.large_order_ppm};
  const bool fast = o.urgency >= Urgency::kUrgent;
  std::string rule;
  if (o.path != Path::kAuto) {
    if (!offered(o.path))
      return std::unexpected(std::string("path ") + std::string(path_name(o.path)) + " is not available on " +
                             std::string(venue.name()) + (o.path == Path::kPrivate ? " (no relay configured)" : ""));
    c.path = o.path;
    rule = "named";
  } else if (c.exposure <= config_.max_public_exposure && !(large && !fast)) {
    c.path = Path::kPublic;
    rule = "exposure below the public limit";
  } else {
    const Path fast_order[] = {Path::kPrivate, Path::kCommitReveal, Path::kPublic};
    const Path slow_order[] = {Path::kBatch, Path::kCommitReveal, Path::kPrivate, Path::kPublic};
    for (Path p : fast ? std::span<const Path>(fast_order) : std::span<const Path>(slow_order)) {
      if (!offered(p)) continue;
      c.path = p;
      break;
    }
    rule = fast ? "urgent: the fastest unseen path" : large ? "large against depth: batch first" : "exposed: the cheapest unseen path";
  }
  core::Json j{{"rule", rule},
               {"path", path_name(c.path)},
               {"urgency", urgency_name(o.urgency)},
               {"exposure_usd", core::wad_to_string(c.exposure)},
               {"max_public_exposure_usd", core::wad_to_string(config_.max_public_exposure)},
               {"size_over_depth_ppm", m.depth.is_zero() ? std::string("n/a")
                                                         : core::to_decimal(o.size * core::U256{1'000'000} / m.depth)},
               {"relay", relay},
               {"commit_reveal", venue.supports(Path::kCommitReveal)},
               {"batch", venue.supports(Path::kBatch)}};
  c.reasons = j.dump();
  return c;
}

}  // namespace perpx::executor
