// bench sign: signed EIP-1559 transactions per second beside the bare
// libsecp256k1 signature rate, measured in the same run.
//
// The two loops alternate in short slices (kSlice each) for the whole run, so
// that noise from other processes on a shared machine falls on both alike
// and their ratio stays meaningful even when the absolute rates do not.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/txn.hpp"

namespace perpx::app {

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kMaxSeconds = 600;
constexpr auto kSlice = std::chrono::milliseconds(10);

// The benchmark transaction, the same as bench/signer_bench.cpp and
// bench/compare use: an EIP-1559 call on Arbitrum One with 132 bytes of
// calldata (a selector and four words, the shape of a perp order call).
signer::Txn sample_txn() {
  signer::Txn t;
  t.type = signer::TxnType::kDynamicFee;
  t.chain_id = 42161;
  t.nonce = 42;
  t.max_priority_fee_per_gas = 1'000'000;
  t.max_fee_per_gas = 120'000'000;
  t.gas_limit = 350'000;
  t.to = take(core::parse_address("0x5fbdb2315678afecb367f032d93f642f64180aa3"), "bench: to");
  t.value = 0;
  t.data = take(core::parse_hex("0x3d7403a3"
                                "0000000000000000000000000000000000000000000000000000000000000001"
                                "0000000000000000000000000000000000000000000000000de0b6b3a7640000"
                                "00000000000000000000000000000000000000000000006c6b935b8bbd400000"
                                "000000000000000000000000000000000000000000000000000000006553f100"),
                "bench: data");
  return t;
}

// A well-known test key (never holds funds): the benchmark signs nothing real.
constexpr std::string_view kSampleKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

double parse_seconds(const std::string& text) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(v) || v <= 0 || v > kMaxSeconds)
    fail("bench sign: --seconds must be a number of seconds above 0 and at most 600, got '" + text + "'");
  return v;
}

// The raw floor: one context, randomised once and reused, as libsecp256k1
// recommends and as perpx's signer does.
class RawSigner {
 public:
  RawSigner() : ctx_(secp256k1_context_create(SECP256K1_CONTEXT_SIGN)) {
    unsigned char seed[32];
    std::random_device rd;
    for (auto& b : seed) b = static_cast<unsigned char>(rd());
    if (ctx_ == nullptr || secp256k1_context_randomize(ctx_, seed) != 1) fail("bench sign: cannot create a secp256k1 context");
  }
  ~RawSigner() { secp256k1_context_destroy(ctx_); }
  RawSigner(const RawSigner&) = delete;
  RawSigner& operator=(const RawSigner&) = delete;

  void sign(const core::Hash32& digest, const signer::SecretKey& key) {
    if (secp256k1_ecdsa_sign_recoverable(ctx_, &sig_, digest.bytes.data(), key.expose_secret().data(), nullptr, nullptr) != 1)
      fail("bench sign: secp256k1_ecdsa_sign_recoverable failed");
  }
  [[nodiscard]] unsigned char first_byte() const noexcept { return sig_.data[0]; }

 private:
  secp256k1_context* ctx_;
  secp256k1_ecdsa_recoverable_signature sig_{};
};

struct Tally {
  uint64_t ops = 0;
  Clock::duration time{};
  [[nodiscard]] double per_second() const {
    return static_cast<double>(ops) / std::chrono::duration<double>(time).count();
  }
};

// Runs `op` until `slice` has passed (at least once) and adds to `t`.
template <class Op>
void run_slice(Tally& t, Clock::duration slice, Op&& op) {
  const auto start = Clock::now();
  auto now = start;
  do {
    op();
    ++t.ops;
    now = Clock::now();
  } while (now - start < slice);
  t.time += now - start;
}

struct SignRates {
  double eip1559_per_s;
  double raw_per_s;
};

SignRates measure(double seconds) {
  const signer::Txn txn = sample_txn();
  const auto key = take(signer::SecretKey::from_hex(kSampleKey), "bench: key");
  core::Bytes out, scratch;
  out.reserve(512);
  scratch.reserve(512);
  const core::Hash32 digest = signer::signing_hash(txn, scratch);
  RawSigner raw;

  // Warm-up: buffers get their capacity, contexts and caches are touched.
  signer::sign_and_encode(out, scratch, txn, key);
  raw.sign(digest, key);

  const auto total = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // Slices of kSlice per side, shorter when the whole run is shorter.
  const auto slice = std::min<Clock::duration>(kSlice, total / 2);
  Tally perpx_tally, raw_tally;
  unsigned sink = 0;
  while (perpx_tally.time + raw_tally.time < total) {
    run_slice(perpx_tally, slice, [&] { signer::sign_and_encode(out, scratch, txn, key); });
    run_slice(raw_tally, slice, [&] { raw.sign(digest, key); });
    sink += out.back() + raw.first_byte();
  }
  // Keeps the results observable so neither loop can be optimised away.
  if (sink == 0xdeadbeef) std::fputc(' ', stderr);
  return {perpx_tally.per_second(), raw_tally.per_second()};
}

}  // namespace

void add_bench_commands(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Built-in benchmarks");
  bench->require_subcommand(1);

  struct SignOpts {
    std::string seconds = "2";
    bool as_json = false;
  };
  auto o = std::make_shared<SignOpts>();
  auto* sign = bench->add_subcommand(
      "sign", "Signed EIP-1559 txs per second (build, RLP, keccak, sign) beside the raw libsecp256k1 sign rate");
  sign->add_option("--seconds", o->seconds, "total measuring time, shared by the two loops (default 2, at most 600)");
  sign->add_flag("--json", o->as_json,
                 "print {\"eip1559_sign_per_s\", \"raw_secp256k1_sign_per_s\", \"ratio\", \"seconds\"}");
  sign->callback([o] {
    const double seconds = parse_seconds(o->seconds);
    const SignRates r = measure(seconds);
    const double ratio = r.eip1559_per_s / r.raw_per_s;
    if (o->as_json) {
      core::Json j;
      j["eip1559_sign_per_s"] = r.eip1559_per_s;
      j["raw_secp256k1_sign_per_s"] = r.raw_per_s;
      j["ratio"] = ratio;
      j["seconds"] = seconds;
      return print_json(j);
    }
    char line[200];
    std::snprintf(line, sizeof line,
                  "eip1559 build+sign: %.0f tx/s, raw libsecp256k1 sign: %.0f sig/s, ratio %.3f (%g s, interleaved)",
                  r.eip1559_per_s, r.raw_per_s, ratio, seconds);
    print_line(line);
  });
}

}  // namespace perpx::app
