#include "perpx/strategies/slicer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fmt.hpp"
#include "json_fields.hpp"
#include "overload.hpp"
#include "perpx/strategies/impact.hpp"

namespace perpx::strategies {

using core::I256;
using core::Json;
using core::U256;
using executor::Side;
using detail::Overload;

std::string_view slice_mode_name(SliceMode m) noexcept { return m == SliceMode::kTwap ? "twap" : "vwap"; }

Json to_json(const SlicerConfig& c) {
  Json j = Json::object();
  j["name"] = c.name;
  Decision parent{c.parent, ""};
  j["parent"] = decision_to_json(parent)["order"];
  j["mode"] = std::string(slice_mode_name(c.mode));
  j["start_us"] = c.start_us;
  j["interval_us"] = c.interval_us;
  j["slices"] = c.slices;
  j["weights"] = c.weights;
  j["budget_bps"] = c.budget_bps;
  j["limit"] = c.limit;
  j["size_step"] = core::to_decimal(c.size_step);
  return j;
}

std::expected<SlicerConfig, std::string> slicer_config_from_json(const Json& j) {
  using namespace detail;
  if (!j.is_object()) return std::unexpected("slicer config: not an object");
  if (!j.contains("parent")) return std::unexpected("slicer config: parent: missing");
  Json wrapped = Json::object();
  wrapped["order"] = j["parent"];
  wrapped["why"] = "";
  auto parent = decision_from_json(wrapped);
  if (!parent) return std::unexpected("slicer config: parent: " + parent.error());
  Reader r;
  SlicerConfig c;
  c.parent = parent->order;
  c.name = r(get_string(j, "name"));
  const auto mode = r(get_string(j, "mode"));
  c.start_us = r(get_u64(j, "start_us"));
  c.interval_us = r(get_u64(j, "interval_us"));
  c.slices = r(get_u32(j, "slices"));
  c.budget_bps = r(get_u32(j, "budget_bps"));
  c.limit = r(get_bool(j, "limit"));
  c.size_step = r(get_u256(j, "size_step"));
  if (!j.contains("weights") || !j["weights"].is_array()) r(std::expected<int, std::string>(std::unexpected("weights: missing or not an array")));
  else
    for (const auto& w : j["weights"]) {
      if (!w.is_number()) {
        r(std::expected<int, std::string>(std::unexpected("weights: not a number")));
        break;
      }
      c.weights.push_back(w.get<double>());
    }
  if (!r.error.empty()) return std::unexpected("slicer config: " + r.error);
  if (mode == "twap") c.mode = SliceMode::kTwap;
  else if (mode == "vwap") c.mode = SliceMode::kVwap;
  else return std::unexpected("slicer config: mode: \"" + mode + "\" is not twap or vwap");
  if (c.slices == 0) return std::unexpected("slicer config: slices: must be > 0");
  if (c.size_step.is_zero()) return std::unexpected("slicer config: size_step: must be > 0");
  if (c.mode == SliceMode::kVwap) {
    if (c.weights.size() != c.slices) return std::unexpected("slicer config: weights: one per slice");
    if (std::any_of(c.weights.begin(), c.weights.end(), [](double w) { return !(w >= 0); }) ||
        std::accumulate(c.weights.begin(), c.weights.end(), 0.0) <= 0)
      return std::unexpected("slicer config: weights: must be >= 0 and not all 0");
  }
  return c;
}

Slicer::Slicer(SlicerConfig config, const Book& book)
    : config_(std::move(config)), model_(book.model), market_(market_index(book.model, config_.parent.market)) {
  if (market_) skew0_ = model_.market(*market_).skew;
}

U256 Slicer::scheduled(uint32_t slice) const {
  const U256& size = config_.parent.size;
  if (slice + 1 >= config_.slices) return size;
  if (config_.mode == SliceMode::kTwap) return size * U256{slice + 1} / U256{config_.slices};
  const double total = std::accumulate(config_.weights.begin(), config_.weights.end(), 0.0);
  const double cum = std::accumulate(config_.weights.begin(), config_.weights.begin() + slice + 1, 0.0);
  const auto ppb = static_cast<uint64_t>(std::llround(std::clamp(cum / total, 0.0, 1.0) * 1e9));
  return size * U256{ppb} / U256{1'000'000'000ull};
}

bool Slicer::done() const noexcept { return filled_ >= config_.parent.size; }

I256 Slicer::worst_skew() const {
  U256 ours = filled_;
  if (in_flight_) ours = ours + in_flight_->size;
  return skew0_ + executor::signed_size(config_.parent.side, ours);
}

std::optional<Decision> Slicer::child(uint64_t time_us) {
  (void)time_us;
  if (!market_ || !arrival_ || in_flight_ || done() || next_slice_ == 0) return std::nullopt;
  const uint32_t slice = next_slice_ - 1;
  const U256 target = scheduled(slice);
  if (target <= filled_) return std::nullopt;
  const U256 cap = (target - filled_) / config_.size_step * config_.size_step;
  const Side side = config_.parent.side;
  U256 limit = budget_price(*arrival_, side, config_.budget_bps);
  // Never past the parent's own worst price.
  if (side == Side::kBuy) limit = std::min(limit, config_.parent.limit_price);
  else limit = std::max(limit, config_.parent.limit_price);
  const auto fits = max_size_within_limit(model_, *market_, index_, worst_skew(), side, cap, limit, config_.size_step);
  if (!fits) return std::nullopt;  // the slice rolls over

  // Every id once: a second child in the same slice (after a failure or a short fill) is "-r<k>".
  if (retry_slice_ == slice) {
    ++retries_;
  } else {
    retry_slice_ = slice;
    retries_ = 0;
  }
  Decision d;
  d.order = config_.parent;
  d.order.size = *fits;
  d.order.limit_price = config_.limit ? limit : config_.parent.limit_price;
  d.order.strategy = config_.name;
  d.order.client_id = config_.name + "-" + std::to_string(slice) + (retries_ ? "-r" + std::to_string(retries_) : "");
  const auto fill = model_.impact_price(*market_, index_, worst_skew(), executor::signed_size(side, *fits));
  d.why = std::string(slice_mode_name(config_.mode)) + " slice " + std::to_string(slice + 1) + "/" +
          std::to_string(config_.slices) + ": " + detail::wad(*fits) + " of " + detail::wad(target - filled_) +
          " due; worst fill " + (fill ? detail::wad(*fill) : std::string("n/a")) + " within " +
          std::to_string(config_.budget_bps) + " bps of arrival " + detail::wad(*arrival_);
  in_flight_ = d.order;
  return d;
}

std::vector<Decision> Slicer::on_event(const Event& e) {
  std::vector<Decision> out;
  std::visit(Overload{
                 [&](const PriceEvent& p) {
                   if (p.market != config_.parent.market) return;
                   if (!arrival_) arrival_ = p.index;
                   index_ = p.index;
                 },
                 [&](const TimerEvent& t) {
                   while (next_slice_ < config_.slices &&
                          t.time_us >= config_.start_us + uint64_t{next_slice_} * config_.interval_us)
                     ++next_slice_;
                   if (auto d = child(t.time_us)) out.push_back(std::move(*d));
                 },
                 [&](const FillEvent& f) {
                   if (!in_flight_ || in_flight_->client_id != f.client_id) return;
                   filled_ = filled_ + f.size.abs();
                   in_flight_.reset();
                 },
                 [&](const OrderFailedEvent& f) {
                   if (!in_flight_ || in_flight_->client_id != f.client_id) return;
                   in_flight_.reset();  // the next timer sends the slice's quantity again, "-r<k>"
                 },
                 [](const auto&) {}},
             e);
  return out;
}

}  // namespace perpx::strategies
