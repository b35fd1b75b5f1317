// perpx hl sign|order: Hyperliquid actions signed exactly as the official
// SDKs sign them (venues/include/perpx/venues/hyperliquid.hpp); prints the
// body to POST to /exchange. Rules: shared/CLI.md, "Hyperliquid `hl sign`".
#include <memory>
#include <optional>
#include <vector>

#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/venues/hyperliquid.hpp"
#include "perpx/venues/hyperliquid_wire.hpp"

namespace perpx::app {

namespace {

namespace hl = venues::hl;

// A u64 option: a decimal (no sign, no leading zeros) or 0x hex quantity.
uint64_t parse_u64_option(const std::string& text, std::string_view what) {
  const core::U256 v = take(core::parse_u256(text), what);
  if (!v.fits_u64()) fail(std::string(what) + ": does not fit 64 bits");
  return v.w[0];
}

struct SignCommon {
  KeyOptions key;
  std::string nonce;
  std::string vault;
  std::string expires_after;
  bool testnet = false;
  std::vector<std::string> extra;  // refused without echoing: it may be a key
};

hl::SignOptions sign_options(const SignCommon& o) {
  hl::SignOptions s;
  if (!o.nonce.empty()) s.nonce = parse_u64_option(o.nonce, "--nonce");
  if (!o.vault.empty()) s.vault = take(core::parse_address(o.vault), "--vault-address");
  if (!o.expires_after.empty()) s.expires_after = parse_u64_option(o.expires_after, "--expires-after");
  s.testnet = o.testnet;
  return s;
}

void add_sign_common(CLI::App* cmd, SignCommon& o) {
  add_key_options(cmd, o.key);
  cmd->add_option("--nonce", o.nonce, "nonce (ms timestamp) for L1 actions; user-signed actions carry their own");
  cmd->add_option("--vault-address", o.vault, "vault or subaccount to act for (L1 actions only)");
  cmd->add_option("--expires-after", o.expires_after, "ms timestamp after which the L1 action is refused");
  cmd->add_flag("--testnet", o.testnet, "testnet (phantom agent source \"b\")");
  cmd->add_option("extra", o.extra)->group("");
}

// Validates everything, then loads the key, then signs: bad input is reported
// before a keystore is decrypted.
void sign_and_print(const SignCommon& o, const core::Json& action) {
  if (!o.extra.empty()) fail("hl: unexpected extra argument (not shown); pass the key with --private-key");
  const hl::SignOptions opts = sign_options(o);
  auto prepared = hl::prepare(action, opts);
  if (!prepared) fail(hl::to_string(prepared.error()));
  const signer::SecretKey key = load_key(o.key);
  print_json(hl::exchange_body(action, *prepared, signer::sign_digest(key, prepared->digest)));
}

struct OrderOptions {
  SignCommon common;
  int asset = -1;
  std::string side;
  std::string price;
  std::string size;
  int sz_decimals = -1;
  bool spot = false;
  std::string tif = "Gtc";
  std::string trigger_px;
  std::string tpsl;
  bool trigger_market = false;
  bool reduce_only = false;
  std::string cloid;
  std::string grouping = "na";
  std::string rounding = "exact";
};

template <class T>
T take_wire(std::expected<T, hl::WireError> r, std::string_view what, std::string_view value) {
  if (!r) fail(std::string(what) + ": " + std::string(hl::describe(r.error())) + " (\"" + std::string(value) + "\")");
  return std::move(*r);
}

// The order action as the SDKs build it: {"type":"order","orders":[{a,b,p,s,r,t[,c]}],"grouping"}.
core::Json order_action(const OrderOptions& o) {
  if (o.asset < 0) fail("--asset: required (the asset id from meta / spotMeta)");
  if (o.side != "buy" && o.side != "sell") fail("--side: must be buy or sell");
  if (o.sz_decimals < 0) fail("--sz-decimals: required (the asset's szDecimals from meta / spotMeta)");
  const bool buy = o.side == "buy";
  hl::Rounding mode;
  if (o.rounding == "exact") mode = hl::Rounding::kExact;
  else if (o.rounding == "nearest") mode = hl::Rounding::kNearest;
  else if (o.rounding == "passive") mode = buy ? hl::Rounding::kDown : hl::Rounding::kUp;
  else fail("--round: must be exact, nearest or passive");
  const hl::Market market = o.spot ? hl::Market::kSpot : hl::Market::kPerp;
  const std::string px = take_wire(hl::round_price(o.price, o.sz_decimals, market, mode), "--price", o.price);
  // Sizes round toward zero unless exact: never more than asked for.
  const std::string sz = take_wire(hl::round_size(o.size, o.sz_decimals, mode == hl::Rounding::kExact ? mode : hl::Rounding::kDown),
                                   "--size", o.size);
  core::Json t = core::Json::object();
  if (!o.trigger_px.empty()) {
    if (o.tpsl != "tp" && o.tpsl != "sl") fail("--tpsl: must be tp or sl with --trigger-px");
    core::Json trig = core::Json::object();
    trig["isMarket"] = o.trigger_market;
    trig["triggerPx"] = take_wire(hl::round_price(o.trigger_px, o.sz_decimals, market, mode), "--trigger-px", o.trigger_px);
    trig["tpsl"] = o.tpsl;
    t["trigger"] = trig;
  } else {
    if (!o.tpsl.empty() || o.trigger_market) fail("--tpsl/--trigger-market: need --trigger-px");
    if (o.tif != "Gtc" && o.tif != "Ioc" && o.tif != "Alo") fail("--tif: must be Gtc, Ioc or Alo");
    t["limit"] = core::Json{{"tif", o.tif}};
  }
  core::Json order = core::Json::object();
  order["a"] = o.asset;
  order["b"] = buy;
  order["p"] = px;
  order["s"] = sz;
  order["r"] = o.reduce_only;
  order["t"] = t;
  if (!o.cloid.empty()) order["c"] = take_wire(hl::wire_cloid(o.cloid), "--cloid", o.cloid);
  if (o.grouping != "na" && o.grouping != "normalTpsl" && o.grouping != "positionTpsl")
    fail("--grouping: must be na, normalTpsl or positionTpsl");
  core::Json action = core::Json::object();
  action["type"] = "order";
  action["orders"] = core::Json::array({order});
  action["grouping"] = o.grouping;
  return action;
}

}  // namespace

void add_hl_commands(CLI::App& app) {
  auto* group = app.add_subcommand("hl", "Hyperliquid: sign actions exactly as the official SDKs do");
  group->require_subcommand(1);

  auto so = std::make_shared<SignCommon>();
  auto action_text = std::make_shared<std::string>();
  auto* sign = group->add_subcommand("sign", "sign an action (JSON, signed exactly as given); prints the /exchange body");
  sign->add_option("action", *action_text, "action JSON, or - for stdin")->required();
  add_sign_common(sign, *so);
  sign->callback([so, action_text] {
    if (!so->extra.empty()) fail("hl sign: unexpected extra argument (not shown); pass the key with --private-key");
    auto action = hl::parse_action(read_arg(*action_text));
    if (!action) fail(hl::to_string(action.error()));
    sign_and_print(*so, *action);
  });

  auto oo = std::make_shared<OrderOptions>();
  auto* order = group->add_subcommand("order", "build one order (prices and sizes normalised and on tick), sign it, print the /exchange body");
  order->add_option("--asset", oo->asset, "asset id (perp: index in meta.universe; spot: 10000 + spotMeta index)")->required();
  order->add_option("--side", oo->side, "buy | sell")->required();
  order->add_option("--price", oo->price, "limit price, decimal")->required();
  order->add_option("--size", oo->size, "size, decimal")->required();
  order->add_option("--sz-decimals", oo->sz_decimals, "the asset's szDecimals")->required();
  order->add_flag("--spot", oo->spot, "spot market (8 price decimals instead of 6)");
  order->add_option("--tif", oo->tif, "Gtc (default) | Ioc | Alo (post-only)");
  order->add_option("--trigger-px", oo->trigger_px, "trigger price (a trigger order instead of a limit order)");
  order->add_option("--tpsl", oo->tpsl, "tp | sl (trigger orders)");
  order->add_flag("--trigger-market", oo->trigger_market, "trigger fills as a market order");
  order->add_flag("--reduce-only", oo->reduce_only, "reduce-only");
  order->add_option("--cloid", oo->cloid, "client order id, 0x + 32 hex digits");
  order->add_option("--grouping", oo->grouping, "na (default) | normalTpsl | positionTpsl");
  order->add_option("--round", oo->rounding,
                    "exact (default: refuse an off-tick price or size) | nearest | passive (bids down, asks up); sizes round down");
  add_sign_common(order, oo->common);
  order->callback([oo] {
    if (!oo->common.extra.empty()) fail("hl order: unexpected extra argument (not shown); pass the key with --private-key");
    sign_and_print(oo->common, order_action(*oo));
  });
}

}  // namespace perpx::app
