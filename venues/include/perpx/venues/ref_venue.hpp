#pragma once
// Typed bindings for the reference venue (contracts/PerpVenue.sol) on the ABI
// codec: calldata builders, view calls, event decoders, revert-error decoding,
// and loading the venue's state into a RefModel (ref_model.hpp).
//
// Calldata builders are pure and do not fail (typed inputs always encode).
// The order path's builders (orders, commit-reveal, batch, commitment_of)
// write ABI words straight from the typed fields (chain::append_*), not
// through the generic Json codec; tests/unit/venues_calldata_test.cpp checks
// them against the generic codec byte for byte. append_place_order(s) are the
// allocation-free forms (no allocation when `out` has the capacity).
// Reads are eth_calls pinned to one block (`at`), so several reads see one
// state; they block on the RPC client (one thread at a time) and allocate.
// Errors: chain::ContractError, whose revert data venue_error() turns into
// the venue's named error.
//
// This is the adapter an executor::Venue will wrap: orders in (calldata),
// fills and liquidations out (events), state on demand (views, model).
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "perpx/chain/abi.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/chain/types.hpp"
#include "perpx/venues/ref_model.hpp"

namespace perpx::venues {

using chain::BlockRef;
using chain::ContractResult;
using core::Bytes;
using core::Hash32;

// The named venue/oracle error a revert carries (by its 4-byte selector), if any.
std::optional<VenueErrc> venue_error(core::ByteView revert_data);
std::optional<VenueErrc> venue_error(const chain::ContractError& e);
// keccak256(signature)[0..4] of error_signature(e).
chain::Selector error_selector(VenueErrc e);

struct VenueOrder {
  uint64_t market = 0;
  I256 size_delta;
  U256 limit_price;
  uint64_t deadline = 0;
};

// ---- calldata ----
Bytes deposit_call(const U256& tokens);
Bytes withdraw_call(const U256& tokens);
Bytes add_liquidity_call(const U256& tokens);
Bytes set_isolated_call(uint64_t market, bool isolated);
Bytes transfer_margin_call(uint64_t market, const I256& amount);
Bytes place_order_call(const VenueOrder& o);
Bytes place_orders_call(std::span<const VenueOrder> orders);
// The same bytes appended to `out`: kPlaceOrderLength, place_orders_length(n).
inline constexpr size_t kPlaceOrderLength = chain::call_length(4);
constexpr size_t place_orders_length(size_t n) noexcept { return chain::call_length(2 + 4 * n); }
void append_place_order(Bytes& out, const VenueOrder& o);
void append_place_orders(Bytes& out, std::span<const VenueOrder> orders);
Bytes commit_order_call(const Hash32& commitment);
Bytes reveal_order_call(const VenueOrder& o, const Hash32& salt);
Bytes clear_commitment_call(const Hash32& commitment);
Bytes submit_batch_order_call(const VenueOrder& o);
Bytes settle_batch_call(uint64_t market);
Bytes liquidate_call(const Address& account);
Bytes liquidate_position_call(const Address& account, uint64_t market);

// keccak256(abi.encode(account, market, sizeDelta, limitPrice, salt, deadline)), as commitmentOf.
Hash32 commitment_of(const Address& account, const VenueOrder& o, const Hash32& salt);

// ---- views ----
struct VenueConfig {
  Address owner, collateral, oracle;
  VenueParams params;
  uint64_t market_count = 0;
  I256 fee_pool, bad_debt;
};

struct Snapshot {
  U256 index;
  I256 skew;
  bool set = false;
};

struct AccountSummary {
  I256 margin;
  Figures figures;
};

class RefVenue {
 public:
  RefVenue(chain::RpcClient& rpc, const Address& venue) : rpc_(&rpc), venue_(venue) {}
  [[nodiscard]] const Address& address() const noexcept { return venue_; }

  ContractResult<VenueConfig> config(BlockRef at = chain::Tag::kLatest) const;
  ContractResult<MarketParams> market_params(uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  // marketState(m): stored state (not accrued).
  ContractResult<MarketState> market_state(uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<I256> funding_rate(uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<I256> accrued_funding_index(uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<U256> index_price(uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<U256> fill_price(uint64_t m, const I256& size, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<Position> position(const Address& a, uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  // Stored account state: margin, cumulative PnL/fees/funding, every position.
  ContractResult<Account> account(const Address& a, uint64_t market_count, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<AccountSummary> account_summary(const Address& a, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<PositionFigures> position_summary(const Address& a, uint64_t m,
                                                   BlockRef at = chain::Tag::kLatest) const;
  ContractResult<I256> pending_funding(const Address& a, uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<I256> unrealized_pnl(const Address& a, uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<bool> can_liquidate(const Address& a, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<bool> can_liquidate_position(const Address& a, uint64_t m, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<Snapshot> block_snapshot(uint64_t m, uint64_t block, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<Snapshot> batch_snapshot(uint64_t m, uint64_t batch_id, BlockRef at = chain::Tag::kLatest) const;
  ContractResult<uint64_t> commitment_status(const Hash32& c, BlockRef at = chain::Tag::kLatest) const;

  // A model holding the venue's parameters, every market's state and the
  // given accounts, as of block `at`.
  ContractResult<RefModel> load_model(std::span<const Address> accounts, BlockRef at = chain::Tag::kLatest) const;

 private:
  ContractResult<core::Json> view(std::string_view sig, const core::Json& args, BlockRef at) const;
  chain::RpcClient* rpc_;
  Address venue_;
};

// ---- events ----
struct OrderFilledEvent {
  Address account;
  uint64_t market = 0;
  uint8_t path = 0;
  I256 size_delta;
  U256 fill_price;
  I256 new_size;
  U256 new_entry_price;
  U256 fee;
  I256 realized_pnl;
  I256 margin;
};
struct LiquidatedEvent {
  Address account;
  uint64_t market = 0;
  Address liquidator;
  I256 size_closed;
  U256 price;
  I256 realized_pnl;
  U256 reward;
  bool partial = false;
};
struct BatchSettledEvent {
  uint64_t market = 0;
  uint64_t batch_id = 0;
  U256 clearing_price;
  I256 net_size;
  uint64_t filled = 0;
  uint64_t cancelled = 0;
};
struct FundingAccruedEvent {
  uint64_t market = 0;
  I256 rate;
  U256 index_price;
  uint64_t elapsed = 0;
  I256 funding_index;
};

const Hash32& order_filled_topic();
const Hash32& liquidated_topic();
const Hash32& batch_settled_topic();
const Hash32& funding_accrued_topic();
const Hash32& batch_order_cancelled_topic();

// Each fails (kAbi) on a log of another event or malformed data.
ContractResult<OrderFilledEvent> decode_order_filled(const chain::Log& log);
ContractResult<LiquidatedEvent> decode_liquidated(const chain::Log& log);
ContractResult<BatchSettledEvent> decode_batch_settled(const chain::Log& log);
ContractResult<FundingAccruedEvent> decode_funding_accrued(const chain::Log& log);

// Every log of `topic` in a receipt, decoded.
std::vector<OrderFilledEvent> fills_in(const chain::Receipt& r);

}  // namespace perpx::venues
