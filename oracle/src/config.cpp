#include "perpx/oracle/config.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace perpx::oracle {

std::string_view kind_name(SourceKind k) noexcept {
  switch (k) {
    case SourceKind::kOther: return "other";
    case SourceKind::kChainlink: return "chainlink";
    case SourceKind::kPyth: return "pyth";
    case SourceKind::kUniV3: return "univ3";
    case SourceKind::kSequencer: return "sequencer";
  }
  return "other";
}

namespace {

using Err = std::unexpected<std::string>;

std::expected<Ppm, std::string> ratio_from_double(double v) {
  if (!std::isfinite(v) || v < 0 || v > 1) return Err("expected a ratio between 0 and 1 (or \"0%\"..\"100%\")");
  return Ppm{static_cast<uint32_t>(std::llround(v * 1e6))};
}

std::expected<Ppm, std::string> ratio_of(const toml::node& n) {
  if (auto d = n.value_exact<double>()) return ratio_from_double(*d);
  if (auto i = n.value_exact<int64_t>()) return ratio_from_double(static_cast<double>(*i));
  if (auto s = n.value_exact<std::string>()) return parse_ratio_text(*s);
  return Err("expected a ratio (0.02 or \"2%\")");
}

std::expected<Price, std::string> price_of(const toml::node& n) {
  std::string text;
  if (auto s = n.value_exact<std::string>()) text = *s;
  else if (auto i = n.value_exact<int64_t>()) text = std::to_string(*i);
  else if (auto d = n.value_exact<double>()) {
    std::ostringstream o;
    o.precision(17);
    o << *d;
    text = o.str();
  } else {
    return Err("expected a price (\"0.10\" or a number)");
  }
  auto p = parse_price(text);
  if (!p) return Err(std::string(describe(p.error())));
  if (p->raw <= 0) return Err("a price bound must be positive");
  return *p;
}

std::expected<int64_t, std::string> seconds_of(const toml::node& n) {
  double v = 0;
  if (auto i = n.value_exact<int64_t>()) v = static_cast<double>(*i);
  else if (auto d = n.value_exact<double>()) v = *d;
  else return Err("expected seconds (a number)");
  if (!std::isfinite(v) || v < 0 || v > 1e10) return Err("expected seconds between 0 and 1e10");
  return static_cast<int64_t>(std::llround(v * 1e6));
}

std::expected<uint32_t, std::string> count_of(const toml::node& n, uint32_t lo, uint32_t hi) {
  auto i = n.value_exact<int64_t>();
  if (!i || *i < lo || *i > hi) return Err("expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<uint32_t>(*i);
}

// Applies the threshold keys of `t` (and, if `market` is given, the market
// keys); `skip` are keys handled by the caller.
std::expected<void, std::string> apply(const toml::table& t, const std::string& where, Thresholds& th,
                                       MarketParams* market, std::initializer_list<std::string_view> skip) {
  for (const auto& [k, node] : t) {
    const std::string_view key = k.str();
    bool skipped = false;
    for (auto s : skip) skipped |= s == key;
    if (skipped) continue;
    const std::string name = where + "." + std::string(key);
    auto fail = [&](const std::string& why) { return Err(name + ": " + why); };
#define PERPX_SET(expr, target)            \
  {                                        \
    auto v = (expr);                       \
    if (!v) return fail(v.error());        \
    target = *v;                           \
    continue;                              \
  }
    if (key == "heartbeat") PERPX_SET(seconds_of(node), th.heartbeat_us)
    if (key == "future_tolerance") PERPX_SET(seconds_of(node), th.future_us)
    if (key == "min") PERPX_SET(price_of(node), th.min)
    if (key == "max") PERPX_SET(price_of(node), th.max)
    if (key == "max_conf") PERPX_SET(ratio_of(node), th.max_conf)
    if (key == "deviation") PERPX_SET(ratio_of(node), th.deviation)
    if (key == "outlier_min_move") PERPX_SET(ratio_of(node), th.outlier_min)
    if (key == "jump") PERPX_SET(ratio_of(node), th.jump)
    if (key == "frozen_move") PERPX_SET(ratio_of(node), th.frozen_move)
    if (key == "frozen_updates") PERPX_SET(count_of(node, 2, 1'000'000), th.frozen_run)
    if (key == "outlier_z") {
      double z = 0;
      if (auto d = node.value_exact<double>()) z = *d;
      else if (auto i = node.value_exact<int64_t>()) z = static_cast<double>(*i);
      else return fail("expected a number");
      if (!std::isfinite(z) || z <= 0 || z > 1e6) return fail("expected a number in (0, 1e6]");
      th.outlier_z_milli = static_cast<uint32_t>(std::llround(z * 1000));
      continue;
    }
    if (market) {
      if (key == "quorum") PERPX_SET(count_of(node, 1, kMaxSources), market->quorum)
      if (key == "sequencer_grace") PERPX_SET(seconds_of(node), market->sequencer_grace_us)
      if (key == "mark_window") PERPX_SET(seconds_of(node), market->mark_window_us)
      if (key == "mark_clamp") PERPX_SET(ratio_of(node), market->mark_clamp)
    }
#undef PERPX_SET
    return fail("unknown key");
  }
  return {};
}

std::expected<SourceKind, std::string> kind_of(const toml::node& n) {
  auto s = n.value_exact<std::string>();
  if (s) {
    for (auto k : {SourceKind::kOther, SourceKind::kChainlink, SourceKind::kPyth, SourceKind::kUniV3, SourceKind::kSequencer})
      if (kind_name(k) == *s) return k;
  }
  return Err("expected one of chainlink, pyth, univ3, other, sequencer");
}

}  // namespace

std::expected<Ppm, std::string> parse_ratio_text(std::string_view text) {
  bool percent = false;
  if (!text.empty() && text.back() == '%') {
    percent = true;
    text.remove_suffix(1);
  }
  auto p = parse_price(text);  // a decimal with 9 fraction digits is plenty
  if (!p) return Err(std::string(describe(p.error())));
  // raw = value * 1e9; ppm = value * 1e6 (or value * 1e4 for a percentage).
  const int64_t div = percent ? 100'000 : 1'000;
  if (p->raw < 0 || p->raw / div > 1'000'000) return Err("expected a ratio between 0 and 1 (or \"0%\"..\"100%\")");
  return Ppm{static_cast<uint32_t>(p->raw / div)};
}

const SourceConfig* OracleConfig::find(std::string_view name) const noexcept {
  for (const auto& s : sources)
    if (s.name == name) return &s;
  return nullptr;
}

Thresholds OracleConfig::thresholds_for(std::string_view name) const {
  if (const auto* s = find(name)) return s->thresholds;
  return defaults;
}

std::expected<OracleConfig, std::string> parse_config(std::string_view text, std::string_view market_override) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << "line " << e.source().begin.line << ": " << e.description();
    return Err(o.str());
  }
  OracleConfig c;
  for (const auto& [k, node] : root) {
    const std::string_view key = k.str();
    if (key == "market") {
      auto s = node.value_exact<std::string>();
      if (!s) return Err("market: expected a string");
      c.market = *s;
    } else if (key != "defaults" && key != "markets" && key != "sources") {
      return Err(std::string(key) + ": unknown key");
    }
  }
  if (!market_override.empty()) c.market = std::string(market_override);
  auto table_at = [&](const toml::node* n, const std::string& where) -> std::expected<const toml::table*, std::string> {
    if (!n) return static_cast<const toml::table*>(nullptr);
    if (!n->is_table()) return Err(where + ": expected a table");
    return n->as_table();
  };
  auto defaults = table_at(root.get("defaults"), "defaults");
  if (!defaults) return Err(defaults.error());
  if (*defaults) {
    if (auto r = apply(**defaults, "defaults", c.defaults, &c.market_params, {}); !r) return Err(r.error());
  }
  auto markets = table_at(root.get("markets"), "markets");
  if (!markets) return Err(markets.error());
  const toml::table* market_table = nullptr;
  if (*markets) {
    for (const auto& [m, node] : **markets)
      if (!node.is_table()) return Err("markets." + std::string(m.str()) + ": expected a table");
    if (!c.market.empty()) {
      if (const auto* n = (*markets)->get(c.market)) market_table = n->as_table();
      else if (!market_override.empty() || root.get("market")) return Err("market \"" + c.market + "\" has no [markets] table");
    }
  }
  if (market_table) {
    if (auto r = apply(*market_table, "markets." + c.market, c.defaults, &c.market_params, {"sources"}); !r)
      return Err(r.error());
  }
  auto sources = table_at(root.get("sources"), "sources");
  if (!sources) return Err(sources.error());
  const toml::table* market_sources = nullptr;
  if (market_table) {
    auto ms = table_at(market_table->get("sources"), "markets." + c.market + ".sources");
    if (!ms) return Err(ms.error());
    market_sources = *ms;
  }
  // Declared sources: [sources.X] and [markets.M.sources.X].
  std::vector<std::string> names;
  for (const toml::table* t : {*sources, market_sources}) {
    if (!t) continue;
    for (const auto& [name, node] : *t) {
      if (!node.is_table()) return Err("sources." + std::string(name.str()) + ": expected a table");
      bool seen = false;
      for (const auto& n : names) seen |= n == name.str();
      if (!seen) names.emplace_back(name.str());
    }
  }
  for (const auto& name : names) {
    SourceConfig sc;
    sc.name = name;
    sc.thresholds = c.defaults;
    for (const toml::table* t : {*sources, market_sources}) {
      if (!t) continue;
      const toml::node* n = t->get(name);
      if (!n) continue;
      const std::string where = (t == *sources ? "sources." : "markets." + c.market + ".sources.") + name;
      if (const auto* k = n->as_table()->get("kind")) {
        auto kind = kind_of(*k);
        if (!kind) return Err(where + ".kind: " + kind.error());
        sc.kind = *kind;
      }
      if (auto r = apply(*n->as_table(), where, sc.thresholds, nullptr, {"kind"}); !r) return Err(r.error());
    }
    if (sc.thresholds.min && sc.thresholds.max && *sc.thresholds.min >= *sc.thresholds.max)
      return Err("sources." + name + ": min must be below max");
    c.sources.push_back(std::move(sc));
  }
  return c;
}

std::expected<OracleConfig, std::string> load_config(const std::filesystem::path& file, std::string_view market) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Err(file.string() + ": cannot read");
  std::ostringstream o;
  o << in.rdbuf();
  auto c = parse_config(o.str(), market);
  if (!c) return Err(file.string() + ": " + c.error());
  return c;
}

}  // namespace perpx::oracle
