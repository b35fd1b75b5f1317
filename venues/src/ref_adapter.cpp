#include "perpx/venues/ref_adapter.hpp"

#include <algorithm>
#include <charconv>

namespace perpx::venues {

namespace {

executor::VenueError venue_err(std::string what, const chain::ContractError& e) {
  std::string named;
  if (auto v = venue_error(e)) named = std::string(error_name(*v)) + ": ";
  return executor::VenueError{std::move(what) + ": " + named + chain::describe(e)};
}

// Orders name markets by their base ("ETH" for "ETH-PERP").
std::string order_name(const std::string& venue_name) {
  return venue_name.ends_with("-PERP") ? venue_name.substr(0, venue_name.size() - 5) : venue_name;
}

executor::VenueAccount view_of(const Figures& f, const Account& a, std::span<const U256> prices,
                               std::span<const MarketParams> markets) {
  executor::VenueAccount v;
  v.equity = f.equity;
  v.maintenance_margin = f.maintenance_margin;
  for (size_t m = 0; m < a.positions.size() && m < prices.size() && m < markets.size(); ++m) {
    const I256& size = a.positions[m].size;
    if (size.is_zero()) continue;
    v.positions.push_back(executor::PositionView{order_name(markets[m].name), size, size.abs() * prices[m] / kWad});
  }
  return v;
}

}  // namespace

VenueOrder venue_order(uint64_t market, const executor::Order& o, uint64_t deadline) {
  return VenueOrder{market, executor::signed_size(o), o.limit_price, deadline};
}

executor::VenueResult<void> RefAdapter::load() {
  if (config_) return {};
  auto cfg = venue_.config();
  if (!cfg) return std::unexpected(venue_err("venue config", cfg.error()));
  std::vector<MarketParams> markets;
  for (uint64_t m = 0; m < cfg->market_count; ++m) {
    auto p = venue_.market_params(m);
    if (!p) return std::unexpected(venue_err("market " + std::to_string(m), p.error()));
    markets.push_back(std::move(*p));
  }
  timing_ = executor::PathTiming{cfg->params.min_reveal_delay, cfg->params.max_reveal_delay, cfg->params.batch_window};
  config_ = std::move(*cfg);
  markets_ = std::move(markets);
  return {};
}

executor::VenueResult<uint64_t> RefAdapter::market_id(std::string_view market) {
  if (auto r = load(); !r) return std::unexpected(r.error());
  for (uint64_t m = 0; m < markets_.size(); ++m) {
    const std::string& n = markets_[m].name;
    if (n == market || (n.size() > market.size() && n.starts_with(market) && n.substr(market.size()) == "-PERP"))
      return m;
  }
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(market.data(), market.data() + market.size(), id);
  if (ec == std::errc() && p == market.data() + market.size() && id < markets_.size()) return id;
  return std::unexpected(executor::VenueError{"no market \"" + std::string(market.substr(0, 40)) + "\" on the ref venue"});
}

executor::VenueResult<executor::VenueMarket> RefAdapter::market(std::string_view market) {
  auto id = market_id(market);
  if (!id) return std::unexpected(id.error());
  auto head = rpc_->block_number();
  if (!head) return std::unexpected(executor::VenueError{"block number: " + chain::to_string(head.error())});
  const chain::BlockRef at(*head);
  auto index = venue_.index_price(*id, at);
  if (!index) return std::unexpected(venue_err("index price", index.error()));
  auto state = venue_.market_state(*id, at);
  if (!state) return std::unexpected(venue_err("market state", state.error()));
  const MarketParams& p = markets_[*id];
  executor::VenueMarket v;
  v.name = order_name(p.name);
  v.id = *id;
  v.index = *index;
  v.skew = state->skew;
  v.depth = p.skew_scale;
  v.max_leverage = p.im_fraction.is_zero() ? U256{} : kWad * kWad / p.im_fraction;
  v.mm_fraction = p.mm_fraction;
  return v;
}

executor::VenueResult<RefAdapter::Snapshot> RefAdapter::snapshot(const chain::Address& account) {
  auto header = rpc_->block_header(chain::Tag::kLatest);
  if (!header || !*header) return std::unexpected(executor::VenueError{"cannot read the latest block"});
  const chain::BlockRef at((*header)->number);
  const Address who[] = {account};
  auto model = venue_.load_model(who, at);
  if (!model) return std::unexpected(venue_err("venue state", model.error()));
  std::vector<U256> prices;
  for (uint64_t m = 0; m < markets_.size(); ++m) {
    auto p = venue_.index_price(m, at);
    prices.push_back(p ? *p : U256{});
  }
  return Snapshot{at, (*header)->timestamp, std::move(*model), std::move(prices)};
}

executor::VenueResult<executor::VenueProjection> RefAdapter::project(const chain::Address& account,
                                                                const executor::Order& o) {
  auto id = market_id(o.market);
  if (!id) return std::unexpected(id.error());
  auto snap = snapshot(account);
  if (!snap) return std::unexpected(snap.error());
  const I256 size = executor::signed_size(o);
  auto fill = venue_.fill_price(*id, size, snap->at);
  if (!fill) return std::unexpected(venue_err("fill price", fill.error()));
  const RefModel& model = snap->model;
  const std::vector<U256>& prices = snap->prices;
  const uint64_t now = snap->timestamp;
  executor::VenueProjection out;
  out.fill_price = *fill;
  out.before = view_of(model.cross_figures(account, prices, now), model.account(account), prices, markets_);
  // The fill as the venue would do it, on a copy of its state; a venue
  // refusal leaves "after" equal to "before" (simulation names the error).
  RefModel after = model;
  if (after.trade(account, *id, size, *fill, prices, now)) {
    out.after = view_of(after.cross_figures(account, prices, now), after.account(account), prices, markets_);
  } else {
    out.after = out.before;
  }
  return out;
}

executor::VenueResult<executor::VenueAccount> RefAdapter::account(const chain::Address& account) {
  if (auto r = load(); !r) return std::unexpected(r.error());
  auto snap = snapshot(account);
  if (!snap) return std::unexpected(snap.error());
  return view_of(snap->model.cross_figures(account, snap->prices, snap->timestamp), snap->model.account(account),
                 snap->prices, markets_);
}

core::Bytes RefAdapter::place_call(uint64_t market, const executor::Order& o, uint64_t deadline) {
  return place_order_call(venue_order(market, o, deadline));
}
core::Bytes RefAdapter::commit_call(const chain::Address& account, uint64_t market, const executor::Order& o,
                                    const core::Hash32& salt, uint64_t deadline) {
  return commit_order_call(commitment_of(account, venue_order(market, o, deadline), salt));
}
core::Bytes RefAdapter::reveal_call(uint64_t market, const executor::Order& o, const core::Hash32& salt,
                                    uint64_t deadline) {
  return reveal_order_call(venue_order(market, o, deadline), salt);
}
core::Bytes RefAdapter::batch_call(uint64_t market, const executor::Order& o, uint64_t deadline) {
  return submit_batch_order_call(venue_order(market, o, deadline));
}
core::Bytes RefAdapter::settle_call(uint64_t market) { return settle_batch_call(market); }

executor::VenueResult<uint64_t> RefAdapter::commitment_status(const chain::Address& account, uint64_t market,
                                                              const executor::Order& o, const core::Hash32& salt,
                                                              uint64_t deadline) {
  auto s = venue_.commitment_status(commitment_of(account, venue_order(market, o, deadline), salt));
  if (!s) return std::unexpected(venue_err("commitment", s.error()));
  return *s;
}

executor::VenueResult<executor::Venue::BatchState> RefAdapter::batch_state(const chain::Address& account,
                                                                         uint64_t market,
                                                                         chain::BlockNum queued_block) {
  if (auto r = load(); !r) return std::unexpected(r.error());
  const uint64_t id = queued_block / (timing_.batch_window == 0 ? 1 : timing_.batch_window);
  auto word = [](uint64_t v) {
    core::Hash32 h{};
    for (size_t i = 0; i < 8; ++i) h.bytes[31 - i] = static_cast<uint8_t>(v >> (8 * i));
    return h;
  };
  core::Hash32 who{};
  std::copy(account.bytes.begin(), account.bytes.end(), who.bytes.begin() + 12);
  auto head = rpc_->block_number();
  if (!head) return std::unexpected(executor::VenueError{"block number: " + chain::to_string(head.error())});
  chain::LogFilter settled{{venue_.address()}, {{batch_settled_topic()}, {word(market)}, {word(id)}}};
  auto s = rpc_->get_logs(settled, queued_block, *head);
  if (!s) return std::unexpected(executor::VenueError{"batch logs: " + chain::to_string(s.error())});
  if (s->empty()) return BatchState::kOpen;
  chain::LogFilter cancelled{{venue_.address()},
                             {{batch_order_cancelled_topic()}, {word(market)}, {word(id)}, {who}}};
  auto c = rpc_->get_logs(cancelled, queued_block, *head);
  if (!c) return std::unexpected(executor::VenueError{"batch logs: " + chain::to_string(c.error())});
  return c->empty() ? BatchState::kFilled : BatchState::kCancelled;
}

std::string RefAdapter::explain_revert(core::ByteView data) const {
  if (auto e = venue_error(data)) return std::string(error_signature(*e));
  return {};
}

uint64_t RefAdapter::gas_limit(std::string_view step) const noexcept {
  // Gas used on anvil with the drill world (tests/integration/executor_paths_test.cpp
  // prints it): place 354k, commit 233k, reveal 368k, batch 325k, settle of
  // a one-order batch 401k; these are 1.15x that. A settle grows with its
  // batch: the node's estimate covers a larger one.
  if (step == "commit") return 270'000;
  if (step == "reveal") return 425'000;
  if (step == "batch") return 375'000;
  if (step == "settle") return 470'000;
  if (step == "cancel") return 21'000;
  return 410'000;  // place
}

}  // namespace perpx::venues
