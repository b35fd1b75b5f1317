#pragma once
// Venue: what the executor needs of an on-chain venue, and nothing else.
// The executor owns this interface; venues/ implements it (the reference
// venue: venues/ref_adapter.hpp). Every path's transactions are built here
// as calldata to the venue's contract; the executor signs, journals, sends
// and tracks them.
//
// Reads (market, account) go to the chain and may fail; builders are pure.
// Units: 1e18 fixed point (core/fixed.hpp) for sizes, prices and USD.
// One thread at a time; allocates.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/types.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/executor/order.hpp"
#include "perpx/executor/risk.hpp"

namespace perpx::executor {

struct VenueError {
  std::string message;  // names what failed (the venue's named error when there is one)
};
template <class T>
using VenueResult = std::expected<T, VenueError>;

// A market now, as the path policy and the risk gate see it.
struct VenueMarket {
  std::string name;        // as orders and positions name it ("ETH"); the venue may call it "ETH-PERP"
  uint64_t id = 0;
  core::U256 index;        // the venue's own index (oracle) price
  core::I256 skew;         // net open interest (long - short)
  core::U256 depth;        // size that moves the price by 100% (the impact scale): depth of the book
  core::U256 max_leverage; // 1 / initial margin fraction, 1e18
  core::U256 mm_fraction;  // maintenance margin fraction, 1e18
};

// The account (cross margin) now, and as the venue's model says it would be
// after the order filled at `fill_price` (for the risk gate).
struct VenueAccount {
  core::I256 equity;
  core::U256 maintenance_margin;
  std::vector<PositionView> positions;  // every open position, market named as orders name it
};
struct VenueProjection {
  core::U256 fill_price;  // the impacted price the order fills at now
  VenueAccount before, after;
};

// How long the two-step paths take, in blocks.
struct PathTiming {
  uint64_t min_reveal_delay = 1;  // a reveal is valid from commit block + min
  uint64_t max_reveal_delay = 20; // ... to commit block + max
  uint64_t batch_window = 5;      // a batch settles this many blocks after it opened
};

class Venue {
 public:
  virtual ~Venue() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual const chain::Address& address() const noexcept = 0;
  // Paths the venue itself offers (commit-reveal, batch); public and private
  // (a relay in front of the public path) work for any on-chain venue.
  [[nodiscard]] virtual bool supports(Path p) const noexcept = 0;
  [[nodiscard]] virtual PathTiming timing() const noexcept = 0;

  virtual VenueResult<VenueMarket> market(std::string_view market) = 0;
  // The order filled now, for `account`: fill price and margin before/after.
  virtual VenueResult<VenueProjection> project(const chain::Address& account, const Order& o) = 0;

  // The account now (equity, maintenance, positions): what the margin and
  // drawdown trips read at each head. A venue that cannot read it on its
  // own says so (the trips then have no account figures).
  virtual VenueResult<VenueAccount> account(const chain::Address& account) {
    (void)account;
    return std::unexpected(VenueError{"venue " + std::string(name()) + " cannot read an account"});
  }

  // Calldata. `deadline` is a block timestamp (s) after which the venue refuses the fill.
  virtual core::Bytes place_call(uint64_t market, const Order& o, uint64_t deadline) = 0;
  virtual core::Bytes commit_call(const chain::Address& account, uint64_t market, const Order& o,
                                  const core::Hash32& salt, uint64_t deadline) = 0;
  virtual core::Bytes reveal_call(uint64_t market, const Order& o, const core::Hash32& salt, uint64_t deadline) = 0;
  virtual core::Bytes batch_call(uint64_t market, const Order& o, uint64_t deadline) = 0;
  virtual core::Bytes settle_call(uint64_t market) = 0;
  // The venue's state of a commitment: 0 unknown, 1 pending, 2 revealed, 3 cleared.
  virtual VenueResult<uint64_t> commitment_status(const chain::Address& account, uint64_t market, const Order& o,
                                                  const core::Hash32& salt, uint64_t deadline) = 0;

  // What became of `account`'s batch order queued in `queued_block`.
  enum class BatchState : uint8_t { kOpen, kFilled, kCancelled };
  virtual VenueResult<BatchState> batch_state(const chain::Address& account, uint64_t market,
                                              chain::BlockNum queued_block) = 0;
  // The first block in which the batch of `queued_block` may be settled.
  [[nodiscard]] virtual chain::BlockNum batch_settle_block(chain::BlockNum queued_block) const noexcept = 0;

  // A revert's data as the venue names it ("LimitPriceExceeded(...)"), else empty.
  [[nodiscard]] virtual std::string explain_revert(core::ByteView data) const = 0;
  // A step's gas: what it takes in the usual case, with some headroom. The
  // executor uses it when the node cannot estimate, and as the floor under
  // an estimate (which runs on "latest" and can be short while the sender's
  // earlier transactions are pending).
  [[nodiscard]] virtual uint64_t gas_limit(std::string_view step) const noexcept = 0;
};

}  // namespace perpx::executor
