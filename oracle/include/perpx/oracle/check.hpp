#pragma once
// The offline check (`perpx oracle check`): a samples CSV through the
// pipeline, one result per row and a summary.
//
// CSV: a header naming the columns, then one sample per row in arrival
// order. Required: time (unix seconds, may be fractional), source, price
// (decimal). Optional: conf (decimal), round, answered_in_round (Chainlink,
// unsigned integers), block. Other columns are ignored. A source whose kind
// is "sequencer" (config), or named "sequencer" when the config declares
// none, carries the L2 sequencer uptime feed: price 0 = up, 1 = down since
// that row's time. Blank lines are skipped; CRLF is accepted.
//
// Bad input (a malformed row, an unknown source when the config declares
// sources, a non-numeric price, NaN, a huge exponent) is a CsvError naming
// the data row (0-based, as in the output) and the line; nothing is
// processed. Parsing allocates (it keeps every row); the pipeline does not.
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/core/json.hpp"
#include "perpx/oracle/config.hpp"
#include "perpx/oracle/pipeline.hpp"

namespace perpx::oracle {

struct CsvRow {
  size_t line = 0;           // 1-based line in the file
  bool sequencer = false;    // a sequencer status row (sample.price 0 up, 1 down)
  Sample sample;
};

struct CsvInput {
  std::vector<std::string> sources;  // SourceId -> name (first appearance order, declared ones first)
  std::vector<bool> is_sequencer;    // per source
  std::vector<CsvRow> rows;
};

struct CsvError {
  size_t row = 0;   // 0-based data row
  size_t line = 0;  // 1-based line
  std::string message;
};
std::string describe(const CsvError& e);  // "row 3 (line 5): price: not a decimal number"

std::expected<CsvInput, CsvError> parse_samples_csv(std::string_view text, const OracleConfig& config);

// A pipeline with the input's sources registered at the config's thresholds.
Pipeline make_pipeline(const CsvInput& input, const OracleConfig& config);

// Counts for the summary.
struct CheckSummary {
  struct PerSource {
    uint64_t rows = 0, accepted = 0, rejected = 0;
    std::array<uint64_t, kReasonCount> reasons{};
  };
  uint64_t rows = 0, accepted = 0, rejected = 0, no_quorum_rows = 0, sequencer_rows = 0;
  std::array<uint64_t, kReasonCount> reasons{};
  std::vector<PerSource> sources;
  std::optional<Price> reference, mark;
};

struct RowResult {
  size_t row = 0;
  const CsvRow* input = nullptr;
  Decision decision;
};

// Runs every row; `on_row` sees each result in input order.
CheckSummary run_check(const CsvInput& input, const OracleConfig& config,
                       const std::function<void(const RowResult&)>& on_row);

// {"row":i,"time":t,"source":"s","price":"p","decision":"accept"|"reject","reasons":[...],"reference":"..."|null}
core::Json row_json(const RowResult& r, const CsvInput& input);
// {"summary":{"rows","accepted","rejected","no_quorum_rows","reasons":{...},"sources":{...},"reference","mark"}}
core::Json summary_json(const CheckSummary& s, const CsvInput& input);
// Unix seconds from microseconds as a JSON number (an integer when whole).
core::Json time_json(int64_t time_us);

}  // namespace perpx::oracle
