#include "perpx/strategies/carry.hpp"

#include <algorithm>
#include <cmath>

#include "fmt.hpp"
#include "json_fields.hpp"
#include "overload.hpp"
#include "perpx/strategies/impact.hpp"
#include "perpx/strategies/portfolio.hpp"

namespace perpx::strategies {

using core::I256;
using core::Json;
using core::U256;
using executor::Side;
using executor::Urgency;
using detail::Overload;

std::string_view carry_state_name(CarryState s) noexcept {
  switch (s) {
    case CarryState::kFlat: return "flat";
    case CarryState::kOpening: return "opening";
    case CarryState::kOpen: return "open";
    case CarryState::kClosing: return "closing";
    case CarryState::kUnwinding: return "unwinding";
  }
  return "?";
}

Json to_json(const CarryConfig& c) {
  Json j = Json::object();
  j["name"] = c.name;
  j["perp_venue"] = c.perp_venue;
  j["perp_market"] = c.perp_market;
  j["spot_venue"] = c.spot_venue;
  j["spot_pair"] = c.spot_pair;
  j["size"] = core::to_decimal(c.size);
  j["holding_days"] = c.holding_days;
  j["borrow_rate_per_day"] = c.borrow_rate_per_day;
  j["round_trip_fee_bps"] = c.round_trip_fee_bps;
  j["gas_usd"] = c.gas_usd;
  j["threshold_usd"] = c.threshold_usd;
  j["window"] = c.window;
  j["min_history"] = c.min_history;
  j["vol_haircut"] = c.vol_haircut;
  j["basis_limit_bps"] = c.basis_limit_bps;
  j["leg_slippage_bps"] = c.leg_slippage_bps;
  j["cooldown_us"] = c.cooldown_us;
  return j;
}

std::expected<CarryConfig, std::string> carry_config_from_json(const Json& j) {
  using namespace detail;
  if (!j.is_object()) return std::unexpected("carry config: not an object");
  Reader r;
  CarryConfig c;
  c.name = r(get_string(j, "name"));
  c.perp_venue = r(get_string(j, "perp_venue"));
  c.perp_market = r(get_string(j, "perp_market"));
  c.spot_venue = r(get_string(j, "spot_venue"));
  c.spot_pair = r(get_string(j, "spot_pair"));
  c.size = r(get_u256(j, "size"));
  c.holding_days = r(get_double(j, "holding_days"));
  c.borrow_rate_per_day = r(get_double(j, "borrow_rate_per_day"));
  c.round_trip_fee_bps = r(get_u32(j, "round_trip_fee_bps"));
  c.gas_usd = r(get_double(j, "gas_usd"));
  c.threshold_usd = r(get_double(j, "threshold_usd"));
  c.window = r(get_u32(j, "window"));
  c.min_history = r(get_u32(j, "min_history"));
  c.vol_haircut = r(get_double(j, "vol_haircut"));
  c.basis_limit_bps = r(get_u32(j, "basis_limit_bps"));
  c.leg_slippage_bps = r(get_u32(j, "leg_slippage_bps"));
  c.cooldown_us = r(get_u64(j, "cooldown_us"));
  if (!r.error.empty()) return std::unexpected("carry config: " + r.error);
  if (c.size.is_zero()) return std::unexpected("carry config: size: must be > 0");
  if (c.window == 0 || c.min_history > c.window)
    return std::unexpected("carry config: min_history: must be <= window (and window > 0)");
  return c;
}

FundingCarry::FundingCarry(CarryConfig config, const Book& book) : config_(std::move(config)) {
  // Positions the account already holds are not the carry's: it starts flat.
  (void)book;
}

CarryEstimate FundingCarry::estimate() const {
  CarryEstimate e;
  e.samples = rates_.size();
  if (rates_.empty()) return e;
  const double n = static_cast<double>(rates_.size());
  double sum = 0;
  size_t positive = 0;
  for (double r : rates_) {
    sum += r;
    if (r > 0) ++positive;
  }
  e.mean = sum / n;
  double ss = 0;
  for (double r : rates_) ss += (r - e.mean) * (r - e.mean);
  e.stdev = rates_.size() > 1 ? std::sqrt(ss / (n - 1)) : 0;
  e.persistence = static_cast<double>(positive) / n;
  if (spot_) {
    const double notional = to_double(config_.size) * to_double(*spot_);
    e.edge_usd = notional * config_.holding_days *
                     (e.persistence * (e.mean - config_.vol_haircut * e.stdev) - config_.borrow_rate_per_day) -
                 notional * config_.round_trip_fee_bps / 1e4 - config_.gas_usd;
  }
  return e;
}

std::optional<double> FundingCarry::basis_bps() const {
  if (!spot_ || !mark_ || spot_->is_zero()) return std::nullopt;
  return (to_double(*mark_) - to_double(*spot_)) / to_double(*spot_) * 1e4;
}

Decision FundingCarry::leg(bool spot, Side side, const U256& size, bool reduce_only, Urgency u, const std::string& id,
                           std::string why) const {
  Decision d;
  auto& o = d.order;
  o.venue = spot ? config_.spot_venue : config_.perp_venue;
  o.market = spot ? config_.spot_pair : config_.perp_market;
  o.side = side;
  o.size = size;
  o.limit_price = budget_price(spot ? *spot_ : *mark_, side, config_.leg_slippage_bps);
  o.tif = executor::TimeInForce::kIoc;
  o.reduce_only = reduce_only;
  o.urgency = u;
  o.path = executor::Path::kAuto;
  o.strategy = config_.name;
  o.client_id = id;
  d.why = std::move(why);
  return d;
}

std::vector<Decision> FundingCarry::maybe_open(uint64_t time_us) {
  if (state_ != CarryState::kFlat || !spot_ || !mark_) return {};
  if (flat_since_us_ && time_us < *flat_since_us_ + config_.cooldown_us) return {};
  const auto e = estimate();
  const auto basis = basis_bps();
  if (e.samples < config_.min_history || e.edge_usd < config_.threshold_usd || !basis ||
      std::fabs(*basis) > config_.basis_limit_bps)
    return {};
  ++seq_;
  const std::string base = config_.name + "-" + std::to_string(seq_);
  const std::string why = "open carry: edge " + detail::num(e.edge_usd) + " USD over " +
                          detail::num(config_.holding_days) + " d (mean " + detail::num(e.mean) + "/d, stdev " +
                          detail::num(e.stdev) + ", persistence " + detail::num(e.persistence) + ", basis " +
                          detail::num(*basis) + " bps)";
  std::vector<Decision> out;
  out.push_back(leg(true, Side::kBuy, config_.size, false, Urgency::kNormal, base + "-spot", why + ": spot leg"));
  out.push_back(leg(false, Side::kSell, config_.size, false, Urgency::kNormal, base + "-perp", why + ": perp leg"));
  legs_.clear();
  for (const auto& d : out) legs_.push_back(Leg{d.order});
  state_ = CarryState::kOpening;
  return out;
}

std::vector<Decision> FundingCarry::flatten(Urgency u, const std::string& why, uint64_t time_us) {
  std::vector<Decision> out;
  legs_.clear();
  if (spot_pos_.is_zero() && perp_pos_.is_zero()) {
    state_ = CarryState::kFlat;
    flat_since_us_ = time_us;
    return out;
  }
  ++seq_;
  const std::string base = config_.name + "-" + std::to_string(seq_);
  if (!spot_pos_.is_zero() && spot_) {
    const Side s = spot_pos_.negative() ? Side::kBuy : Side::kSell;
    out.push_back(leg(true, s, spot_pos_.abs(), true, u, base + "-spot", why + ": spot leg"));
  }
  if (!perp_pos_.is_zero() && mark_) {
    const Side s = perp_pos_.negative() ? Side::kBuy : Side::kSell;
    out.push_back(leg(false, s, perp_pos_.abs(), true, u, base + "-perp", why + ": perp leg"));
  }
  for (const auto& d : out) legs_.push_back(Leg{d.order});
  return out;
}

std::vector<Decision> FundingCarry::maybe_exit(uint64_t time_us) {
  if (state_ != CarryState::kOpen) return {};
  const auto basis = basis_bps();
  std::string why;
  if (last_rate_ && !(I256{0} < *last_rate_)) why = "close carry: funding flipped to " + detail::wad(*last_rate_) + "/d";
  else if (basis && std::fabs(*basis) > config_.basis_limit_bps)
    why = "close carry: basis " + detail::num(*basis) + " bps past " + std::to_string(config_.basis_limit_bps);
  if (why.empty()) return {};
  state_ = CarryState::kClosing;
  return flatten(Urgency::kNormal, why, time_us);
}

std::vector<Decision> FundingCarry::after_leg_update(uint64_t time_us) {
  const bool pending = std::any_of(legs_.begin(), legs_.end(), [](const Leg& l) { return l.status == Leg::Status::kPending; });
  if (pending) return {};
  const bool all_filled = std::all_of(legs_.begin(), legs_.end(), [](const Leg& l) { return l.status == Leg::Status::kFilled; });
  switch (state_) {
    case CarryState::kOpening:
      if (all_filled) {
        state_ = CarryState::kOpen;
        legs_.clear();
        return {};
      }
      state_ = CarryState::kUnwinding;
      return flatten(Urgency::kUrgent, "unwind carry: a leg failed, the other is undone", time_us);
    case CarryState::kClosing:
    case CarryState::kUnwinding:
      // Whatever is still held goes again (a failed closing leg), until flat.
      return flatten(state_ == CarryState::kClosing ? Urgency::kNormal : Urgency::kUrgent,
                     std::string(state_ == CarryState::kClosing ? "close" : "unwind") + " carry: again, a leg failed",
                     time_us);
    default: return {};
  }
}

std::vector<Decision> FundingCarry::on_event(const Event& e) {
  std::vector<Decision> out;
  auto append = [&](std::vector<Decision> d) {
    for (auto& x : d) out.push_back(std::move(x));
  };
  std::visit(Overload{
                 [&](const FundingEvent& f) {
                   if (f.market != config_.perp_market) return;
                   rates_.push_back(to_double(f.rate_per_day));
                   while (rates_.size() > config_.window) rates_.pop_front();
                   last_rate_ = f.rate_per_day;
                   append(maybe_exit(f.time_us));
                   append(maybe_open(f.time_us));
                 },
                 [&](const SpotEvent& s) {
                   if (s.pair != config_.spot_pair) return;
                   spot_ = s.price;
                   append(maybe_exit(s.time_us));
                   append(maybe_open(s.time_us));
                 },
                 [&](const PriceEvent& p) {
                   if (p.market != config_.perp_market) return;
                   mark_ = p.price;
                   append(maybe_exit(p.time_us));
                   append(maybe_open(p.time_us));
                 },
                 [&](const FillEvent& f) {
                   for (auto& l : legs_) {
                     if (l.order.client_id != f.client_id || l.status != Leg::Status::kPending) continue;
                     l.status = Leg::Status::kFilled;
                     (l.order.venue == config_.spot_venue ? spot_pos_ : perp_pos_) += f.size;
                     append(after_leg_update(f.time_us));
                     return;
                   }
                 },
                 [&](const OrderFailedEvent& f) {
                   for (auto& l : legs_) {
                     if (l.order.client_id != f.client_id || l.status != Leg::Status::kPending) continue;
                     l.status = Leg::Status::kFailed;
                     append(after_leg_update(f.time_us));
                     return;
                   }
                 },
                 [](const auto&) {}},
             e);
  return out;
}

}  // namespace perpx::strategies
