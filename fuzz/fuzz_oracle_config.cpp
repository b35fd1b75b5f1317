// The oracle's TOML configuration (oracle/config.hpp, read through toml++).
// Start-up configuration, but from a file a user edits or copies: a bad one
// must be an error naming the key, never a crash or a silent default.
//
// Invariants: parsing is a function of the text (twice gives the same
// result); a declared source's thresholds are what thresholds_for gives;
// a market named on the command line overrides the file's; a ratio's text
// form parses within 0..100%.
#include "fuzz_check.hpp"
#include "perpx/oracle/config.hpp"

namespace oracle = perpx::oracle;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = perpx::fuzz::text_of(data, size);
  auto c = oracle::parse_config(text);
  auto c2 = oracle::parse_config(text);
  FUZZ_CHECK(c.has_value() == c2.has_value());
  if (!c) {
    FUZZ_CHECK(c.error() == c2.error());
  } else {
    FUZZ_CHECK(c->market == c2->market);
    FUZZ_CHECK(c->defaults == c2->defaults);
    FUZZ_CHECK(c->market_params == c2->market_params);
    FUZZ_CHECK(c->sources.size() == c2->sources.size());
    for (const auto& s : c->sources) {
      const auto* found = c->find(s.name);
      FUZZ_CHECK(found != nullptr);
      FUZZ_CHECK(c->thresholds_for(s.name) == s.thresholds);
      (void)oracle::kind_name(s.kind);
    }
    FUZZ_CHECK(c->strict() == !c->sources.empty());
    auto m = oracle::parse_config(text, "BTC/USD");
    if (m) FUZZ_CHECK(m->market == "BTC/USD");
  }
  if (size <= 32) {
    if (auto r = oracle::parse_ratio_text(text)) FUZZ_CHECK(oracle::to_u32(*r) <= 1'000'000);
  }
  return 0;
}
