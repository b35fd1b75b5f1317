#pragma once
// Oracle thresholds from a TOML file: defaults, then per market, then per
// source, then per source within a market (later wins). Start-up
// configuration: parsing allocates and returns an error naming the key.
//
//   market = "ETH/USD"            # which [markets.X] applies (default: none)
//   [defaults]                    # any threshold key below
//   heartbeat = 3600              # seconds
//   [markets."ETH/USD"]
//   quorum = 3                    # market keys: quorum, sequencer_grace, mark_window, mark_clamp
//   [sources.chainlink]
//   kind = "chainlink"            # chainlink | pyth | univ3 | other | sequencer
//   min = "0.10"                  # prices: decimal strings or numbers
//   [markets."ETH/USD".sources.chainlink]
//   deviation = 0.03              # ratios: fractions (0.03) or "3%"
//
// Threshold keys: heartbeat, future_tolerance (seconds); min, max (prices);
// max_conf, deviation, outlier_min_move, jump, frozen_move (ratios);
// outlier_z (number); frozen_updates (integer). Unknown keys are errors.
// When any source is declared, a sample from an undeclared source is bad
// input (unknown source); without declarations, sources are taken as met.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/oracle/pipeline.hpp"

namespace perpx::oracle {

enum class SourceKind : uint8_t { kOther, kChainlink, kPyth, kUniV3, kSequencer };
std::string_view kind_name(SourceKind k) noexcept;

struct SourceConfig {
  std::string name;
  SourceKind kind = SourceKind::kOther;
  Thresholds thresholds;  // resolved
};

struct OracleConfig {
  std::string market;
  MarketParams market_params;
  Thresholds defaults;               // resolved for `market`
  std::vector<SourceConfig> sources; // declared, resolved
  // The thresholds of a source (declared or not).
  [[nodiscard]] Thresholds thresholds_for(std::string_view name) const;
  [[nodiscard]] const SourceConfig* find(std::string_view name) const noexcept;
  [[nodiscard]] bool strict() const noexcept { return !sources.empty(); }
};

// `market` non-empty overrides the file's `market` key.
std::expected<OracleConfig, std::string> parse_config(std::string_view toml_text, std::string_view market = {});
std::expected<OracleConfig, std::string> load_config(const std::filesystem::path& file, std::string_view market = {});

// A ratio "0.02", 0.02 or "2%" as Ppm (0 ..= 100%).
std::expected<Ppm, std::string> parse_ratio_text(std::string_view text);

}  // namespace perpx::oracle
