// perpx hl sign|order|approve-agent: Hyperliquid actions signed exactly as
// the official SDKs sign them (venues/include/perpx/venues/hyperliquid.hpp);
// prints the body to POST to /exchange. Rules: shared/CLI.md, "Hyperliquid
// `hl sign`". --agent-for <master>: the key is an API wallet trading for that
// master (L1 actions only). --nonce-db <file>: without --nonce, the nonce
// comes from the journal (hyperliquid_nonce.hpp), per signing address.
#include <memory>
#include <optional>
#include <vector>

#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/venues/hyperliquid.hpp"
#include "perpx/venues/hyperliquid_client.hpp"
#include "perpx/venues/hyperliquid_nonce.hpp"
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
  std::string nonce_db;
  std::string agent_for;  // the master address an API wallet's key trades for
  bool testnet = false;
  std::vector<std::string> extra;  // refused without echoing: it may be a key
};

// The next nonce of `signer` from the journal file (durably recorded first).
uint64_t journal_nonce(const std::string& path, const core::Address& signer) {
  auto src = hl::HlNonceSource::open(path);
  if (!src) fail("--nonce-db: " + hl::to_string(src.error()));
  auto n = src->next(signer);
  if (!n) fail("--nonce-db: " + hl::to_string(n.error()));
  return *n;
}

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
  cmd->add_option("--nonce-db", o.nonce_db, "without --nonce: take the next nonce from this journal (SQLite), per signer");
  cmd->add_option("--agent-for", o.agent_for, "the key is an API wallet's, trading for this master address (L1 actions only)");
  cmd->add_option("extra", o.extra)->group("");
}

// Validates everything, then loads the key, then signs: bad input is reported
// before a keystore is decrypted (and before a journalled nonce is used).
void sign_and_print(const SignCommon& o, const core::Json& action) {
  if (!o.extra.empty()) fail("hl: unexpected extra argument (not shown); pass the key with --private-key");
  hl::SignOptions opts = sign_options(o);
  const bool from_journal = !o.nonce_db.empty();
  if (from_journal && opts.nonce) fail("--nonce-db: give either --nonce or --nonce-db, not both");
  std::optional<core::Address> master;
  if (!o.agent_for.empty()) master = take(core::parse_address(o.agent_for), "--agent-for");
  const hl::UserSignedKind* kind = action.is_object() && action.contains("type") && action["type"].is_string()
                                       ? hl::find_user_signed(action["type"].get_ref<const std::string&>())
                                       : nullptr;
  if (from_journal && kind)
    fail("--nonce-db: user-signed actions carry their own nonce (action." + std::string(kind->nonce_field) + ")");
  // Checked with a stand-in nonce first: the journal's is taken only for an action that will be signed.
  hl::SignOptions check = opts;
  if (from_journal) check.nonce = 0;
  auto prepared = hl::prepare(action, check);
  if (!prepared) fail(hl::to_string(prepared.error()));
  if (master && prepared->user_signed)
    fail("--agent-for: an API wallet signs L1 actions only; " + action["type"].get<std::string>() + " needs the master key");
  signer::SecretKey key = load_key(o.key);
  if (from_journal) opts.nonce = journal_nonce(o.nonce_db, signer::address_of(key));
  if (master) {
    const hl::AgentWallet wallet(std::move(key), *master, opts.vault);
    opts.vault.reset();
    auto body = wallet.sign(action, opts);
    if (!body) fail(hl::to_string(body.error()));
    return print_json(*body);
  }
  prepared = hl::prepare(action, opts);
  if (!prepared) fail(hl::to_string(prepared.error()));
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

  struct ApproveOptions {
    KeyOptions key;
    std::string agent;
    std::optional<std::string> name;
    std::string nonce;
    std::string nonce_db;
    bool testnet = false;
    std::vector<std::string> extra;
  };
  auto ao = std::make_shared<ApproveOptions>();
  auto* approve = group->add_subcommand(
      "approve-agent", "approve an API wallet (agent) for the master key's account; prints the /exchange body");
  add_key_options(approve, ao->key);
  approve->add_option("--agent-address", ao->agent, "the API wallet's address")->required();
  approve->add_option("--agent-name", ao->name, "a name for the agent (unnamed without it)");
  approve->add_option("--nonce", ao->nonce, "nonce (ms timestamp); default: now, or the journal's with --nonce-db");
  approve->add_option("--nonce-db", ao->nonce_db, "take the nonce from this journal (SQLite), per signer");
  approve->add_flag("--testnet", ao->testnet, "hyperliquidChain \"Testnet\"");
  approve->add_option("extra", ao->extra)->group("");
  approve->callback([ao] {
    if (!ao->extra.empty()) fail("hl approve-agent: unexpected extra argument (not shown); pass the key with --private-key");
    hl::ApproveAgent a;
    a.agent = take(core::parse_address(ao->agent), "--agent-address");
    a.name = ao->name;
    a.testnet = ao->testnet;
    if (!ao->nonce.empty() && !ao->nonce_db.empty()) fail("--nonce-db: give either --nonce or --nonce-db, not both");
    if (!ao->nonce.empty()) a.nonce = parse_u64_option(ao->nonce, "--nonce");
    const signer::SecretKey key = load_key(ao->key);
    if (ao->nonce.empty()) a.nonce = ao->nonce_db.empty() ? hl::unix_now_ms() : journal_nonce(ao->nonce_db, signer::address_of(key));
    const core::Json action = hl::approve_agent_action(a);
    auto body = hl::sign_action(key, action, hl::SignOptions{});
    if (!body) fail(hl::to_string(body.error()));
    print_json(*body);
  });
}

}  // namespace perpx::app
