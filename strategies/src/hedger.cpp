#include "perpx/strategies/hedger.hpp"

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

namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

U256 round_down(const U256& v, const U256& step) { return step.is_zero() ? v : v / step * step; }

// v * f for 0 <= f <= 1, at 1e-9 resolution (statistics to money at one boundary).
U256 scale(const U256& v, double f) {
  f = std::clamp(f, 0.0, 1.0);
  const auto ppb = static_cast<uint64_t>(std::llround(f * 1e9));
  return v * U256{ppb} / U256{1'000'000'000ull};
}

}  // namespace

Json to_json(const HedgerConfig& c) {
  Json j = Json::object();
  j["name"] = c.name;
  j["venue"] = c.venue;
  j["market"] = c.market;
  j["spot_pairs"] = c.spot_pairs;
  j["band"] = core::to_decimal(c.band);
  j["min_hedge"] = core::to_decimal(c.min_hedge);
  j["max_hedge"] = core::to_decimal(c.max_hedge);
  j["size_step"] = core::to_decimal(c.size_step);
  j["vol_window"] = c.vol_window;
  j["vol_ref"] = c.vol_ref;
  j["slippage_budget_bps"] = c.slippage_budget_bps;
  j["fast_bps_per_s"] = c.fast_bps_per_s;
  j["speed_window_us"] = c.speed_window_us;
  j["urgent_sigma"] = c.urgent_sigma;
  j["critical_sigma"] = c.critical_sigma;
  j["urgent_path"] = std::string(executor::path_name(c.urgent_path));
  j["normal_path"] = std::string(executor::path_name(c.normal_path));
  j["max_retries"] = c.max_retries;
  return j;
}

std::expected<HedgerConfig, std::string> hedger_config_from_json(const Json& j) {
  using namespace detail;
  if (!j.is_object()) return std::unexpected("hedger config: not an object");
  Reader r;
  HedgerConfig c;
  c.name = r(get_string(j, "name"));
  c.venue = r(get_string(j, "venue"));
  c.market = r(get_string(j, "market"));
  c.spot_pairs.clear();
  if (!j.contains("spot_pairs") || !j["spot_pairs"].is_array()) r.error = r.error.empty() ? "spot_pairs: missing or not an array" : r.error;
  else
    for (const auto& p : j["spot_pairs"]) {
      if (!p.is_string()) {
        if (r.error.empty()) r.error = "spot_pairs: not a string";
        continue;
      }
      c.spot_pairs.push_back(p.get<std::string>());
    }
  c.band = r(get_u256(j, "band"));
  c.min_hedge = r(get_u256(j, "min_hedge"));
  c.max_hedge = r(get_u256(j, "max_hedge"));
  c.size_step = r(get_u256(j, "size_step"));
  c.vol_window = r(get_u32(j, "vol_window"));
  c.vol_ref = r(get_double(j, "vol_ref"));
  c.slippage_budget_bps = r(get_u32(j, "slippage_budget_bps"));
  c.fast_bps_per_s = r(get_double(j, "fast_bps_per_s"));
  c.speed_window_us = r(get_u64(j, "speed_window_us"));
  c.urgent_sigma = r(get_double(j, "urgent_sigma"));
  c.critical_sigma = r(get_double(j, "critical_sigma"));
  const auto up = r(get_string(j, "urgent_path"));
  const auto np = r(get_string(j, "normal_path"));
  c.max_retries = r(get_u32(j, "max_retries"));
  if (!r.error.empty()) return std::unexpected("hedger config: " + r.error);
  const auto u = executor::parse_path(up);
  const auto n = executor::parse_path(np);
  if (!u) return std::unexpected("hedger config: urgent_path: \"" + up + "\" is unknown");
  if (!n) return std::unexpected("hedger config: normal_path: \"" + np + "\" is unknown");
  c.urgent_path = *u;
  c.normal_path = *n;
  if (c.size_step.is_zero()) return std::unexpected("hedger config: size_step: must be > 0");
  if (c.min_hedge > c.max_hedge) return std::unexpected("hedger config: min_hedge: above max_hedge");
  return c;
}

DeltaHedger::DeltaHedger(HedgerConfig config, const Book& book)
    : config_(std::move(config)),
      model_(book.model),
      account_(book.account),
      prices_(book.prices),
      market_(market_index(book.model, config_.market)),
      now_us_(book.time_us) {
  prices_.resize(model_.market_count());
  if (market_) {
    const auto acc = model_.account(account_);
    if (*market_ < acc.positions.size()) delta_ = acc.positions[*market_].size;
  }
  for (const auto& [pair, held] : book.spot)
    if (contains(config_.spot_pairs, pair)) delta_ += held;
}

std::optional<double> DeltaHedger::vol() const {
  const size_t n = std::min<size_t>(window_.size(), config_.vol_window);
  std::vector<U256> px;
  px.reserve(n);
  for (size_t i = window_.size() - n; i < window_.size(); ++i) px.push_back(window_[i].second);
  return realised_vol(std::span<const U256>(px));
}

double DeltaHedger::speed_bps_per_s() const {
  if (window_.size() < 2) return 0;
  const auto& [t1, p1] = window_.back();
  // The base: the latest sample at or before the window's start (or the oldest kept).
  const uint64_t cutoff = t1 > config_.speed_window_us ? t1 - config_.speed_window_us : 0;
  size_t b = 0;
  for (size_t i = 0; i + 1 < window_.size(); ++i)
    if (window_[i].first <= cutoff) b = i;
  const auto& [t0, p0] = window_[b];
  if (t1 <= t0 || p0.is_zero() || p1.is_zero()) return 0;
  const double move = std::fabs(std::log(to_double(p1) / to_double(p0))) * 1e4;
  return move / (static_cast<double>(t1 - t0) / 1e6);
}

std::optional<double> DeltaHedger::liquidation_sigma() const {
  if (!market_) return std::nullopt;
  const auto acc = model_.account(account_);
  if (*market_ >= acc.positions.size() || acc.positions[*market_].size.is_zero()) return std::nullopt;
  const auto v = vol();
  if (!v || *v <= 0) return std::nullopt;
  const uint64_t now_s = now_us_ / 1'000'000;
  Portfolio pf(model_, {account_}, prices_, now_s);
  pf.set_vol(*market_, *v);
  for (const auto& p : pf.account(account_).positions)
    if (p.market == *market_) return p.distance_sigma;
  return std::nullopt;
}

std::string DeltaHedger::client_id(uint64_t seq, uint32_t retry) const {
  std::string id = config_.name + "-" + std::to_string(seq);
  if (retry > 0) id += "-r" + std::to_string(retry);
  return id;
}

std::optional<Decision> DeltaHedger::hedge(uint32_t retry) {
  if (!market_ || in_flight_) return std::nullopt;
  const size_t m = *market_;
  const U256& index = prices_[m];
  if (index.is_zero()) return std::nullopt;
  const U256 abs_delta = delta_.abs();
  if (abs_delta <= config_.band) return std::nullopt;
  const Side side = delta_.negative() ? Side::kBuy : Side::kSell;

  const auto v = vol();
  const double factor = v && *v > config_.vol_ref ? config_.vol_ref / *v : 1.0;
  const U256 residual = scale(config_.band, factor);
  U256 want = abs_delta - residual;
  want = std::min(std::max(want, config_.min_hedge), config_.max_hedge);
  want = round_down(std::min(want, abs_delta), config_.size_step);
  const auto fits = max_size_within_budget(model_, m, index, model_.market(m).skew, side, want,
                                           config_.slippage_budget_bps, config_.size_step);
  if (!fits || *fits < config_.min_hedge) return std::nullopt;

  const double speed = speed_bps_per_s();
  const auto sigma = liquidation_sigma();
  Urgency u = Urgency::kNormal;
  if (speed >= config_.fast_bps_per_s || (sigma && *sigma < config_.urgent_sigma)) u = Urgency::kUrgent;
  if (sigma && *sigma < config_.critical_sigma) u = Urgency::kCritical;

  if (retry == 0) ++seq_;
  Decision d;
  auto& o = d.order;
  o.venue = config_.venue;
  o.market = config_.market;
  o.side = side;
  o.size = *fits;
  o.limit_price = budget_price(index, side, config_.slippage_budget_bps);
  o.tif = executor::TimeInForce::kIoc;
  o.urgency = u;
  o.path = u == Urgency::kNormal ? config_.normal_path : config_.urgent_path;
  o.strategy = config_.name;
  o.client_id = client_id(seq_, retry);
  d.why = "delta " + detail::wad(delta_) + " outside band " + detail::wad(config_.band) + ": " +
          std::string(executor::side_name(side)) + " " + detail::wad(o.size) + " (want " + detail::wad(want) +
          ", vol " + (v ? detail::num(*v) : std::string("n/a")) + ", speed " + detail::num(speed) + " bps/s, liq " +
          (sigma ? detail::num(*sigma) : std::string("n/a")) + " sigma" + (retry ? ", retry " + std::to_string(retry) : "") +
          ")";
  in_flight_ = o;
  retry_ = retry;
  return d;
}

void DeltaHedger::apply_fill(const FillEvent& f) {
  const size_t m = *market_;
  const uint64_t now_s = std::max(now_us_, f.time_us) / 1'000'000;
  // The model follows our fills (position, margin, skew) so the liquidation
  // view stays the venue's; if the model refuses (its margin check), the skew still moves.
  if (!model_.trade(account_, m, f.size, f.price, prices_, now_s)) {
    auto s = model_.market(m);
    s.skew += f.size;
    model_.set_market_state(m, s);
  }
}

std::vector<Decision> DeltaHedger::on_event(const Event& e) {
  std::vector<Decision> out;
  now_us_ = std::max(now_us_, event_time_us(e));
  std::visit(Overload{
                 [&](const PriceEvent& p) {
                   if (const auto m = market_index(model_, p.market)) prices_[*m] = p.index;
                   if (p.market != config_.market) return;
                   window_.emplace_back(p.time_us, p.index);
                   const uint64_t cutoff = p.time_us > config_.speed_window_us ? p.time_us - config_.speed_window_us : 0;
                   while (window_.size() > std::max<size_t>(config_.vol_window, 2) && window_[1].first <= cutoff)
                     window_.pop_front();
                   if (auto d = hedge(0)) out.push_back(std::move(*d));
                 },
                 [&](const FillEvent& f) {
                   if (market_ && f.market == config_.market) {
                     delta_ += f.size;
                     apply_fill(f);
                   } else if (contains(config_.spot_pairs, f.market)) {
                     delta_ += f.size;
                   }
                   if (in_flight_ && in_flight_->client_id == f.client_id) {
                     in_flight_.reset();
                     retry_ = 0;
                   }
                 },
                 [&](const OrderFailedEvent& f) {
                   if (!in_flight_ || in_flight_->client_id != f.client_id) return;
                   in_flight_.reset();
                   if (retry_ < config_.max_retries) {
                     if (auto d = hedge(retry_ + 1)) {
                       d->why += "; after " + f.client_id + " failed: " + f.reason;
                       out.push_back(std::move(*d));
                     }
                   } else {
                     retry_ = 0;  // dropped: the next price starts a new sequence
                   }
                 },
                 [](const auto&) {}},
             e);
  return out;
}

}  // namespace perpx::strategies
