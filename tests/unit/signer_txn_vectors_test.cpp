// ethereum/tests TransactionTests (tests/vectors/ethereum-tests/TransactionTests,
// see README) and the EIP-155 worked example (tests/vectors/eip155).
//
// For each case the expectation is the result for the newest fork key in the
// file (Cancun > Shanghai > Paris/Merge > London > Berlin > ...): valid when that
// entry has no "exception". The harness's verdict is: decode_raw succeeds, and
// the chain id is the suite's (1; or 0 for a pre-EIP-155 legacy transaction),
// since the chain id check belongs to the caller that knows its chain. Cases a
// decoder cannot judge (intrinsic gas, fee/balance rules, EIP-2681's nonce
// ceiling) are listed in KNOWN_FAILING.md with a reason each and asserted below
// to still disagree, so the list cannot silently rot.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "vector_files.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/core/u256.hpp"
#include "perpx/signer/secp256k1.hpp"
#include "perpx/signer/txn.hpp"

using perpx::test::known_failing;
using perpx::test::slurp;

namespace {

namespace fs = std::filesystem;
namespace signer = perpx::signer;
using perpx::core::Bytes;
using perpx::core::ByteView;
using Json = nlohmann::ordered_json;

const std::string kVectors = PERPX_VECTORS_DIR;
const std::string kSuite = kVectors + "/ethereum-tests";

Bytes hex_bytes(const std::string& s) {
  auto b = perpx::core::parse_hex(s);
  REQUIRE(b.has_value());
  return *b;
}

const std::vector<std::string> kForkOrder = {"Frontier", "Homestead", "EIP150", "EIP158", "Byzantium",
                                             "Constantinople", "ConstantinopleFix", "Istanbul", "Berlin",
                                             "London", "Merge", "Paris", "Shanghai", "Cancun", "Prague", "Osaka"};

std::string newest_fork(const Json& result) {
  std::string best;
  long best_rank = -1;
  for (const auto& [fork, _] : result.items()) {
    const auto it = std::find(kForkOrder.begin(), kForkOrder.end(), fork);
    INFO("fork key " << fork);
    REQUIRE(it != kForkOrder.end());  // a new fork name: add it to kForkOrder
    const long rank = it - kForkOrder.begin();
    if (rank > best_rank) { best_rank = rank; best = fork; }
  }
  return best;
}

struct Case {
  std::string id;  // TransactionTests/<dir>/<file>:<name>
  std::string fork;
  Json expect;     // the newest fork's result entry
  std::string txbytes;
};

std::vector<Case> all_cases() {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(kSuite + "/TransactionTests"))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<Case> cases;
  for (const auto& f : files) {
    const Json j = Json::parse(slurp(f));
    const std::string rel = fs::relative(f, kSuite).generic_string();
    for (const auto& [name, t] : j.items()) {
      const std::string fork = newest_fork(t["result"]);
      cases.push_back({rel + ":" + name, fork, t["result"][fork], t["txbytes"].get<std::string>()});
    }
  }
  return cases;
}

struct Verdict {
  bool valid = false;
  std::string why;  // for failures: decode error or chain id
  std::optional<signer::SignedTxn> st;
};

Verdict judge(const std::string& txbytes) {
  Verdict v;
  auto raw = perpx::core::parse_hex(txbytes);
  if (!raw) { v.why = "txbytes not hex"; return v; }
  auto st = signer::decode_raw(*raw);
  if (!st) {
    v.why = "decode_raw: " + std::string(signer::describe(st.error().error));
    if (st.error().error == signer::TxnError::kRlp) v.why += " (" + std::string(signer::rlp::describe(st.error().rlp_error)) + ")";
    if (!st.error().field.empty()) v.why += " field " + std::string(st.error().field);
    return v;
  }
  const auto& t = st->txn;
  const bool chain_ok = t.chain_id == perpx::core::U256{1} ||
                        (t.type == signer::TxnType::kLegacy && t.chain_id.is_zero());
  if (!chain_ok) {
    v.why = "decoded, but chain id " + perpx::core::to_decimal(t.chain_id) + " is not the suite's (1)";
    v.st = std::move(*st);
    return v;
  }
  v.valid = true;
  v.st = std::move(*st);
  return v;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

TEST_CASE("TransactionTests: decode_raw verdict matches the newest fork", "[signer][txn][vectors]") {
  const auto cases = all_cases();
  const auto known = known_failing(kSuite + "/KNOWN_FAILING.md");
  REQUIRE(cases.size() >= 30);
  int valid_cases = 0, invalid_cases = 0;
  for (const auto& c : cases) {
    if (known.count(c.id)) continue;
    const bool want_valid = !c.expect.contains("exception");
    const Verdict v = judge(c.txbytes);
    INFO(c.id << " [" << c.fork << "] expected " << (want_valid ? "valid" : "invalid: " + c.expect["exception"].get<std::string>())
              << "; got " << (v.valid ? "valid" : "invalid: " + v.why) << "\n  txbytes " << c.txbytes);
    CHECK(v.valid == want_valid);
    if (want_valid && v.valid) {
      ++valid_cases;
      const Bytes raw = hex_bytes(c.txbytes);
      // keccak(raw) is the transaction hash.
      CHECK(perpx::core::to_hex(perpx::core::keccak256(raw)) == c.expect["hash"].get<std::string>());
      // The sender is recovered from the signature.
      auto from = signer::recover_sender(*v.st);
      REQUIRE(from.has_value());
      CHECK(lower(perpx::core::to_checksum(*from)) == c.expect["sender"].get<std::string>());
      // Strict decoding means re-encoding gives back the same bytes.
      Bytes again;
      signer::encode_signed(again, v.st->txn, v.st->sig);
      CHECK(perpx::core::to_hex(again) == perpx::core::to_hex(raw));
    } else if (!want_valid) {
      ++invalid_cases;
    }
  }
  CHECK(valid_cases >= 10);
  CHECK(invalid_cases >= 15);
}

TEST_CASE("TransactionTests: known-failing entries still disagree", "[signer][txn][vectors][known-failing]") {
  const auto cases = all_cases();
  const auto known = known_failing(kSuite + "/KNOWN_FAILING.md");
  std::set<std::string> seen;
  for (const auto& c : cases) {
    if (!known.count(c.id)) continue;
    seen.insert(c.id);
    const bool want_valid = !c.expect.contains("exception");
    const Verdict v = judge(c.txbytes);
    INFO(c.id << " is listed in KNOWN_FAILING.md but now agrees with the suite: remove it from the list");
    CHECK(v.valid != want_valid);
  }
  // Every TransactionTests entry of the list names a case that exists.
  for (const auto& id : known) {
    if (id.rfind("TransactionTests/", 0) != 0) continue;
    INFO("KNOWN_FAILING.md names " << id << ", which is not among the stored vectors");
    CHECK(seen.count(id) == 1);
  }
}

TEST_CASE("EIP-155 worked example", "[signer][txn][eip155][vectors]") {
  const Json ex = Json::parse(slurp(kVectors + "/eip155/example.json"));
  signer::Txn t;
  t.type = signer::TxnType::kLegacy;
  t.chain_id = *perpx::core::parse_decimal(ex["tx"]["chainId"].get<std::string>());
  t.nonce = perpx::core::parse_decimal(ex["tx"]["nonce"].get<std::string>())->w[0];
  t.gas_price = *perpx::core::parse_decimal(ex["tx"]["gasPrice"].get<std::string>());
  t.gas_limit = perpx::core::parse_decimal(ex["tx"]["gasLimit"].get<std::string>())->w[0];
  t.to = *perpx::core::parse_address(ex["tx"]["to"].get<std::string>());
  t.value = *perpx::core::parse_decimal(ex["tx"]["value"].get<std::string>());
  REQUIRE(ex["tx"]["data"] == "0x");

  Bytes payload;
  signer::encode_for_signing(payload, t);
  CHECK(perpx::core::to_hex(payload) == ex["signingData"].get<std::string>());

  Bytes scratch;
  const auto hash = signer::signing_hash(t, scratch);
  CHECK(perpx::core::to_hex(hash) == ex["signingHash"].get<std::string>());

  auto key = signer::SecretKey::from_hex(ex["privateKey"].get<std::string>());
  REQUIRE(key.has_value());
  const auto sig = signer::sign_txn(t, *key, scratch);
  CHECK(perpx::core::to_decimal(sig.r) == ex["r"].get<std::string>());
  CHECK(perpx::core::to_decimal(sig.s) == ex["s"].get<std::string>());
  CHECK(perpx::core::to_decimal(signer::legacy_v(t, sig)) == ex["v"].get<std::string>());
  CHECK(sig == signer::sign_digest(*key, hash));

  Bytes raw;
  signer::encode_signed(raw, t, sig);
  CHECK(perpx::core::to_hex(raw) == ex["raw"].get<std::string>());

  Bytes out, scratch2;
  signer::sign_and_encode(out, scratch2, t, *key);
  CHECK(perpx::core::to_hex(out) == ex["raw"].get<std::string>());

  auto st = signer::decode_raw(hex_bytes(ex["raw"].get<std::string>()));
  REQUIRE(st.has_value());
  CHECK(st->txn == t);
  CHECK(st->sig == sig);
  auto from = signer::recover_sender(*st);
  REQUIRE(from.has_value());
  CHECK(*from == signer::address_of(*key));
}
