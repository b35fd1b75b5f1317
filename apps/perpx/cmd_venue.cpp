// perpx venue info|account: the reference venue (contracts/PerpVenue.sol) as
// its views report it, and an account as perpx::venues::RefModel computes it
// beside the contract's own figures. Every read is pinned to one block.
//
// Amounts are 1e18 fixed point (USD, sizes in units of the asset, fractions
// with 1e18 = 100%); in --json they are the raw integers as decimal strings,
// in text exact decimals. A margin ratio with no maintenance margin is null
// (text: "inf").
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/venues/ref_model.hpp"
#include "perpx/venues/ref_venue.hpp"

namespace perpx::app {

namespace {

using core::Json;
using venues::I256;
using venues::U256;

struct VenueOptions {
  std::string rpc_url;
  std::string venue;
  std::string account;
  bool json = false;
};

chain::Address parse_addr(const std::string& s, std::string_view what) {
  auto a = core::parse_address(read_arg(s));
  if (!a) fail(std::string(what) + ": not an address (" + std::string(core::describe(a.error())) + ")");
  return *a;
}

template <class T>
T need(chain::ContractResult<T> r, std::string_view what) {
  if (!r) {
    std::string msg = std::string(what) + ": " + chain::describe(r.error());
    if (auto e = venues::venue_error(r.error())) msg += " (" + std::string(venues::error_name(*e)) + ")";
    fail(msg);
  }
  return std::move(*r);
}

std::string raw(const U256& v) { return core::to_decimal(v); }
std::string raw(const I256& v) { return venues::to_decimal(v); }
Json ratio_json(const I256& r) { return r == I256::max() ? Json(nullptr) : Json(raw(r)); }
std::string ratio_text(const I256& r) { return r == I256::max() ? "inf" : venues::wad_to_string(r); }

struct Pinned {
  chain::BlockHeader head;
  venues::VenueConfig config;
};

Pinned pin(chain::RpcClient& rpc, const venues::RefVenue& v) {
  auto h = chain::resolve_block(rpc, chain::Tag::kLatest);
  if (!h) fail("venue: " + chain::describe(h.error()));
  auto code = rpc.request("eth_getCode", Json::array({core::to_checksum(v.address()), "latest"}));
  if (!code) fail("venue: " + chain::to_string(code.error()));
  if (!code->is_string() || code->get<std::string>().size() <= 2)
    fail("--venue: no contract at " + core::to_checksum(v.address()));
  Pinned p{*h, need(v.config(h->number), "venue config (is it a PerpVenue?)")};
  return p;
}

void venue_info(const VenueOptions& o) {
  chain::RpcClient rpc = connect_rpc(o.rpc_url);
  const venues::RefVenue v(rpc, parse_addr(o.venue, "--venue"));
  const Pinned p = pin(rpc, v);
  const uint64_t at = p.head.number;
  Json markets = Json::array();
  std::string text;
  for (uint64_t m = 0; m < p.config.market_count; ++m) {
    const venues::MarketParams mp = need(v.market_params(m, at), "market params");
    const venues::MarketState ms = need(v.market_state(m, at), "market state");
    const I256 rate = need(v.funding_rate(m, at), "funding rate");
    Json mj = {{"id", m}, {"name", mp.name}};
    auto index = v.index_price(m, at);
    std::optional<I256> accrued;
    if (index) {
      mj["index_price"] = raw(*index);
      accrued = need(v.accrued_funding_index(m, at), "funding index");
    } else {
      const auto e = venues::venue_error(index.error());
      if (!e) fail("index price: " + chain::describe(index.error()));
      mj["index_price"] = nullptr;
      mj["oracle_error"] = std::string(venues::error_name(*e));
    }
    mj["skew"] = raw(ms.skew);
    mj["funding_rate_per_day"] = raw(rate);
    mj["funding_index"] = accrued ? Json(raw(*accrued)) : Json(raw(ms.funding_index));
    mj["open_interest_long"] = raw(ms.open_interest_long);
    mj["open_interest_short"] = raw(ms.open_interest_short);
    mj["skew_scale"] = raw(mp.skew_scale);
    mj["im_fraction"] = raw(mp.im_fraction);
    mj["mm_fraction"] = raw(mp.mm_fraction);
    mj["taker_fee"] = raw(mp.taker_fee);
    mj["max_funding_rate_per_day"] = raw(mp.max_funding_rate);
    text += "market " + std::to_string(m) + " " + mp.name + ": index " +
            (index ? venues::wad_to_string(*index) : "unavailable (" + mj["oracle_error"].get<std::string>() + ")") +
            ", skew " + venues::wad_to_string(ms.skew) + ", funding " + venues::wad_to_string(rate * I256{100}) +
            "%/day, open interest " + venues::wad_to_string(ms.open_interest_long) + " long / " +
            venues::wad_to_string(ms.open_interest_short) + " short\n";
    markets.push_back(std::move(mj));
  }
  if (o.json) {
    print_json({{"venue", core::to_checksum(v.address())},
                {"block_num", at},
                {"timestamp", p.head.timestamp},
                {"collateral", core::to_checksum(p.config.collateral)},
                {"oracle", core::to_checksum(p.config.oracle)},
                {"liquidation_reward", raw(p.config.params.liquidation_reward)},
                {"min_reveal_delay", p.config.params.min_reveal_delay},
                {"max_reveal_delay", p.config.params.max_reveal_delay},
                {"batch_window", p.config.params.batch_window},
                {"fee_pool", raw(p.config.fee_pool)},
                {"bad_debt", raw(p.config.bad_debt)},
                {"markets", markets}});
    return;
  }
  text = "venue " + core::to_checksum(v.address()) + " at block " + std::to_string(at) + ": " +
         std::to_string(p.config.market_count) + " markets, fee pool " + venues::wad_to_string(p.config.fee_pool) +
         " USD, bad debt " + venues::wad_to_string(p.config.bad_debt) + " USD\n" + text;
  text.pop_back();
  print_line(text);
}

Json figures_json(const I256& margin, const venues::Figures& f, bool liquidatable) {
  return {{"margin", raw(margin)},
          {"equity", raw(f.equity)},
          {"initial_margin", raw(f.initial_margin)},
          {"maintenance_margin", raw(f.maintenance_margin)},
          {"margin_ratio", ratio_json(f.margin_ratio)},
          {"liquidatable", liquidatable},
          {"positions", Json::array()}};
}

Json position_json(uint64_t m, const std::string& name, const venues::Position& p, const I256& upnl,
                   const I256& funding, const venues::PositionFigures& f) {
  return {{"market", m},
          {"name", name},
          {"size", raw(p.size)},
          {"entry_price", raw(p.entry_price)},
          {"isolated", p.isolated},
          {"isolated_margin", raw(p.margin)},
          {"unrealized_pnl", raw(upnl)},
          {"pending_funding", raw(funding)},
          {"equity", raw(f.equity)},
          {"initial_margin", raw(f.initial_margin)},
          {"maintenance_margin", raw(f.maintenance_margin)},
          {"margin_ratio", ratio_json(f.margin_ratio)},
          {"liquidation_price", f.liquidation_price.is_zero() ? Json(nullptr) : Json(raw(f.liquidation_price))}};
}

void venue_account(const VenueOptions& o) {
  chain::RpcClient rpc = connect_rpc(o.rpc_url);
  const venues::RefVenue v(rpc, parse_addr(o.venue, "--venue"));
  const chain::Address who = parse_addr(o.account, "--account");
  const Pinned p = pin(rpc, v);
  const uint64_t at = p.head.number;
  const uint64_t now = p.head.timestamp;  // eth_call at a block runs with that block's time
  const std::vector<chain::Address> accounts = {who};
  const venues::RefModel model = need(v.load_model(accounts, at), "venue state");
  const venues::Account acc = model.account(who);
  std::vector<U256> prices(p.config.market_count);
  for (uint64_t m = 0; m < p.config.market_count; ++m) {
    const venues::Position& pos = acc.positions[m];
    if (pos.size.is_zero()) continue;
    prices[m] = need(v.index_price(m, at), "index price of market " + std::to_string(m));
  }
  const venues::Figures mf = model.cross_figures(who, prices, now);
  const venues::AccountSummary cs = need(v.account_summary(who, at), "accountSummary");
  Json mj = figures_json(acc.cross_margin, mf, model.can_liquidate(who, prices, now));
  Json cj = figures_json(cs.margin, cs.figures, need(v.can_liquidate(who, at), "canLiquidate"));
  std::string text = "account " + core::to_checksum(who) + " at block " + std::to_string(at) + " (model | contract)\n" +
                     "  equity " + venues::wad_to_string(mf.equity) + " | " + venues::wad_to_string(cs.figures.equity) +
                     "\n  initial margin " + venues::wad_to_string(mf.initial_margin) + " | " +
                     venues::wad_to_string(cs.figures.initial_margin) + "\n  maintenance margin " +
                     venues::wad_to_string(mf.maintenance_margin) + " | " +
                     venues::wad_to_string(cs.figures.maintenance_margin) + "\n  margin ratio " +
                     ratio_text(mf.margin_ratio) + " | " + ratio_text(cs.figures.margin_ratio) + "\n";
  bool match = mf == cs.figures && acc.cross_margin == cs.margin && mj["liquidatable"] == cj["liquidatable"];
  for (uint64_t m = 0; m < p.config.market_count; ++m) {
    const venues::Position& pos = acc.positions[m];
    if (pos.size.is_zero() && pos.margin.is_zero()) continue;
    const std::string name = model.market_params(m).name;
    const venues::PositionFigures pf = model.position_figures(who, m, prices, now);
    const I256 upnl = model.unrealized_pnl(who, m, prices[m]);
    const I256 funding = pos.size.is_zero() ? I256{} : model.pending_funding(who, m, prices[m], now);
    const venues::PositionFigures cf = need(v.position_summary(who, m, at), "positionSummary");
    const I256 cupnl = need(v.unrealized_pnl(who, m, at), "unrealizedPnl");
    const I256 cfunding = pos.size.is_zero() ? I256{} : need(v.pending_funding(who, m, at), "pendingFunding");
    mj["positions"].push_back(position_json(m, name, pos, upnl, funding, pf));
    cj["positions"].push_back(position_json(m, name, pos, cupnl, cfunding, cf));
    match = match && pf == cf && upnl == cupnl && funding == cfunding;
    text += "  " + name + (pos.isolated ? " (isolated)" : "") + ": size " + venues::wad_to_string(pos.size) +
            " at " + venues::wad_to_string(pos.entry_price) + ", upnl " + venues::wad_to_string(upnl) + " | " +
            venues::wad_to_string(cupnl) + ", liquidation price " +
            (pf.liquidation_price.is_zero() ? "none" : venues::wad_to_string(pf.liquidation_price)) + " | " +
            (cf.liquidation_price.is_zero() ? "none" : venues::wad_to_string(cf.liquidation_price)) + "\n";
  }
  if (o.json) {
    print_json({{"venue", core::to_checksum(v.address())},
                {"account", core::to_checksum(who)},
                {"block_num", at},
                {"timestamp", now},
                {"model", mj},
                {"contract", cj},
                {"match", match}});
    return;
  }
  text += std::string("  model and contract ") + (match ? "agree" : "DISAGREE");
  print_line(text);
}

}  // namespace

void add_venue_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("venue", "the reference perp venue (PerpVenue.sol)");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<VenueOptions>();
  auto common = [&](CLI::App* sub) {
    sub->add_option("--rpc-url", opts->rpc_url, "HTTP JSON-RPC endpoint")->envname("ETH_RPC_URL");
    sub->add_option("--venue", opts->venue, "the PerpVenue address")->required();
    sub->add_flag("--json", opts->json, "one JSON object");
  };
  auto* info = cmd->add_subcommand("info", "markets: index price, skew, funding rate, open interest");
  common(info);
  info->callback([opts] { venue_info(*opts); });
  auto* account = cmd->add_subcommand(
      "account", "an account as the C++ model computes it, beside the contract's own view values");
  common(account);
  account->add_option("--account", opts->account, "the trader's address")->required();
  account->callback([opts] { venue_account(*opts); });
}

}  // namespace perpx::app
