#pragma once
// The demo's HTML report (demo-report.html): one page, no external assets,
// charts as inline SVG polylines over the run's blocks: price and index, net
// delta and its band, margin ratio, gas paid; then the summary as tables.
// Pure formatting plus one file write; the error names the file. Allocates.
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "perpx/core/json.hpp"

namespace perpx::app {

// One point per block of the run (doubles: display only, converted once from
// the fixed-point chain values).
struct DemoSeries {
  std::vector<double> block;         // block number
  std::vector<double> price;         // the oracle pipeline's reference, USD
  std::vector<double> index;         // the venue's index, USD
  std::vector<double> delta;         // the hedger's net delta, ETH
  std::vector<double> band;          // its band, ETH (drawn as +band and -band)
  std::vector<double> margin_ratio;  // the account's equity / maintenance margin (venue)
  std::vector<double> gas_gwei;      // gas paid by our transactions in the block, gwei
  // Phase boundaries (first block, name), drawn on every chart.
  std::vector<std::pair<double, std::string>> phases;
};

// A chart of one or more series against `x` ("name" -> values, same length as x).
std::string svg_chart(const std::string& title, const std::vector<double>& x,
                      const std::vector<std::pair<std::string, std::vector<double>>>& series,
                      const std::vector<std::pair<double, std::string>>& marks);

std::expected<void, std::string> write_demo_report(const std::filesystem::path& file, const DemoSeries& s,
                                                   const core::Json& summary);

}  // namespace perpx::app
