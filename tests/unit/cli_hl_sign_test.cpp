// perpx hl sign|order: every published SDK vector through the binary (the
// printed /exchange body, byte for byte), the key sources, stdin, and the
// error contract of shared/CLI.md ("Hyperliquid `hl sign`").
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_run.hpp"
#include "perpx/core/json.hpp"

using perpx::core::Json;
using perpx::test::line_of;
using perpx::test::run_perpx;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json suite(const std::string& name) {
  return perpx::core::parse_json(slurp(std::string(PERPX_VECTORS_DIR) + "/hyperliquid/" + name)).value();
}

std::vector<std::string> sign_args(const Json& c, const std::string& key) {
  std::vector<std::string> a{"hl", "sign", "--private-key", key};
  const bool user_signed = c["action"].contains("signatureChainId");
  if (!user_signed) a.insert(a.end(), {"--nonce", std::to_string(c["nonce"].get<uint64_t>())});
  if (!c["mainnet"].get<bool>()) a.push_back("--testnet");
  if (!c["vaultAddress"].is_null()) a.insert(a.end(), {"--vault-address", c["vaultAddress"].get<std::string>()});
  a.push_back(c["action"].dump());
  return a;
}

// The body the SDKs would POST: the action as given, then nonce, signature, vaultAddress.
std::string expected_body(const Json& c, const std::string& r, const std::string& s, int v) {
  std::string body = R"({"action":)" + c["action"].dump() + R"(,"nonce":)" + std::to_string(c["nonce"].get<uint64_t>()) +
                     R"(,"signature":{"r":")" + r + R"(","s":")" + s + R"(","v":)" + std::to_string(v) + "}";
  if (!c["vaultAddress"].is_null()) body += R"(,"vaultAddress":")" + c["vaultAddress"].get<std::string>() + "\"";
  return body + "}";
}

// Minimal hex of a 32-byte big-endian hex field, as the SDKs write r and s.
std::string minimal(const std::string& hex64) {
  const auto nz = hex64.find_first_not_of('0');
  return "0x" + (nz == std::string::npos ? std::string("0") : hex64.substr(nz));
}

void check_error(const perpx::test::RunResult& r, const std::string& must_mention) {
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(must_mention) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

const std::string kKey = "0x0123456789012345678901234567890123456789012345678901234567890123";
const std::string kDummy = R"({"type":"dummy","num":100000000000})";
const std::string kUsdSend =
    R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Testnet","destination":"0x5e9ee1089755c3435139848e47e6635505d5a13a","amount":"1","time":1687816341423})";

}  // namespace

TEST_CASE("hl sign: the Python SDK's vectors, byte for byte", "[cli][hl]") {
  const Json s = suite("python_sdk_signing.json");
  for (const auto& c : s["signatures"]) {
    INFO(c["name"].get<std::string>());
    const auto r = run_perpx(sign_args(c, s["privateKey"]));
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(line_of(r) == expected_body(c, c["r"], c["s"], c["v"]));
  }
}

TEST_CASE("hl sign: the Rust SDK's vectors, byte for byte", "[cli][hl]") {
  const Json s = suite("rust_sdk_signing.json");
  for (const auto& c : s["signatures"]) {
    INFO(c["name"].get<std::string>());
    const std::string sig = c["signature"];
    const int v = std::stoi(sig.substr(128, 2), nullptr, 16);
    const auto r = run_perpx(sign_args(c, s["privateKey"]));
    CHECK(r.status == 0);
    CHECK(line_of(r) == expected_body(c, minimal(sig.substr(0, 64)), minimal(sig.substr(64, 64)), v));
  }
}

TEST_CASE("hl sign: action from stdin, key from ETH_PRIVATE_KEY or a keystore, expiry", "[cli][hl]") {
  const auto direct = run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "0", kDummy});
  REQUIRE(direct.status == 0);
  auto r = run_perpx({"hl", "sign", "--nonce", "0", "-"}, "  " + kDummy + "\n", {"ETH_PRIVATE_KEY=" + kKey});
  CHECK(r.status == 0);
  CHECK(r.out == direct.out);
  CHECK(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "0x0", kDummy}).out == direct.out);

  std::string tmpl = (fs::temp_directory_path() / "perpx-hl-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  const fs::path dir = tmpl;
  std::ofstream(dir / "pw") << "pw\n";
  REQUIRE(run_perpx({"wallet", "import", "--keystore", (dir / "keys").string(), "--password-file", (dir / "pw").string(),
                     "--light", "--private-key", kKey})
              .status == 0);
  r = run_perpx({"hl", "sign", "--keystore", (dir / "keys").string(), "--password-file", (dir / "pw").string(), "--nonce", "0", kDummy});
  CHECK(r.out == direct.out);
  std::error_code ec;
  fs::remove_all(dir, ec);

  // --expires-after adds the expiry to the hash and to the body; the signature changes.
  r = run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "0", "--expires-after", "1700000000000", kDummy});
  CHECK(r.status == 0);
  const Json body = perpx::core::parse_json(line_of(r)).value();
  CHECK(body["expiresAfter"] == 1700000000000ull);
  CHECK(body["signature"] != perpx::core::parse_json(line_of(direct)).value()["signature"]);
  CHECK(line_of(r).ends_with(R"(,"expiresAfter":1700000000000})"));
  // Key order and spacing of the action: kept as given (re-serialised compactly).
  r = run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "0", R"({ "num": 100000000000, "type": "dummy" })"});
  CHECK(line_of(r).starts_with(R"({"action":{"num":100000000000,"type":"dummy"},"nonce":0,)"));
  // A user-signed action takes its nonce from the action; --nonce equal to it is fine.
  CHECK(run_perpx({"hl", "sign", "--private-key", kKey, "--testnet", "--nonce", "1687816341423", kUsdSend}).status == 0);
  r = run_perpx({"hl", "sign", "--private-key", kKey, kUsdSend});
  CHECK(line_of(r).find(R"("nonce":1687816341423,)") != std::string::npos);
}

TEST_CASE("hl sign errors: exit 1, one line naming the argument, nothing on stdout", "[cli][hl]") {
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, kDummy}), "--nonce");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "-1", kDummy}), "--nonce");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "18446744073709551616", kDummy}), "--nonce");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "1", "--vault-address", "0x12", kDummy}), "--vault-address");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "1", "--expires-after", "soon", kDummy}), "--expires-after");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "1", "{\"type\":"}), "action: invalid JSON");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "1", R"({"type":"x","n":1e999999})"}), "action");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "1", R"({"type":"x","n":99999999999999999999})"}),
              "integer out of range");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "1", R"({"n":1})"}), "action.type");
  // User-signed actions: their own nonce and chain; no vault, no expiry.
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--nonce", "5", kUsdSend}), "--nonce");
  std::string mainnet = kUsdSend;
  mainnet.replace(mainnet.find("Testnet"), 7, "Mainnet");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--testnet", mainnet}), "--testnet");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--vault-address", "0x1719884eb866cb12b2287399b15f7db5e7d775ea", kUsdSend}),
              "--vault-address");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, "--expires-after", "1", kUsdSend}), "--expires-after");
  std::string extra = kUsdSend;
  extra.insert(extra.size() - 1, R"(,"memo":"x")");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, extra}), "action.memo");
  check_error(run_perpx({"hl", "sign", "--private-key", kKey, R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Testnet"})"}),
              "action.destination");
  // Keys: never echoed; bad input is reported before any key is needed.
  check_error(run_perpx({"hl", "sign", "--nonce", "1", kDummy}), "no key");
  check_error(run_perpx({"hl", "sign", "--nonce", "1", "{"}), "action");
  auto r = run_perpx({"hl", "sign", "--private-key", "0x1234", "--nonce", "1", kDummy});
  check_error(r, "--private-key");
  CHECK(r.err.find("1234") == std::string::npos);
  r = run_perpx({"hl", "sign", "--nonce", "1", kDummy, kKey});
  check_error(r, "unexpected extra argument");
  CHECK(r.err.find(kKey.substr(2)) == std::string::npos);
}

TEST_CASE("hl order builds the SDK's order action, normalised and on tick, then signs it", "[cli][hl]") {
  // The Python SDK's test_l1_action_signing_order_matches order, from loose decimals.
  const Json s = suite("python_sdk_signing.json");
  const Json& c = s["signatures"][2];
  REQUIRE(c["name"].get<std::string>().starts_with("test_l1_action_signing_order_matches (mainnet)"));
  auto r = run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "buy", "--price", "100.000",
                      "--size", "0100", "--sz-decimals", "2"});
  CHECK(r.status == 0);
  CHECK(line_of(r) == expected_body(c, c["r"], c["s"], c["v"]));
  // Its trigger (tpsl) order.
  const Json& t = s["signatures"][8];
  REQUIRE(t["name"].get<std::string>().starts_with("test_l1_action_signing_tpsl_order_matches (mainnet)"));
  r = run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "buy", "--price", "100",
                 "--size", "100", "--sz-decimals", "2", "--trigger-px", "103.0", "--tpsl", "sl", "--trigger-market"});
  CHECK(line_of(r) == expected_body(t, t["r"], t["s"], t["v"]));
  // Rounding: exact refuses, passive rounds a sell up and the size down; cloids lowercase.
  check_error(run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "sell", "--price", "100.123",
                         "--size", "1", "--sz-decimals", "2"}),
              "--price");
  r = run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "sell", "--price", "100.123",
                 "--size", "1.239", "--sz-decimals", "2", "--round", "passive", "--cloid", "0x0000000000000000000000000000ABCD"});
  CHECK(r.status == 0);
  const Json body = perpx::core::parse_json(line_of(r)).value();
  CHECK(body["action"]["orders"][0]["p"] == "100.13");
  CHECK(body["action"]["orders"][0]["s"] == "1.23");
  CHECK(body["action"]["orders"][0]["c"] == "0x0000000000000000000000000000abcd");
  check_error(run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "hold", "--price", "1",
                         "--size", "1", "--sz-decimals", "2"}),
              "--side");
  check_error(run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "buy", "--price", "1e3",
                         "--size", "1", "--sz-decimals", "2"}),
              "--price");
  check_error(run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "buy", "--price", "1",
                         "--size", "0.001", "--sz-decimals", "2", "--round", "nearest"}),
              "--size");
  check_error(run_perpx({"hl", "order", "--private-key", kKey, "--nonce", "0", "--asset", "1", "--side", "buy", "--price", "1",
                         "--size", "1", "--sz-decimals", "2", "--cloid", "0x12"}),
              "--cloid");
}
