// Inputs the fuzzers (fuzz/) found, kept as tests so they stay fixed. Each
// names the target that found it and what went wrong before the fix.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "perpx/oracle/check.hpp"
#include "perpx/oracle/pipeline.hpp"

using namespace perpx::oracle;

namespace {
constexpr int64_t kSecond = 1'000'000;
}  // namespace

// fuzz_oracle_csv: samples 875 million seconds apart made MarkPrice's
// interpolation between two checkpoints overflow 128 bits (signed overflow,
// UB; in practice a wrapped, meaningless mark). Fixed in oracle/src/pipeline.cpp.
TEST_CASE("fuzz regression: a mark over checkpoints years apart does not overflow", "[oracle][fuzz]") {
  MarkPrice m(300 * kSecond, Ppm{10'000});
  const Price p{3'000'000'000'000};  // 3000
  m.update(875'000'000 * kSecond, p);
  m.update(1'750'000'000 * kSecond, p);
  // The window starts between the two checkpoints: interpolated, at a constant price.
  CHECK(m.value(1'750'000'100 * kSecond) == p);
  CHECK(m.value(1'750'000'000 * kSecond) == p);
}

TEST_CASE("fuzz regression: the CSV fuzz_oracle_csv found gives a mark among its prices", "[oracle][fuzz]") {
  const std::string csv =
    "time,source,price,\x01\x09n\n"
    "0875000000,b,3001.5,\n"
    "1750000002,c,2999.12,1.5f\n"
    "0875000000,~,3000,\n"
    "1750000001,b,3001.5,\n"
    "1750000002,c,2999.12,1.5\n"
    "1750000003,a,3900,\n"
    "1750000004,c,3000,90\n"
    "0051700005,]a,3001.5,\n";
  auto in = parse_samples_csv(csv, OracleConfig{});
  REQUIRE(in);
  REQUIRE(in->rows.size() >= 2);
  Price lo{INT64_MAX}, hi{INT64_MIN};
  for (const auto& r : in->rows) {
    lo = std::min(lo, r.sample.price);
    hi = std::max(hi, r.sample.price);
  }
  const CheckSummary s = run_check(*in, OracleConfig{}, [](const RowResult&) {});
  CHECK(s.rows == in->rows.size());
  CHECK(s.accepted + s.rejected == s.rows);
  REQUIRE(s.mark);
  CHECK(*s.mark >= lo);
  CHECK(*s.mark <= hi);
}
