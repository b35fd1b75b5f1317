// perpx config check <file>: validates the one configuration file (format:
// config/perpx.example.toml) and names EVERY bad field, not just the first:
// endpoints, keys (keystore paths; never a key itself), venues, feeds, the
// oracle's checks (oracle/config.hpp's loader, on the [oracle] table), risk
// limits (executor/risk_config.hpp), fee caps, strategies and the stress
// scenario. Relative paths are relative to the file's directory.
// Good: one line on stdout (--json: {"ok": true, "file", "sections": [...]}).
// Bad: exit 1, one line on stderr listing each bad field ("field: what is
// wrong", separated by "; "), nothing on stdout.
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/executor/risk_config.hpp"
#include "perpx/oracle/config.hpp"
#include "perpx/strategies/scenario_file.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using executor::check_keys;
using executor::ConfigErrors;
using executor::field_path;
using executor::read_bool;
using executor::read_int;
using executor::read_string;
using executor::read_table;
using executor::read_wad;

struct ConfigOptions {
  std::string file;
  bool json = false;
};

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  for (auto x : set)
    if (x == s) return true;
  return false;
}

void url_field(const toml::node* n, const std::string& path, std::initializer_list<std::string_view> schemes,
               ConfigErrors& errors) {
  auto s = read_string(n, path, errors);
  if (!s) return;
  for (auto sc : schemes)
    if (s->starts_with(std::string(sc) + "://") && s->size() > sc.size() + 3) return;
  std::string list;
  for (auto sc : schemes) list += (list.empty() ? "" : " or ") + std::string(sc) + "://";
  errors.push_back(path + ": expected a " + list + " URL");
}

void address_field(const toml::node* n, const std::string& path, ConfigErrors& errors) {
  auto s = read_string(n, path, errors);
  if (!s) return;
  if (auto a = core::parse_address(*s); !a)
    errors.push_back(path + ": not an address (" + std::string(core::describe(a.error())) + ")");
}

void file_field(const toml::node* n, const std::string& path, const fs::path& base, ConfigErrors& errors) {
  auto s = read_string(n, path, errors);
  if (!s) return;
  fs::path p(*s);
  if (p.is_relative()) p = base / p;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) errors.push_back(path + ": no such file (" + p.string() + ")");
}

// Names of the entries of a table of tables ([keys.X], [venues.X]).
std::vector<std::string> names_of(const toml::table* t) {
  std::vector<std::string> out;
  if (t)
    for (const auto& [k, v] : *t) out.emplace_back(k.str());
  return out;
}

void check_reference(const toml::node* n, const std::string& path, const std::vector<std::string>& names,
                     std::string_view section, ConfigErrors& errors) {
  auto s = read_string(n, path, errors);
  if (!s) return;
  for (const auto& x : names)
    if (x == *s) return;
  errors.push_back(path + ": \"" + *s + "\" is not a [" + std::string(section) + "] entry");
}

void check_endpoints(const toml::table& t, ConfigErrors& errors) {
  check_keys(t, "endpoints", {"rpc_url", "ws_url", "fallback_rpc_urls", "chain_id"}, errors);
  url_field(t.get("rpc_url"), "endpoints.rpc_url", {"http", "https"}, errors);
  if (t.get("ws_url")) url_field(t.get("ws_url"), "endpoints.ws_url", {"ws", "wss"}, errors);
  if (const toml::node* f = t.get("fallback_rpc_urls")) {
    if (const toml::array* a = f->as_array()) {
      for (size_t i = 0; i < a->size(); ++i)
        url_field(a->get(i), "endpoints.fallback_rpc_urls[" + std::to_string(i) + "]", {"http", "https"}, errors);
    } else {
      errors.push_back("endpoints.fallback_rpc_urls: expected an array of URLs");
    }
  }
  (void)read_int(t.get("chain_id"), "endpoints.chain_id", 1, INT64_MAX, errors);
}

void check_keys_section(const toml::table& t, const fs::path& base, ConfigErrors& errors) {
  for (const auto& [name, node] : t) {
    const std::string p = field_path("keys", name.str());
    const toml::table* k = read_table(&node, p, errors, true);
    if (!k) continue;
    if (k->get("private_key"))
      errors.push_back(p + ".private_key: a key never goes in the config; give its keystore and password_file");
    check_keys(*k, p, {"keystore", "password_file", "password_env", "private_key"}, errors);
    file_field(k->get("keystore"), p + ".keystore", base, errors);
    const bool file = k->get("password_file") != nullptr, env = k->get("password_env") != nullptr;
    if (file == env) errors.push_back(p + ": exactly one of password_file and password_env");
    if (file) file_field(k->get("password_file"), p + ".password_file", base, errors);
    if (env) (void)read_string(k->get("password_env"), p + ".password_env", errors);
  }
}

void check_venues(const toml::table& t, const std::vector<std::string>& keys, ConfigErrors& errors) {
  for (const auto& [name, node] : t) {
    const std::string p = field_path("venues", name.str());
    const toml::table* v = read_table(&node, p, errors, true);
    if (!v) continue;
    auto kind = read_string(v->get("kind"), p + ".kind", errors);
    if (kind && *kind == "ref") {
      check_keys(*v, p, {"kind", "address", "key", "markets"}, errors);
      address_field(v->get("address"), p + ".address", errors);
    } else if (kind && *kind == "hyperliquid") {
      check_keys(*v, p, {"kind", "network", "key", "markets", "vault_address"}, errors);
      auto net = read_string(v->get("network"), p + ".network", errors);
      if (net && !one_of(*net, {"mainnet", "testnet"})) errors.push_back(p + ".network: expected mainnet or testnet");
      if (v->get("vault_address")) address_field(v->get("vault_address"), p + ".vault_address", errors);
    } else if (kind) {
      errors.push_back(p + ".kind: expected ref or hyperliquid");
    }
    check_reference(v->get("key"), p + ".key", keys, "keys", errors);
    if (const toml::node* m = v->get("markets")) {
      const toml::array* a = m->as_array();
      if (!a) errors.push_back(p + ".markets: expected an array of market names");
      else
        for (size_t i = 0; i < a->size(); ++i) (void)read_string(a->get(i), p + ".markets[" + std::to_string(i) + "]", errors);
    }
  }
}

void check_feeds(const toml::table& t, ConfigErrors& errors) {
  for (const auto& [name, node] : t) {
    const std::string p = field_path("feeds", name.str());
    const toml::table* f = read_table(&node, p, errors, true);
    if (!f) continue;
    check_keys(*f, p, {"kind", "address", "market", "price_id", "source"}, errors);
    auto kind = read_string(f->get("kind"), p + ".kind", errors);
    if (kind && !one_of(*kind, {"chainlink", "pyth", "univ3", "sequencer"}))
      errors.push_back(p + ".kind: expected chainlink, pyth, univ3 or sequencer");
    address_field(f->get("address"), p + ".address", errors);
    if (kind && *kind != "sequencer") (void)read_string(f->get("market"), p + ".market", errors);
    if (kind && *kind == "pyth") {
      if (auto id = read_string(f->get("price_id"), p + ".price_id", errors); id && !core::parse_hash32(*id))
        errors.push_back(p + ".price_id: expected a 32-byte 0x hex id");
    } else if (f->get("price_id")) {
      errors.push_back(p + ".price_id: only a pyth feed has a price id");
    }
    if (f->get("source")) (void)read_string(f->get("source"), p + ".source", errors);
  }
}

void check_oracle(const toml::table& t, ConfigErrors& errors) {
  // The oracle's own loader on the table as TOML text: its rules, its messages.
  std::ostringstream o;
  o << t;
  auto c = oracle::parse_config(o.str());
  if (!c) errors.push_back("oracle." + c.error());
}

void check_fees(const toml::table& t, ConfigErrors& errors) {
  check_keys(t, "fees", {"min_tip_gwei", "max_tip_gwei", "low", "normal", "urgent", "critical"}, errors);
  std::optional<core::U256> lo, hi;
  if (t.get("min_tip_gwei")) lo = read_wad(t.get("min_tip_gwei"), "fees.min_tip_gwei", errors);
  if (t.get("max_tip_gwei")) hi = read_wad(t.get("max_tip_gwei"), "fees.max_tip_gwei", errors);
  if (lo && hi && *hi < *lo) errors.push_back("fees.max_tip_gwei: below min_tip_gwei");
  for (std::string_view level : {"low", "normal", "urgent", "critical"}) {
    const std::string p = field_path("fees", level);
    const toml::table* l = read_table(t.get(level), p, errors);
    if (!l) continue;
    check_keys(*l, p, {"percentile", "headroom_blocks", "escalate_after", "bump_ppm", "cap_bps"}, errors);
    if (l->get("percentile")) (void)read_int(l->get("percentile"), p + ".percentile", 0, 3, errors);
    if (l->get("headroom_blocks")) (void)read_int(l->get("headroom_blocks"), p + ".headroom_blocks", 0, 64, errors);
    if (l->get("escalate_after")) (void)read_int(l->get("escalate_after"), p + ".escalate_after", 1, 10'000, errors);
    if (l->get("bump_ppm")) (void)read_int(l->get("bump_ppm"), p + ".bump_ppm", 125'000, 10'000'000, errors);
    if (l->get("cap_bps")) (void)read_int(l->get("cap_bps"), p + ".cap_bps", 0, 10'000, errors);
  }
}

void check_strategies(const toml::table& t, const std::vector<std::string>& venues, ConfigErrors& errors) {
  for (const auto& [name, node] : t) {
    const std::string p = field_path("strategies", name.str());
    const toml::table* s = read_table(&node, p, errors, true);
    if (!s) continue;
    auto kind = read_string(s->get("kind"), p + ".kind", errors);
    check_reference(s->get("venue"), p + ".venue", venues, "venues", errors);
    (void)read_string(s->get("market"), p + ".market", errors);
    if (s->get("enabled")) (void)read_bool(s->get("enabled"), p + ".enabled", errors);
    if (!kind) continue;
    if (*kind == "hedger") {
      check_keys(*s, p, {"kind", "venue", "market", "enabled", "band", "max_hedge"}, errors);
      (void)read_wad(s->get("band"), p + ".band", errors);
      (void)read_wad(s->get("max_hedge"), p + ".max_hedge", errors);
    } else if (*kind == "carry") {
      check_keys(*s, p, {"kind", "venue", "market", "enabled", "threshold_bps", "max_basis_bps", "holding_hours"},
                 errors);
      (void)read_int(s->get("threshold_bps"), p + ".threshold_bps", 0, 100'000, errors);
      (void)read_int(s->get("max_basis_bps"), p + ".max_basis_bps", 0, 100'000, errors);
      if (s->get("holding_hours")) (void)read_int(s->get("holding_hours"), p + ".holding_hours", 1, 100'000, errors);
    } else if (*kind == "slicer") {
      check_keys(*s, p, {"kind", "venue", "market", "enabled", "algo", "slices", "slippage_bps"}, errors);
      auto algo = read_string(s->get("algo"), p + ".algo", errors);
      if (algo && !one_of(*algo, {"twap", "vwap"})) errors.push_back(p + ".algo: expected twap or vwap");
      (void)read_int(s->get("slices"), p + ".slices", 1, 100'000, errors);
      (void)read_int(s->get("slippage_bps"), p + ".slippage_bps", 0, 10'000, errors);
    } else {
      errors.push_back(p + ".kind: expected hedger, carry or slicer");
    }
  }
}

void check_stress(const toml::table& t, const fs::path& base, ConfigErrors& errors) {
  check_keys(t, "stress", {"scenario", "reduce_loss_usd", "halt_loss_usd"}, errors);
  auto r = read_wad(t.get("reduce_loss_usd"), "stress.reduce_loss_usd", errors);
  auto h = read_wad(t.get("halt_loss_usd"), "stress.halt_loss_usd", errors);
  if (r && h && *h < *r) errors.push_back("stress.halt_loss_usd: below reduce_loss_usd");
  auto s = read_string(t.get("scenario"), "stress.scenario", errors);
  if (!s) return;
  fs::path p(*s);
  if (p.is_relative()) p = base / p;
  auto f = strategies::load_scenario_file(p);
  if (!f)
    for (const auto& e : f.error()) errors.push_back("stress.scenario (" + p.string() + "): " + e);
}

void config_check(const ConfigOptions& o) {
  const std::string text = read_file(o.file, "config");
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    fail(o.file + ": line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  const fs::path base = fs::path(o.file).parent_path();
  ConfigErrors errors;
  check_keys(root, "", {"endpoints", "keys", "venues", "feeds", "oracle", "risk", "fees", "strategies", "stress"},
             errors);
  const toml::table* keys = read_table(root.get("keys"), "keys", errors);
  const toml::table* venues = read_table(root.get("venues"), "venues", errors, true);
  if (const toml::table* t = read_table(root.get("endpoints"), "endpoints", errors, true)) check_endpoints(*t, errors);
  if (keys) check_keys_section(*keys, base, errors);
  if (venues) check_venues(*venues, names_of(keys), errors);
  if (const toml::table* t = read_table(root.get("feeds"), "feeds", errors)) check_feeds(*t, errors);
  if (const toml::table* t = read_table(root.get("oracle"), "oracle", errors)) check_oracle(*t, errors);
  if (const toml::table* t = read_table(root.get("risk"), "risk", errors, true)) {
    auto r = executor::load_risk_config(*t);
    if (!r) errors.insert(errors.end(), r.error().begin(), r.error().end());
  }
  if (const toml::table* t = read_table(root.get("fees"), "fees", errors)) check_fees(*t, errors);
  if (const toml::table* t = read_table(root.get("strategies"), "strategies", errors))
    check_strategies(*t, names_of(venues), errors);
  if (const toml::table* t = read_table(root.get("stress"), "stress", errors)) check_stress(*t, base, errors);
  if (!errors.empty()) {
    std::string msg = o.file + ": " + std::to_string(errors.size()) + " bad field" + (errors.size() == 1 ? "" : "s") + ": ";
    for (size_t i = 0; i < errors.size(); ++i) msg += (i ? "; " : "") + errors[i];
    fail(msg);
  }
  std::vector<std::string> sections;
  for (const auto& [k, v] : root) sections.emplace_back(k.str());
  if (o.json) {
    print_json({{"ok", true}, {"file", o.file}, {"sections", sections}});
    return;
  }
  print_line("config ok: " + o.file);
}

}  // namespace

void add_config_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("config", "the configuration file");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<ConfigOptions>();
  auto* check = cmd->add_subcommand("check", "validate a config file, naming every bad field");
  check->add_option("file", opts->file, "the TOML file")->required();
  check->add_flag("--json", opts->json, "one JSON object");
  check->callback([opts] { config_check(*opts); });
}

}  // namespace perpx::app
