#pragma once
// RefModel: the reference venue (contracts/PerpVenue.sol, PerpOracle.sol) in
// C++, unit for unit: the same state, the same formulas, the same order of
// truncating divisions, the same checks with the same errors. The contract's
// header comment states the rules; each function here names the Solidity it
// mirrors. Strategies and stress tests predict the venue with it; the
// differential test (tests/integration/venues_differential_test.cpp) holds it
// to the contract's own views.
//
// Inputs the chain supplies: the block time (`now`) and each market's index
// price (`prices[m]`, from PerpOracle, or oracle_index() below). Operations
// check and fail exactly where the contract reverts, and a failed operation
// changes nothing (as a reverted transaction).
//
// Single-threaded value type; allocates (accounts map).
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/core/bytes.hpp"
#include "perpx/core/fixed.hpp"

namespace perpx::venues {

using core::Address;
using core::I256;
using core::kWad;
using core::kWadI;
using core::parse_i256;
using core::U256;
using core::to_decimal;
using core::wad_to_string;

// The venue's and oracle's custom errors (one per Solidity `error`).
enum class [[nodiscard]] VenueErrc : uint8_t {
  kNotOwner, kOnlySelf, kUnknownMarket, kZeroSize, kZeroAmount, kDeadlineExpired, kLimitPriceExceeded,
  kInsufficientMargin, kWithdrawBelowMargin, kNonPositivePrice, kPositionOpen, kNotIsolated, kAccountHealthy,
  kCommitmentExists, kUnknownCommitment, kAlreadyRevealed, kCommitmentWasCleared, kRevealTooEarly, kRevealTooLate,
  kCommitmentNotExpired, kSnapshotUnavailable, kNoPendingBatch, kBatchWindowOpen, kBatchFull,
  // PerpOracle
  kOracleNotConfigured, kOracleStale, kOracleDeviation,
  // OpenZeppelin SafeERC20 (a collateral transfer failed)
  kSafeERC20FailedOperation,
};
inline constexpr int kVenueErrcCount = static_cast<int>(VenueErrc::kSafeERC20FailedOperation) + 1;
// The Solidity error's name: "ZeroSize", "OracleStale", ...
std::string_view error_name(VenueErrc e) noexcept;
// Its full signature, "DeadlineExpired(uint256,uint256)" (selectors hash this).
std::string_view error_signature(VenueErrc e) noexcept;
std::string_view describe(VenueErrc e) noexcept;  // = error_name

template <class T>
using ModelResult = std::expected<T, VenueErrc>;

inline constexpr uint8_t kPathPublic = 0;
inline constexpr uint8_t kPathCommit = 1;
inline constexpr uint8_t kPathBatch = 2;

struct MarketParams {
  std::string name;
  U256 skew_scale;        // size units (1e18)
  U256 im_fraction;       // 1e18 = 100%
  U256 mm_fraction;
  U256 taker_fee;
  U256 max_funding_rate;  // per day
};

struct MarketState {
  I256 skew;
  U256 open_interest_long;
  U256 open_interest_short;
  I256 funding_index;
  uint64_t last_funding_time = 0;
  friend bool operator==(const MarketState&, const MarketState&) = default;
};

struct Position {
  I256 size;
  U256 entry_price;
  I256 last_funding_index;
  I256 margin;  // isolated only
  bool isolated = false;
  friend bool operator==(const Position&, const Position&) = default;
};

struct Account {
  I256 cross_margin;
  I256 realized_pnl;
  U256 fees_paid;
  I256 funding_paid;
  std::vector<Position> positions;  // one per market
  friend bool operator==(const Account&, const Account&) = default;
};

struct VenueParams {
  U256 liquidation_reward;  // fraction of closed notional
  uint64_t min_reveal_delay = 1;
  uint64_t max_reveal_delay = 20;
  uint64_t batch_window = 5;
};

// PerpOracle.indexPrice: both sources at 1e18 with their usability.
struct OracleInputs {
  U256 chainlink;
  bool chainlink_usable = false;
  U256 pyth;
  bool pyth_usable = false;
  U256 max_deviation_bps;
};
ModelResult<U256> oracle_index(const OracleInputs& in);

// Figures of the cross account or one isolated position.
struct Figures {
  I256 equity;
  U256 initial_margin;
  U256 maintenance_margin;
  I256 margin_ratio;  // equity * 1e18 / MM; I256::max() when MM = 0
  friend bool operator==(const Figures&, const Figures&) = default;
};

// PerpVenue.positionSummary.
struct PositionFigures {
  I256 equity;  // isolated: its own; cross: upnl - pending funding
  U256 initial_margin;
  U256 maintenance_margin;
  I256 margin_ratio;
  U256 liquidation_price;  // 0: none
  friend bool operator==(const PositionFigures&, const PositionFigures&) = default;
};

struct Fill {
  U256 price;
  U256 fee;
  I256 realized_pnl;
  I256 new_size;
  U256 new_entry_price;
};

struct Liquidation {
  bool partial = false;
  std::vector<std::pair<size_t, I256>> closed;  // market, size closed
  U256 reward;                                  // total to the liquidator
};

struct AddressLess {
  bool operator()(const Address& a, const Address& b) const noexcept { return a.bytes < b.bytes; }
};

class RefModel {
 public:
  RefModel() = default;
  RefModel(VenueParams params, std::vector<MarketParams> markets, uint64_t created_at);

  [[nodiscard]] const VenueParams& params() const noexcept { return params_; }
  [[nodiscard]] size_t market_count() const noexcept { return market_params_.size(); }
  [[nodiscard]] const MarketParams& market_params(size_t m) const { return market_params_.at(m); }
  [[nodiscard]] const MarketState& market(size_t m) const { return markets_.at(m); }
  // An account never touched reads as zero.
  [[nodiscard]] Account account(const Address& a) const;
  [[nodiscard]] const I256& fee_pool() const noexcept { return fee_pool_; }
  [[nodiscard]] const I256& bad_debt() const noexcept { return bad_debt_; }

  // Replace state wholesale (loading a snapshot from the chain).
  void set_market_state(size_t m, const MarketState& s) { markets_.at(m) = s; }
  void set_account(const Address& a, Account acc);

  // ---- formulas (pure) ----
  // _impact: index * (W + (2*skew + size) * W / (2*skewScale)) / W.
  [[nodiscard]] ModelResult<U256> impact_price(size_t m, const U256& index, const I256& skew, const I256& size) const;
  [[nodiscard]] I256 funding_rate(size_t m) const;
  [[nodiscard]] I256 accrued_funding_index(size_t m, const U256& index, uint64_t now) const;
  [[nodiscard]] I256 pending_funding(const Address& a, size_t m, const U256& index, uint64_t now) const;
  [[nodiscard]] I256 unrealized_pnl(const Address& a, size_t m, const U256& index) const;
  // accountSummary / _crossFigures; prices[m] is read only for markets with a cross position.
  [[nodiscard]] Figures cross_figures(const Address& a, std::span<const U256> prices, uint64_t now) const;
  [[nodiscard]] Figures isolated_figures(const Address& a, size_t m, const U256& index, uint64_t now) const;
  [[nodiscard]] PositionFigures position_figures(const Address& a, size_t m, std::span<const U256> prices,
                                                 uint64_t now) const;
  [[nodiscard]] bool can_liquidate(const Address& a, std::span<const U256> prices, uint64_t now) const;
  [[nodiscard]] bool can_liquidate_position(const Address& a, size_t m, const U256& index, uint64_t now) const;

  // ---- operations (as transactions at time `now`) ----
  ModelResult<void> deposit(const Address& a, const U256& tokens);
  ModelResult<void> withdraw(const Address& a, const U256& tokens, std::span<const U256> prices, uint64_t now);
  ModelResult<void> set_isolated(const Address& a, size_t m, bool isolated);
  ModelResult<void> transfer_margin(const Address& a, size_t m, const I256& amount, std::span<const U256> prices,
                                    uint64_t now);
  // placeOrder: fill at the impacted price now.
  ModelResult<Fill> place_order(const Address& a, size_t m, const I256& size, const U256& limit, uint64_t deadline,
                                std::span<const U256> prices, uint64_t now);
  // _trade at a given fill price (reveal and batch fills: the price comes from a snapshot).
  ModelResult<Fill> trade(const Address& a, size_t m, const I256& size, const U256& fill, std::span<const U256> prices,
                          uint64_t now, uint8_t path = kPathPublic);
  ModelResult<Liquidation> liquidate(const Address& a, const Address& liquidator, std::span<const U256> prices,
                                     uint64_t now);
  ModelResult<Liquidation> liquidate_position(const Address& a, size_t m, const Address& liquidator,
                                              const U256& index, uint64_t now);

 private:
  Account& acc(const Address& a);
  void accrue(size_t m, const U256& index, uint64_t now);
  void settle_funding(Account& ac, size_t m);
  void add_to_bucket(Account& ac, size_t m, const I256& amount);
  void set_size(size_t m, Position& p, const I256& size);
  I256 close_some(Account& ac, size_t m, const I256& close, const U256& index, Account& liq, U256& reward);
  void release_isolated(Account& ac, size_t m);
  [[nodiscard]] Figures cross_of(const Account& ac, std::span<const U256> prices, uint64_t now) const;
  [[nodiscard]] Figures isolated_of(const Account& ac, size_t m, const U256& index, uint64_t now) const;

  VenueParams params_;
  std::vector<MarketParams> market_params_;
  std::vector<MarketState> markets_;
  std::map<Address, Account, AddressLess> accounts_;
  I256 fee_pool_;
  I256 bad_debt_;
};

// |size| * index / W * fraction / W (_marginOf).
U256 margin_of(const I256& size, const U256& index, const U256& fraction);

}  // namespace perpx::venues
