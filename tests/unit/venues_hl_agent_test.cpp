// Hyperliquid API (agent) wallets end to end against a STAND-IN /exchange on
// loopback (tests/unit/fault_server.hpp; not Hyperliquid). The stand-in
// checks signatures the way the exchange does: it recovers the signer of
// approveAgent from the user-signed EIP-712 digest and of an order from the
// L1 digest, books the order on the master that approved the recovered
// agent, and answers an unknown signer with the documented
// "User or API Wallet 0x.. does not exist." error.
#include <catch2/catch.hpp>

#include <map>
#include <mutex>

#include "fault_server.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/secp256k1.hpp"
#include "perpx/venues/hyperliquid.hpp"
#include "perpx/venues/hyperliquid_client.hpp"

using namespace perpx;
namespace hl = perpx::venues::hl;
using core::Json;
using test::FaultReply;
using test::FaultServer;
using test::http_reply;

namespace {

signer::SecretKey key(const char* hex) { return signer::SecretKey::from_hex(hex).value(); }
const char* kMasterKey = "0x0123456789012345678901234567890123456789012345678901234567890123";
const char* kAgentKey = "0xe908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

signer::Signature signature_of(const Json& body) {
  signer::Signature sig;
  sig.r = core::parse_hex_u256(body["signature"]["r"].get<std::string>()).value();
  sig.s = core::parse_hex_u256(body["signature"]["s"].get<std::string>()).value();
  sig.y_parity = static_cast<uint8_t>(body["signature"]["v"].get<int>() - 27);
  return sig;
}

// The stand-in exchange: agents approved so far (agent -> master) and the
// account each order was booked on.
struct StandInExchange {
  std::mutex mu;
  std::map<std::string, std::string> agents;
  std::vector<std::string> booked_on;

  FaultReply handle(const std::string& text) {
    std::lock_guard lock(mu);
    const Json body = core::parse_json(text).value();
    const Json& action = body["action"];
    const bool user_signed = hl::find_user_signed(action["type"].get<std::string>()) != nullptr;
    hl::SignOptions o;
    if (!user_signed) o.nonce = body["nonce"].get<uint64_t>();
    if (body.contains("vaultAddress")) o.vault = core::parse_address(body["vaultAddress"].get<std::string>()).value();
    const auto prepared = hl::prepare(action, o);
    if (!prepared) return {http_reply(200, R"({"status":"err","response":"Failed to deserialize"})")};
    const auto who = signer::recover_address(prepared->digest, signature_of(body));
    if (!who) return {http_reply(200, R"({"status":"err","response":"Invalid signature"})")};
    const std::string signer_hex = core::to_hex(who->view());
    if (action["type"] == "approveAgent") {
      agents[action["agentAddress"].get<std::string>()] = signer_hex;
      return {http_reply(200, R"({"status":"ok","response":{"type":"default"}})")};
    }
    auto it = agents.find(signer_hex);
    if (it == agents.end())
      return {http_reply(200, R"({"status":"err","response":"User or API Wallet )" + signer_hex + R"( does not exist."})")};
    booked_on.push_back(body.contains("vaultAddress") ? body["vaultAddress"].get<std::string>() : it->second);
    return {http_reply(200, R"({"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":7}}]}}})")};
  }
};

const char* kOrder =
    R"({"type":"order","orders":[{"a":1,"b":true,"p":"2000","s":"0.5","r":false,"t":{"limit":{"tif":"Alo"}}}],"grouping":"na"})";

}  // namespace

TEST_CASE("hl agent: approveAgent as documented, signed by the master", "[venues][hl][agent]") {
  const auto agent_addr = signer::address_of(key(kAgentKey));
  hl::ApproveAgent a{agent_addr, std::string("bot-1"), 1700000000000, false};
  const Json action = hl::approve_agent_action(a);
  CHECK(action.dump() == R"({"type":"approveAgent","hyperliquidChain":"Mainnet","signatureChainId":"0x66eee","agentAddress":")" +
                             core::to_hex(agent_addr.view()) + R"(","agentName":"bot-1","nonce":1700000000000})");
  // No name: the field is left out and signed as "" (the SDKs do the same).
  a.name.reset();
  a.testnet = true;
  const Json unnamed = hl::approve_agent_action(a);
  CHECK_FALSE(unnamed.contains("agentName"));
  CHECK(unnamed["hyperliquidChain"] == "Testnet");
  Json named_empty = unnamed;
  named_empty["agentName"] = "";
  CHECK(hl::user_signed_digest(unnamed).value() == hl::user_signed_digest(named_empty).value());
  // The master's key recovers from the body's signature.
  const Json body = hl::sign_action(key(kMasterKey), unnamed, {}).value();
  CHECK(body["nonce"] == 1700000000000);
  CHECK(signer::recover_address(hl::user_signed_digest(unnamed).value(), signature_of(body)).value() ==
        signer::address_of(key(kMasterKey)));
}

TEST_CASE("hl agent: an approved API wallet trades for its master (stand-in exchange)", "[venues][hl][agent]") {
  StandInExchange exchange;
  FaultServer server{[&](const std::string& body, size_t) { return exchange.handle(body); }};
  hl::HlRestClient client(server.url());
  const auto master = signer::address_of(key(kMasterKey));
  const hl::AgentWallet wallet(key(kAgentKey), master);
  CHECK(wallet.account() == master);
  hl::SignOptions o;
  o.nonce = 1700000000001;

  // Before the approval the exchange does not know the agent.
  auto r = client.exchange(wallet.sign(hl::parse_action(kOrder).value(), o).value());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == hl::HlClientErrc::kRejected);
  CHECK(r.error().message.find(core::to_hex(wallet.agent().view())) != std::string::npos);

  // The master approves it ...
  const Json approve = hl::approve_agent_action({wallet.agent(), std::string("bot"), 1700000000002, false});
  REQUIRE(client.exchange(hl::sign_action(key(kMasterKey), approve, {}).value()).has_value());
  // ... and the same order, signed by the agent, is booked on the master.
  o.nonce = 1700000000003;
  const Json body = wallet.sign(hl::parse_action(kOrder).value(), o).value();
  CHECK_FALSE(body.contains("vaultAddress"));
  const auto placed = client.exchange(body);
  REQUIRE(placed.has_value());
  CHECK(placed->statuses[0].oid == 7);
  REQUIRE(exchange.booked_on.size() == 1);
  CHECK(exchange.booked_on[0] == core::to_hex(master.view()));

  // For a subaccount of the master: vaultAddress, signed into the L1 hash.
  const auto sub = core::parse_address("0x1719884eb866cb12b2287399b15f7db5e7d775ea").value();
  const hl::AgentWallet for_sub(key(kAgentKey), master, sub);
  CHECK(for_sub.account() == sub);
  o.nonce = 1700000000004;
  const Json sub_body = for_sub.sign(hl::parse_action(kOrder).value(), o).value();
  CHECK(sub_body["vaultAddress"] == "0x1719884eb866cb12b2287399b15f7db5e7d775ea");
  REQUIRE(client.exchange(sub_body).has_value());
  CHECK(exchange.booked_on.back() == "0x1719884eb866cb12b2287399b15f7db5e7d775ea");
}

TEST_CASE("hl agent: an API wallet refuses user-signed actions", "[venues][hl][agent]") {
  const hl::AgentWallet wallet(key(kAgentKey), signer::address_of(key(kMasterKey)));
  const Json send = hl::parse_action(
      R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"0x5e9ee1089755c3435139848e47e6635505d5a13a","amount":"1","time":1687816341423})").value();
  auto r = wallet.sign(send, {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().error == hl::HlError::kBadOption);
  CHECK(r.error().detail.find("master") != std::string::npos);
  const Json approve = hl::approve_agent_action({wallet.agent(), std::nullopt, 1, false});
  CHECK(wallet.sign(approve, {}).error().error == hl::HlError::kBadOption);
  hl::SignOptions with_vault;
  with_vault.nonce = 1;
  with_vault.vault = signer::address_of(key(kMasterKey));
  CHECK(wallet.sign(hl::parse_action(kOrder).value(), with_vault).error().path == "--vault-address");
}
