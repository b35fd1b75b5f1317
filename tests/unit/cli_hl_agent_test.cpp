// perpx hl approve-agent, --agent-for and --nonce-db through the binary:
// the approveAgent body recovers to the master key, an API wallet's order is
// the same body the SDKs would send, user-signed actions are refused for an
// agent, and journalled nonces only go up. Errors follow shared/CLI.md (one
// line, exit 1, no key material).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

#include "cli_run.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/secp256k1.hpp"
#include "perpx/venues/hyperliquid.hpp"

using perpx::core::Json;
using perpx::test::line_of;
using perpx::test::run_perpx;
namespace hl = perpx::venues::hl;
namespace fs = std::filesystem;

namespace {

const std::string kMaster = "0x0123456789012345678901234567890123456789012345678901234567890123";
const std::string kAgent = "0xe908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

std::string address_of(const std::string& key) {
  return perpx::core::to_hex(perpx::signer::address_of(perpx::signer::SecretKey::from_hex(key).value()).view());
}

perpx::core::Address recovered(const Json& body) {
  perpx::signer::Signature sig;
  sig.r = perpx::core::parse_hex_u256(body["signature"]["r"].get<std::string>()).value();
  sig.s = perpx::core::parse_hex_u256(body["signature"]["s"].get<std::string>()).value();
  sig.y_parity = static_cast<uint8_t>(body["signature"]["v"].get<int>() - 27);
  return perpx::signer::recover_address(hl::user_signed_digest(body["action"]).value(), sig).value();
}

void check_error(const perpx::test::RunResult& r, const std::string& must_mention) {
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(must_mention) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find(kMaster.substr(2)) == std::string::npos);
  CHECK(r.err.find(kAgent.substr(2)) == std::string::npos);
}

}  // namespace

TEST_CASE("hl approve-agent: the documented body, signed by the master", "[cli][hl][agent]") {
  const std::string agent = address_of(kAgent);
  auto r = run_perpx({"hl", "approve-agent", "--private-key", kMaster, "--agent-address", agent, "--agent-name", "bot-1",
                      "--nonce", "1700000000000"});
  REQUIRE(r.status == 0);
  const Json body = perpx::core::parse_json(line_of(r)).value();
  CHECK(body["action"].dump() == R"({"type":"approveAgent","hyperliquidChain":"Mainnet","signatureChainId":"0x66eee","agentAddress":")" +
                                     agent + R"(","agentName":"bot-1","nonce":1700000000000})");
  CHECK(body["nonce"] == 1700000000000);
  CHECK(perpx::core::to_hex(recovered(body).view()) == address_of(kMaster));
  // The same action through hl sign: the same bytes.
  CHECK(line_of(run_perpx({"hl", "sign", "--private-key", kMaster, body["action"].dump()})) == line_of(r));

  // Unnamed, testnet, nonce from the clock.
  r = run_perpx({"hl", "approve-agent", "--private-key", kMaster, "--agent-address", agent, "--testnet"});
  REQUIRE(r.status == 0);
  const Json unnamed = perpx::core::parse_json(line_of(r)).value();
  CHECK_FALSE(unnamed["action"].contains("agentName"));
  CHECK(unnamed["action"]["hyperliquidChain"] == "Testnet");
  CHECK(unnamed["nonce"].get<uint64_t>() > 1700000000000);
  CHECK(perpx::core::to_hex(recovered(unnamed).view()) == address_of(kMaster));

  check_error(run_perpx({"hl", "approve-agent", "--private-key", kMaster, "--agent-address", "0x1234"}), "--agent-address");
  check_error(run_perpx({"hl", "approve-agent", "--private-key", kMaster, "--agent-address", agent, "--nonce", "-1"}), "--nonce");
  check_error(run_perpx({"hl", "approve-agent", "--agent-address", agent, kMaster}), "extra argument");
}

TEST_CASE("hl --agent-for: an API wallet signs L1 actions for its master", "[cli][hl][agent]") {
  const std::string master = address_of(kMaster);
  const std::vector<std::string> order = {"hl",   "order", "--asset", "1",  "--side",        "buy", "--price", "2000",
                                          "--size", "0.5", "--sz-decimals", "4", "--tif", "Alo", "--nonce", "1700000000001"};
  auto with = [](std::vector<std::string> a, std::vector<std::string> more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  const auto as_agent = run_perpx(with(order, {"--private-key", kAgent, "--agent-for", master}));
  REQUIRE(as_agent.status == 0);
  // The body is what the agent's key signs by itself: the master is not in it.
  CHECK(line_of(as_agent) == line_of(run_perpx(with(order, {"--private-key", kAgent}))));
  CHECK(as_agent.out.find(master.substr(2)) == std::string::npos);
  // A subaccount of the master: vaultAddress in the body.
  const auto sub = run_perpx(with(order, {"--private-key", kAgent, "--agent-for", master, "--vault-address",
                                          "0x1719884eb866cb12b2287399b15f7db5e7d775ea"}));
  REQUIRE(sub.status == 0);
  CHECK(perpx::core::parse_json(line_of(sub)).value()["vaultAddress"] == "0x1719884eb866cb12b2287399b15f7db5e7d775ea");
  // User-signed actions need the master's key.
  check_error(run_perpx({"hl", "sign", "--private-key", kAgent, "--agent-for", master,
                         R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"0x5e9ee1089755c3435139848e47e6635505d5a13a","amount":"1","time":1687816341423})"}),
              "--agent-for");
  check_error(run_perpx(with(order, {"--private-key", kAgent, "--agent-for", "0xnope"})), "--agent-for");
}

TEST_CASE("hl --nonce-db: journalled nonces per signer only go up", "[cli][hl][agent]") {
  const fs::path db = fs::temp_directory_path() / ("perpx-cli-hl-nonce-" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  const std::string action = R"({"type":"scheduleCancel"})";
  uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    const auto r = run_perpx({"hl", "sign", "--private-key", kAgent, "--nonce-db", db.string(), action});
    REQUIRE(r.status == 0);
    const uint64_t n = perpx::core::parse_json(line_of(r)).value()["nonce"].get<uint64_t>();
    CHECK(n > last);
    last = n;
  }
  // approve-agent takes the master's own sequence from the same file.
  const auto a = run_perpx({"hl", "approve-agent", "--private-key", kMaster, "--agent-address", address_of(kAgent),
                            "--nonce-db", db.string()});
  REQUIRE(a.status == 0);
  CHECK(perpx::core::parse_json(line_of(a)).value()["nonce"].get<uint64_t>() > 0);
  check_error(run_perpx({"hl", "sign", "--private-key", kAgent, "--nonce-db", db.string(), "--nonce", "5", action}), "--nonce-db");
  check_error(run_perpx({"hl", "sign", "--private-key", kMaster, "--nonce-db", db.string(),
                         R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"0x5e9ee1089755c3435139848e47e6635505d5a13a","amount":"1","time":1687816341423})"}),
              "--nonce-db");
  check_error(run_perpx({"hl", "sign", "--private-key", kAgent, "--nonce-db", "/nonexistent-perpx/n.db", action}), "--nonce-db");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}
