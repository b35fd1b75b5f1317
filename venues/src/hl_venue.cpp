// Hyperliquid as a book venue: see hyperliquid_venue.hpp.
#include "perpx/venues/hyperliquid_venue.hpp"

#include <algorithm>
#include <cctype>

#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"

namespace perpx::venues::hl {

using core::Json;
using executor::BookErrc;
using executor::BookError;
using executor::BookReport;
using executor::BookState;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view hay, std::string_view needle) { return lower(hay).find(needle) != std::string::npos; }

// A decimal string as 1e18 fixed point, with its sign ("-0.5" -> -0.5e18).
std::expected<core::I256, std::string> signed_wad(std::string_view s) {
  const bool neg = !s.empty() && s.front() == '-';
  if (neg) s.remove_prefix(1);
  auto v = core::parse_wad(s);
  if (!v) return std::unexpected(v.error());
  const core::I256 x = core::I256::from_u256(*v);
  return neg ? -x : x;
}

executor::VenueError venue_error(std::string what, const HlClientError& e) {
  return executor::VenueError{std::move(what) + ": " + to_string(e)};
}

}  // namespace

std::string_view describe(MapErrc e) noexcept {
  switch (e) {
    case MapErrc::kUnknownMarket: return "unknown market";
    case MapErrc::kBadPrice: return "price cannot be written on the tick";
    case MapErrc::kBadSize: return "size cannot be written on the lot";
    case MapErrc::kBadTwap: return "TWAP minutes must be 5 to 1440";
  }
  return "?";
}

std::string cloid_for(std::string_view client_id) {
  core::Bytes in;
  constexpr std::string_view kDomain = "perpx/cloid/";
  in.insert(in.end(), kDomain.begin(), kDomain.end());
  in.insert(in.end(), client_id.begin(), client_id.end());
  const core::Hash32 h = core::keccak256(in);
  return core::to_hex(core::ByteView(h.bytes.data(), 16));
}

std::string_view wire_tif(executor::TimeInForce t) noexcept {
  switch (t) {
    case executor::TimeInForce::kGtc: return "Gtc";
    case executor::TimeInForce::kIoc: return "Ioc";
    case executor::TimeInForce::kPostOnly: return "Alo";
  }
  return "Gtc";
}

const PerpAsset* find_asset(const Meta& meta, std::string_view market) noexcept {
  if (market.ends_with("-PERP")) market.remove_suffix(5);
  for (const auto& a : meta.universe)
    if (a.name == market && !a.is_delisted) return &a;
  return nullptr;
}

std::expected<std::string, MapError> wire_price(const core::U256& wad, int sz_decimals, Rounding mode) {
  const std::string px = core::wad_to_string(wad);
  auto r = round_price(px, sz_decimals, Market::kPerp, mode);
  if (!r) return std::unexpected(MapError{MapErrc::kBadPrice, px + ": " + std::string(describe(r.error()))});
  return std::move(*r);
}

std::expected<std::string, MapError> wire_size(const core::U256& wad, int sz_decimals) {
  const std::string sz = core::wad_to_string(wad);
  auto r = round_size(sz, sz_decimals, Rounding::kDown);
  if (!r) return std::unexpected(MapError{MapErrc::kBadSize, sz + " at " + std::to_string(sz_decimals) + " decimals: " +
                                                                 std::string(describe(r.error()))});
  return std::move(*r);
}

std::expected<Json, MapError> order_action(const executor::BookOrder& bo, const PerpAsset& asset) {
  const executor::Order& o = bo.order;
  const bool buy = o.side == executor::Side::kBuy;
  auto sz = wire_size(o.size, asset.sz_decimals);
  if (!sz) return std::unexpected(sz.error());
  Json action = Json::object();
  if (bo.twap) {
    if (bo.twap->minutes < 5 || bo.twap->minutes > 1440)
      return std::unexpected(MapError{MapErrc::kBadTwap, std::to_string(bo.twap->minutes) + " minutes"});
    Json t = Json::object();
    t["a"] = asset.asset;
    t["b"] = buy;
    t["s"] = *sz;
    t["r"] = o.reduce_only;
    t["m"] = bo.twap->minutes;
    t["t"] = bo.twap->randomize;
    action["type"] = "twapOrder";
    action["twap"] = t;
    return action;
  }
  // Passive: a buy never pays more than its limit, a sell never takes less.
  auto px = wire_price(o.limit_price, asset.sz_decimals, buy ? Rounding::kDown : Rounding::kUp);
  if (!px) return std::unexpected(px.error());
  Json t = Json::object();
  if (bo.trigger) {
    auto tpx = wire_price(bo.trigger->trigger_price, asset.sz_decimals, Rounding::kNearest);
    if (!tpx) return std::unexpected(tpx.error());
    Json trig = Json::object();
    trig["isMarket"] = bo.trigger->is_market;
    trig["triggerPx"] = *tpx;
    trig["tpsl"] = bo.trigger->take_profit ? "tp" : "sl";
    t["trigger"] = trig;
  } else {
    Json lim = Json::object();
    lim["tif"] = wire_tif(o.tif);
    t["limit"] = lim;
  }
  Json order = Json::object();
  order["a"] = asset.asset;
  order["b"] = buy;
  order["p"] = *px;
  order["s"] = *sz;
  order["r"] = o.reduce_only;
  order["t"] = t;
  order["c"] = cloid_for(o.client_id);
  action["type"] = "order";
  action["orders"] = Json::array({order});
  action["grouping"] = "na";
  return action;
}

Json update_leverage_action(uint32_t asset, bool cross, uint32_t leverage) {
  Json a = Json::object();
  a["type"] = "updateLeverage";
  a["asset"] = asset;
  a["isCross"] = cross;
  a["leverage"] = leverage;
  return a;
}

BookReport report_of(const OrderStatus& s, bool twap) {
  using K = OrderStatus::Kind;
  BookReport r;
  switch (s.kind) {
    case K::kResting:
      r.state = twap ? BookState::kTwapRunning : BookState::kResting;
      r.venue_order_id = std::to_string(s.oid);
      break;
    case K::kFilled:
      r.state = BookState::kFilled;
      r.venue_order_id = std::to_string(s.oid);
      r.filled_size = s.total_sz;
      r.avg_price = s.avg_px;
      break;
    case K::kWaitingForTrigger:
    case K::kWaitingForFill:
    case K::kSuccess:
      r.state = BookState::kResting;
      break;
    case K::kError:
      // An IOC with nothing to match is cancelled, not refused.
      r.state = contains(s.error, "could not immediately match") ? BookState::kCancelled : BookState::kRejected;
      r.error = s.error;
      break;
  }
  return r;
}

BookReport report_of(const OrderStatusInfo& s) {
  BookReport r;
  if (!s.known) return r;  // kUnknown
  r.venue_order_id = std::to_string(s.order.oid);
  const auto orig = core::parse_wad(s.orig_sz);
  const auto left = core::parse_wad(s.order.sz);
  if (orig && left && *orig > *left) r.filled_size = core::wad_to_string(*orig - *left);
  if (s.status == "open" || s.status == "triggered") r.state = BookState::kResting;
  else if (s.status == "filled") {
    r.state = BookState::kFilled;
    if (r.filled_size.empty()) r.filled_size = s.orig_sz;
  } else if (s.status == "rejected") r.state = BookState::kRejected, r.error = "rejected";
  else if (contains(s.status, "cancel")) r.state = BookState::kCancelled, r.error = s.status;
  else r.state = BookState::kRejected, r.error = s.status;
  return r;
}

BookError book_error(const HlClientError& e) {
  BookError b;
  b.message = to_string(e);
  b.retry_after = e.retry_after;
  if (e.cls == chain::ErrorClass::kOutcomeUnknown) b.code = BookErrc::kOutcomeUnknown;
  else if (e.code == HlClientErrc::kRateLimited) b.code = BookErrc::kRateLimited;
  else if (e.code == HlClientErrc::kRejected) b.code = BookErrc::kRejected;
  else if (e.code == HlClientErrc::kBadReply) b.code = BookErrc::kBadReply;
  else b.code = BookErrc::kTransport;
  return b;
}

// ---- the venue ------------------------------------------------------------------------

HlVenue::HlVenue(HlRestClient& client, HlNonceSource& nonces, signer::SecretKey key, HlVenueOptions options)
    : client_(&client),
      nonces_(&nonces),
      wallet_([&] {
        const core::Address self = signer::address_of(key);
        return AgentWallet(std::move(key), options.master.value_or(self), options.vault);
      }()),
      options_(options) {}

executor::BookResult<const PerpAsset*> HlVenue::asset(std::string_view market) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!meta_ || attempt == 1) {  // a market listed since the last read: read meta again once
      auto m = client_->meta();
      if (!m) return std::unexpected(book_error(m.error()));
      meta_ = std::move(*m);
    }
    if (const PerpAsset* a = find_asset(*meta_, market)) return a;
  }
  return std::unexpected(BookError{BookErrc::kInvalid, "market " + std::string(market) + ": " +
                                                            std::string(describe(MapErrc::kUnknownMarket)) + " (meta)", {}});
}

executor::VenueResult<executor::VenueMarket> HlVenue::market(std::string_view market) {
  auto a = asset(market);
  if (!a) return std::unexpected(executor::VenueError{a.error().message});
  auto mids = client_->all_mids();
  if (!mids) return std::unexpected(venue_error("allMids", mids.error()));
  const auto it = mids->find((*a)->name);
  if (it == mids->end()) return std::unexpected(executor::VenueError{"allMids: no mid for " + (*a)->name});
  auto mid = core::parse_wad(it->second);
  if (!mid) return std::unexpected(executor::VenueError{"allMids." + (*a)->name + ": " + mid.error()});
  executor::VenueMarket m;
  m.name = (*a)->name;
  m.id = (*a)->asset;
  m.index = *mid;
  const uint64_t lev = static_cast<uint64_t>(std::max(1, (*a)->max_leverage));
  m.max_leverage = core::kWad * core::U256{lev};
  // Maintenance margin is half the initial margin at max leverage (the base tier).
  m.mm_fraction = core::kWad / core::U256{2 * lev};
  return m;
}

executor::VenueResult<executor::VenueProjection> HlVenue::project(const executor::Order& o) {
  auto m = market(o.market);
  if (!m) return std::unexpected(m.error());
  const std::string user = core::to_hex(account().view());
  auto st = client_->clearinghouse_state(user);
  if (!st) return std::unexpected(venue_error("clearinghouseState", st.error()));
  executor::VenueProjection p;
  p.fill_price = o.limit_price;
  auto equity = signed_wad(st->account_value);
  auto mm = core::parse_wad(st->cross_maintenance_margin_used);
  if (!equity || !mm) return std::unexpected(executor::VenueError{"clearinghouseState: accountValue or crossMaintenanceMarginUsed unreadable"});
  p.before.equity = *equity;
  p.before.maintenance_margin = *mm;
  core::I256 held;
  for (const auto& pos : st->positions) {
    auto szi = signed_wad(pos.szi);
    auto value = core::parse_wad(pos.position_value);
    if (!szi || !value) return std::unexpected(executor::VenueError{"clearinghouseState: position " + pos.coin + " unreadable"});
    if (szi->is_zero()) continue;
    if (pos.coin == m->name) held = *szi;
    p.before.positions.push_back(executor::PositionView{pos.coin, *szi, *value});
  }
  // After the fill at the limit: the market's position moves by the order,
  // its maintenance margin follows the notional at the mark, and equity
  // loses what the limit is worse than the mark.
  const core::I256 after = held + executor::signed_size(o);
  const core::U256 old_mm = held.abs() * m->index / core::kWad * m->mm_fraction / core::kWad;
  const core::U256 new_mm = after.abs() * m->index / core::kWad * m->mm_fraction / core::kWad;
  p.after.maintenance_margin = (p.before.maintenance_margin > old_mm ? p.before.maintenance_margin - old_mm : core::U256{}) + new_mm;
  core::U256 slip;
  if (o.side == executor::Side::kBuy && o.limit_price > m->index) slip = (o.limit_price - m->index) * o.size / core::kWad;
  if (o.side == executor::Side::kSell && o.limit_price < m->index) slip = (m->index - o.limit_price) * o.size / core::kWad;
  p.after.equity = p.before.equity - core::I256::from_u256(slip);
  p.after.positions = p.before.positions;
  bool found = false;
  for (auto& pos : p.after.positions)
    if (pos.market == m->name) pos.size = after, pos.notional = after.abs() * m->index / core::kWad, found = true;
  if (!found) p.after.positions.push_back(executor::PositionView{m->name, after, after.abs() * m->index / core::kWad});
  return p;
}

executor::BookResult<std::string> HlVenue::sign(const Json& action) {
  auto nonce = nonces_->next(wallet_.agent());
  if (!nonce) return std::unexpected(BookError{BookErrc::kNonce, to_string(nonce.error()), {}});
  SignOptions opts;
  opts.nonce = *nonce;
  opts.testnet = options_.testnet;
  auto body = wallet_.sign(action, opts);
  if (!body) return std::unexpected(BookError{BookErrc::kInvalid, to_string(body.error()), {}});
  return body->dump();
}

executor::BookResult<executor::BookRequest> HlVenue::prepare(const executor::BookOrder& o) {
  auto a = asset(o.order.market);
  if (!a) return std::unexpected(a.error());
  auto action = order_action(o, **a);
  if (!action) return std::unexpected(BookError{BookErrc::kInvalid, std::string(describe(action.error().code)) + ": " + action.error().detail, {}});
  auto body = sign(*action);
  if (!body) return std::unexpected(body.error());
  executor::BookRequest r;
  r.body = std::move(*body);
  r.nonce = core::parse_json(r.body).value()["nonce"].get<uint64_t>();
  if (!o.twap) r.venue_client_id = cloid_for(o.order.client_id);
  return r;
}

executor::BookResult<ExchangeReply> HlVenue::exchange(const Json& body) {
  auto reply = ws_ ? ws_->post_action(body) : client_->exchange(body);
  if (!reply) return std::unexpected(book_error(reply.error()));
  return std::move(*reply);
}

executor::BookResult<BookReport> HlVenue::send(const executor::BookRequest& r) {
  auto body = core::parse_json(r.body);
  if (!body || !body->is_object() || !body->contains("action"))
    return std::unexpected(BookError{BookErrc::kInvalid, "the journalled request does not read back", {}});
  const bool twap = (*body)["action"].value("type", std::string()) == "twapOrder";
  auto reply = exchange(*body);
  if (!reply) return std::unexpected(reply.error());
  if (reply->statuses.size() != 1)
    return std::unexpected(BookError{BookErrc::kOutcomeUnknown, "exchange: expected one status for one order, got " +
                                                                     std::to_string(reply->statuses.size()), {}});
  BookReport rep = report_of(reply->statuses[0], twap);
  // A duplicate cloid: this order is already on the exchange (a retry): say what became of it.
  if (rep.state == BookState::kRejected && !r.venue_client_id.empty() && contains(rep.error, "cloid")) {
    auto seen = lookup_cloid(r.venue_client_id);
    if (seen && seen->state != BookState::kUnknown) return seen;
  }
  return rep;
}

executor::BookResult<BookReport> HlVenue::lookup_cloid(const std::string& cloid) {
  const std::string user = core::to_hex(account().view());
  HlResult<OrderStatusInfo> info = [&]() -> HlResult<OrderStatusInfo> {
    if (!ws_) return client_->order_status_by_cloid(user, cloid);
    Json req = Json::object();
    req["type"] = "orderStatus";
    req["user"] = user;
    req["oid"] = cloid;
    auto j = ws_->post_info(req);
    if (!j) return std::unexpected(j.error());
    return parse_order_status(*j);
  }();
  if (!info) return std::unexpected(book_error(info.error()));
  return report_of(*info);
}

executor::BookResult<BookReport> HlVenue::lookup(const executor::BookRequest& r) {
  if (r.venue_client_id.empty()) return BookReport{};  // no cloid (TWAP): unknown; the nonce guards a resend
  return lookup_cloid(r.venue_client_id);
}

executor::BookResult<void> HlVenue::set_leverage(std::string_view market, uint32_t leverage, bool cross) {
  auto a = asset(market);
  if (!a) return std::unexpected(a.error());
  if (leverage == 0 || leverage > static_cast<uint32_t>((*a)->max_leverage))
    return std::unexpected(BookError{BookErrc::kInvalid, "leverage " + std::to_string(leverage) + "x: " + (*a)->name +
                                                              " allows 1 to " + std::to_string((*a)->max_leverage), {}});
  if (cross && (*a)->only_isolated)
    return std::unexpected(BookError{BookErrc::kInvalid, (*a)->name + " is isolated-only", {}});
  auto body = sign(update_leverage_action((*a)->asset, cross, leverage));
  if (!body) return std::unexpected(body.error());
  auto reply = exchange(core::parse_json(*body).value());
  if (!reply) return std::unexpected(reply.error());
  return {};
}

}  // namespace perpx::venues::hl
