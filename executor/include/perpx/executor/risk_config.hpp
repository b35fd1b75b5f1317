#pragma once
// RiskConfig from its TOML table (the [risk] shape in risk.hpp's header
// comment), and the typed field readers the configuration loaders share
// (this one, the scenario file, `perpx config check`).
//
// Loaders name EVERY bad field, not just the first: each reader appends one
// message per bad field ("risk.defaults.max_leverage: expected a decimal
// string such as \"10\"") to the caller's list and returns nothing for it;
// the loader fails when the list is not empty. Unknown keys are errors (a
// misspelt limit must not silently fall back). A missing RiskConfig key is
// an error too: a zero limit allows nothing, so a forgotten key would deny
// every order without saying why.
//
// Values: amounts (USD, base units, leverage) are decimal strings ("1000.5")
// or TOML integers, exact to 1e-18, never floats (money is not a double);
// bps and counts are integers. Start-up configuration: allocates; not for
// the hot path. Single-threaded.
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "perpx/core/fixed.hpp"
#include "perpx/executor/risk.hpp"

namespace perpx::executor {

using ConfigErrors = std::vector<std::string>;

// Parses RiskConfig from `t` (the [risk] table); `where` prefixes field names ("risk").
std::expected<RiskConfig, ConfigErrors> load_risk_config(const toml::table& t, std::string_view where = "risk");

// ---- field readers: `path` names the field in messages; a null node is "missing" ----
// Decimal string or integer >= 0, as 1e18 fixed point.
std::optional<core::U256> read_wad(const toml::node* n, const std::string& path, ConfigErrors& errors);
// The same with an optional leading '-'.
std::optional<core::I256> read_signed_wad(const toml::node* n, const std::string& path, ConfigErrors& errors);
std::optional<int64_t> read_int(const toml::node* n, const std::string& path, int64_t lo, int64_t hi,
                                ConfigErrors& errors);
// A TOML float or integer within [lo, hi] (statistics, not money).
std::optional<double> read_number(const toml::node* n, const std::string& path, double lo, double hi,
                                  ConfigErrors& errors);
std::optional<std::string> read_string(const toml::node* n, const std::string& path, ConfigErrors& errors);
std::optional<bool> read_bool(const toml::node* n, const std::string& path, ConfigErrors& errors);
// A table (missing: nullptr, no error unless required).
const toml::table* read_table(const toml::node* n, const std::string& path, ConfigErrors& errors,
                              bool required = false);
// One error per key of `t` not in `known`.
void check_keys(const toml::table& t, const std::string& path, std::initializer_list<std::string_view> known,
                ConfigErrors& errors);
// "a.b" (or "b" when a is empty).
std::string field_path(std::string_view parent, std::string_view key);

}  // namespace perpx::executor
