// perpx bench tick-to-wire: the report's shape and that every event became
// a real transaction. Latencies are never asserted (STYLE.md rule 12: they
// are measured, not tested); only their ordering is.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/txn.hpp"
#include "perpx/venues/ref_venue.hpp"

using namespace perpx;
using perpx::test::run_perpx;

namespace {

struct TempFile {
  std::string path;
  TempFile() {
    char t[] = "/tmp/perpx-t2w-XXXXXX";
    const int fd = mkstemp(t);
    REQUIRE(fd >= 0);
    close(fd);
    path = t;
  }
  ~TempFile() { unlink(path.c_str()); }
};

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

void check_ordered(const core::Json& j) {
  for (const char* k : {"p50_us", "p99_us", "p999_us", "max_us"}) {
    INFO(k);
    REQUIRE(j.contains(k));
    REQUIRE(j[k].is_number());
    CHECK(j[k].get<double>() > 0);
  }
  CHECK(j["p50_us"].get<double>() <= j["p99_us"].get<double>());
  CHECK(j["p99_us"].get<double>() <= j["p999_us"].get<double>());
  CHECK(j["p999_us"].get<double>() <= j["max_us"].get<double>());
  REQUIRE(j["over_1ms"].is_number_unsigned());
  CHECK(j["over_1ms"].get<uint64_t>() <= j["events"].get<uint64_t>());
  CHECK(j["over_1ms_with_alloc"].get<uint64_t>() <= j["over_1ms"].get<uint64_t>());
  CHECK(j["over_1ms_unexplained"].get<uint64_t>() <= j["over_1ms"].get<uint64_t>());
}

}  // namespace

TEST_CASE("perpx bench tick-to-wire reports percentiles and every event's transaction verifies", "[cli][bench]") {
  TempFile dump;
  constexpr uint64_t kEvents = 300, kWarmup = 40;
  auto r = run_perpx({"bench", "tick-to-wire", "--events", std::to_string(kEvents), "--warmup", std::to_string(kWarmup),
                      "--gap-us", "0", "--json", "--dump-txns", dump.path});
  INFO(r.err);
  REQUIRE(r.status == 0);
  auto parsed = core::parse_json(r.out);
  REQUIRE(parsed);
  const core::Json& j = *parsed;
  REQUIRE(j.is_object());

  // The keys first, in its order.
  const std::vector<std::string> head = {"events", "p50_us", "p99_us", "p999_us", "max_us"};
  auto it = j.begin();
  for (const auto& k : head) {
    REQUIRE(it != j.end());
    CHECK(it.key() == k);
    ++it;
  }
  CHECK(j["events"].get<uint64_t>() == kEvents);
  check_ordered(j);
  REQUIRE(j.contains("with_metrics_logging"));
  CHECK(j["with_metrics_logging"]["events"].get<uint64_t>() == kEvents);
  check_ordered(j["with_metrics_logging"]);
  // Every logged record of the instrumented mode was written (2 per event), none dropped.
  CHECK(j["with_metrics_logging"]["log_records_written"].get<uint64_t>() == 2 * kEvents);

  // Every event (warm-up and both modes) produced one transaction at the node.
  const uint64_t total = kWarmup + 2 * kEvents;
  CHECK(j["txns"].get<uint64_t>() == total);
  CHECK(j["txns_verified"].get<uint64_t>() == total);

  // Independently of the binary: each raw transaction decodes strictly, the
  // signer recovers the reported sender, nonces count up from 0, and it is
  // the venue's placeOrder with the hedge alternating sell / buy as the
  // harness's outside flow alternates.
  const auto sender = core::parse_address(j["sender"].get<std::string>());
  REQUIRE(sender);
  const core::Bytes place = venues::place_order_call(venues::VenueOrder{});
  const auto raws = lines_of(dump.path);
  REQUIRE(raws.size() == total);
  for (size_t i = 0; i < raws.size(); ++i) {
    INFO("txn " << i);
    auto bytes = core::parse_hex(raws[i]);
    REQUIRE(bytes);
    auto st = signer::decode_raw(*bytes);
    REQUIRE(st);
    auto from = signer::recover_sender(*st);
    REQUIRE(from);
    CHECK(*from == *sender);
    CHECK(st->txn.nonce == i);
    CHECK(st->txn.type == signer::TxnType::kDynamicFee);
    CHECK(st->txn.max_fee_per_gas >= st->txn.max_priority_fee_per_gas);
    REQUIRE(st->txn.data.size() == place.size());
    CHECK(std::equal(place.begin(), place.begin() + 4, st->txn.data.begin()));
    // sizeDelta (word 1): negative (top byte 0xff) on even nonces, positive on odd.
    const uint8_t top = st->txn.data[4 + 32];
    if (i % 2 == 0) CHECK(top == 0xff);
    else CHECK(top == 0x00);
  }
}

TEST_CASE("perpx bench tick-to-wire refuses zero events", "[cli][bench]") {
  auto r = run_perpx({"bench", "tick-to-wire", "--events", "0", "--json"});
  CHECK(r.status != 0);
  CHECK(r.out.empty());
  CHECK_FALSE(r.err.empty());
}
