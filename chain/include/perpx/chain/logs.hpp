#pragma once
// LogWatcher: the logs matching one LogFilter, delivered exactly once per
// canonical block and taken back (removed = true) when their block is
// orphaned. A forward/unwind consumer of HeadTracker events (STYLE.md 14):
//
//   on_event(Advance)  queues the block (no I/O);
//   on_event(Reorg)    at once re-delivers the logs of every delivered block
//                      above unwind_to with removed = true (newest block
//                      first, last log first) and drops queued blocks above it;
//   drain()            does the I/O: blocks before the first queued one from
//                      `from_block` by eth_getLogs ranges (backfill, in
//                      steps), then each queued block by its hash, so a log
//                      from another fork cannot slip in.
//
// State is keyed by block number (delivered logs are kept for `keep_blocks`
// blocks so that an unwind can take them back), so an unwind rolls back
// deterministically; no (block hash, log index) is delivered twice without a
// removal between.
//
// Errors: drain() stops at the first failure; what was delivered stays
// delivered, the rest stays queued, and the next drain() resumes. Events
// that do not link (an Advance that is not the next block or whose parent is
// not the previous block's hash, as after HeadTracker::reset()) and a reorg
// below the kept blocks put the watcher in an error state that every drain()
// reports until reset(): never a silently wrong set of logs.
//
// Allocation: per block (its logs, kept for unwinding). Single thread.
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/heads.hpp"
#include "perpx/chain/rpc.hpp"
#include "perpx/chain/types.hpp"

namespace perpx::chain {

// Where logs come from: RpcClient (RpcLogSource below) or an in-memory chain.
class LogSource {
 public:
  virtual ~LogSource() = default;
  // Logs matching the filter in blocks [from, to].
  virtual RpcResult<std::vector<Log>> logs_in_range(const LogFilter& filter, BlockNum from, BlockNum to) = 0;
  // Logs matching the filter in the block with this hash (EIP-234).
  virtual RpcResult<std::vector<Log>> logs_by_block_hash(const LogFilter& filter, const Hash32& block_hash) = 0;
};

// LogSource over a JSON-RPC client (range splitting is the client's). The
// client must outlive the source.
class RpcLogSource final : public LogSource {
 public:
  explicit RpcLogSource(RpcClient& rpc) : rpc_(rpc) {}
  RpcResult<std::vector<Log>> logs_in_range(const LogFilter& filter, BlockNum from, BlockNum to) override;
  RpcResult<std::vector<Log>> logs_by_block_hash(const LogFilter& filter, const Hash32& block_hash) override;

 private:
  RpcClient& rpc_;
};

// A log of a new canonical block, or (removed = true) of an orphaned one.
using LogSink = std::function<void(const Log&)>;

enum class [[nodiscard]] LogErrc {
  kSource,        // the LogSource failed (see rpc)
  kBadReply,      // a log outside the block or range asked for, or repeated
  kBadLink,       // head events that do not link (tracker reset, events lost)
  kReorgTooDeep,  // a reorg below the blocks kept for unwinding
};
std::string_view describe(LogErrc e) noexcept;

struct LogError {
  LogErrc code = LogErrc::kSource;
  BlockNum block_num = 0;
  RpcError rpc;  // kSource only
};
std::string to_string(const LogError& e);

template <class T>
using LogResult = std::expected<T, LogError>;

struct LogWatcherOptions {
  uint64_t backfill_step = 2000;  // blocks per eth_getLogs during backfill (>= 1)
  uint64_t keep_blocks = 128;     // delivered blocks kept for unwinding (the reorg horizon)
};

class LogWatcher {
 public:
  // Delivers logs from block `from_block` on. The source must outlive the
  // watcher; the sink is called synchronously from on_event() and drain().
  LogWatcher(LogSource& source, LogFilter filter, BlockNum from_block, LogSink sink, LogWatcherOptions options = {});

  // Takes a HeadTracker event (Safe/Finalized/FinalityViolation are ignored).
  // Does no I/O; may be the tracker's sink.
  void on_event(const HeadEvent& event);
  // Fetches and delivers the logs of every queued block (and the backfill
  // before the first one).
  LogResult<void> drain();
  // Forgets all progress and any error (use with HeadTracker::reset()).
  void reset(BlockNum from_block);

  // The first block whose logs have not been delivered yet.
  [[nodiscard]] BlockNum next_block() const noexcept { return next_; }
  [[nodiscard]] size_t queued() const noexcept { return queue_.size(); }

 private:
  struct BlockLogs {
    BlockNum number = 0;
    Hash32 hash;
    std::vector<Log> logs;  // ascending log index
  };
  void fail_state(LogErrc code, BlockNum n);
  void deliver(BlockNum number, const Hash32& hash, std::vector<Log> logs);

  LogSource& source_;
  LogFilter filter_;
  LogSink sink_;
  LogWatcherOptions options_;
  BlockNum from_block_ = 0;
  BlockNum next_ = 0;                 // every block in [from_block_, next_) delivered
  BlockNum kept_from_ = 0;            // blocks_ holds every delivered block with logs from here
  std::deque<BlockLogs> blocks_;      // delivered, ascending (live: every block; backfill: blocks with logs)
  std::deque<BlockHeader> queue_;     // advanced, not yet delivered, ascending and contiguous
  std::optional<BlockNum> head_;      // the last block the events announced
  std::optional<Hash32> head_hash_;   // its hash, when known
  std::optional<LogError> error_;     // sticky: kBadLink, kReorgTooDeep
};

}  // namespace perpx::chain
