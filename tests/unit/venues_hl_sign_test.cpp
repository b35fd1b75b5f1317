// Hyperliquid signing: the official SDKs' published vectors
// (tests/vectors/hyperliquid/, see its README) byte for byte, msgpack
// encodings against Python's msgpack.packb, the phantom agent against the
// signer's general EIP-712 module, and one negative test per HlError.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/eip712.hpp"
#include "perpx/venues/hyperliquid.hpp"
#include "vector_files.hpp"

using namespace perpx;
namespace hl = perpx::venues::hl;
using core::Json;

namespace {

std::string vectors(const std::string& name) { return std::string(PERPX_VECTORS_DIR) + "/hyperliquid/" + name; }

Json load(const std::string& name) { return core::parse_json(test::slurp(vectors(name))).value(); }

// Re-parses the action through hl::parse_action so vectors go the same way as CLI input.
Json action_of(const Json& c) { return hl::parse_action(c["action"].dump()).value(); }

hl::SignOptions options_of(const Json& c) {
  hl::SignOptions o;
  o.nonce = c["nonce"].get<uint64_t>();
  if (!c["vaultAddress"].is_null()) o.vault = *core::parse_address(c["vaultAddress"].get<std::string>());
  if (c.contains("expiresAfter") && !c["expiresAfter"].is_null()) o.expires_after = c["expiresAfter"].get<uint64_t>();
  o.testnet = !c["mainnet"].get<bool>();
  return o;
}

hl::SignOptions with_nonce(uint64_t n) {
  hl::SignOptions o;
  o.nonce = n;
  return o;
}
hl::SignOptions with_vault(const core::Address& a) {
  hl::SignOptions o;
  o.vault = a;
  return o;
}
hl::SignOptions with_expiry(uint64_t e) {
  hl::SignOptions o;
  o.expires_after = e;
  return o;
}
hl::SignOptions with_testnet() {
  hl::SignOptions o;
  o.testnet = true;
  return o;
}

std::string msgpack_hex(const std::string& json) {
  core::Bytes out;
  REQUIRE(hl::msgpack_append(out, hl::parse_action(json).value()));
  return core::to_hex(out);
}

hl::HlError error_of(const std::string& action_json, const hl::SignOptions& opts = with_nonce(1)) {
  auto action = hl::parse_action(action_json);
  if (!action) return action.error().error;
  auto p = hl::prepare(*action, opts);
  REQUIRE_FALSE(p.has_value());
  return p.error().error;
}

}  // namespace

TEST_CASE("hl: Python SDK signing vectors, byte for byte", "[venues][hl][vectors]") {
  const Json suite = load("python_sdk_signing.json");
  const auto key = signer::SecretKey::from_hex(suite["privateKey"].get<std::string>()).value();
  for (const auto& c : suite["hashes"]) {
    INFO(c["name"].get<std::string>());
    hl::L1Params params{c["nonce"].get<uint64_t>(), std::nullopt, std::nullopt};
    CHECK(core::to_hex(hl::action_hash(action_of(c), params).value()) == c["connectionId"].get<std::string>());
  }
  int n = 0;
  for (const auto& c : suite["signatures"]) {
    INFO(c["name"].get<std::string>());
    const Json body = hl::sign_action(key, action_of(c), options_of(c)).value();
    CHECK(body["signature"]["r"] == c["r"]);
    CHECK(body["signature"]["s"] == c["s"]);
    CHECK(body["signature"]["v"] == c["v"]);
    ++n;
  }
  CHECK(n == 20);
}

TEST_CASE("hl: Rust SDK signing vectors, byte for byte", "[venues][hl][vectors]") {
  const Json suite = load("rust_sdk_signing.json");
  const auto key = signer::SecretKey::from_hex(suite["privateKey"].get<std::string>()).value();
  for (const auto& c : suite["agents"]) {
    INFO(c["name"].get<std::string>());
    const auto id = core::parse_hash32(c["connectionId"].get<std::string>()).value();
    const auto sig = signer::sign_digest(key, hl::l1_digest(id, c["mainnet"].get<bool>()));
    CHECK(core::to_hex(signer::to_rsv(sig)) == "0x" + c["signature"].get<std::string>());
  }
  for (const auto& c : suite["hashes"]) {
    INFO(c["name"].get<std::string>());
    hl::L1Params params{c["nonce"].get<uint64_t>(), std::nullopt, std::nullopt};
    CHECK(core::to_hex(hl::action_hash(action_of(c), params).value()) == c["connectionId"].get<std::string>());
  }
  int n = 0;
  for (const auto& c : suite["signatures"]) {
    INFO(c["name"].get<std::string>());
    const auto p = hl::prepare(action_of(c), options_of(c)).value();
    CHECK(p.nonce == c["nonce"].get<uint64_t>());
    CHECK(core::to_hex(signer::to_rsv(signer::sign_digest(key, p.digest))) == "0x" + c["signature"].get<std::string>());
    ++n;
  }
  CHECK(n == 15);
}

TEST_CASE("hl: msgpack matches Python's msgpack.packb encodings", "[venues][hl][msgpack]") {
  // Integers: the smallest form, unsigned for non-negative values.
  CHECK(msgpack_hex("0") == "0x00");
  CHECK(msgpack_hex("127") == "0x7f");
  CHECK(msgpack_hex("128") == "0xcc80");
  CHECK(msgpack_hex("255") == "0xccff");
  CHECK(msgpack_hex("256") == "0xcd0100");
  CHECK(msgpack_hex("65535") == "0xcdffff");
  CHECK(msgpack_hex("65536") == "0xce00010000");
  CHECK(msgpack_hex("4294967295") == "0xceffffffff");
  CHECK(msgpack_hex("4294967296") == "0xcf0000000100000000");
  CHECK(msgpack_hex("18446744073709551615") == "0xcfffffffffffffffff");
  CHECK(msgpack_hex("-1") == "0xff");
  CHECK(msgpack_hex("-32") == "0xe0");
  CHECK(msgpack_hex("-33") == "0xd0df");
  CHECK(msgpack_hex("-128") == "0xd080");
  CHECK(msgpack_hex("-129") == "0xd1ff7f");
  CHECK(msgpack_hex("-32768") == "0xd18000");
  CHECK(msgpack_hex("-32769") == "0xd2ffff7fff");
  CHECK(msgpack_hex("-2147483648") == "0xd280000000");
  CHECK(msgpack_hex("-2147483649") == "0xd3ffffffff7fffffff");
  CHECK(msgpack_hex("-9223372036854775808") == "0xd38000000000000000");
  // Floats are float64; nil and booleans.
  CHECK(msgpack_hex("1.5") == "0xcb3ff8000000000000");
  CHECK(msgpack_hex("1.0") == "0xcb3ff0000000000000");
  CHECK(msgpack_hex("-0.25") == "0xcbbfd0000000000000");
  CHECK(msgpack_hex("1e3") == "0xcb408f400000000000");
  CHECK(msgpack_hex("null") == "0xc0");
  CHECK(msgpack_hex("true") == "0xc3");
  CHECK(msgpack_hex("false") == "0xc2");
  // Strings: fixstr below 32 bytes, then str8 (use_bin_type=True), str16.
  CHECK(msgpack_hex("\"\"") == "0xa0");
  CHECK(msgpack_hex("\"a\"") == "0xa161");
  std::string x31 = "0xbf";
  for (int i = 0; i < 31; ++i) x31 += "78";
  CHECK(msgpack_hex("\"" + std::string(31, 'x') + "\"") == x31);
  CHECK(msgpack_hex("\"" + std::string(32, 'x') + "\"").starts_with("0xd920"));
  CHECK(msgpack_hex("\"" + std::string(255, 'x') + "\"").starts_with("0xd9ff"));
  CHECK(msgpack_hex("\"" + std::string(256, 'x') + "\"").starts_with("0xda0100"));
  CHECK(msgpack_hex("\"" + std::string(65536, 'x') + "\"").starts_with("0xdb00010000"));
  CHECK(msgpack_hex("\"\\u00e9\"") == "0xa2c3a9");  // UTF-8 bytes, length in bytes
  // Arrays and maps: fix forms below 16 entries, then 16-bit lengths; key order as given.
  CHECK(msgpack_hex("[]") == "0x90");
  CHECK(msgpack_hex("[1,[2]]") == "0x920191" "02");
  std::string fifteen = "[", sixteen = "[";
  for (int i = 0; i < 16; ++i) {
    if (i < 15) fifteen += (i ? ",0" : "0");
    sixteen += (i ? ",0" : "0");
  }
  CHECK(msgpack_hex(fifteen + "]") == "0x9f" + std::string(30, '0'));
  CHECK(msgpack_hex(sixteen + "]") == "0xdc0010" + std::string(32, '0'));
  CHECK(msgpack_hex("{}") == "0x80");
  CHECK(msgpack_hex(R"({"b":1,"a":2})") == "0x82a16201a16102");
  CHECK(msgpack_hex(R"({"a":2,"b":1})") == "0x82a16102a16201");
  std::string big = "{";
  for (int i = 0; i < 16; ++i) big += (i ? ",\"k" : "\"k") + std::to_string(i + 10) + "\":0";
  CHECK(msgpack_hex(big + "}").starts_with("0xde0010a36b313000"));
}

TEST_CASE("hl: action hash layout: nonce, vault marker, expiry", "[venues][hl]") {
  const Json action = hl::parse_action(R"({"type":"dummy","num":100000000000})").value();
  core::Bytes packed;
  REQUIRE(hl::msgpack_append(packed, action));
  auto expect = [&](core::Bytes tail, const hl::L1Params& p) {
    core::Bytes all = packed;
    all.insert(all.end(), tail.begin(), tail.end());
    CHECK(hl::action_hash(action, p).value() == core::keccak256(all));
  };
  const auto vault = *core::parse_address("0x1719884eb866cb12b2287399b15f7db5e7d775ea");
  core::Bytes nonce{0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0x00};  // 1700000000000
  core::Bytes no_vault = nonce;
  no_vault.push_back(0);
  expect(no_vault, {1700000000000ull, std::nullopt, std::nullopt});
  core::Bytes tail_vault = nonce;
  tail_vault.push_back(1);
  tail_vault.insert(tail_vault.end(), vault.bytes.begin(), vault.bytes.end());
  expect(tail_vault, {1700000000000ull, vault, std::nullopt});
  core::Bytes tail_expiry = tail_vault;
  tail_expiry.push_back(0);
  for (int b : {0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0x01}) tail_expiry.push_back(static_cast<uint8_t>(b));
  expect(tail_expiry, {1700000000000ull, vault, 1700000000001ull});
}

TEST_CASE("hl: the phantom agent digest equals the general EIP-712 module's", "[venues][hl]") {
  const std::string id = "0xde6c4037798a4434ca03cd05f00e3b803126221375cd1e7eaaaf041768be06eb";
  for (bool mainnet : {true, false}) {
    const Json doc = core::parse_json(R"({"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},
      {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
      "Agent":[{"name":"source","type":"string"},{"name":"connectionId","type":"bytes32"}]},"primaryType":"Agent",
      "domain":{"name":"Exchange","version":"1","chainId":1337,"verifyingContract":"0x0000000000000000000000000000000000000000"},
      "message":{"source":")" + std::string(mainnet ? "a" : "b") + R"(","connectionId":")" + id + R"("}})").value();
    CHECK(signer::eip712::hash_typed_data(doc).value().digest == hl::l1_digest(core::parse_hash32(id).value(), mainnet));
  }
}

TEST_CASE("hl: user-signed kinds and their EIP-712 types", "[venues][hl]") {
  CHECK(hl::user_signed_kinds().size() == 11);
  CHECK(hl::encode_type(*hl::find_user_signed("usdSend")) ==
        "HyperliquidTransaction:UsdSend(string hyperliquidChain,string destination,string amount,uint64 time)");
  CHECK(hl::encode_type(*hl::find_user_signed("approveAgent")) ==
        "HyperliquidTransaction:ApproveAgent(string hyperliquidChain,address agentAddress,string agentName,uint64 nonce)");
  CHECK(hl::find_user_signed("withdraw3")->primary_type == "HyperliquidTransaction:Withdraw");
  CHECK(hl::find_user_signed("order") == nullptr);
  // approveAgent without agentName signs as agentName "" (both SDKs).
  const std::string with = R"({"type":"approveAgent","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet",
    "agentAddress":"0x1234567890123456789012345678901234567890","agentName":"","nonce":5})";
  const std::string without = R"({"type":"approveAgent","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet",
    "agentAddress":"0x1234567890123456789012345678901234567890","nonce":5})";
  CHECK(hl::user_signed_digest(hl::parse_action(with).value()).value() ==
        hl::user_signed_digest(hl::parse_action(without).value()).value());
  // Field order in the action does not matter to EIP-712; the chain id does.
  const std::string reordered = R"({"nonce":5,"agentAddress":"0x1234567890123456789012345678901234567890",
    "hyperliquidChain":"Mainnet","agentName":"","signatureChainId":"0x66eee","type":"approveAgent"})";
  CHECK(hl::user_signed_digest(hl::parse_action(reordered).value()).value() ==
        hl::user_signed_digest(hl::parse_action(with).value()).value());
  std::string other_chain = with;
  other_chain.replace(other_chain.find("0x66eee"), 7, "0xa4b1");
  CHECK(hl::user_signed_digest(hl::parse_action(other_chain).value()).value() !=
        hl::user_signed_digest(hl::parse_action(with).value()).value());
}

TEST_CASE("hl: the /exchange body keeps the action as given", "[venues][hl]") {
  const auto key = signer::SecretKey::from_hex("0x0123456789012345678901234567890123456789012345678901234567890123").value();
  const std::string action = R"({"type":"order","orders":[{"a":1,"b":true,"p":"100","s":"100","r":false,"t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"})";
  hl::SignOptions o = with_nonce(7);
  o.vault = *core::parse_address("0x1719884EB866CB12B2287399B15F7DB5E7D775EA");
  o.expires_after = 9;
  const Json body = hl::sign_action(key, hl::parse_action(action).value(), o).value();
  const std::string s = body.dump();
  CHECK(s.starts_with(R"({"action":)" + action + R"(,"nonce":7,"signature":{"r":"0x)"));
  CHECK(s.ends_with(R"(,"vaultAddress":"0x1719884eb866cb12b2287399b15f7db5e7d775ea","expiresAfter":9})"));
  // The signature recovers the signer's address.
  const auto p = hl::prepare(hl::parse_action(action).value(), o).value();
  signer::Signature sig{core::parse_u256(body["signature"]["r"].get<std::string>()).value(),
                        core::parse_u256(body["signature"]["s"].get<std::string>()).value(),
                        static_cast<uint8_t>(body["signature"]["v"].get<unsigned>() - 27u)};
  CHECK(signer::recover_address(p.digest, sig).value() == signer::address_of(key));
}

TEST_CASE("hl: every HlError has its case", "[venues][hl][errors]") {
  using E = hl::HlError;
  CHECK(error_of(R"({"type":"order",)") == E::kBadJson);
  CHECK(error_of(R"({"type":"order","a":1,"a":2})") == E::kBadJson);  // duplicate key
  CHECK(error_of(std::string(70, '[') + std::string(70, ']')) == E::kBadJson);
  CHECK(error_of(R"({"type":"dummy","num":18446744073709551616})") == E::kIntegerRange);
  CHECK(error_of(R"({"type":"dummy","num":-9223372036854775809})") == E::kIntegerRange);
  CHECK(error_of(R"({"type":"dummy","num":1e400})") == E::kBadJson);  // nlohmann refuses the overflow
  {
    core::Bytes out;
    Json nan = Json::object();
    nan["type"] = "dummy";
    nan["x"] = std::nan("");
    auto r = hl::msgpack_append(out, nan);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().error == E::kNotEncodable);
    CHECK(r.error().path == "action.x");
    Json bin = Json::binary({1, 2});
    CHECK(hl::msgpack_append(out, bin).error().error == E::kNotEncodable);
  }
  CHECK(error_of(R"([1,2])") == E::kBadAction);
  CHECK(error_of(R"({"type":"frobnicate","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet"})") == E::kUnknownType);
  CHECK(error_of(R"({"orders":[]})") == E::kMissingField);
  CHECK(error_of(R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","amount":"1","time":5})") ==
        E::kMissingField);  // destination
  CHECK(error_of(R"({"type":"usdSend","hyperliquidChain":"Mainnet","destination":"0x00","amount":"1","time":5})") ==
        E::kMissingField);  // signatureChainId
  CHECK(error_of(R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"x","amount":"1","time":5,"memo":"hi"})") ==
        E::kUnknownField);
  CHECK(error_of(R"({"type":7})") == E::kBadValue);
  CHECK(error_of(R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Devnet","destination":"x","amount":"1","time":5})") ==
        E::kBadValue);
  CHECK(error_of(R"({"type":"usdSend","signatureChainId":"421614","hyperliquidChain":"Mainnet","destination":"x","amount":"1","time":5})") ==
        E::kBadValue);
  CHECK(error_of(R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"x","amount":1,"time":5})") ==
        E::kBadValue);
  CHECK(error_of(R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"x","amount":"1","time":-5})") ==
        E::kBadValue);
  CHECK(error_of(R"({"type":"approveAgent","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","agentAddress":"0x12","nonce":5})") ==
        E::kBadValue);
  CHECK(error_of(R"({"type":"usdClassTransfer","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","amount":"1","toPerp":1,"nonce":5})",
                 with_nonce(5)) == E::kBadValue);
  const std::string usd = R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"x","amount":"1","time":5})";
  CHECK(error_of(R"({"type":"order"})", hl::SignOptions{}) == E::kBadOption);  // L1 without a nonce
  CHECK(error_of(usd, with_vault(core::Address{})) == E::kBadOption);
  CHECK(error_of(usd, with_expiry(1)) == E::kBadOption);
  CHECK(error_of(usd, with_nonce(6)) == E::kConflict);
  CHECK(error_of(usd, with_testnet()) == E::kConflict);
  // The same action is fine without conflicting options; --nonce may repeat the action's own.
  CHECK(hl::prepare(hl::parse_action(usd).value(), with_nonce(5)).value().nonce == 5);
  CHECK(hl::prepare(hl::parse_action(usd).value(), {}).value().user_signed);
  // Errors name the field.
  auto e = hl::prepare(hl::parse_action(R"({"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Mainnet","destination":"x","amount":"1"})").value(), {});
  CHECK(hl::to_string(e.error()) == "action.time: missing field");
  core::Bytes out;
  auto m = hl::msgpack_append(out, hl::parse_action(R"({"orders":[{"p":1}]})").value());
  CHECK(m.has_value());
}
