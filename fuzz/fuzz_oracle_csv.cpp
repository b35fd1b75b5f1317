// The oracle's samples CSV (oracle/check.hpp, `perpx oracle check`), a file a
// user or an export from another system gives us. Parsed with no config
// (sources taken as met) and with a strict one; an accepted input runs
// through the pipeline and its rows print as JSON (what the command does).
//
// Invariants: the summary counts every row once (accepted + rejected ==
// rows), every row's source is one of the input's sources, an accepted
// sample has no reasons, and every printed price parses back to itself.
#include "fuzz_check.hpp"
#include "perpx/oracle/check.hpp"
#include "perpx/oracle/config.hpp"
#include "perpx/oracle/price.hpp"

namespace oracle = perpx::oracle;

namespace {

void check_one(std::string_view text, const oracle::OracleConfig& config) {
  auto in = oracle::parse_samples_csv(text, config);
  if (!in) {
    (void)oracle::describe(in.error());
    return;
  }
  FUZZ_CHECK(in->is_sequencer.size() == in->sources.size());
  uint64_t seen = 0;
  auto summary = oracle::run_check(*in, config, [&](const oracle::RowResult& r) {
    FUZZ_CHECK(r.row == seen);
    ++seen;
    FUZZ_CHECK(r.input != nullptr);
    FUZZ_CHECK(r.input->sample.source < in->sources.size());
    if (r.decision.accepted) FUZZ_CHECK(r.decision.reasons == oracle::ReasonSet{});
    (void)oracle::row_json(r, *in).dump();
  });
  FUZZ_CHECK(seen == in->rows.size());
  FUZZ_CHECK(summary.rows == in->rows.size());
  FUZZ_CHECK(summary.accepted + summary.rejected == summary.rows);
  (void)oracle::summary_json(summary, *in).dump();
  for (const auto& row : in->rows) {
    auto back = oracle::parse_price(oracle::to_string(row.sample.price));
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(*back == row.sample.price);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = perpx::fuzz::text_of(data, size);
  static const oracle::OracleConfig open_config{};
  static const oracle::OracleConfig strict_config = [] {
    auto c = oracle::parse_config(
        "[sources.a]\nkind = \"chainlink\"\n[sources.b]\nkind = \"pyth\"\n[sources.sequencer]\nkind = \"sequencer\"\n");
    FUZZ_CHECK(c.has_value());
    return *c;
  }();
  check_one(text, open_config);
  check_one(text, strict_config);
  // A price field alone: parse, print, parse again.
  if (size <= 64) {
    if (auto p = oracle::parse_price(text)) {
      auto back = oracle::parse_price(oracle::to_string(*p));
      FUZZ_CHECK(back.has_value());
      FUZZ_CHECK(*back == *p);
    }
  }
  return 0;
}
