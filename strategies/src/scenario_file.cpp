// The stress scenario file (scenario_file.hpp).
#include "perpx/strategies/scenario_file.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <toml++/toml.h>

#include "perpx/core/address.hpp"
#include "perpx/executor/risk_config.hpp"

namespace perpx::strategies {

namespace {

using executor::check_keys;
using executor::field_path;
using executor::read_bool;
using executor::read_int;
using executor::read_number;
using executor::read_signed_wad;
using executor::read_string;
using executor::read_table;
using executor::read_wad;

constexpr size_t kNone = static_cast<size_t>(-1);


std::optional<Address> read_address(const toml::node* n, const std::string& path, FileErrors& errors) {
  auto s = read_string(n, path, errors);
  if (!s) return std::nullopt;
  auto a = core::parse_address(*s);
  if (!a) {
    errors.push_back(path + ": not an address (" + std::string(core::describe(a.error())) + ")");
    return std::nullopt;
  }
  return *a;
}

const toml::array* read_array(const toml::node* n, const std::string& path, FileErrors& errors) {
  if (!n) return nullptr;
  if (!n->is_array()) {
    errors.push_back(path + ": expected an array");
    return nullptr;
  }
  return n->as_array();
}

void parse_portfolio(const toml::table& t, ScenarioFile& f, FileErrors& errors) {
  const std::string w = "portfolio";
  check_keys(t, w, {"time", "liquidation_reward", "markets", "accounts"}, errors);
  const auto time = read_int(t.get("time"), "portfolio.time", 0, std::numeric_limits<int64_t>::max(), errors);
  venues::VenueParams vp;
  if (auto v = read_wad(t.get("liquidation_reward"), "portfolio.liquidation_reward", errors)) vp.liquidation_reward = *v;
  std::vector<venues::MarketParams> mps;
  std::vector<U256> prices;
  std::vector<std::optional<I256>> skews;
  const toml::array* markets = read_array(t.get("markets"), "portfolio.markets", errors);
  if (!markets || markets->empty()) errors.push_back("portfolio.markets: at least one [[portfolio.markets]]");
  if (markets) {
    for (size_t i = 0; i < markets->size(); ++i) {
      const std::string p = "portfolio.markets[" + std::to_string(i) + "]";
      const toml::table* m = read_table(markets->get(i), p, errors, true);
      if (!m) continue;
      check_keys(*m, p, {"name", "index", "skew_scale", "im_fraction", "mm_fraction", "taker_fee", "max_funding_rate", "skew"},
                 errors);
      venues::MarketParams mp;
      if (auto s = read_string(m->get("name"), p + ".name", errors)) mp.name = *s;
      auto index = read_wad(m->get("index"), p + ".index", errors);
      if (index && index->is_zero()) errors.push_back(p + ".index: must be positive");
      if (auto v = read_wad(m->get("skew_scale"), p + ".skew_scale", errors)) {
        if (v->is_zero()) errors.push_back(p + ".skew_scale: must be positive");
        mp.skew_scale = *v;
      }
      if (auto v = read_wad(m->get("im_fraction"), p + ".im_fraction", errors)) mp.im_fraction = *v;
      if (auto v = read_wad(m->get("mm_fraction"), p + ".mm_fraction", errors)) mp.mm_fraction = *v;
      if (auto v = read_wad(m->get("taker_fee"), p + ".taker_fee", errors)) mp.taker_fee = *v;
      if (auto v = read_wad(m->get("max_funding_rate"), p + ".max_funding_rate", errors)) mp.max_funding_rate = *v;
      skews.push_back(m->get("skew") ? read_signed_wad(m->get("skew"), p + ".skew", errors) : std::nullopt);
      mps.push_back(std::move(mp));
      prices.push_back(index.value_or(U256{}));
    }
  }
  auto market_id = [&](std::string_view name) -> size_t {
    for (size_t i = 0; i < mps.size(); ++i)
      if (mps[i].name == name) return i;
    return kNone;
  };
  FilePortfolio fp{venues::RefModel(vp, mps, time.value_or(0)), {}, prices, static_cast<uint64_t>(time.value_or(0))};
  std::vector<I256> net(mps.size());
  std::vector<U256> oi_long(mps.size()), oi_short(mps.size());
  const toml::array* accounts = read_array(t.get("accounts"), "portfolio.accounts", errors);
  if (!accounts || accounts->empty()) errors.push_back("portfolio.accounts: at least one [[portfolio.accounts]]");
  if (accounts) {
    for (size_t i = 0; i < accounts->size(); ++i) {
      const std::string p = "portfolio.accounts[" + std::to_string(i) + "]";
      const toml::table* a = read_table(accounts->get(i), p, errors, true);
      if (!a) continue;
      check_keys(*a, p, {"address", "margin", "positions"}, errors);
      auto addr = read_address(a->get("address"), p + ".address", errors);
      venues::Account ac;
      ac.positions.resize(mps.size());
      if (auto v = read_signed_wad(a->get("margin"), p + ".margin", errors)) ac.cross_margin = *v;
      if (const toml::array* ps = read_array(a->get("positions"), p + ".positions", errors)) {
        for (size_t j = 0; j < ps->size(); ++j) {
          const std::string q = p + ".positions[" + std::to_string(j) + "]";
          const toml::table* pt = read_table(ps->get(j), q, errors, true);
          if (!pt) continue;
          check_keys(*pt, q, {"market", "size", "entry", "isolated", "margin"}, errors);
          auto name = read_string(pt->get("market"), q + ".market", errors);
          const size_t m = name ? market_id(*name) : kNone;
          if (name && m == kNone) errors.push_back(q + ".market: \"" + *name + "\" is not a [[portfolio.markets]] name");
          auto size = read_signed_wad(pt->get("size"), q + ".size", errors);
          auto entry = read_wad(pt->get("entry"), q + ".entry", errors);
          const bool iso = pt->get("isolated") ? read_bool(pt->get("isolated"), q + ".isolated", errors).value_or(false)
                                               : false;
          std::optional<I256> margin;
          if (pt->get("margin")) margin = read_signed_wad(pt->get("margin"), q + ".margin", errors);
          if (margin && !iso) errors.push_back(q + ".margin: only an isolated position has its own margin");
          if (m == kNone || !size || !entry) continue;
          venues::Position& pos = ac.positions[m];
          if (!pos.size.is_zero()) errors.push_back(q + ".market: a second position in " + *name);
          pos.size = *size;
          pos.entry_price = *entry;
          pos.isolated = iso;
          pos.margin = margin.value_or(I256{});
          net[m] += *size;
          if (size->negative()) oi_short[m] = oi_short[m] + size->abs();
          else oi_long[m] = oi_long[m] + size->abs();
        }
      }
      if (!addr) continue;
      for (const auto& seen : fp.accounts)
        if (seen == *addr) errors.push_back(p + ".address: listed twice");
      fp.accounts.push_back(*addr);
      fp.model.set_account(*addr, std::move(ac));
    }
  }
  for (size_t m = 0; m < mps.size(); ++m) {
    venues::MarketState s;
    s.skew = skews[m].value_or(net[m]);
    s.open_interest_long = oi_long[m];
    s.open_interest_short = oi_short[m];
    s.last_funding_time = fp.now;
    fp.model.set_market_state(m, s);
  }
  f.portfolio = std::move(fp);
}

int8_t funding_side(const toml::node& n, const std::string& path, FileErrors& errors) {
  auto s = n.value_exact<std::string>();
  if (s && *s == "longs_pay") return 1;
  if (s && *s == "shorts_pay") return -1;
  errors.push_back(path + ": expected \"longs_pay\" or \"shorts_pay\"");
  return 0;
}

void parse_scenarios(const toml::array& arr, ScenarioFile& f, FileErrors& errors) {
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string p = "scenarios[" + std::to_string(i) + "]";
    const toml::table* t = read_table(arr.get(i), p, errors, true);
    if (!t) continue;
    check_keys(*t, p,
               {"name", "gap", "sigma", "driver", "correlation_one", "funding", "oracle_delay_steps", "depth_divisor",
                "steps", "duration"},
               errors);
    ScenarioSpec s;
    if (auto v = read_string(t->get("name"), p + ".name", errors)) s.name = *v;
    if (const toml::table* g = read_table(t->get("gap"), p + ".gap", errors)) {
      for (const auto& [k, node] : *g)
        if (auto v = read_number(&node, field_path(p + ".gap", k.str()), -0.999999, 1e6, errors))
          s.gap.emplace(std::string(k.str()), *v);
    }
    if (t->get("sigma")) s.sigma = read_number(t->get("sigma"), p + ".sigma", -100, 100, errors);
    if (t->get("driver")) s.driver = read_string(t->get("driver"), p + ".driver", errors).value_or("");
    if (s.sigma && s.driver.empty()) errors.push_back(p + ".driver: a sigma move needs its driver market");
    if (t->get("correlation_one"))
      s.correlation_one = read_bool(t->get("correlation_one"), p + ".correlation_one", errors).value_or(false);
    if (const toml::table* fu = read_table(t->get("funding"), p + ".funding", errors)) {
      for (const auto& [k, node] : *fu)
        s.funding.emplace(std::string(k.str()), funding_side(node, field_path(p + ".funding", k.str()), errors));
    }
    if (t->get("oracle_delay_steps"))
      s.oracle_delay_steps =
          static_cast<uint32_t>(read_int(t->get("oracle_delay_steps"), p + ".oracle_delay_steps", 0, 1'000'000, errors).value_or(0));
    if (t->get("depth_divisor"))
      s.depth_divisor = static_cast<uint32_t>(read_int(t->get("depth_divisor"), p + ".depth_divisor", 1, 1'000'000'000, errors).value_or(1));
    if (t->get("steps"))
      if (auto v = read_int(t->get("steps"), p + ".steps", 1, 1'000'000, errors)) s.steps = static_cast<uint32_t>(*v);
    if (t->get("duration"))
      if (auto v = read_int(t->get("duration"), p + ".duration", 0, 10LL * 365 * 86400, errors))
        s.duration = static_cast<uint64_t>(*v);
    for (const auto& seen : f.scenarios)
      if (seen.name == s.name && !s.name.empty()) errors.push_back(p + ".name: \"" + s.name + "\" used twice");
    f.scenarios.push_back(std::move(s));
  }
}

}  // namespace

std::expected<ScenarioFile, FileErrors> parse_scenario_file(std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << "line " << e.source().begin.line << ": " << e.description();
    return std::unexpected(FileErrors{o.str()});
  }
  FileErrors errors;
  ScenarioFile f;
  check_keys(root, "", {"live", "portfolio", "vols", "correlation", "stress", "scenarios"}, errors);
  if (const toml::table* live = read_table(root.get("live"), "live", errors)) {
    check_keys(*live, "live", {"venue", "accounts"}, errors);
    if (live->get("venue")) f.venue = read_address(live->get("venue"), "live.venue", errors);
    if (const toml::array* as = read_array(live->get("accounts"), "live.accounts", errors))
      for (size_t i = 0; i < as->size(); ++i)
        if (auto a = read_address(as->get(i), "live.accounts[" + std::to_string(i) + "]", errors))
          f.live_accounts.push_back(*a);
  }
  if (const toml::table* p = read_table(root.get("portfolio"), "portfolio", errors)) parse_portfolio(*p, f, errors);
  if (root.get("live") && root.get("portfolio")) errors.push_back("portfolio: a file has [live] or [portfolio], not both");
  if (const toml::table* v = read_table(root.get("vols"), "vols", errors))
    for (const auto& [k, node] : *v)
      if (auto x = read_number(&node, field_path("vols", k.str()), 0, 100, errors)) f.vols.emplace(std::string(k.str()), *x);
  if (const toml::table* c = read_table(root.get("correlation"), "correlation", errors)) {
    check_keys(*c, "correlation", {"markets", "matrix"}, errors);
    if (const toml::array* ms = read_array(c->get("markets"), "correlation.markets", errors))
      for (size_t i = 0; i < ms->size(); ++i)
        if (auto s = read_string(ms->get(i), "correlation.markets[" + std::to_string(i) + "]", errors))
          f.correlation_markets.push_back(*s);
    const size_t n = f.correlation_markets.size();
    if (const toml::array* rows = read_array(c->get("matrix"), "correlation.matrix", errors)) {
      if (rows->size() != n) errors.push_back("correlation.matrix: " + std::to_string(n) + " rows expected");
      for (size_t i = 0; i < rows->size(); ++i) {
        const std::string rp = "correlation.matrix[" + std::to_string(i) + "]";
        std::vector<double> row;
        if (const toml::array* r = read_array(rows->get(i), rp, errors)) {
          if (r->size() != n) errors.push_back(rp + ": " + std::to_string(n) + " entries expected");
          for (size_t j = 0; j < r->size(); ++j)
            row.push_back(read_number(r->get(j), rp + "[" + std::to_string(j) + "]", -1, 1, errors).value_or(0));
        }
        f.correlation.push_back(std::move(row));
      }
    }
  }
  if (const toml::table* s = read_table(root.get("stress"), "stress", errors)) {
    check_keys(*s, "stress",
               {"steps", "duration", "collateral_unit", "reduce_loss_usd", "halt_loss_usd", "kill_switch_scenario"}, errors);
    if (s->get("steps"))
      if (auto v = read_int(s->get("steps"), "stress.steps", 1, 1'000'000, errors)) f.steps = static_cast<uint32_t>(*v);
    if (s->get("duration"))
      if (auto v = read_int(s->get("duration"), "stress.duration", 0, 10LL * 365 * 86400, errors))
        f.duration = static_cast<uint64_t>(*v);
    if (s->get("collateral_unit")) {
      if (auto v = read_wad(s->get("collateral_unit"), "stress.collateral_unit", errors)) {
        if (v->is_zero()) errors.push_back("stress.collateral_unit: must be positive");
        f.options.collateral_unit = *v;
      }
    }
    if (s->get("reduce_loss_usd") || s->get("halt_loss_usd")) {
      auto r = read_wad(s->get("reduce_loss_usd"), "stress.reduce_loss_usd", errors);
      auto h = read_wad(s->get("halt_loss_usd"), "stress.halt_loss_usd", errors);
      if (r && h && *h < *r) errors.push_back("stress.halt_loss_usd: must not be below reduce_loss_usd");
      if (r && h) f.limits = StressLimits{*r, *h};
    }
    if (s->get("kill_switch_scenario"))
      f.kill_switch_scenario = read_string(s->get("kill_switch_scenario"), "stress.kill_switch_scenario", errors).value_or("");
  }
  if (const toml::array* sc = read_array(root.get("scenarios"), "scenarios", errors)) parse_scenarios(*sc, f, errors);
  if (f.scenarios.empty()) errors.push_back("scenarios: at least one [[scenarios]]");
  if (!f.kill_switch_scenario.empty()) {
    bool found = false;
    for (const auto& s : f.scenarios) found |= s.name == f.kill_switch_scenario;
    if (!found) errors.push_back("stress.kill_switch_scenario: no scenario named \"" + f.kill_switch_scenario + "\"");
  }
  // The liquidator: an address no portfolio account can be (the model needs someone to pay).
  f.options.liquidator.bytes.fill(0xee);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return f;
}

std::expected<ScenarioFile, FileErrors> load_scenario_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(FileErrors{file.string() + ": cannot read"});
  std::ostringstream o;
  o << in.rdbuf();
  return parse_scenario_file(o.str());
}

std::expected<std::vector<Scenario>, FileErrors> resolve_scenarios(const ScenarioFile& f,
                                                                   std::span<const std::string> markets) {
  FileErrors errors;
  auto id = [&](std::string_view name, const std::string& where) -> size_t {
    for (size_t i = 0; i < markets.size(); ++i)
      if (markets[i] == name) return i;
    errors.push_back(where + ": no market \"" + std::string(name) + "\" on the venue");
    return kNone;
  };
  Correlation corr;
  corr.vols.assign(markets.size(), 0.0);
  corr.matrix.assign(markets.size(), std::vector<double>(markets.size(), 0.0));
  for (size_t i = 0; i < markets.size(); ++i) corr.matrix[i][i] = 1.0;
  for (const auto& [name, v] : f.vols)
    if (const size_t m = id(name, "vols." + name); m != kNone) corr.vols[m] = v;
  for (size_t i = 0; i < f.correlation_markets.size(); ++i) {
    const size_t mi = id(f.correlation_markets[i], "correlation.markets[" + std::to_string(i) + "]");
    for (size_t j = 0; j < f.correlation_markets.size() && mi != kNone; ++j) {
      const size_t mj = std::find(markets.begin(), markets.end(), f.correlation_markets[j]) - markets.begin();
      if (mj < markets.size() && i < f.correlation.size() && j < f.correlation[i].size())
        corr.matrix[mi][mj] = f.correlation[i][j];
    }
  }
  std::vector<Scenario> out;
  for (size_t i = 0; i < f.scenarios.size(); ++i) {
    const ScenarioSpec& sp = f.scenarios[i];
    const std::string p = "scenarios[" + std::to_string(i) + "]";
    Scenario s;
    s.name = sp.name;
    s.steps = sp.steps.value_or(f.steps);
    s.duration = sp.duration.value_or(f.duration);
    s.oracle_delay_steps = sp.oracle_delay_steps;
    s.depth_divisor = sp.depth_divisor;
    s.moves.assign(markets.size(), 0.0);
    s.funding.assign(markets.size(), 0);
    if (sp.sigma) {
      if (const size_t d = id(sp.driver, p + ".driver"); d != kNone) {
        if (corr.vols[d] <= 0) errors.push_back(p + ".sigma: no [vols] entry for the driver \"" + sp.driver + "\"");
        s.moves = correlated_move(corr, d, *sp.sigma, sp.correlation_one);
      }
    }
    for (const auto& [name, mv] : sp.gap)
      if (const size_t m = id(name, p + ".gap." + name); m != kNone) s.moves[m] = (1 + s.moves[m]) * (1 + mv) - 1;
    for (const auto& [name, side] : sp.funding)
      if (const size_t m = id(name, p + ".funding." + name); m != kNone) s.funding[m] = side;
    for (size_t m = 0; m < s.moves.size(); ++m)
      if (s.moves[m] <= -1.0) errors.push_back(p + ": market \"" + markets[m] + "\" would move by -100% or more");
    out.push_back(std::move(s));
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return out;
}

}  // namespace perpx::strategies
