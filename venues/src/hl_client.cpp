// Hyperliquid REST client: /info and /exchange over chain::HttpTransport,
// replies read into typed structs with the field named on every error.
#include "perpx/venues/hyperliquid_client.hpp"

#include "hl_fields.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::venues::hl {

std::string_view describe(HlClientErrc e) noexcept {
  switch (e) {
    case HlClientErrc::kTransport: return "transport failure";
    case HlClientErrc::kRateLimited: return "rate limited";
    case HlClientErrc::kBadReply: return "unexpected reply";
    case HlClientErrc::kRejected: return "rejected by the exchange";
  }
  return "unknown error";
}

std::string to_string(const HlClientError& e) {
  std::string s = e.where + ": " + std::string(describe(e.code));
  if (!e.message.empty()) s += ": " + e.message;
  if (e.http_status) s += " (HTTP " + std::to_string(e.http_status) + ")";
  s += " [" + std::string(chain::class_name(e.cls)) + "]";
  return s;
}

using core::Json;
using namespace detail;

HlResult<Meta> parse_meta(const Json& j) {
  HL_TRY(u, array(j, "universe", ""));
  Meta m;
  for (size_t i = 0; i < u->size(); ++i) {
    const Json& a = (*u)[i];
    const std::string p = at("universe", i);
    HL_TRY(name, str(a, "name", p));
    HL_TRY(szd, small_int(a, "szDecimals", p));
    HL_TRY(lev, small_int(a, "maxLeverage", p));
    HL_TRY(iso, boolean(a, "onlyIsolated", p, false));
    HL_TRY(del, boolean(a, "isDelisted", p, false));
    m.universe.push_back(PerpAsset{name, szd, lev, iso, del, static_cast<uint32_t>(i)});
  }
  return m;
}

HlResult<SpotMeta> parse_spot_meta(const Json& j) {
  SpotMeta m;
  HL_TRY(tokens, array(j, "tokens", ""));
  for (size_t i = 0; i < tokens->size(); ++i) {
    const Json& t = (*tokens)[i];
    const std::string p = at("tokens", i);
    HL_TRY(name, str(t, "name", p));
    HL_TRY(index, small_int(t, "index", p));
    HL_TRY(szd, small_int(t, "szDecimals", p));
    HL_TRY(weid, small_int(t, "weiDecimals", p));
    m.tokens.push_back(SpotToken{name, static_cast<uint32_t>(index), szd, weid});
  }
  HL_TRY(universe, array(j, "universe", ""));
  for (size_t i = 0; i < universe->size(); ++i) {
    const Json& u = (*universe)[i];
    const std::string p = at("universe", i);
    HL_TRY(name, str(u, "name", p));
    HL_TRY(index, small_int(u, "index", p));
    HL_TRY(pair, array(u, "tokens", p));
    if (pair->size() != 2 || !(*pair)[0].is_number_unsigned() || !(*pair)[1].is_number_unsigned())
      return bad(at(p, "tokens"), "expected [base, quote] token indices");
    SpotPair s{name, static_cast<uint32_t>(index), (*pair)[0].get<uint32_t>(), (*pair)[1].get<uint32_t>(),
               10000u + static_cast<uint32_t>(index), 0};
    bool found = false;
    for (const auto& t : m.tokens)
      if (t.index == s.base) s.sz_decimals = t.sz_decimals, found = true;
    if (!found) return bad(at(p, "tokens"), "base token " + std::to_string(s.base) + " is not in tokens");
    m.universe.push_back(std::move(s));
  }
  return m;
}

HlResult<std::map<std::string, std::string>> parse_all_mids(const Json& j) {
  if (!j.is_object()) return bad("reply", "expected an object of coin -> mid price");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) return bad(k, "expected a decimal string");
    out[k] = v.get<std::string>();
  }
  return out;
}

HlResult<L2Book> parse_l2_book(const Json& j) {
  L2Book b;
  HL_TRY(coin, str(j, "coin", ""));
  HL_TRY(time, u64(j, "time", ""));
  HL_TRY(levels, array(j, "levels", ""));
  if (levels->size() != 2) return bad("levels", "expected [bids, asks]");
  HL_TRY(bids, levels_of((*levels)[0], "levels[0]"));
  HL_TRY(asks, levels_of((*levels)[1], "levels[1]"));
  b.coin = coin, b.time = time, b.bids = std::move(bids), b.asks = std::move(asks);
  return b;
}

HlResult<ClearinghouseState> parse_clearinghouse_state(const Json& j) {
  ClearinghouseState s;
  HL_TRY(ms, field(j, "marginSummary", ""));
  HL_TRY(av, str(*ms, "accountValue", "marginSummary"));
  HL_TRY(ntl, str(*ms, "totalNtlPos", "marginSummary"));
  HL_TRY(used, str(*ms, "totalMarginUsed", "marginSummary"));
  HL_TRY(wd, str(j, "withdrawable", ""));
  HL_TRY(mm, str(j, "crossMaintenanceMarginUsed", ""));
  s.cross_maintenance_margin_used = mm;
  HL_TRY(time, u64(j, "time", ""));
  HL_TRY(aps, array(j, "assetPositions", ""));
  s.account_value = av, s.total_ntl_pos = ntl, s.total_margin_used = used, s.withdrawable = wd, s.time = time;
  for (size_t i = 0; i < aps->size(); ++i) {
    const std::string pp = at("assetPositions", i);
    HL_TRY(pos, field((*aps)[i], "position", pp));
    const std::string p = at(pp, "position");
    Position x;
    HL_TRY(coin, str(*pos, "coin", p));
    HL_TRY(szi, str(*pos, "szi", p));
    HL_TRY(entry, opt_str(*pos, "entryPx", p));
    HL_TRY(value, str(*pos, "positionValue", p));
    HL_TRY(upnl, str(*pos, "unrealizedPnl", p));
    HL_TRY(margin, str(*pos, "marginUsed", p));
    HL_TRY(liq, opt_str(*pos, "liquidationPx", p));
    HL_TRY(lev, field(*pos, "leverage", p));
    HL_TRY(ltype, str(*lev, "type", at(p, "leverage")));
    HL_TRY(lval, small_int(*lev, "value", at(p, "leverage")));
    if (ltype != "cross" && ltype != "isolated") return bad(at(at(p, "leverage"), "type"), "expected cross or isolated");
    x.coin = coin, x.szi = szi, x.entry_px = entry.value_or(""), x.position_value = value, x.unrealized_pnl = upnl;
    x.margin_used = margin, x.liquidation_px = liq, x.leverage_type = ltype, x.leverage = static_cast<uint32_t>(lval);
    s.positions.push_back(std::move(x));
  }
  return s;
}

HlResult<std::vector<OpenOrder>> parse_open_orders(const Json& j) {
  return list_of<OpenOrder>(j, "reply", [](const Json& o, const std::string& p) -> HlResult<OpenOrder> {
    HL_TRY(coin, str(o, "coin", p));
    HL_TRY(side, str(o, "side", p));
    HL_TRY(px, str(o, "limitPx", p));
    HL_TRY(sz, str(o, "sz", p));
    HL_TRY(oid, u64(o, "oid", p));
    HL_TRY(ts, u64(o, "timestamp", p));
    HL_TRY(cloid, opt_str(o, "cloid", p));
    if (side != "B" && side != "A") return bad(at(p, "side"), "expected B or A");
    return OpenOrder{coin, side, px, sz, oid, ts, cloid};
  });
}

HlResult<std::vector<Fill>> parse_user_fills(const Json& j) { return list_of<Fill>(j, "reply", fill_of); }

HlResult<std::vector<Funding>> parse_funding_history(const Json& j) {
  return list_of<Funding>(j, "reply", [](const Json& f, const std::string& p) -> HlResult<Funding> {
    HL_TRY(coin, str(f, "coin", p));
    HL_TRY(rate, str(f, "fundingRate", p));
    HL_TRY(premium, str(f, "premium", p));
    HL_TRY(time, u64(f, "time", p));
    return Funding{coin, rate, premium, time};
  });
}

HlResult<RateLimit> parse_user_rate_limit(const Json& j) {
  HL_TRY(vlm, str(j, "cumVlm", ""));
  HL_TRY(used, u64(j, "nRequestsUsed", ""));
  HL_TRY(cap, u64(j, "nRequestsCap", ""));
  return RateLimit{vlm, used, cap};
}

HlResult<OrderStatusInfo> parse_order_status(const Json& j) {
  HL_TRY(status, str(j, "status", ""));
  if (status == "unknownOid") return OrderStatusInfo{};
  if (status != "order") return bad("status", "expected order or unknownOid, got \"" + status + "\"");
  HL_TRY(outer, field(j, "order", ""));
  HL_TRY(o, field(*outer, "order", "order"));
  const std::string p = "order.order";
  OrderStatusInfo r;
  r.known = true;
  HL_TRY(coin, str(*o, "coin", p));
  HL_TRY(side, str(*o, "side", p));
  HL_TRY(px, str(*o, "limitPx", p));
  HL_TRY(sz, str(*o, "sz", p));
  HL_TRY(oid, u64(*o, "oid", p));
  HL_TRY(ts, u64(*o, "timestamp", p));
  HL_TRY(orig, str(*o, "origSz", p));
  HL_TRY(cloid, opt_str(*o, "cloid", p));
  if (side != "B" && side != "A") return bad(at(p, "side"), "expected B or A");
  r.order = OpenOrder{coin, side, px, sz, oid, ts, cloid};
  r.orig_sz = orig;
  HL_TRY(st, str(*outer, "status", "order"));
  HL_TRY(st_ts, u64(*outer, "statusTimestamp", "order"));
  r.status = st, r.status_timestamp = st_ts;
  return r;
}

HlResult<ExchangeReply> parse_exchange_reply(const Json& j) {
  HL_TRY(status, str(j, "status", ""));
  if (status == "err") {
    HL_TRY(resp, field(j, "response", ""));
    return std::unexpected(HlClientError{HlClientErrc::kRejected, chain::ErrorClass::kNonRetryable, "exchange",
                                         resp->is_string() ? resp->get<std::string>() : resp->dump(), 0, {}});
  }
  if (status != "ok") return bad("status", "expected ok or err, got \"" + status + "\"");
  HL_TRY(resp, field(j, "response", ""));
  HL_TRY(type, str(*resp, "type", "response"));
  ExchangeReply r{type, {}};
  if (!resp->contains("data")) return r;
  HL_TRY(data, field(*resp, "data", "response"));
  if (data->is_object() && data->contains("status") && type == "twapOrder") {
    const std::string p = "response.data.status";
    HL_TRY(st, field(*data, "status", "response.data"));
    OrderStatus o;
    if (st->is_object() && st->contains("running")) {
      HL_TRY(id, u64((*st)["running"], "twapId", at(p, "running")));
      o.kind = OrderStatus::Kind::kResting, o.oid = id;
    } else if (st->is_object() && st->contains("error")) {
      HL_TRY(e, str(*st, "error", p));
      o.kind = OrderStatus::Kind::kError, o.error = e;
    } else {
      return bad(p, "expected {running|error}");
    }
    r.statuses.push_back(std::move(o));
    return r;
  }
  if (!data->is_object() || !data->contains("statuses")) return r;
  HL_TRY(statuses, array(*data, "statuses", "response.data"));
  for (size_t i = 0; i < statuses->size(); ++i) {
    const Json& s = (*statuses)[i];
    const std::string p = at("response.data.statuses", i);
    OrderStatus o;
    using K = OrderStatus::Kind;
    if (s.is_string()) {
      const auto& t = s.get_ref<const std::string&>();
      if (t == "success") o.kind = K::kSuccess;
      else if (t == "waitingForFill") o.kind = K::kWaitingForFill;
      else if (t == "waitingForTrigger") o.kind = K::kWaitingForTrigger;
      else return bad(p, "unknown status \"" + t + "\"");
    } else if (s.is_object() && s.contains("error")) {
      HL_TRY(e, str(s, "error", p));
      o.kind = K::kError, o.error = e;
    } else if (s.is_object() && s.contains("resting")) {
      HL_TRY(oid, u64(s["resting"], "oid", at(p, "resting")));
      HL_TRY(cloid, opt_str(s["resting"], "cloid", at(p, "resting")));
      o.kind = K::kResting, o.oid = oid, o.cloid = cloid;
    } else if (s.is_object() && s.contains("filled")) {
      const std::string q = at(p, "filled");
      HL_TRY(oid, u64(s["filled"], "oid", q));
      HL_TRY(tsz, str(s["filled"], "totalSz", q));
      HL_TRY(avg, str(s["filled"], "avgPx", q));
      HL_TRY(cloid, opt_str(s["filled"], "cloid", q));
      o.kind = K::kFilled, o.oid = oid, o.total_sz = tsz, o.avg_px = avg, o.cloid = cloid;
    } else {
      return bad(p, "expected a status string or {resting|filled|error}");
    }
    r.statuses.push_back(std::move(o));
  }
  return r;
}

HlRestClient::HlRestClient(std::string base_url, chain::HttpOptions options, std::chrono::milliseconds timeout)
    : info_(std::make_unique<chain::HttpTransport>(base_url + "/info", options)),
      exchange_(std::make_unique<chain::HttpTransport>(base_url + "/exchange", options)),
      timeout_(timeout) {}

HlResult<Json> HlRestClient::post(chain::HttpTransport& t, std::string_view what, const Json& body, bool is_send) {
  auto r = t.round_trip(body.dump(), timeout_, is_send);
  if (!r) {
    const auto& e = r.error();
    return std::unexpected(HlClientError{e.code == chain::RpcErrc::kRateLimited ? HlClientErrc::kRateLimited : HlClientErrc::kTransport,
                                         e.cls, std::string(what), e.message, e.http_status, e.retry_after});
  }
  auto j = core::parse_json(*r);
  if (!j) {
    auto err = bad(std::string(what), "not JSON: " + j.error());
    // A garbled reply to an action may still mean the action was taken.
    if (is_send) err.error().cls = chain::ErrorClass::kOutcomeUnknown;
    return err;
  }
  return std::move(*j);
}

HlResult<Json> HlRestClient::info(const Json& request) {
  const std::string what = "info " + (request.contains("type") && request["type"].is_string() ? request["type"].get<std::string>() : "?");
  return post(*info_, what, request, false);
}

namespace {
template <class T, class P>
HlResult<T> parsed(HlResult<Json> j, std::string_view what, P&& parse) {
  if (!j) return std::unexpected(j.error());
  auto r = parse(*j);
  if (!r) r.error().where = "info " + std::string(what) + " " + r.error().where;
  return r;
}
}  // namespace

HlResult<Meta> HlRestClient::meta() { return parsed<Meta>(info({{"type", "meta"}}), "meta", parse_meta); }
HlResult<SpotMeta> HlRestClient::spot_meta() { return parsed<SpotMeta>(info({{"type", "spotMeta"}}), "spotMeta", parse_spot_meta); }
HlResult<std::map<std::string, std::string>> HlRestClient::all_mids() {
  return parsed<std::map<std::string, std::string>>(info({{"type", "allMids"}}), "allMids", parse_all_mids);
}
HlResult<L2Book> HlRestClient::l2_book(std::string_view coin) {
  return parsed<L2Book>(info({{"type", "l2Book"}, {"coin", coin}}), "l2Book", parse_l2_book);
}
HlResult<ClearinghouseState> HlRestClient::clearinghouse_state(std::string_view user) {
  return parsed<ClearinghouseState>(info({{"type", "clearinghouseState"}, {"user", user}}), "clearinghouseState",
                                    parse_clearinghouse_state);
}
HlResult<std::vector<OpenOrder>> HlRestClient::open_orders(std::string_view user) {
  return parsed<std::vector<OpenOrder>>(info({{"type", "openOrders"}, {"user", user}}), "openOrders", parse_open_orders);
}
HlResult<std::vector<Fill>> HlRestClient::user_fills(std::string_view user) {
  return parsed<std::vector<Fill>>(info({{"type", "userFills"}, {"user", user}}), "userFills", parse_user_fills);
}
HlResult<std::vector<Funding>> HlRestClient::funding_history(std::string_view coin, uint64_t start_time, std::optional<uint64_t> end_time) {
  Json req = {{"type", "fundingHistory"}, {"coin", coin}, {"startTime", start_time}};
  if (end_time) req["endTime"] = *end_time;
  return parsed<std::vector<Funding>>(info(req), "fundingHistory", parse_funding_history);
}
HlResult<RateLimit> HlRestClient::user_rate_limit(std::string_view user) {
  return parsed<RateLimit>(info({{"type", "userRateLimit"}, {"user", user}}), "userRateLimit", parse_user_rate_limit);
}

HlResult<OrderStatusInfo> HlRestClient::order_status(std::string_view user, uint64_t oid) {
  return parsed<OrderStatusInfo>(info({{"type", "orderStatus"}, {"user", user}, {"oid", oid}}), "orderStatus", parse_order_status);
}
HlResult<OrderStatusInfo> HlRestClient::order_status_by_cloid(std::string_view user, std::string_view cloid) {
  return parsed<OrderStatusInfo>(info({{"type", "orderStatus"}, {"user", user}, {"oid", cloid}}), "orderStatus", parse_order_status);
}

HlResult<ExchangeReply> HlRestClient::exchange(const Json& signed_body) {
  auto j = post(*exchange_, "exchange", signed_body, true);
  if (!j) return std::unexpected(j.error());
  auto r = parse_exchange_reply(*j);
  if (!r && r.error().code == HlClientErrc::kBadReply) {
    r.error().where = "exchange " + r.error().where;
    r.error().cls = chain::ErrorClass::kOutcomeUnknown;  // an unreadable reply does not say the action was refused
  }
  return r;
}

// ---- API (agent) wallets -------------------------------------------------------------

Json approve_agent_action(const ApproveAgent& a) {
  Json j = Json::object();
  j["type"] = "approveAgent";
  j["hyperliquidChain"] = a.testnet ? "Testnet" : "Mainnet";
  j["signatureChainId"] = "0x66eee";  // the SDKs' choice, mainnet and testnet alike
  j["agentAddress"] = core::to_hex(a.agent.view());
  if (a.name) j["agentName"] = *a.name;
  j["nonce"] = a.nonce;
  return j;
}

AgentWallet::AgentWallet(signer::SecretKey agent_key, core::Address master, std::optional<core::Address> vault)
    : key_(std::move(agent_key)), agent_(signer::address_of(key_)), master_(master), vault_(vault) {}

std::expected<Json, HlSignError> AgentWallet::sign(const Json& action, SignOptions opts) const {
  if (action.is_object() && action.contains("type") && action["type"].is_string() &&
      (find_user_signed(action["type"].get_ref<const std::string&>()) || action.contains("signatureChainId")))
    return std::unexpected(HlSignError{HlError::kBadOption, "action.type",
                                       "an API wallet signs L1 actions only; \"" + action["type"].get<std::string>() +
                                           "\" must be signed by the master key"});
  if (opts.vault) return std::unexpected(HlSignError{HlError::kBadOption, "--vault-address", "the agent wallet's vault is set when it is made"});
  opts.vault = vault_;
  return sign_action(key_, action, opts);
}

}  // namespace perpx::venues::hl
