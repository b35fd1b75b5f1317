#include "perpx/chain/logs.hpp"

#include <algorithm>
#include <iterator>

namespace perpx::chain {

std::string_view describe(LogErrc e) noexcept {
  switch (e) {
    case LogErrc::kSource: return "log source failed";
    case LogErrc::kBadReply: return "log outside the block or range asked for, or repeated";
    case LogErrc::kBadLink: return "head events do not link (tracker reset or events lost)";
    case LogErrc::kReorgTooDeep: return "reorg deeper than the log watcher can unwind";
  }
  return "unknown log error";
}

std::string to_string(const LogError& e) {
  std::string s = "logs: " + std::string(describe(e.code)) + " at block " + std::to_string(e.block_num);
  if (e.code == LogErrc::kSource) s += " (" + to_string(e.rpc) + ")";
  return s;
}

namespace {

std::unexpected<LogError> fail(LogErrc code, BlockNum n) { return std::unexpected(LogError{code, n, {}}); }

bool before(const Log& a, const Log& b) {
  return a.block_number != b.block_number ? a.block_number < b.block_number : a.log_index < b.log_index;
}

// Orders a reply and rejects logs outside [from, to], removed ones, two
// hashes for one block number, and repeats of (block hash, log index).
// Errors name `from`, the block asked for.
LogResult<void> check_logs(std::vector<Log>& logs, BlockNum from, BlockNum to) {
  for (const Log& l : logs)
    if (l.block_number < from || l.block_number > to || l.removed) return fail(LogErrc::kBadReply, from);
  std::stable_sort(logs.begin(), logs.end(), before);
  for (size_t i = 1; i < logs.size(); ++i) {
    const Log& a = logs[i - 1];
    const Log& b = logs[i];
    if (a.block_number == b.block_number && (a.block_hash != b.block_hash || a.log_index == b.log_index))
      return fail(LogErrc::kBadReply, from);
  }
  return {};
}

}  // namespace

LogWatcher::LogWatcher(LogSource& source, LogFilter filter, BlockNum from_block, LogSink sink,
                       LogWatcherOptions options)
    : source_(source), filter_(std::move(filter)), sink_(std::move(sink)), options_(options) {
  options_.backfill_step = std::max<uint64_t>(options_.backfill_step, 1);
  options_.keep_blocks = std::max<uint64_t>(options_.keep_blocks, 1);
  reset(from_block);
}

void LogWatcher::reset(BlockNum from_block) {
  from_block_ = next_ = kept_from_ = from_block;
  blocks_.clear();
  queue_.clear();
  head_.reset();
  head_hash_.reset();
  error_.reset();
}

void LogWatcher::fail_state(LogErrc code, BlockNum n) { error_ = LogError{code, n, {}}; }

void LogWatcher::on_event(const HeadEvent& event) {
  if (error_) return;
  if (const auto* a = std::get_if<Advance>(&event)) {
    const BlockHeader& h = a->header;
    if (head_ && (h.number != *head_ + 1 || (head_hash_ && h.parent_hash != *head_hash_)))
      return fail_state(LogErrc::kBadLink, h.number);
    head_ = h.number;
    head_hash_ = h.hash;
    if (h.number >= next_) queue_.push_back(h);
  } else if (const auto* r = std::get_if<Reorg>(&event)) {
    if (!head_) return;  // nothing delivered or queued yet: the backfill reads the new chain
    const BlockNum u = r->unwind_to;
    if (u + r->depth != *head_) return fail_state(LogErrc::kBadLink, u);
    if (u + 1 < kept_from_ && kept_from_ > from_block_) return fail_state(LogErrc::kReorgTooDeep, u);
    while (!queue_.empty() && queue_.back().number > u) queue_.pop_back();
    while (!blocks_.empty() && blocks_.back().number > u) {
      std::vector<Log>& logs = blocks_.back().logs;
      for (auto it = logs.rbegin(); it != logs.rend(); ++it) {
        it->removed = true;
        sink_(*it);
      }
      blocks_.pop_back();
    }
    if (next_ > u + 1) next_ = std::max(from_block_, u + 1);
    head_ = u;
    head_hash_.reset();
    if (!queue_.empty()) head_hash_ = queue_.back().hash;
    else if (!blocks_.empty() && blocks_.back().number == u) head_hash_ = blocks_.back().hash;
  }
}

void LogWatcher::deliver(BlockNum number, const Hash32& hash, std::vector<Log> logs) {
  for (const Log& l : logs) sink_(l);
  blocks_.push_back(BlockLogs{number, hash, std::move(logs)});
}

LogResult<void> LogWatcher::drain() {
  if (error_) return std::unexpected(*error_);
  auto trim = [this] {
    if (next_ <= options_.keep_blocks || next_ - options_.keep_blocks <= kept_from_) return;
    kept_from_ = next_ - options_.keep_blocks;
    while (!blocks_.empty() && blocks_.front().number < kept_from_) blocks_.pop_front();
  };
  while (!queue_.empty()) {
    const BlockHeader& h = queue_.front();
    // Backfill the blocks before the first live one by ranges.
    while (next_ < h.number) {
      const BlockNum to = std::min(h.number - 1, next_ + (options_.backfill_step - 1));
      auto r = source_.logs_in_range(filter_, next_, to);
      if (!r) return std::unexpected(LogError{LogErrc::kSource, next_, std::move(r.error())});
      if (auto c = check_logs(*r, next_, to); !c) return c;
      for (auto i = r->begin(); i != r->end();) {
        auto j = std::find_if(i, r->end(), [&](const Log& l) { return l.block_number != i->block_number; });
        deliver(i->block_number, i->block_hash, std::vector<Log>(std::make_move_iterator(i), std::make_move_iterator(j)));
        i = j;
      }
      next_ = to + 1;
      trim();
    }
    // A live block: by hash.
    auto r = source_.logs_by_block_hash(filter_, h.hash);
    if (!r) return std::unexpected(LogError{LogErrc::kSource, h.number, std::move(r.error())});
    for (const Log& l : *r)
      if (l.block_hash != h.hash) return fail(LogErrc::kBadReply, h.number);
    if (auto c = check_logs(*r, h.number, h.number); !c) return c;
    deliver(h.number, h.hash, std::move(*r));
    next_ = h.number + 1;
    queue_.pop_front();
    trim();
  }
  return {};
}

}  // namespace perpx::chain
