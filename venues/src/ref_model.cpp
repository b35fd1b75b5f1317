// RefModel: PerpVenue.sol's arithmetic, line for line (see ref_model.hpp).
#include "perpx/venues/ref_model.hpp"

#include <utility>

namespace perpx::venues {

namespace {

I256 I(const U256& u) { return I256::from_u256(u); }
const U256 kTokenToWad{1'000'000'000'000ull};
const I256 kDay{86400};

// _ratio
I256 ratio(const I256& equity, const U256& mm) {
  if (mm.is_zero()) return I256::max();
  return equity * kWadI / I(mm);
}

// p.size * (fundingIndex - p.lastFundingIndex) / W  (_owed)
I256 owed(const Position& p, const I256& funding_index) { return p.size * (funding_index - p.last_funding_index) / kWadI; }

// p.size * (int256(index) - int256(p.entryPrice)) / W  (_upnl)
I256 upnl(const Position& p, const U256& index) { return p.size * (I(index) - I(p.entry_price)) / kWadI; }

bool positive(const I256& x) { return !x.negative() && !x.is_zero(); }

}  // namespace

std::string_view error_name(VenueErrc e) noexcept {
  switch (e) {
    case VenueErrc::kNotOwner: return "NotOwner";
    case VenueErrc::kOnlySelf: return "OnlySelf";
    case VenueErrc::kUnknownMarket: return "UnknownMarket";
    case VenueErrc::kZeroSize: return "ZeroSize";
    case VenueErrc::kZeroAmount: return "ZeroAmount";
    case VenueErrc::kDeadlineExpired: return "DeadlineExpired";
    case VenueErrc::kLimitPriceExceeded: return "LimitPriceExceeded";
    case VenueErrc::kInsufficientMargin: return "InsufficientMargin";
    case VenueErrc::kWithdrawBelowMargin: return "WithdrawBelowMargin";
    case VenueErrc::kNonPositivePrice: return "NonPositivePrice";
    case VenueErrc::kPositionOpen: return "PositionOpen";
    case VenueErrc::kNotIsolated: return "NotIsolated";
    case VenueErrc::kAccountHealthy: return "AccountHealthy";
    case VenueErrc::kCommitmentExists: return "CommitmentExists";
    case VenueErrc::kUnknownCommitment: return "UnknownCommitment";
    case VenueErrc::kAlreadyRevealed: return "AlreadyRevealed";
    case VenueErrc::kCommitmentWasCleared: return "CommitmentWasCleared";
    case VenueErrc::kRevealTooEarly: return "RevealTooEarly";
    case VenueErrc::kRevealTooLate: return "RevealTooLate";
    case VenueErrc::kCommitmentNotExpired: return "CommitmentNotExpired";
    case VenueErrc::kSnapshotUnavailable: return "SnapshotUnavailable";
    case VenueErrc::kNoPendingBatch: return "NoPendingBatch";
    case VenueErrc::kBatchWindowOpen: return "BatchWindowOpen";
    case VenueErrc::kBatchFull: return "BatchFull";
    case VenueErrc::kOracleNotConfigured: return "OracleNotConfigured";
    case VenueErrc::kOracleStale: return "OracleStale";
    case VenueErrc::kOracleDeviation: return "OracleDeviation";
    case VenueErrc::kSafeERC20FailedOperation: return "SafeERC20FailedOperation";
  }
  return "unknown venue error";
}

std::string_view error_signature(VenueErrc e) noexcept {
  switch (e) {
    case VenueErrc::kNotOwner: return "NotOwner()";
    case VenueErrc::kOnlySelf: return "OnlySelf()";
    case VenueErrc::kUnknownMarket: return "UnknownMarket(uint256)";
    case VenueErrc::kZeroSize: return "ZeroSize()";
    case VenueErrc::kZeroAmount: return "ZeroAmount()";
    case VenueErrc::kDeadlineExpired: return "DeadlineExpired(uint256,uint256)";
    case VenueErrc::kLimitPriceExceeded: return "LimitPriceExceeded(uint256,uint256)";
    case VenueErrc::kInsufficientMargin: return "InsufficientMargin(int256,uint256)";
    case VenueErrc::kWithdrawBelowMargin: return "WithdrawBelowMargin(int256,uint256)";
    case VenueErrc::kNonPositivePrice: return "NonPositivePrice()";
    case VenueErrc::kPositionOpen: return "PositionOpen(uint256)";
    case VenueErrc::kNotIsolated: return "NotIsolated(uint256)";
    case VenueErrc::kAccountHealthy: return "AccountHealthy(address,int256,uint256)";
    case VenueErrc::kCommitmentExists: return "CommitmentExists(bytes32)";
    case VenueErrc::kUnknownCommitment: return "UnknownCommitment(bytes32)";
    case VenueErrc::kAlreadyRevealed: return "AlreadyRevealed(bytes32)";
    case VenueErrc::kCommitmentWasCleared: return "CommitmentWasCleared(bytes32)";
    case VenueErrc::kRevealTooEarly: return "RevealTooEarly(bytes32,uint256)";
    case VenueErrc::kRevealTooLate: return "RevealTooLate(bytes32,uint256)";
    case VenueErrc::kCommitmentNotExpired: return "CommitmentNotExpired(bytes32,uint256)";
    case VenueErrc::kSnapshotUnavailable: return "SnapshotUnavailable(uint256,uint256)";
    case VenueErrc::kNoPendingBatch: return "NoPendingBatch(uint256)";
    case VenueErrc::kBatchWindowOpen: return "BatchWindowOpen(uint256,uint256)";
    case VenueErrc::kBatchFull: return "BatchFull(uint256)";
    case VenueErrc::kOracleNotConfigured: return "OracleNotConfigured(uint256)";
    case VenueErrc::kOracleStale: return "OracleStale(uint256)";
    case VenueErrc::kOracleDeviation: return "OracleDeviation(uint256,uint256,uint256)";
    case VenueErrc::kSafeERC20FailedOperation: return "SafeERC20FailedOperation(address)";
  }
  return "";
}

std::string_view describe(VenueErrc e) noexcept { return error_name(e); }

ModelResult<U256> oracle_index(const OracleInputs& in) {
  if (in.chainlink_usable && in.pyth_usable) {
    const U256 lo = in.chainlink < in.pyth ? in.chainlink : in.pyth;
    const U256 diff = in.chainlink < in.pyth ? in.pyth - in.chainlink : in.chainlink - in.pyth;
    if (diff * U256{10000} > in.max_deviation_bps * lo) return std::unexpected(VenueErrc::kOracleDeviation);
    return (in.chainlink + in.pyth) / U256{2};
  }
  if (in.chainlink_usable) return in.chainlink;
  if (in.pyth_usable) return in.pyth;
  return std::unexpected(VenueErrc::kOracleStale);
}

U256 margin_of(const I256& size, const U256& index, const U256& fraction) {
  return size.abs() * index / kWad * fraction / kWad;
}

RefModel::RefModel(VenueParams params, std::vector<MarketParams> markets, uint64_t created_at)
    : params_(std::move(params)), market_params_(std::move(markets)), markets_(market_params_.size()) {
  for (auto& m : markets_) m.last_funding_time = created_at;
}

Account RefModel::account(const Address& a) const {
  auto it = accounts_.find(a);
  if (it != accounts_.end()) return it->second;
  Account fresh;
  fresh.positions.resize(market_count());
  return fresh;
}

void RefModel::set_account(const Address& a, Account ac) {
  ac.positions.resize(market_count());
  accounts_[a] = std::move(ac);
}

Account& RefModel::acc(const Address& a) {
  auto [it, inserted] = accounts_.try_emplace(a);
  if (inserted) it->second.positions.resize(market_count());
  return it->second;
}

// ---- formulas ----

ModelResult<U256> RefModel::impact_price(size_t m, const U256& index, const I256& skew, const I256& size) const {
  const MarketParams& mp = market_params_.at(m);
  const I256 premium = (I256{2} * skew + size) * kWadI / (I256{2} * I(mp.skew_scale));
  const I256 f = I(index) * (kWadI + premium) / kWadI;
  if (!positive(f)) return std::unexpected(VenueErrc::kNonPositivePrice);
  return f.as_u256();
}

I256 RefModel::funding_rate(size_t m) const {
  const I256 max_rate = I(market_params_.at(m).max_funding_rate);
  I256 r = markets_.at(m).skew * max_rate / I(market_params_[m].skew_scale);
  if (r > max_rate) r = max_rate;
  if (r < -max_rate) r = -max_rate;
  return r;
}

I256 RefModel::accrued_funding_index(size_t m, const U256& index, uint64_t now) const {
  const MarketState& s = markets_.at(m);
  const I256 dt = I(U256{now - s.last_funding_time});
  return s.funding_index + funding_rate(m) * I(index) / kWadI * dt / kDay;
}

I256 RefModel::pending_funding(const Address& a, size_t m, const U256& index, uint64_t now) const {
  const Account ac = account(a);
  return owed(ac.positions.at(m), accrued_funding_index(m, index, now));
}

I256 RefModel::unrealized_pnl(const Address& a, size_t m, const U256& index) const {
  const Account ac = account(a);
  const Position& p = ac.positions.at(m);
  if (p.size.is_zero()) return {};
  return upnl(p, index);
}

Figures RefModel::cross_of(const Account& ac, std::span<const U256> prices, uint64_t now) const {
  Figures f;
  f.equity = ac.cross_margin;
  for (size_t m = 0; m < market_count(); ++m) {
    const Position& p = ac.positions[m];
    if (p.isolated || p.size.is_zero()) continue;
    const U256& index = prices[m];
    f.equity += upnl(p, index) - owed(p, accrued_funding_index(m, index, now));
    f.initial_margin = f.initial_margin + margin_of(p.size, index, market_params_[m].im_fraction);
    f.maintenance_margin = f.maintenance_margin + margin_of(p.size, index, market_params_[m].mm_fraction);
  }
  f.margin_ratio = ratio(f.equity, f.maintenance_margin);
  return f;
}

Figures RefModel::isolated_of(const Account& ac, size_t m, const U256& index, uint64_t now) const {
  const Position& p = ac.positions.at(m);
  Figures f;
  f.equity = p.margin;
  if (!p.size.is_zero()) {
    f.equity += upnl(p, index) - owed(p, accrued_funding_index(m, index, now));
    f.initial_margin = margin_of(p.size, index, market_params_[m].im_fraction);
    f.maintenance_margin = margin_of(p.size, index, market_params_[m].mm_fraction);
  }
  f.margin_ratio = ratio(f.equity, f.maintenance_margin);
  return f;
}

Figures RefModel::cross_figures(const Address& a, std::span<const U256> prices, uint64_t now) const {
  return cross_of(account(a), prices, now);
}

Figures RefModel::isolated_figures(const Address& a, size_t m, const U256& index, uint64_t now) const {
  return isolated_of(account(a), m, index, now);
}

PositionFigures RefModel::position_figures(const Address& a, size_t m, std::span<const U256> prices,
                                           uint64_t now) const {
  const Account ac = account(a);
  const Position& p = ac.positions.at(m);
  const MarketParams& mp = market_params_.at(m);
  PositionFigures f;
  if (p.size.is_zero()) {
    f.equity = p.margin;
    f.margin_ratio = I256::max();
    return f;
  }
  const U256& index = prices[m];
  const I256 contribution = upnl(p, index) - owed(p, accrued_funding_index(m, index, now));
  f.initial_margin = margin_of(p.size, index, mp.im_fraction);
  f.maintenance_margin = margin_of(p.size, index, mp.mm_fraction);
  I256 constant;
  U256 other_mm;
  if (p.isolated) {
    f.equity = p.margin + contribution;
    constant = f.equity - upnl(p, index);
  } else {
    f.equity = contribution;
    const Figures cross = cross_of(ac, prices, now);
    constant = cross.equity - upnl(p, index);
    other_mm = cross.maintenance_margin - f.maintenance_margin;
  }
  f.margin_ratio = ratio(f.equity, f.maintenance_margin);
  // _liquidationPrice
  const I256 k = p.size - I(p.size.abs() * mp.mm_fraction / kWad);
  if (!k.is_zero()) {
    const I256 num = I(other_mm) - constant + p.size * I(p.entry_price) / kWadI;
    const I256 price = num * kWadI / k;
    if (positive(price)) f.liquidation_price = price.as_u256();
  }
  return f;
}

bool RefModel::can_liquidate(const Address& a, std::span<const U256> prices, uint64_t now) const {
  const Figures f = cross_figures(a, prices, now);
  return !f.maintenance_margin.is_zero() && f.equity < I(f.maintenance_margin);
}

bool RefModel::can_liquidate_position(const Address& a, size_t m, const U256& index, uint64_t now) const {
  const Account ac = account(a);
  if (!ac.positions.at(m).isolated) return false;
  const Figures f = isolated_of(ac, m, index, now);
  return !f.maintenance_margin.is_zero() && f.equity < I(f.maintenance_margin);
}

// ---- state changes ----

void RefModel::accrue(size_t m, const U256& index, uint64_t now) {
  MarketState& s = markets_[m];
  const uint64_t dt = now - s.last_funding_time;
  if (dt == 0) return;
  s.funding_index += funding_rate(m) * I(index) / kWadI * I(U256{dt}) / kDay;
  s.last_funding_time = now;
}

void RefModel::add_to_bucket(Account& ac, size_t m, const I256& amount) {
  Position& p = ac.positions[m];
  if (p.isolated) p.margin += amount;
  else ac.cross_margin += amount;
}

void RefModel::settle_funding(Account& ac, size_t m) {
  Position& p = ac.positions[m];
  const I256 fi = markets_[m].funding_index;
  const I256 o = owed(p, fi);
  p.last_funding_index = fi;
  if (o.is_zero()) return;
  add_to_bucket(ac, m, -o);
  ac.funding_paid += o;
}

void RefModel::set_size(size_t m, Position& p, const I256& size) {
  MarketState& s = markets_[m];
  const I256 old = p.size;
  if (positive(old)) s.open_interest_long = s.open_interest_long - old.as_u256();
  else s.open_interest_short = s.open_interest_short - (-old).as_u256();
  if (positive(size)) s.open_interest_long = s.open_interest_long + size.as_u256();
  else s.open_interest_short = s.open_interest_short + (-size).as_u256();
  s.skew += size - old;
  p.size = size;
}

void RefModel::release_isolated(Account& ac, size_t m) {
  Position& p = ac.positions[m];
  if (positive(p.margin)) ac.cross_margin += p.margin;
  else if (p.margin.negative()) bad_debt_ -= p.margin;
  p.margin = {};
}

ModelResult<void> RefModel::deposit(const Address& a, const U256& tokens) {
  if (tokens.is_zero()) return std::unexpected(VenueErrc::kZeroAmount);
  acc(a).cross_margin += I(tokens * kTokenToWad);
  return {};
}

ModelResult<void> RefModel::withdraw(const Address& a, const U256& tokens, std::span<const U256> prices,
                                     uint64_t now) {
  if (tokens.is_zero()) return std::unexpected(VenueErrc::kZeroAmount);
  const I256 wad = I(tokens * kTokenToWad);
  const Account ac = account(a);
  const Figures f = cross_of(ac, prices, now);
  const I256 after = ac.cross_margin - wad;
  if (after.negative() || f.equity - wad < I(f.initial_margin)) return std::unexpected(VenueErrc::kWithdrawBelowMargin);
  acc(a).cross_margin = after;
  return {};
}

ModelResult<void> RefModel::set_isolated(const Address& a, size_t m, bool isolated) {
  if (m >= market_count()) return std::unexpected(VenueErrc::kUnknownMarket);
  const Account ac = account(a);
  if (!ac.positions[m].size.is_zero()) return std::unexpected(VenueErrc::kPositionOpen);
  Account& live = acc(a);
  Position& p = live.positions[m];
  if (!isolated && !p.margin.is_zero()) {
    live.cross_margin += p.margin;
    p.margin = {};
  }
  p.isolated = isolated;
  return {};
}

ModelResult<void> RefModel::transfer_margin(const Address& a, size_t m, const I256& amount,
                                            std::span<const U256> prices, uint64_t now) {
  if (m >= market_count()) return std::unexpected(VenueErrc::kUnknownMarket);
  if (amount.is_zero()) return std::unexpected(VenueErrc::kZeroAmount);
  const Account ac = account(a);
  const Position& p = ac.positions[m];
  if (!p.isolated) return std::unexpected(VenueErrc::kNotIsolated);
  if (positive(amount)) {
    const Figures f = cross_of(ac, prices, now);
    if (ac.cross_margin < amount || f.equity - amount < I(f.initial_margin))
      return std::unexpected(VenueErrc::kInsufficientMargin);
  } else {
    const Figures f = isolated_of(ac, m, prices[m], now);
    if (p.margin < -amount || f.equity + amount < I(f.initial_margin))
      return std::unexpected(VenueErrc::kInsufficientMargin);
  }
  Account& live = acc(a);
  live.cross_margin -= amount;
  live.positions[m].margin += amount;
  return {};
}

ModelResult<Fill> RefModel::place_order(const Address& a, size_t m, const I256& size, const U256& limit,
                                        uint64_t deadline, std::span<const U256> prices, uint64_t now) {
  if (size.is_zero()) return std::unexpected(VenueErrc::kZeroSize);
  if (now > deadline) return std::unexpected(VenueErrc::kDeadlineExpired);
  if (m >= market_count()) return std::unexpected(VenueErrc::kUnknownMarket);
  auto fill = impact_price(m, prices[m], markets_[m].skew, size);
  if (!fill) return std::unexpected(fill.error());
  if (positive(size) ? *fill > limit : *fill < limit) return std::unexpected(VenueErrc::kLimitPriceExceeded);
  return trade(a, m, size, *fill, prices, now, kPathPublic);
}

ModelResult<Fill> RefModel::trade(const Address& a, size_t m, const I256& delta, const U256& fill,
                                  std::span<const U256> prices, uint64_t now, uint8_t /*path*/) {
  RefModel backup = *this;
  const U256& index = prices[m];
  const MarketParams& mp = market_params_.at(m);
  accrue(m, index, now);
  Account& ac = acc(a);
  settle_funding(ac, m);
  Position& p = ac.positions[m];
  const I256 old_size = p.size;
  Fill out;
  out.price = fill;
  // _applyFill
  out.fee = delta.abs() * fill / kWad * mp.taker_fee / kWad;
  if (!old_size.is_zero() && positive(old_size) != positive(delta)) {
    const I256 closed = delta.abs() < old_size.abs() ? -delta : old_size;
    out.realized_pnl = closed * (I(fill) - I(p.entry_price)) / kWadI;
  }
  const I256 new_size = old_size + delta;
  U256 entry;
  if (new_size.is_zero()) entry = U256{};
  else if (old_size.is_zero() || positive(old_size) != positive(new_size)) entry = fill;
  else if (new_size.abs() > old_size.abs())
    entry = (old_size.abs() * p.entry_price + delta.abs() * fill) / new_size.abs();
  else entry = p.entry_price;
  set_size(m, p, new_size);
  p.entry_price = entry;
  add_to_bucket(ac, m, out.realized_pnl - I(out.fee));
  ac.realized_pnl += out.realized_pnl;
  ac.fees_paid = ac.fees_paid + out.fee;
  fee_pool_ += I(out.fee);
  // _checkRisk
  const bool risk_up = new_size.abs() > old_size.abs() ||
                       (!old_size.is_zero() && !new_size.is_zero() && positive(old_size) != positive(new_size));
  if (risk_up) {
    const Figures f = p.isolated ? isolated_of(ac, m, index, now) : cross_of(ac, prices, now);
    if (f.equity < I(f.initial_margin)) {
      *this = std::move(backup);
      return std::unexpected(VenueErrc::kInsufficientMargin);
    }
  }
  out.new_size = new_size;
  out.new_entry_price = entry;
  if (new_size.is_zero() && p.isolated) release_isolated(ac, m);
  return out;
}

I256 RefModel::close_some(Account& ac, size_t m, const I256& close, const U256& index, Account& liq, U256& reward) {
  Position& p = ac.positions[m];
  const I256 pnl = close * (I(index) - I(p.entry_price)) / kWadI;
  const U256 r = close.abs() * index / kWad * params_.liquidation_reward / kWad;
  const I256 new_size = p.size - close;
  set_size(m, p, new_size);
  if (new_size.is_zero()) p.entry_price = U256{};
  add_to_bucket(ac, m, pnl - I(r));
  ac.realized_pnl += pnl;
  liq.cross_margin += I(r);
  reward = reward + r;
  return pnl;
}

ModelResult<Liquidation> RefModel::liquidate(const Address& a, const Address& liquidator,
                                             std::span<const U256> prices, uint64_t now) {
  RefModel backup = *this;
  Account& ac = acc(a);
  Account& liq = acc(liquidator);
  for (size_t m = 0; m < market_count(); ++m) {
    const Position& p = ac.positions[m];
    if (p.isolated || p.size.is_zero()) continue;
    accrue(m, prices[m], now);
    settle_funding(ac, m);
  }
  const Figures f = cross_of(ac, prices, now);
  if (f.maintenance_margin.is_zero() || f.equity >= I(f.maintenance_margin)) {
    *this = std::move(backup);
    return std::unexpected(VenueErrc::kAccountHealthy);
  }
  I256 reward_half;
  U256 mm_after;
  for (size_t m = 0; m < market_count(); ++m) {
    const Position& p = ac.positions[m];
    if (p.isolated || p.size.is_zero()) continue;
    const I256 half = p.size / I256{2};
    reward_half += I(half.abs() * prices[m] / kWad * params_.liquidation_reward / kWad);
    mm_after = mm_after + margin_of(p.size - half, prices[m], market_params_[m].mm_fraction);
  }
  Liquidation out;
  out.partial = f.equity - reward_half >= I(mm_after);
  for (size_t m = 0; m < market_count(); ++m) {
    const Position& p = ac.positions[m];
    if (p.isolated || p.size.is_zero()) continue;
    const I256 close = out.partial ? p.size / I256{2} : p.size;
    close_some(ac, m, close, prices[m], liq, out.reward);
    out.closed.emplace_back(m, close);
  }
  if (!out.partial && ac.cross_margin.negative()) {
    bad_debt_ -= ac.cross_margin;
    ac.cross_margin = {};
  }
  return out;
}

ModelResult<Liquidation> RefModel::liquidate_position(const Address& a, size_t m, const Address& liquidator,
                                                      const U256& index, uint64_t now) {
  if (m >= market_count()) return std::unexpected(VenueErrc::kUnknownMarket);
  if (!account(a).positions[m].isolated) return std::unexpected(VenueErrc::kNotIsolated);
  RefModel backup = *this;
  accrue(m, index, now);
  Account& ac = acc(a);
  Account& liq = acc(liquidator);
  settle_funding(ac, m);
  const Figures f = isolated_of(ac, m, index, now);
  if (f.maintenance_margin.is_zero() || f.equity >= I(f.maintenance_margin)) {
    *this = std::move(backup);
    return std::unexpected(VenueErrc::kAccountHealthy);
  }
  Position& p = ac.positions[m];
  const I256 half = p.size / I256{2};
  Liquidation out;
  out.partial = f.equity - I(half.abs() * index / kWad * params_.liquidation_reward / kWad) >=
                I(margin_of(p.size - half, index, market_params_[m].mm_fraction));
  const I256 close = out.partial ? half : p.size;
  close_some(ac, m, close, index, liq, out.reward);
  out.closed.emplace_back(m, close);
  if (!out.partial) release_isolated(ac, m);
  return out;
}

}  // namespace perpx::venues
