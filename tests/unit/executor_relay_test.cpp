// The relay client: the X-Flashbots-Signature header against vectors made
// independently with ethers, the request bodies to the byte, and every kind
// of bad relay reply as a typed error (a loopback server scripts them).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault_server.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/relay.hpp"

using namespace perpx;
using namespace perpx::executor;
using core::Json;
using test::FaultReply;
using test::FaultServer;
using test::http_reply;
using test::request_id;
using ms = std::chrono::milliseconds;

namespace {

// Vectors, made with ethers 6.17.0 (node_modules) as the Flashbots docs sign:
//   const w = new ethers.Wallet(KEY);
//   w.address + ':' + await w.signMessage(ethers.id(body))
// and bundle hashes as ethers.keccak256(ethers.concat(txs.map(ethers.keccak256))).
// KEY is the web3.js documentation's example key (not a funded key).
constexpr const char* kKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr const char* kAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr const char* kRawTx =
    "0x02f86c827a6980843b9aca00850218711a0082520894f39fd6e51aad88f6f4ce6ab8827279cfffb92266880de0b6b3a764000080c0";
struct Vector {
  const char* body;
  const char* keccak;
  const char* header;
};
const Vector kVectors[] = {
    {R"({"jsonrpc":"2.0","id":1,"method":"eth_sendBundle","params":[{"txs":["0x02f86c827a6980843b9aca00850218711a0082520894f39fd6e51aad88f6f4ce6ab8827279cfffb92266880de0b6b3a764000080c0"],"blockNumber":"0x2a"}]})",
     "0x6f61a48c006c4c01f45d96b26bf2a07ec01501b3791ddb5e56e6b8ac4ffc13c4",
     "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23:0x762acec4602a2e6b406a77f17d8ffe691f1b7f293482e491a9d66bc0c2a6a5074468e033d275f3199a3db929423faa95cf8cd80ecba7ed1d054f209a363588f41b"},
    {R"({"jsonrpc":"2.0","id":7,"method":"eth_sendPrivateTransaction","params":[{"tx":"0xdeadbeef","maxBlockNumber":"0x64","preferences":{"fast":true}}]})",
     "0x849ca053a8d15fe6971757b88c821b851dd3787802748bc6eb725e9c01ef830e",
     "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23:0xbbcdaa7d5e809515fbd99ec771a2294913af0bbc5cc6aebb0e23467ea205598d6f706a7255f53a0fbb1a3b4f96710a4222c4fdbaecaeafbc07f93560867e34f61b"},
    {R"({"jsonrpc":"2.0","id":3,"method":"eth_cancelPrivateTransaction","params":[{"txHash":"0xd4fd4e189132273036449fc9e11198c739161b4c0116a9a2dccdfa1c492006f1"}]})",
     "0xd4fd4e189132273036449fc9e11198c739161b4c0116a9a2dccdfa1c492006f1",  // not the body's: see below
     "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23:0x827e94e17108cccd147f4980a2652793459f9a6428e46d6465fe73bac194f7cd0fad39243b7d321fc3b7ff8e0de74d51ad84f50922be564c09c8eb149eec04601c"},
};
constexpr const char* kBundleHashOfRawTxAndDeadbeef = "0x6dd1b846f9898241582bb1d3a70066645e57530c9f70180483baa692fe43bafe";

signer::SecretKey key() { return signer::SecretKey::from_hex(kKey).value(); }
core::Bytes bytes(std::string_view hex) { return core::parse_hex(hex).value(); }
core::Hash32 hash_of(std::string_view text) {
  return core::keccak256(core::ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// The X-Flashbots-Signature value in a request head, or "".
std::string signature_in(const std::string& head) {
  const std::string name = "X-Flashbots-Signature: ";
  size_t p = head.find(name);
  if (p == std::string::npos) return "";
  size_t end = head.find("\r\n", p);
  return head.substr(p + name.size(), end == std::string::npos ? std::string::npos : end - p - name.size());
}

FaultReply reply_json(const std::string& body) { return {http_reply(200, body)}; }
FaultReply result(const std::string& req, const Json& r) { return reply_json(test::rpc_result(request_id(req), r)); }

RelayOptions quick() {
  RelayOptions o;
  o.timeout = ms(300);
  return o;
}

// A loopback port with nothing listening (bound, then closed).
uint16_t dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

Bundle one_tx_bundle(uint64_t block) {
  Bundle b;
  b.txns = {bytes(kRawTx)};
  b.block_num = block;
  return b;
}

}  // namespace

TEST_CASE("X-Flashbots-Signature: exactly ethers' signMessage(id(body)) with the EIP-55 address", "[executor][relay]") {
  const auto k = key();
  CHECK(core::to_checksum(signer::address_of(k)) == kAddress);
  for (const auto& v : {kVectors[0], kVectors[1]}) CHECK(core::to_hex(hash_of(v.body)) == v.keccak);
  for (const auto& v : kVectors) {
    CHECK(flashbots_signature(k, v.body) == v.header);
    auto who = verify_flashbots_signature(v.header, v.body);
    REQUIRE(who);
    CHECK(core::to_checksum(*who) == kAddress);
  }
}

TEST_CASE("request bodies are the documented shapes - to the byte", "[executor][relay]") {
  CHECK(bundle_body(1, one_tx_bundle(42)) == kVectors[0].body);
  PrivateTxn t;
  t.raw = bytes("0xdeadbeef");
  t.max_block_num = 100;
  t.preferences = Json{{"fast", true}};
  CHECK(private_txn_body(7, t) == kVectors[1].body);
  CHECK(cancel_private_txn_body(3, core::keccak256(bytes("0xdeadbeef"))) == kVectors[2].body);

  Bundle full = one_tx_bundle(0x10);
  full.min_timestamp = 0;
  full.max_timestamp = 1615920932;
  full.reverting_txn_hashes = {core::keccak256(bytes(kRawTx))};
  CHECK(bundle_body(9, full) ==
        R"({"jsonrpc":"2.0","id":9,"method":"eth_sendBundle","params":[{"txs":[")" + std::string(kRawTx) +
            R"("],"blockNumber":"0x10","minTimestamp":0,"maxTimestamp":1615920932,"revertingTxHashes":[")" +
            core::to_hex(core::keccak256(bytes(kRawTx))) + R"("]}]})");
  CHECK(core::to_hex(bundle_hash({bytes(kRawTx), bytes("0xdeadbeef")})) == kBundleHashOfRawTxAndDeadbeef);
}

TEST_CASE("signature check: each way a header can be wrong", "[executor][relay]") {
  const Vector& v = kVectors[0];
  const std::string header = v.header;
  using E = SignatureHeaderErrc;
  CHECK(verify_flashbots_signature("", v.body).error() == E::kMissing);
  CHECK(verify_flashbots_signature("   ", v.body).error() == E::kMissing);
  CHECK(verify_flashbots_signature(kAddress, v.body).error() == E::kMalformed);                  // no colon
  CHECK(verify_flashbots_signature(std::string(kAddress) + ":0x1234", v.body).error() == E::kMalformed);
  CHECK(verify_flashbots_signature("0x12:" + header.substr(header.find(':') + 1), v.body).error() == E::kMalformed);
  // v = 29 is no recovery id; r = 0 is out of range.
  CHECK(verify_flashbots_signature(header.substr(0, header.size() - 2) + "1d", v.body).error() == E::kBadSignature);
  std::string zero_r = header.substr(0, header.find(':') + 3) + std::string(64, '0') + header.substr(header.find(':') + 3 + 64);
  CHECK(verify_flashbots_signature(zero_r, v.body).error() == E::kBadSignature);
  // Another body, or another address named.
  CHECK(verify_flashbots_signature(header, kVectors[1].body).error() == E::kWrongSigner);
  CHECK(verify_flashbots_signature("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" + header.substr(header.find(':')), v.body).error() ==
        E::kWrongSigner);
  // Go clients send v = 0/1 and lowercase addresses: still the same signer.
  std::string v01 = header.substr(0, header.size() - 2) + "00";
  for (char& c : v01) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(verify_flashbots_signature(v01, v.body).has_value());
}

TEST_CASE("HttpTransport: per-request headers go with that request only", "[executor][relay][chain]") {
  FaultServer s{[](const std::string& body, size_t) { return FaultReply{http_reply(200, body)}; }};
  chain::HttpOptions o;
  o.headers = {"X-Static: 1"};
  chain::HttpTransport t(s.url(), o);
  const std::string extra[] = {"X-Per-Request: abc"};
  REQUIRE(t.round_trip_with_headers("{}", extra, ms(1000), false));
  REQUIRE(t.round_trip("{}", ms(1000), false));
  const auto heads = s.heads();
  REQUIRE(heads.size() == 2);
  CHECK(heads[0].find("X-Per-Request: abc\r\n") != std::string::npos);
  CHECK(heads[0].find("X-Static: 1\r\n") != std::string::npos);
  CHECK(heads[1].find("X-Per-Request") == std::string::npos);
  CHECK(heads[1].find("X-Static: 1\r\n") != std::string::npos);
}

TEST_CASE("RelayClient: signed requests to each relay - replies in order", "[executor][relay]") {
  const std::string bh = kBundleHashOfRawTxAndDeadbeef;
  FaultServer good{[&](const std::string& req, size_t) { return result(req, Json{{"bundleHash", bh}}); }};
  FaultServer refusing{[](const std::string& req, size_t) {
    return reply_json(test::rpc_error(request_id(req), -32000, "bundle for a past block"));
  }};
  RelayClient client({good.url() + "/secret-path", refusing.url()}, key(), quick());
  CHECK(core::to_checksum(client.searcher()) == kAddress);
  REQUIRE(client.relays() == 2);

  const auto replies = client.send_bundle(one_tx_bundle(42));
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].relay == good.url() + "/...");  // the path (where keys live) is redacted
  REQUIRE(replies[0].result);
  CHECK(core::to_hex(*replies[0].result) == bh);
  REQUIRE_FALSE(replies[1].result);
  CHECK(replies[1].result.error().code == RelayErrc::kRefused);
  CHECK(replies[1].result.error().message == "bundle for a past block");
  CHECK(replies[1].result.error().rpc_code == -32000);
  CHECK_FALSE(replies[1].result.error().outcome_unknown());
  CHECK(accepted(replies) == 1);

  // What arrived is signed over the exact bytes received, by the searcher key.
  for (const FaultServer* s : {&good, &refusing}) {
    const auto heads = s->heads();
    const auto bodies = s->bodies();
    REQUIRE(heads.size() == 1);
    const std::string sig = signature_in(heads[0]);
    CHECK(sig == flashbots_signature(key(), bodies[0]));
    auto who = verify_flashbots_signature(sig, bodies[0]);
    REQUIRE(who);
    CHECK(*who == client.searcher());
  }
  CHECK(good.bodies()[0] == kVectors[0].body);  // first request: id 1
}

TEST_CASE("RelayClient: private transactions and cancels", "[executor][relay]") {
  const core::Bytes raw = bytes("0xdeadbeef");
  const std::string h = core::to_hex(core::keccak256(raw));
  FaultServer s{[&](const std::string& req, size_t n) {
    if (n == 0) return result(req, h);
    if (n == 1) return result(req, true);
    return result(req, false);
  }};
  RelayClient client({s.url()}, key(), quick());
  PrivateTxn t;
  t.raw = raw;
  t.max_block_num = 100;
  auto sent = client.send_private_transaction(t);
  REQUIRE(sent[0].result);
  CHECK(core::to_hex(*sent[0].result) == h);
  auto cancelled = client.cancel_private_transaction(*sent[0].result);
  REQUIRE(cancelled[0].result);
  CHECK(*cancelled[0].result);
  auto again = client.cancel_private_transaction(*sent[0].result);
  REQUIRE(again[0].result);
  CHECK_FALSE(*again[0].result);
  const auto bodies = s.bodies();
  CHECK(bodies[0] == R"({"jsonrpc":"2.0","id":1,"method":"eth_sendPrivateTransaction","params":[{"tx":"0xdeadbeef","maxBlockNumber":"0x64"}]})");
  CHECK(bodies[1].find(R"("method":"eth_cancelPrivateTransaction","params":[{"txHash":")" + h + "\"}]") != std::string::npos);
}

TEST_CASE("RelayClient: malformed replies are typed errors - never values", "[executor][relay]") {
  struct Case {
    const char* what;
    std::function<FaultReply(const std::string&)> reply;
  };
  const std::vector<Case> cases = {
      {"not JSON", [](const std::string&) { return reply_json("<html>oops</html>"); }},
      {"truncated JSON", [](const std::string&) { return reply_json(R"({"jsonrpc":"2.0","id":1,"result":{"bundleHash":)"); }},
      {"not an object", [](const std::string&) { return reply_json("[1,2]"); }},
      {"no jsonrpc", [](const std::string& r) { return reply_json(R"({"id":)" + request_id(r).dump() + R"(,"result":{}})"); }},
      {"wrong id", [](const std::string&) { return reply_json(test::rpc_result(999, Json{{"bundleHash", kVectors[0].keccak}})); }},
      {"null id on a result", [](const std::string&) { return reply_json(test::rpc_result(nullptr, Json{{"bundleHash", kVectors[0].keccak}})); }},
      {"both result and error", [](const std::string& r) {
         return reply_json(R"({"jsonrpc":"2.0","id":)" + request_id(r).dump() + R"(,"result":{},"error":{"code":1,"message":"x"}})");
       }},
      {"neither", [](const std::string& r) { return reply_json(R"({"jsonrpc":"2.0","id":)" + request_id(r).dump() + "}"); }},
      {"error without a code", [](const std::string& r) {
         return reply_json(R"({"jsonrpc":"2.0","id":)" + request_id(r).dump() + R"(,"error":{"message":"x"}})");
       }},
      {"result without bundleHash", [](const std::string& r) { return result(r, Json{{"hash", kVectors[0].keccak}}); }},
      {"bundleHash not a hash", [](const std::string& r) { return result(r, Json{{"bundleHash", "0x1234"}}); }},
      {"bundleHash a number", [](const std::string& r) { return result(r, Json{{"bundleHash", 7}}); }},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    FaultServer s{[&](const std::string& req, size_t) { return c.reply(req); }};
    RelayClient client({s.url()}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().code == RelayErrc::kMalformedReply);
    CHECK(r[0].result.error().outcome_unknown());
    CHECK(r[0].result.error().method == "eth_sendBundle");
  }

  // A private transaction's hash must be keccak256 of what was sent.
  FaultServer wrong_hash{[](const std::string& req, size_t) { return result(req, kVectors[0].keccak); }};
  RelayClient c1({wrong_hash.url()}, key(), quick());
  PrivateTxn t;
  t.raw = bytes("0xdeadbeef");
  auto p = c1.send_private_transaction(t);
  REQUIRE_FALSE(p[0].result);
  CHECK(p[0].result.error().code == RelayErrc::kMalformedReply);
  // A cancel's result must be a boolean.
  FaultServer not_bool{[](const std::string& req, size_t) { return result(req, "true"); }};
  RelayClient c2({not_bool.url()}, key(), quick());
  auto c = c2.cancel_private_transaction(core::keccak256(t.raw));
  REQUIRE_FALSE(c[0].result);
  CHECK(c[0].result.error().code == RelayErrc::kMalformedReply);
}

TEST_CASE("RelayClient: refusals keep the relay's message - transport failures are typed", "[executor][relay]") {
  SECTION("JSON-RPC error with a null id (the relay could not read ours)") {
    FaultServer s{[](const std::string&, size_t) {
      return FaultReply{http_reply(403, test::rpc_error(nullptr, -32600, "error in signature check 0xabc"))};
    }};
    RelayClient client({s.url()}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().code == RelayErrc::kRefused);
    CHECK(r[0].result.error().message == "error in signature check 0xabc");
    CHECK(r[0].result.error().rpc_code == -32600);
  }
  SECTION("HTTP 403 with the relay's plain {error} body") {
    FaultServer s{[](const std::string&, size_t) {
      return FaultReply{http_reply(403, R"({"error":"missing X-Flashbots-Signature header"})")};
    }};
    RelayClient client({s.url()}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().code == RelayErrc::kRefused);
    CHECK(r[0].result.error().message == "missing X-Flashbots-Signature header");
    CHECK(r[0].result.error().http_status == 403);
  }
  SECTION("HTTP 429") {
    FaultServer s{[](const std::string&, size_t) { return FaultReply{http_reply(429, "slow down")}; }};
    RelayClient client({s.url()}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().code == RelayErrc::kRefused);
    CHECK(r[0].result.error().http_status == 429);
  }
  SECTION("HTTP 502: outcome unknown") {
    FaultServer s{[](const std::string&, size_t) { return FaultReply{http_reply(502, "bad gateway")}; }};
    RelayClient client({s.url()}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().code == RelayErrc::kTimeout);
    CHECK(r[0].result.error().outcome_unknown());
  }
  SECTION("no reply in time: outcome unknown") {
    FaultServer s{[](const std::string& req, size_t) {
      FaultReply f = result(req, Json{{"bundleHash", kVectors[0].keccak}});
      f.delay = ms(1500);
      return f;
    }};
    RelayClient client({s.url()}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().code == RelayErrc::kTimeout);
    CHECK(r[0].result.error().outcome_unknown());
  }
  SECTION("a reset mid-reply: outcome unknown") {
    FaultServer s{[](const std::string& req, size_t) {
      FaultReply f = result(req, Json{{"bundleHash", kVectors[0].keccak}});
      f.cut_after = 40;
      f.reset = true;
      return f;
    }};
    RelayClient client({s.url()}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().outcome_unknown());
  }
  SECTION("nothing listening: unreachable, nothing sent") {
    RelayClient client({"http://127.0.0.1:" + std::to_string(dead_port())}, key(), quick());
    auto r = client.send_bundle(one_tx_bundle(1));
    REQUIRE_FALSE(r[0].result);
    CHECK(r[0].result.error().code == RelayErrc::kUnreachable);
    CHECK_FALSE(r[0].result.error().outcome_unknown());
  }
}

TEST_CASE("RelayClient: errors never carry the searcher key", "[executor][relay]") {
  FaultServer s{[](const std::string&, size_t) { return reply_json("not json"); }};
  RelayClient client({s.url()}, key(), quick());
  auto r = client.send_bundle(one_tx_bundle(1));
  REQUIRE_FALSE(r[0].result);
  const std::string text = to_string(r[0].result.error());
  CHECK(text.find(std::string(kKey).substr(2)) == std::string::npos);
  CHECK(text.find("eth_sendBundle") != std::string::npos);
}
