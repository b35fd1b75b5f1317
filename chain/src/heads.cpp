#include "perpx/chain/heads.hpp"

#include <algorithm>
#include <stdexcept>

#include "perpx/core/metrics.hpp"

namespace perpx::chain {

std::string_view describe(HeadErrc e) noexcept {
  switch (e) {
    case HeadErrc::kSource: return "header source failed";
    case HeadErrc::kMissingHeader: return "header missing from source";
    case HeadErrc::kBadLink: return "header does not link";
    case HeadErrc::kReorgTooDeep: return "reorg deeper than the head window";
  }
  return "unknown head error";
}

std::string to_string(const HeadError& e) {
  std::string s = "heads: " + std::string(describe(e.code)) + " at block " + std::to_string(e.block_num);
  if (e.code == HeadErrc::kSource) s += " (" + to_string(e.rpc) + ")";
  return s;
}

namespace {

std::unexpected<HeadError> fail(HeadErrc code, BlockNum n) { return std::unexpected(HeadError{code, n, {}}); }
std::unexpected<HeadError> fail_source(RpcError e, BlockNum n) {
  return std::unexpected(HeadError{HeadErrc::kSource, n, std::move(e)});
}

// The parent of `child`, fetched by hash and checked to be exactly that block.
HeadResult<BlockHeader> fetch_parent(HeaderSource& source, const BlockHeader& child) {
  const BlockNum pn = child.number - 1;
  auto r = source.header_by_hash(child.parent_hash);
  if (!r) return fail_source(std::move(r.error()), pn);
  if (!*r) return fail(HeadErrc::kMissingHeader, pn);
  if ((*r)->number != pn || (*r)->hash != child.parent_hash) return fail(HeadErrc::kBadLink, pn);
  return std::move(**r);
}

}  // namespace

HeadTracker::HeadTracker(HeaderSource& source, HeadSink sink, HeadTrackerOptions options)
    : source_(source), sink_(std::move(sink)), options_(options) {
  if (options_.window < 2) throw std::invalid_argument("HeadTracker: window must be at least 2");
  if (options_.tag_poll_every == 0) options_.tag_poll_every = 1;
  ring_.resize(options_.window);
  branch_.reserve(options_.window);
}

const BlockHeader* HeadTracker::at(BlockNum n) const noexcept {
  if (count_ == 0 || n > tip_ || n < oldest()) return nullptr;
  return &ring_[n % options_.window];
}

void HeadTracker::reset() {
  count_ = 0;
  tip_ = 0;
  heads_since_poll_ = 0;
  safe_.reset();
  finalized_.reset();
}

void HeadTracker::push(const BlockHeader& h, bool deliver) {
  ring_[h.number % options_.window] = h;
  tip_ = h.number;
  count_ = std::min<uint64_t>(count_ + 1, options_.window);
  if (deliver) sink_(Advance{h});
}

HeadResult<void> HeadTracker::anchor(const BlockHeader& head) {
  branch_.clear();
  branch_.push_back(head);
  const uint32_t seed = std::min(options_.seed, options_.window - 1);
  while (branch_.size() <= seed && branch_.back().number > 0) {
    auto parent = fetch_parent(source_, branch_.back());
    if (!parent) return std::unexpected(std::move(parent.error()));
    branch_.push_back(std::move(*parent));
  }
  for (auto it = branch_.rbegin(); it != branch_.rend(); ++it) push(*it, it + 1 == branch_.rend());
  return {};
}

HeadResult<bool> HeadTracker::adopt(const BlockHeader& head) {
  if (const BlockHeader* have = at(head.number); have && have->hash == head.hash) return false;
  // Older than the window: a lagging node's view, not a new head. If our chain
  // really lost that block, the node's next head will not link and says so.
  if (head.number < oldest()) return false;
  if (head.number == tip_ + 1 && head.parent_hash == at(tip_)->hash) {
    push(head, true);
    return true;
  }
  // Walk back by parent hash until the branch meets the window. Nothing
  // changes until the whole branch is linked.
  branch_.clear();
  branch_.push_back(head);
  for (;;) {
    const BlockHeader& cur = branch_.back();
    if (cur.number == 0 || cur.number - 1 < oldest()) return fail(HeadErrc::kReorgTooDeep, cur.number);
    const BlockNum pn = cur.number - 1;
    if (pn <= tip_ && at(pn)->hash == cur.parent_hash) break;
    if (branch_.size() == options_.window) return fail(HeadErrc::kReorgTooDeep, pn);
    auto parent = fetch_parent(source_, cur);
    if (!parent) return std::unexpected(std::move(parent.error()));
    branch_.push_back(std::move(*parent));
  }
  const BlockNum ancestor = branch_.back().number - 1;
  if (const uint64_t depth = tip_ - ancestor; depth > 0) {
    if (finalized_ && ancestor < *finalized_) sink_(FinalityViolation{ancestor, *finalized_});
    static core::Counter& reorgs = core::default_registry().counter("perpx_reorgs_total", "Reorgs seen by the head tracker.");
    reorgs.inc();  // before the sink: whoever hears of the reorg finds it counted
    sink_(Reorg{depth, ancestor, at(tip_)->hash, head.hash});
    tip_ = ancestor;
    count_ -= depth;
    // Blocks above the fork point are new blocks: their safety is announced anew.
    if (safe_ && *safe_ > ancestor) safe_ = ancestor;
    if (finalized_ && *finalized_ > ancestor) finalized_ = ancestor;
  }
  for (auto it = branch_.rbegin(); it != branch_.rend(); ++it) push(*it, true);
  return true;
}

HeadResult<void> HeadTracker::on_head(const BlockHeader& head) {
  if (empty()) {
    if (auto r = anchor(head); !r) return r;
  } else {
    // Fill a gap by number, each block linked to its parent by adopt().
    while (tip_ + 1 < head.number) {
      const BlockNum n = tip_ + 1;
      auto r = source_.header_by_number(n);
      if (!r) return fail_source(std::move(r.error()), n);
      if (!*r) break;  // the node no longer has it: link the head by hash instead
      if ((*r)->number != n) return fail(HeadErrc::kBadLink, n);
      if (auto a = adopt(**r); !a) return std::unexpected(std::move(a.error()));
    }
    auto changed = adopt(head);
    if (!changed) return std::unexpected(std::move(changed.error()));
    if (!*changed) return {};
  }
  // Tags are polled on the first new head and then every tag_poll_every.
  if (!options_.confirmations && heads_since_poll_++ % options_.tag_poll_every != 0) return {};
  return update_finality();
}

HeadResult<void> HeadTracker::poll() {
  auto r = source_.header_by_tag(Tag::kLatest);
  if (!r) return fail_source(std::move(r.error()), empty() ? 0 : tip_);
  if (!*r) return fail(HeadErrc::kMissingHeader, empty() ? 0 : tip_);
  return on_head(**r);
}

void HeadTracker::advance_cursor(std::optional<BlockNum>& cursor, BlockNum n, bool safe) {
  if (cursor && n <= *cursor) return;
  cursor = n;
  if (safe) sink_(Safe{n});
  else sink_(Finalized{n});
}

HeadResult<void> HeadTracker::update_finality() {
  if (options_.confirmations) {
    if (tip_ < *options_.confirmations) return {};
    const BlockNum n = tip_ - *options_.confirmations;
    advance_cursor(safe_, n, true);
    advance_cursor(finalized_, n, false);
    return {};
  }
  for (const Tag tag : {Tag::kSafe, Tag::kFinalized}) {
    auto r = source_.header_by_tag(tag);
    if (!r) return fail_source(std::move(r.error()), tip_);
    // Never announce a block before its Advance: clamp to the tip.
    if (*r) advance_cursor(tag == Tag::kSafe ? safe_ : finalized_, std::min((*r)->number, tip_), tag == Tag::kSafe);
  }
  return {};
}

}  // namespace perpx::chain
