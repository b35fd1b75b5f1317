#include "perpx/oracle/pipeline.hpp"

#include <algorithm>
#include <stdexcept>

namespace perpx::oracle {

std::string_view event_name(EventKind k) noexcept {
  switch (k) {
    case EventKind::kAccepted: return "accepted";
    case EventKind::kRejected: return "rejected";
    case EventKind::kNoQuorum: return "no_quorum";
    case EventKind::kRecovered: return "recovered";
  }
  return "?";
}

// ---- MarkPrice --------------------------------------------------------------

MarkPrice::MarkPrice(int64_t window_us, Ppm clamp)
    : window_us_(std::max<int64_t>(window_us, 1)),
      step_us_(std::max<int64_t>(window_us_ / static_cast<int64_t>(kRing / 2), 1)),
      clamp_(clamp) {}

void MarkPrice::reset() noexcept {
  started_ = false;
  size_ = 0;
  head_ = 0;
  acc_ = 0;
}

Int128 MarkPrice::acc_at(int64_t t) const noexcept {
  if (t >= last_time_) return acc_ + static_cast<Int128>(last_price_.raw) * (t - last_time_);
  // The last checkpoint at or before t (checkpoints ascend from head_).
  size_t lo = 0, hi = size_;
  if (size_ < 2 || ring_[(head_ + 1) % kRing].time_us > t) hi = 1;  // the usual case: the oldest  // invariant: ring[lo].time <= t (the oldest is kept at or before window start)
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    if (ring_[(head_ + mid) % kRing].time_us <= t) lo = mid;
    else hi = mid;
  }
  const Checkpoint& a = ring_[(head_ + lo) % kRing];
  const bool has_next = lo + 1 < size_;
  const int64_t tb = has_next ? ring_[(head_ + lo + 1) % kRing].time_us : last_time_;
  const Int128 accb = has_next ? ring_[(head_ + lo + 1) % kRing].acc : acc_;
  if (t <= a.time_us || tb == a.time_us) return a.acc;
  // (accb - a.acc) * dt / span without the product: it overflows 128 bits when
  // the checkpoints are far apart (a sample years after the last one). The
  // quotient is the segment's mean price (within 64 bits), so q * dt and
  // r * dt (r < span) both fit; the sum is the same truncated value.
  const Int128 d = accb - a.acc, span = tb - a.time_us, dt = t - a.time_us;
  const Int128 q = d / span, r = d % span;
  return a.acc + q * dt + r * dt / span;
}

std::optional<Price> MarkPrice::value(int64_t now) const noexcept {
  if (!started_) return std::nullopt;
  if (now < last_time_) now = last_time_;
  const int64_t start = std::max(now - window_us_, first_time_);
  if (now <= start) return last_price_;
  const Int128 v = (acc_at(now) - acc_at(start)) / (now - start);
  return Price{static_cast<int64_t>(v)};
}

void MarkPrice::update(int64_t t, Price reference) noexcept {
  if (!started_) {
    started_ = true;
    first_time_ = last_time_ = t;
    last_price_ = reference;
    acc_ = 0;
    ring_[0] = {t, 0};
    head_ = 0;
    size_ = 1;
    return;
  }
  if (t < last_time_) t = last_time_;
  const Price cur = *value(t);
  const Int128 band = static_cast<Int128>(cur.raw < 0 ? -cur.raw : cur.raw) * to_u32(clamp_) / 1'000'000;
  const Int128 lo = cur.raw - band, hi = cur.raw + band;
  const Int128 r = std::clamp<Int128>(reference.raw, lo, hi);
  acc_ += static_cast<Int128>(last_price_.raw) * (t - last_time_);
  last_time_ = t;
  last_price_ = Price{static_cast<int64_t>(r)};
  // Checkpoints: spaced by step_us_, none older than needed for the window.
  const Checkpoint& newest = ring_[(head_ + size_ - 1) % kRing];
  if (t - newest.time_us >= step_us_) {
    if (size_ == kRing) {
      head_ = (head_ + 1) % kRing;
      --size_;
    }
    ring_[(head_ + size_) % kRing] = {t, acc_};
    ++size_;
  }
  while (size_ > 1 && ring_[(head_ + 1) % kRing].time_us <= t - window_us_) {
    head_ = (head_ + 1) % kRing;
    --size_;
  }
}

// ---- Pipeline ---------------------------------------------------------------

Pipeline::Pipeline(MarketParams market) : market_(market), mark_(market.mark_window_us, market.mark_clamp) {
  names_.reserve(kMaxSources);
}

SourceId Pipeline::add_source(std::string name, Thresholds thresholds) {
  if (count_ == kMaxSources) throw std::length_error("oracle: more than 32 sources in one market");
  if (find_source(name)) throw std::invalid_argument("oracle: source registered twice: " + name);
  sources_[count_] = SourceState{};
  sources_[count_].th = thresholds;
  for (size_t k = 0; k < kReasonCount; ++k)
    rejections_[count_][k] = &core::default_registry().counter(
        "perpx_oracle_rejections_total", "Oracle samples rejected, by source and reason (a sample may have several).",
        {{"source", name}, {"reason", reason_name(static_cast<Reason>(k))}});
  names_.push_back(std::move(name));
  return static_cast<SourceId>(count_++);
}

std::optional<SourceId> Pipeline::find_source(std::string_view name) const noexcept {
  for (size_t i = 0; i < count_; ++i)
    if (names_[i] == name) return static_cast<SourceId>(i);
  return std::nullopt;
}

void Pipeline::on_sequencer(bool up, int64_t since_us) noexcept {
  has_sequencer_ = true;
  sequencer_up_ = up;
  sequencer_since_ = since_us;
}

bool Pipeline::fresh(const SourceState& st) const noexcept {
  return st.has_accepted && st.healthy && !is_stale(st.last_accepted_us, clock_, st.th.heartbeat_us);
}

size_t Pipeline::gather_others(SourceId self, Price* out) const noexcept {
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i)
    if (i != self && fresh(sources_[i])) out[n++] = sources_[i].last_accepted;
  return n;
}

size_t Pipeline::gather_confirmers(SourceId self, int64_t now, Price* out) const noexcept {
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    const SourceState& st = sources_[i];
    if (i != self && st.has_observed && !is_stale(st.last_observed_us, now, st.th.heartbeat_us))
      out[n++] = st.last_observed;
  }
  return n;
}

bool Pipeline::time_confirmed(SourceId self, int64_t time_us, int64_t tolerance_us) const noexcept {
  for (size_t i = 0; i < count_; ++i) {
    const SourceState& st = sources_[i];
    if (i != self && st.has_seen && st.last_seen_us >= time_us - tolerance_us && st.last_seen_us <= time_us + tolerance_us)
      return true;
  }
  return false;
}

std::optional<Price> Pipeline::reference() const noexcept {
  std::array<Price, kMaxSources> buf{};
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i)
    if (fresh(sources_[i])) buf[n++] = sources_[i].last_accepted;
  if (n < market_.quorum || n == 0) return std::nullopt;
  return median_in_place(std::span(buf.data(), n));
}

std::optional<Price> Pipeline::mark() const noexcept {
  if (!reference()) return std::nullopt;
  return mark_.value(clock_);
}

Decision Pipeline::process(const Sample& s) noexcept {
  Decision d;
  if (s.source >= count_) {  // a caller bug, but never UB on the hot path
    d.reasons.add(Reason::kBounds);
    return d;
  }
  SourceState& st = sources_[s.source];
  const Thresholds& th = st.th;
  const Price p = s.price;
  const int64_t now = has_clock_ ? std::max(clock_, s.time_us) : s.time_us;
  ReasonSet r;

  // The sample on its own.
  if (has_sequencer_ && is_sequencer_down(sequencer_up_, sequencer_since_, now, market_.sequencer_grace_us))
    r.add(Reason::kSequencerDown);
  if (is_non_positive(p)) r.add(Reason::kNonPositive);
  if (p.raw > 0 && is_out_of_bounds(p, th.min, th.max)) r.add(Reason::kBounds);
  if (s.conf && p.raw > 0 && is_low_confidence(p, *s.conf, th.max_conf)) r.add(Reason::kConfidence);
  if ((s.round_id != 0 || s.answered_in_round != 0) && is_incomplete_round(s.round_id, s.answered_in_round))
    r.add(Reason::kIncompleteRound);
  const bool sound_price = r.empty() || r == [] {
    ReasonSet x;
    x.add(Reason::kSequencerDown);
    return x;
  }();
  if (has_clock_) {
    if (is_stale(s.time_us, clock_, th.heartbeat_us)) r.add(Reason::kStale);
    // Ahead of the clock: a skewed clock, unless another source's latest
    // sample is there too (the stream had a gap, or everything was rejected
    // meanwhile: the clock only moves on accepted samples).
    if (is_future(s.time_us, clock_, th.future_us) && !time_confirmed(s.source, s.time_us, th.future_us))
      r.add(Reason::kFuture);
  }
  const bool well_formed = sound_price && !r.has(Reason::kStale) && !r.has(Reason::kFuture);

  // Against the other sources (others_ holds them sorted).
  size_t n = 0;
  std::optional<Price> median_others;
  if (p.raw > 0) {
    n = gather_others(s.source, others_.data());
    const std::span<const Price> other_span(others_.data(), n);
    if (n > 0) median_others = median_in_place(std::span(others_.data(), n));
    if (n >= 2 && differs_by_more(p, *median_others, *median_others, th.deviation)) r.add(Reason::kDeviation);
    if (is_outlier(p, other_span, th.outlier_z_milli, th.outlier_min)) r.add(Reason::kOutlier);
    if (st.has_accepted && differs_by_more(p, st.last_accepted, st.last_accepted, th.jump)) {
      const size_t nc = gather_confirmers(s.source, now, scratch_.data());
      if (is_jump(p, st.last_accepted, std::span<const Price>(scratch_.data(), nc), th.jump, th.deviation))
        r.add(Reason::kJump);
    }
    // Runs of identical prices.
    if (st.run_length > 0 && p == st.run_price) {
      ++st.run_length;
      if (!st.run_start_median) st.run_start_median = median_others;
    } else {
      st.run_price = p;
      st.run_length = 1;
      st.run_start_median = median_others;
    }
    if (is_frozen(st.run_length, st.run_start_median, median_others, th.frozen_run, th.frozen_move))
      r.add(Reason::kFrozen);
  }

  d.accepted = r.empty();
  d.reasons = r;
  const int64_t old_clock = clock_;
  if (d.accepted) {
    st.has_accepted = true;
    st.last_accepted = p;
    st.last_accepted_us = s.time_us;
    st.healthy = true;
    if (!has_clock_ || s.time_us > clock_) clock_ = s.time_us;
    has_clock_ = true;
  } else {
    st.healthy = false;
  }
  if (sound_price) {
    st.has_seen = true;
    st.last_seen_us = s.time_us;
  }
  if (well_formed) {
    st.has_observed = true;
    st.last_observed = p;
    st.last_observed_us = s.time_us;
  }
  d.events[0] = Event{d.accepted ? EventKind::kAccepted : EventKind::kRejected, s.source, s.time_us, p, r};
  for (size_t k = 0; k < kReasonCount; ++k)
    if (r.has(static_cast<Reason>(k))) rejections_[s.source][k]->inc();
  d.event_count = 1;

  // Reference and quorum: the fresh sources now. Unless the clock passed
  // someone's heartbeat, that is the sorted others plus this sample if accepted.
  bool reuse = p.raw > 0;
  for (size_t i = 0; reuse && clock_ != old_clock && i < count_; ++i) {
    const SourceState& o = sources_[i];
    if (i != s.source && o.has_accepted && o.healthy && is_stale(o.last_accepted_us, clock_, o.th.heartbeat_us))
      reuse = false;
  }
  if (reuse) {
    if (d.accepted) {  // insert p into the sorted others
      size_t j = n;
      for (; j > 0 && p < others_[j - 1]; --j) others_[j] = others_[j - 1];
      others_[j] = p;
      ++n;
    }
  } else {
    n = 0;
    for (size_t i = 0; i < count_; ++i)
      if (fresh(sources_[i])) others_[n++] = sources_[i].last_accepted;
    median_in_place(std::span(others_.data(), n));
  }
  d.fresh_sources = static_cast<uint32_t>(n);
  if (n >= market_.quorum && n > 0) {
    d.reference = n % 2 == 1 ? others_[n / 2]
                             : Price{static_cast<int64_t>(
                                   (static_cast<Int128>(others_[n / 2 - 1].raw) + others_[n / 2].raw) / 2)};
    if (quorum_ != Quorum::kHeld) {
      d.events[d.event_count++] = Event{EventKind::kRecovered, s.source, clock_, *d.reference, {}};
      quorum_ = Quorum::kHeld;
    }
    mark_.update(clock_, *d.reference);
    d.mark = mark_.value(clock_);
  } else if (quorum_ != Quorum::kLost) {
    d.events[d.event_count++] = Event{EventKind::kNoQuorum, s.source, now, {}, {}};
    quorum_ = Quorum::kLost;
  }
  return d;
}

}  // namespace perpx::oracle
