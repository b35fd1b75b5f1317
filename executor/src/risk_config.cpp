// RiskConfig from TOML, naming every bad field (risk_config.hpp).
#include "perpx/executor/risk_config.hpp"

#include <cmath>
#include <limits>

namespace perpx::executor {

namespace {

std::string missing(const std::string& path) { return path + ": missing"; }

}  // namespace

std::string field_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::optional<core::U256> read_wad(const toml::node* n, const std::string& path, ConfigErrors& errors) {
  if (!n) {
    errors.push_back(missing(path));
    return std::nullopt;
  }
  std::string text;
  if (auto s = n->value_exact<std::string>()) text = *s;
  else if (auto i = n->value_exact<int64_t>(); i && *i >= 0) text = std::to_string(*i);
  else {
    errors.push_back(path + ": expected a non-negative decimal string such as \"1000.5\" (or an integer)");
    return std::nullopt;
  }
  auto v = core::parse_wad(text);
  if (!v) {
    errors.push_back(path + ": \"" + text + "\" is not a non-negative decimal (" + v.error() + ")");
    return std::nullopt;
  }
  return *v;
}

std::optional<core::I256> read_signed_wad(const toml::node* n, const std::string& path, ConfigErrors& errors) {
  if (!n) {
    errors.push_back(missing(path));
    return std::nullopt;
  }
  std::string text;
  if (auto s = n->value_exact<std::string>()) text = *s;
  else if (auto i = n->value_exact<int64_t>()) text = std::to_string(*i);
  else {
    errors.push_back(path + ": expected a decimal string such as \"-1.5\" (or an integer)");
    return std::nullopt;
  }
  const bool neg = text.starts_with('-');
  auto v = core::parse_wad(neg ? std::string_view(text).substr(1) : std::string_view(text));
  if (!v || v->bit(255)) {
    errors.push_back(path + ": \"" + text + "\" is not a decimal" + (v ? " in range" : " (" + v.error() + ")"));
    return std::nullopt;
  }
  const core::I256 x = core::I256::from_u256(*v);
  return neg ? -x : x;
}

std::optional<int64_t> read_int(const toml::node* n, const std::string& path, int64_t lo, int64_t hi,
                                ConfigErrors& errors) {
  if (!n) {
    errors.push_back(missing(path));
    return std::nullopt;
  }
  auto i = n->value_exact<int64_t>();
  if (!i || *i < lo || *i > hi) {
    errors.push_back(path + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return std::nullopt;
  }
  return *i;
}

std::optional<double> read_number(const toml::node* n, const std::string& path, double lo, double hi,
                                  ConfigErrors& errors) {
  if (!n) {
    errors.push_back(missing(path));
    return std::nullopt;
  }
  std::optional<double> v;
  if (auto d = n->value_exact<double>()) v = *d;
  else if (auto i = n->value_exact<int64_t>()) v = static_cast<double>(*i);
  if (!v || !std::isfinite(*v) || *v < lo || *v > hi) {
    errors.push_back(path + ": expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> read_string(const toml::node* n, const std::string& path, ConfigErrors& errors) {
  if (!n) {
    errors.push_back(missing(path));
    return std::nullopt;
  }
  auto s = n->value_exact<std::string>();
  if (!s) {
    errors.push_back(path + ": expected a string");
    return std::nullopt;
  }
  return *s;
}

std::optional<bool> read_bool(const toml::node* n, const std::string& path, ConfigErrors& errors) {
  if (!n) {
    errors.push_back(missing(path));
    return std::nullopt;
  }
  auto b = n->value_exact<bool>();
  if (!b) {
    errors.push_back(path + ": expected true or false");
    return std::nullopt;
  }
  return *b;
}

const toml::table* read_table(const toml::node* n, const std::string& path, ConfigErrors& errors, bool required) {
  if (!n) {
    if (required) errors.push_back(missing(path));
    return nullptr;
  }
  if (!n->is_table()) {
    errors.push_back(path + ": expected a table");
    return nullptr;
  }
  return n->as_table();
}

void check_keys(const toml::table& t, const std::string& path, std::initializer_list<std::string_view> known,
                ConfigErrors& errors) {
  for (const auto& [k, node] : t) {
    bool ok = false;
    for (auto s : known) ok |= s == k.str();
    if (!ok) errors.push_back(field_path(path, k.str()) + ": unknown key");
  }
}

std::expected<RiskConfig, ConfigErrors> load_risk_config(const toml::table& t, std::string_view where) {
  ConfigErrors errors;
  RiskConfig c;
  const std::string w(where);
  check_keys(t, w,
             {"max_gross_usd", "max_net_usd", "daily_loss_usd", "max_orders_per_second", "margin_buffer_bps",
              "defaults", "markets"},
             errors);
  auto wad = [&](std::string_view key, core::U256& out) {
    if (auto v = read_wad(t.get(key), field_path(w, key), errors)) out = *v;
  };
  wad("max_gross_usd", c.max_gross_usd);
  wad("max_net_usd", c.max_net_usd);
  wad("daily_loss_usd", c.daily_loss_usd);
  const int64_t u32max = std::numeric_limits<uint32_t>::max();
  if (auto v = read_int(t.get("max_orders_per_second"), field_path(w, "max_orders_per_second"), 0, 100'000, errors))
    c.max_orders_per_second = static_cast<uint32_t>(*v);
  if (auto v = read_int(t.get("margin_buffer_bps"), field_path(w, "margin_buffer_bps"), 0, u32max, errors))
    c.margin_buffer_bps = static_cast<uint32_t>(*v);
  const std::initializer_list<std::string_view> market_keys = {"max_order_size", "max_position", "max_leverage",
                                                               "price_band_bps"};
  const std::string dpath = field_path(w, "defaults");
  if (const toml::table* d = read_table(t.get("defaults"), dpath, errors, true)) {
    check_keys(*d, dpath, market_keys, errors);
    if (auto v = read_wad(d->get("max_order_size"), field_path(dpath, "max_order_size"), errors))
      c.defaults.max_order_size = *v;
    if (auto v = read_wad(d->get("max_position"), field_path(dpath, "max_position"), errors))
      c.defaults.max_position = *v;
    if (auto v = read_wad(d->get("max_leverage"), field_path(dpath, "max_leverage"), errors))
      c.defaults.max_leverage = *v;
    if (auto v = read_int(d->get("price_band_bps"), field_path(dpath, "price_band_bps"), 0, 1'000'000, errors))
      c.defaults.price_band_bps = static_cast<uint32_t>(*v);
  }
  const std::string mpath = field_path(w, "markets");
  if (const toml::table* ms = read_table(t.get("markets"), mpath, errors)) {
    for (const auto& [name, node] : *ms) {
      const std::string p = field_path(mpath, name.str());
      const toml::table* m = read_table(&node, p, errors);
      if (!m) continue;
      check_keys(*m, p, market_keys, errors);
      MarketLimitOverrides o;
      if (m->get("max_order_size")) o.max_order_size = read_wad(m->get("max_order_size"), field_path(p, "max_order_size"), errors);
      if (m->get("max_position")) o.max_position = read_wad(m->get("max_position"), field_path(p, "max_position"), errors);
      if (m->get("max_leverage")) o.max_leverage = read_wad(m->get("max_leverage"), field_path(p, "max_leverage"), errors);
      if (m->get("price_band_bps")) {
        if (auto v = read_int(m->get("price_band_bps"), field_path(p, "price_band_bps"), 0, 1'000'000, errors))
          o.price_band_bps = static_cast<uint32_t>(*v);
      }
      c.markets.emplace(std::string(name.str()), o);
    }
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return c;
}

}  // namespace perpx::executor
