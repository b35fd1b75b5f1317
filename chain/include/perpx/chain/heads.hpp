#pragma once
// HeadTracker: turns a stream of chain heads into explicit, ordered events
// (STYLE.md item 14): Advance for every canonical block exactly once and in
// order, Reorg{depth, unwind_to} before the blocks of a new branch, Safe and
// Finalized when they advance, FinalityViolation when a reorg reaches below
// the last finalized block.
//
// It keeps a ring of the last `window` canonical headers (contiguous block
// numbers). A head whose parent is the tip advances it; any other head is
// linked to the window by walking back by parent hash (header_by_hash) to the
// common ancestor; a gap (head beyond tip+1) is filled by number, each block
// checked against its parent. Nothing is adopted that is not hash-linked.
//
// Errors: on any error the window and the events already delivered agree
// (a branch is applied only once it is fully linked; a gap is applied block
// by block). kReorgTooDeep leaves the state unchanged and repeats for every
// head on that branch: the caller decides to reset() and start again.
//
// Allocation: the ring and a scratch branch are allocated once (constructor);
// a head allocates nothing beyond what the HeaderSource does. Single thread.
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "perpx/chain/rpc.hpp"
#include "perpx/chain/types.hpp"

namespace perpx::chain {

// Where headers come from: RpcClient (RpcHeaderSource below), or an
// in-memory chain in tests. nullopt = the node has no such block.
class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  virtual RpcResult<std::optional<BlockHeader>> header_by_number(BlockNum n) = 0;
  virtual RpcResult<std::optional<BlockHeader>> header_by_hash(const Hash32& hash) = 0;
  // Tag::kLatest, kSafe or kFinalized. nullopt: the chain has no such block.
  virtual RpcResult<std::optional<BlockHeader>> header_by_tag(Tag tag) = 0;
};

// HeaderSource over a JSON-RPC client (eth_getBlockByNumber/ByHash, no txns).
// The client must outlive the source.
class RpcHeaderSource final : public HeaderSource {
 public:
  explicit RpcHeaderSource(RpcClient& rpc) : rpc_(rpc) {}
  RpcResult<std::optional<BlockHeader>> header_by_number(BlockNum n) override;
  RpcResult<std::optional<BlockHeader>> header_by_hash(const Hash32& hash) override;
  RpcResult<std::optional<BlockHeader>> header_by_tag(Tag tag) override;

 private:
  RpcClient& rpc_;
};

// A new canonical block, parent already delivered.
struct Advance {
  BlockHeader header;
};
// Blocks above unwind_to were dropped (depth of them); the new branch's blocks
// follow as Advance events. old_hash: the tip dropped; new_hash: the head
// that caused the reorg (tip of the new branch).
struct Reorg {
  uint64_t depth = 0;
  BlockNum unwind_to = 0;
  Hash32 old_hash;
  Hash32 new_hash;
};
struct Safe {
  BlockNum block_num = 0;
};
struct Finalized {
  BlockNum block_num = 0;
};
// Critical: a reorg dropped a block at or below the last finalized block.
// Delivered just before the Reorg that caused it.
struct FinalityViolation {
  BlockNum unwind_to = 0;
  BlockNum finalized = 0;
};
using HeadEvent = std::variant<Advance, Reorg, Safe, Finalized, FinalityViolation>;
using HeadSink = std::function<void(const HeadEvent&)>;

enum class [[nodiscard]] HeadErrc {
  kSource,         // the HeaderSource failed (see rpc)
  kMissingHeader,  // the source does not have a block we must link through
  kBadLink,        // a fetched header is not the one asked for (number or hash)
  kReorgTooDeep,   // no common ancestor inside the window (or seeded history)
};
std::string_view describe(HeadErrc e) noexcept;

struct HeadError {
  HeadErrc code = HeadErrc::kSource;
  BlockNum block_num = 0;  // the block being fetched or linked
  RpcError rpc;            // kSource only
};
std::string to_string(const HeadError& e);

template <class T>
using HeadResult = std::expected<T, HeadError>;

struct HeadTrackerOptions {
  uint32_t window = 128;  // headers kept; the deepest reorg handled is window-1
  // Ancestors of the first head loaded into the window (not delivered as
  // Advance) so that an early reorg can still find its common ancestor.
  uint32_t seed = 0;
  // Set: safe = finalized = tip - confirmations. Unset: the node's safe and
  // finalized tags, polled every `tag_poll_every` new heads (a chain without
  // them simply never reports Safe/Finalized).
  std::optional<uint64_t> confirmations;
  uint32_t tag_poll_every = 1;
};

class HeadTracker {
 public:
  // The source must outlive the tracker. The sink is called synchronously
  // from on_head/poll and must not call back into the tracker (a LogWatcher's
  // on_event is a fitting sink). Throws std::invalid_argument if window < 2.
  HeadTracker(HeaderSource& source, HeadSink sink, HeadTrackerOptions options = {});

  // Feeds a head (from a poll or a subscription). Repeated or older heads of
  // our own chain are ignored. Delivers events through the sink.
  HeadResult<void> on_head(const BlockHeader& head);
  // Fetches the source's latest header and feeds it.
  HeadResult<void> poll();
  // Forgets everything (window, finality cursors); the next head anchors anew.
  void reset();

  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  // Canonical window [oldest, tip]; both require !empty().
  [[nodiscard]] BlockNum tip() const noexcept { return tip_; }
  [[nodiscard]] BlockNum oldest() const noexcept { return tip_ + 1 - count_; }
  // The canonical header at n, or nullptr outside the window.
  [[nodiscard]] const BlockHeader* at(BlockNum n) const noexcept;
  [[nodiscard]] std::optional<BlockNum> safe() const noexcept { return safe_; }
  [[nodiscard]] std::optional<BlockNum> finalized() const noexcept { return finalized_; }

 private:
  HeadResult<void> anchor(const BlockHeader& head);
  HeadResult<bool> adopt(const BlockHeader& head);  // true: the chain changed
  HeadResult<void> update_finality();
  void push(const BlockHeader& h, bool deliver);  // appends at tip_+1
  void advance_cursor(std::optional<BlockNum>& cursor, BlockNum n, bool safe);

  HeaderSource& source_;
  HeadSink sink_;
  HeadTrackerOptions options_;
  std::vector<BlockHeader> ring_;    // slot n % window
  std::vector<BlockHeader> branch_;  // scratch: new branch, newest first
  BlockNum tip_ = 0;
  uint64_t count_ = 0;  // blocks in the window
  uint64_t heads_since_poll_ = 0;
  std::optional<BlockNum> safe_;
  std::optional<BlockNum> finalized_;
};

}  // namespace perpx::chain
