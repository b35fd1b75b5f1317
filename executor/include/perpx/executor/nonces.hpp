#pragma once
// NonceManager: the nonces of one key on one chain, as a state machine the
// executor drives with what it does (reserve, send, release) and what the
// chain says (inclusion, reorgs, the account's transaction counts).
//
// A nonce is, in order of its life:
//   reserved  handed to an order, nothing sent yet
//   sent      a signed transaction (its latest hash; replacements change it)
//   included  in a block (number and hash kept until finalized)
//   released  reserved, then given up before sending: a gap below `next`
//             that must be filled before anything above it can land
// Rules:
//   - reserve() never hands out a nonce twice; a released nonce at the top
//     is taken back (next goes down), one below the top becomes a gap that
//     gaps() reports and fill_gap() reserves again (for a resend or a
//     zero-value self-transfer that cancels it);
//   - a reorg (unwound(to)) puts every nonce included above `to` back to
//     sent: its transaction must be rebroadcast (reorged_out() lists them);
//   - the chain's counts (sync) are the truth: a latest count above what we
//     know means nonces were used elsewhere (another process with this key,
//     or a send whose reply we lost): those slots become `external` for the
//     caller to reconcile by hash, and next never goes below the count.
//     "nonce too low" from a node is answered by sync with fresh counts.
// Pure and deterministic; allocates only to grow its slot map (a slot that
// is done keeps its node for the next reserve(): none in a steady state).
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "perpx/chain/types.hpp"

namespace perpx::executor {

enum class NonceState : uint8_t { kReserved, kSent, kIncluded, kReleased, kExternal };
std::string_view nonce_state_name(NonceState s) noexcept;

enum class [[nodiscard]] NonceErrc {
  kUnknown,      // not a nonce this manager holds
  kWrongState,   // e.g. included() of a nonce never sent, release() of a sent one
};
std::string_view describe(NonceErrc e) noexcept;

struct NonceSlot {
  uint64_t nonce = 0;
  NonceState state = NonceState::kReserved;
  chain::Hash32 txn_hash;        // sent, included: the latest hash
  chain::BlockNum block_num = 0;  // included
  chain::Hash32 block_hash;       // included
  friend bool operator==(const NonceSlot&, const NonceSlot&) = default;
};

class NonceManager {
 public:
  // Seeded from eth_getTransactionCount(address, "pending").
  explicit NonceManager(uint64_t pending_count) : next_(pending_count), floor_(pending_count) { spare_.reserve(64); }

  [[nodiscard]] uint64_t next() const noexcept { return next_; }
  uint64_t reserve();
  std::expected<void, NonceErrc> release(uint64_t nonce);
  std::expected<void, NonceErrc> sent(uint64_t nonce, const chain::Hash32& txn_hash);
  std::expected<void, NonceErrc> included(uint64_t nonce, chain::BlockNum block, const chain::Hash32& block_hash,
                                          const chain::Hash32& txn_hash);

  // Released nonces below next, lowest first: fill each before anything above it can land.
  [[nodiscard]] std::vector<uint64_t> gaps() const;
  // Reserves a gap again (for a resend or a cancelling self-transfer).
  std::expected<void, NonceErrc> fill_gap(uint64_t nonce);

  // A reorg: blocks above `unwind_to` are gone; their nonces are sent again
  // (their transactions must be rebroadcast). Returns them, lowest first.
  std::vector<uint64_t> unwound(chain::BlockNum unwind_to);
  // One inclusion found gone (its block left the chain between two heads, so
  // no reorg was reported): the nonce is sent again. kWrongState unless included.
  std::expected<void, NonceErrc> not_included(uint64_t nonce);
  // Included at or below `block` and final: forgotten.
  void finalized(chain::BlockNum block);

  // The account's counts from the chain (latest = mined, pending = with the
  // pool). Slots below `latest` we did not see included become kExternal;
  // next is raised to at least `pending`. Returns the nonces made external.
  std::vector<uint64_t> sync(uint64_t latest_count, uint64_t pending_count);

  [[nodiscard]] std::optional<NonceSlot> slot(uint64_t nonce) const;
  [[nodiscard]] std::vector<NonceSlot> slots() const;  // lowest first
  // Nonces sent and not yet included.
  [[nodiscard]] size_t in_flight() const noexcept;

 private:
  uint64_t next_;
  uint64_t floor_;  // below this, the chain holds everything (nothing of ours to track)
  using Slots = std::map<uint64_t, NonceSlot>;
  void forget(Slots::iterator it);  // keeps the node for reserve()
  Slots slots_;
  std::vector<Slots::node_type> spare_;
};

}  // namespace perpx::executor
