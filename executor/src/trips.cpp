#include "perpx/executor/trips.hpp"

#include <algorithm>

namespace perpx::executor {

namespace {

const core::U256 kBps{10'000};

std::string reasons_text(oracle::ReasonSet r) {
  std::string s;
  for (size_t k = 0; k < oracle::kReasonCount; ++k)
    if (r.has(static_cast<oracle::Reason>(k))) s += (s.empty() ? "" : ",") + std::string(oracle::reason_name(static_cast<oracle::Reason>(k)));
  return s;
}

}  // namespace

std::string_view describe(TripErrc e) noexcept {
  switch (e) {
    case TripErrc::kUnknownSource: return "unknown oracle source";
    case TripErrc::kBadSample: return "bad oracle sample";
    case TripErrc::kJournal: return "journal refused";
  }
  return "?";
}

std::expected<oracle::Sample, std::string> sample_of(const chain::PriceSample& in, oracle::SourceId source) {
  oracle::Sample s;
  s.source = source;
  s.block_num = in.block_number;
  // Seconds far past any real clock are clamped (the future check rejects them) rather than overflowed.
  s.time_us = static_cast<int64_t>(std::min<uint64_t>(in.publish_time, 9'000'000'000'000ull)) * oracle::kMicrosPerSecond;
  auto price = oracle::from_fixed(in.price);
  if (!price) return std::unexpected("price: " + std::string(oracle::describe(price.error())));
  s.price = *price;
  if (in.conf)
    if (auto c = oracle::from_fixed(*in.conf, false, in.price.exponent)) s.conf = *c;
  if (in.source == chain::FeedSource::kChainlink) {
    if (in.round_id.fits_u64() && in.answered_in_round.fits_u64()) {
      s.round_id = in.round_id.w[0];
      s.answered_in_round = in.answered_in_round.w[0];
    } else if (in.answered_in_round < in.round_id) {  // uint80 rounds (phase << 64): only the order matters
      s.round_id = 1;
      s.answered_in_round = 0;
    }
  }
  return s;
}

oracle::SourceId Trips::add_source(std::string_view market, std::string name, const oracle::MarketParams& params,
                                   const oracle::Thresholds& thresholds) {
  auto it = markets_.find(market);
  if (it == markets_.end()) it = markets_.emplace(std::string(market), Market{oracle::Pipeline(params), false}).first;
  return it->second.pipe.add_source(std::move(name), thresholds);
}

std::vector<std::string> Trips::markets() const {
  std::vector<std::string> out;
  for (const auto& [m, p] : markets_) out.push_back(m);
  return out;
}

TripResult<void> Trips::journal(std::optional<StateChange> change, std::vector<StateChange>& out) {
  if (!change) return {};
  if (auto r = journal_->add_state_change(*change); !r)
    return std::unexpected(TripError{TripErrc::kJournal, r.error().message});
  out.push_back(std::move(*change));
  return {};
}

TripResult<SampleOutcome> Trips::on_sample(std::string_view market, oracle::SourceId source,
                                           const chain::PriceSample& in, uint64_t now_ms) {
  auto it = markets_.find(market);
  if (it == markets_.end() || source >= it->second.pipe.source_count())
    return std::unexpected(TripError{TripErrc::kUnknownSource, "no source " + std::to_string(source) + " for market " +
                                                                   std::string(market)});
  oracle::Pipeline& pipe = it->second.pipe;
  auto s = sample_of(in, source);
  if (!s) return std::unexpected(TripError{TripErrc::kBadSample, pipe.source_name(source) + ": " + s.error()});
  SampleOutcome out;
  out.decision = pipe.process(*s);
  const bool held_before = it->second.held;
  if (out.decision.reference) it->second.held = true;
  for (uint8_t k = 0; k < out.decision.event_count; ++k) {
    const oracle::Event& e = out.decision.events[k];
    std::optional<StateChange> c;
    if (e.kind == oracle::EventKind::kRejected)
      c = kill_->on_oracle_rejected(market, pipe.source_name(e.source) + ": " + reasons_text(e.reasons), now_ms);
    else if (e.kind == oracle::EventKind::kNoQuorum && held_before)
      c = kill_->on_oracle_no_quorum(market, now_ms);
    if (auto r = journal(std::move(c), out.changes); !r) return std::unexpected(r.error());
  }
  return out;
}

void Trips::on_sequencer(std::string_view market, bool up, int64_t since_us) {
  if (auto it = markets_.find(market); it != markets_.end()) it->second.pipe.on_sequencer(up, since_us);
}

TripResult<std::vector<StateChange>> Trips::on_account(const VenueAccount& a, uint64_t now_ms) {
  std::vector<StateChange> out;
  // Margin: equity above maintenance by the buffer (the risk gate's rule, on the account as it is).
  const core::U256& mm = a.maintenance_margin;
  if (!mm.is_zero()) {
    const core::U256 need = mm * (kBps + core::U256{config_.margin_buffer_bps}) / kBps;
    const bool breached = a.equity <= core::I256{0} || a.equity.abs() < need;
    if (breached) {
      auto c = kill_->on_margin_buffer(true,
                                       "equity " + core::wad_to_string(a.equity) + " USD < maintenance " +
                                           core::wad_to_string(mm) + " USD + " +
                                           std::to_string(config_.margin_buffer_bps) + " bps",
                                       now_ms);
      if (auto r = journal(std::move(c), out); !r) return std::unexpected(r.error());
    }
  }
  // Drawdown from the day's journalled start.
  auto start = journal_->day_start_equity(config_.venue, now_ms / 86'400'000, a.equity, now_ms);
  if (!start) return std::unexpected(TripError{TripErrc::kJournal, start.error().message});
  if (*start > core::I256{0} && a.equity < *start) {
    const core::U256 loss = (*start - a.equity).abs();
    const core::U256 bps = loss * kBps / start->abs();
    const uint32_t loss_bps = bps > core::U256{1'000'000'000} ? 1'000'000'000u : static_cast<uint32_t>(bps.w[0]);
    if (auto r = journal(kill_->on_drawdown(loss_bps, now_ms), out); !r) return std::unexpected(r.error());
  }
  return out;
}

std::optional<core::U256> Trips::mark(std::string_view market) const {
  auto it = markets_.find(market);
  if (it == markets_.end()) return std::nullopt;
  auto m = it->second.pipe.mark();
  if (!m || m->raw <= 0) return std::nullopt;
  return core::U256{static_cast<uint64_t>(m->raw)} * core::U256{1'000'000'000};
}

}  // namespace perpx::executor
