// Hyperliquid nonces journalled in SQLite: strictly increasing per signer,
// max(now, last + 1), and never repeated or lowered across a reopen of the
// file, even when the clock is set back.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <unistd.h>

#include "perpx/venues/hyperliquid_nonce.hpp"

using namespace perpx;
namespace hl = perpx::venues::hl;
namespace fs = std::filesystem;

namespace {

struct TempFile {
  fs::path path = fs::temp_directory_path() / ("perpx-hl-nonce-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(reinterpret_cast<uintptr_t>(this)) + ".db");
  TempFile() { clean(); }
  ~TempFile() { clean(); }
  void clean() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
  }
};

core::Address addr(uint8_t b) {
  core::Address a;
  a.bytes.fill(b);
  return a;
}

template <class T>
T ok(std::expected<T, hl::NonceError> r) {
  if (!r) FAIL(hl::to_string(r.error()));
  return std::move(*r);
}

}  // namespace

TEST_CASE("hl nonce: max(now, last + 1), per signer", "[venues][hl][nonce]") {
  TempFile f;
  auto src = ok(hl::HlNonceSource::open(f.path));
  const auto a = addr(0xaa), b = addr(0xbb);
  CHECK_FALSE(ok(src.last(a)).has_value());
  CHECK(ok(src.next(a, 1'700'000'000'000)) == 1'700'000'000'000);  // the clock
  CHECK(ok(src.next(a, 1'700'000'000'000)) == 1'700'000'000'001);  // same millisecond: last + 1
  CHECK(ok(src.next(a, 1'700'000'000'000)) == 1'700'000'000'002);
  CHECK(ok(src.next(a, 1'700'000'000'500)) == 1'700'000'000'500);  // the clock moved on
  CHECK(ok(src.next(a, 1'699'999'999'000)) == 1'700'000'000'501);  // the clock went back
  // Another signer has its own sequence.
  CHECK(ok(src.next(b, 1'600'000'000'000)) == 1'600'000'000'000);
  CHECK(ok(src.last(a)) == std::optional<uint64_t>{1'700'000'000'501});
  CHECK(ok(src.last(b)) == std::optional<uint64_t>{1'600'000'000'000});
}

TEST_CASE("hl nonce: a restart never repeats or goes back, even with the clock set back", "[venues][hl][nonce]") {
  TempFile f;
  const auto signer = addr(0x11);
  std::set<uint64_t> seen;
  uint64_t last = 0;
  uint64_t clock = 1'700'000'000'000;
  // Five "processes", each opening the file afresh; the clock of each run
  // starts behind where the previous run ended.
  for (int run = 0; run < 5; ++run) {
    auto src = ok(hl::HlNonceSource::open(f.path));
    if (run > 0) CHECK(ok(src.last(signer)) == std::optional<uint64_t>{last});
    clock -= 1000;  // set back a second
    for (int i = 0; i < 50; ++i) {
      const uint64_t n = ok(src.next(signer, clock + static_cast<uint64_t>(i % 3)));
      CHECK(n > last);
      CHECK(seen.insert(n).second);
      last = n;
    }
  }
  CHECK(seen.size() == 250);
  // The real clock is far ahead of the simulated one: the next nonce is now.
  auto src = ok(hl::HlNonceSource::open(f.path));
  const uint64_t before = hl::unix_now_ms();
  const uint64_t n = ok(src.next(signer));
  CHECK(n >= before);
  CHECK(n > last);
}

TEST_CASE("hl nonce: a clock far behind the journal is refused, nothing written", "[venues][hl][nonce]") {
  TempFile f;
  const auto signer = addr(0x22);
  auto src = ok(hl::HlNonceSource::open(f.path, std::chrono::hours(24)));
  const uint64_t t = 1'700'000'000'000;
  CHECK(ok(src.next(signer, t)) == t);
  const uint64_t day = 24ull * 3600 * 1000;
  // last + 1 is exactly a day ahead: still inside the window.
  CHECK(ok(src.next(signer, t + 1 - day)) == t + 1);
  auto r = src.next(signer, t - day - 5);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == hl::NonceErrc::kAheadOfClock);
  CHECK(ok(src.last(signer)) == std::optional<uint64_t>{t + 1});  // unchanged
  CHECK(ok(src.next(signer, t)) == t + 2);
}

TEST_CASE("hl nonce: an unusable file is kStore", "[venues][hl][nonce]") {
  auto r = hl::HlNonceSource::open("/nonexistent-dir-perpx/nonces.db");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == hl::NonceErrc::kStore);
  CHECK(hl::to_string(r.error()).find("nonce journal") != std::string::npos);
}
