// The private path end to end: RelayClient -> StandinBuilder (the named
// stand-in for a relay/builder) -> a real anvil started with --no-mining and
// ordered by fees, where the stand-in is the block producer.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "relay_standin.hpp"
#include "value_of.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/relay.hpp"
#include "perpx/signer/txn.hpp"

using namespace perpx;
using namespace perpx::executor;
using core::Json;
using perpx::test::value_of;

namespace {

constexpr uint64_t kGwei = 1'000'000'000;

struct PrivateChain {
  chain::LocalChain lc;
  chain::RpcClient rpc;
  app::StandinBuilder builder;
  RelayClient client;
  PrivateChain()
      : lc(options()),
        rpc(lc.client()),
        builder(lc.rpc_url()),
        client({builder.url()}, signer::SecretKey::generate()) {}

  static chain::LocalChainOptions options() {
    chain::LocalChainOptions o;
    o.no_mining = true;
    o.order = "fees";
    return o;
  }
  chain::BlockNum head() { return value_of(rpc.block_number()); }
  uint64_t nonce(size_t account, chain::Tag at = chain::Tag::kPending) {
    return value_of(rpc.transaction_count(lc.accounts()[account], at));
  }
  // An EIP-1559 tx from dev account `from`; to empty = contract creation.
  core::Bytes sign(size_t from, uint64_t nonce, std::optional<chain::Address> to, core::Bytes data = {},
                   uint64_t gas = 21000, uint64_t max_fee_gwei = 100) {
    signer::Txn t;
    t.chain_id = core::U256{lc.chain_id()};
    t.nonce = nonce;
    t.max_priority_fee_per_gas = core::U256{kGwei};
    t.max_fee_per_gas = core::U256{max_fee_gwei * kGwei};
    t.gas_limit = gas;
    t.to = to;
    t.value = core::U256{to ? 1u : 0u};
    t.data = std::move(data);
    core::Bytes out, scratch;
    signer::sign_and_encode(out, scratch, t, lc.dev_key(from));
    return out;
  }
  core::Bytes transfer(size_t from, uint64_t nonce) { return sign(from, nonce, lc.accounts()[9]); }
  // Creation whose init code is PUSH0 PUSH0 REVERT: always reverts.
  core::Bytes reverting(size_t from, uint64_t nonce) { return sign(from, nonce, std::nullopt, {0x5f, 0x5f, 0xfd}, 60000); }

  app::BuiltBlock build() { return value_of(builder.build_block()); }
  std::optional<chain::Receipt> receipt(const core::Bytes& raw) {
    return value_of(rpc.transaction_receipt(core::keccak256(raw)));
  }
  std::vector<chain::Hash32> block_txns(chain::BlockNum n) {
    auto b = value_of(rpc.request("eth_getBlockByNumber", Json::array({core::to_hex_quantity(core::U256{n}), false})));
    std::vector<chain::Hash32> out;
    for (const auto& t : b["transactions"]) out.push_back(core::parse_hash32(t.get<std::string>()).value());
    return out;
  }
  Bundle bundle(std::vector<core::Bytes> txns, chain::BlockNum block) {
    Bundle b;
    b.txns = std::move(txns);
    b.block_num = block;
    return b;
  }
  chain::Hash32 send_bundle(const Bundle& b) {
    auto r = client.send_bundle(b);
    REQUIRE(r.size() == 1);
    if (!r[0].result) FAIL(to_string(r[0].result.error()));
    CHECK(*r[0].result == bundle_hash(b.txns));
    return *r[0].result;
  }
};

chain::Hash32 hash(const core::Bytes& raw) { return core::keccak256(raw); }

// A plain HTTP POST, to see status and headers as a relay client would.
struct RawReply {
  unsigned status = 0;
  std::string server;
  Json body;
};
RawReply post(uint16_t port, const std::string& body, const std::optional<std::string>& signature) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context ioc;
  asio::ip::tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::post, "/", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  if (signature) req.set("X-Flashbots-Signature", *signature);
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return {res.result_int(), std::string(res[http::field::server]), core::parse_json(res.body()).value()};
}

}  // namespace

TEST_CASE("a bundle lands in exactly the block it targets - the public pool is mined as usual", "[executor][relay][anvil]") {
  PrivateChain c;
  const chain::BlockNum h = c.head();
  const core::Bytes tx = c.transfer(1, c.nonce(1));
  const core::Bytes pub = c.transfer(2, c.nonce(2));
  REQUIRE(c.rpc.send_raw_transaction(pub));
  const chain::Hash32 bh = c.send_bundle(c.bundle({tx}, h + 2));

  auto b1 = c.build();
  CHECK(b1.number == h + 1);
  CHECK(b1.bundles_included.empty());
  CHECK_FALSE(c.receipt(tx));  // not before its block
  CHECK(c.block_txns(h + 1) == std::vector<chain::Hash32>{hash(pub)});

  auto b2 = c.build();
  CHECK(b2.number == h + 2);
  CHECK(b2.bundles_included == std::vector<chain::Hash32>{bh});
  CHECK(b2.undos == 0);
  auto r = c.receipt(tx);
  REQUIRE(r);
  CHECK(r->block_number == h + 2);
  CHECK(r->success);
  CHECK(c.block_txns(h + 2) == std::vector<chain::Hash32>{hash(tx)});
  const auto s = c.builder.stats();
  CHECK(s.bundles_received == 1);
  CHECK(s.bundles_included == 1);
  CHECK(s.held == 0);
}

TEST_CASE("a bundle whose second transaction reverts lands not at all - allowed to revert - it lands whole", "[executor][relay][anvil]") {
  PrivateChain c;
  const chain::BlockNum h = c.head();
  const uint64_t n1 = c.nonce(1);
  const core::Bytes first = c.transfer(1, n1);
  const core::Bytes second = c.reverting(1, n1 + 1);
  const core::Bytes pub = c.transfer(2, c.nonce(2));
  const core::Bytes pub_next = c.transfer(2, c.nonce(2) + 1);  // same sender, next nonce: order must survive the undo
  REQUIRE(c.rpc.send_raw_transaction(pub));
  REQUIRE(c.rpc.send_raw_transaction(pub_next));
  const chain::Hash32 bh = c.send_bundle(c.bundle({first, second}, h + 1));

  auto b = c.build();
  CHECK(b.number == h + 1);
  CHECK(b.bundles_included.empty());
  CHECK(b.bundles_failed == std::vector<chain::Hash32>{bh});
  CHECK(b.undos >= 1);
  CHECK(b.public_txns == 2);
  CHECK_FALSE(c.receipt(first));  // all or nothing: the first did not land either
  CHECK_FALSE(c.receipt(second));
  CHECK(c.nonce(1, chain::Tag::kLatest) == n1);
  CHECK(c.head() == h + 1);  // one block, not one per attempt
  CHECK(c.block_txns(h + 1) == std::vector<chain::Hash32>{hash(pub), hash(pub_next)});  // public pool kept through the undo
  CHECK(value_of(c.rpc.txpool_content())["pending"].empty());  // nothing of the bundle leaked into the pool

  // The same transactions with the second allowed to revert: both land, in order, adjacent.
  Bundle allowed = c.bundle({first, second}, h + 2);
  allowed.reverting_txn_hashes = {hash(second)};
  const chain::Hash32 bh2 = c.send_bundle(allowed);
  auto b2 = c.build();
  CHECK(b2.bundles_included == std::vector<chain::Hash32>{bh2});
  CHECK(c.block_txns(h + 2) == std::vector<chain::Hash32>{hash(first), hash(second)});
  CHECK(c.receipt(first)->success);
  CHECK_FALSE(c.receipt(second)->success);
}

TEST_CASE("a missing or bad X-Flashbots-Signature is refused as the relay refuses it", "[executor][relay][anvil]") {
  PrivateChain c;
  const core::Bytes tx = c.transfer(1, c.nonce(1));
  const std::string body = bundle_body(1, c.bundle({tx}, c.head() + 1));
  const auto searcher = signer::SecretKey::generate();

  auto missing = post(c.builder.port(), body, std::nullopt);
  CHECK(missing.status == 403);
  CHECK(missing.server.find("stand-in for a private relay/builder") != std::string::npos);
  CHECK(missing.body["error"]["code"] == -32600);
  CHECK(missing.body["error"]["message"] == "missing X-Flashbots-Signature header");
  CHECK(missing.body["id"] == 1);

  // Signed over other bytes (the body as sent has one more space).
  const std::string other = flashbots_signature(searcher, body + " ");
  auto wrong = post(c.builder.port(), body, other);
  CHECK(wrong.status == 403);
  CHECK(wrong.body["error"]["code"] == -32600);
  CHECK(wrong.body["error"]["message"] == "error in signature check " + other.substr(0, other.find(':')));

  auto garbage = post(c.builder.port(), body, "0x1234:0xzz");
  CHECK(garbage.status == 403);
  CHECK(garbage.body["error"]["message"] == "error in signature check 0x1234");

  // The same body correctly signed is taken.
  auto good = post(c.builder.port(), body, flashbots_signature(searcher, body));
  CHECK(good.status == 200);
  CHECK(good.body["result"]["bundleHash"] == core::to_hex(bundle_hash({tx})));
  const auto s = c.builder.stats();
  CHECK(s.refused_signature == 3);
  CHECK(s.bundles_received == 1);

  // JSON-RPC errors for the rest, with the relay's codes.
  const std::string bad_method = R"({"jsonrpc":"2.0","id":2,"method":"eth_callBundle","params":[{}]})";
  CHECK(post(c.builder.port(), bad_method, flashbots_signature(searcher, bad_method)).body["error"]["code"] == -32601);
  const std::string bad_tx = R"({"jsonrpc":"2.0","id":3,"method":"eth_sendBundle","params":[{"txs":["0xdeadbeef"],"blockNumber":"0x5"}]})";
  auto r = post(c.builder.port(), bad_tx, flashbots_signature(searcher, bad_tx));
  CHECK(r.body["error"]["code"] == -32602);
  const std::string not_json = "{nope";
  CHECK(post(c.builder.port(), not_json, flashbots_signature(searcher, not_json)).body["error"]["code"] == -32700);
}

TEST_CASE("a private transaction is invisible to the chain until it is included", "[executor][relay][anvil]") {
  PrivateChain c;
  const chain::BlockNum h = c.head();
  const core::Bytes tx = c.transfer(1, c.nonce(1));
  PrivateTxn t;
  t.raw = tx;
  t.max_block_num = h + 5;
  t.preferences = Json{{"fast", true}};
  auto sent = c.client.send_private_transaction(t);
  REQUIRE(sent[0].result);
  CHECK(*sent[0].result == hash(tx));

  const std::string hex = core::to_hex(hash(tx));
  CHECK(value_of(c.rpc.txpool_content()).dump().find(hex.substr(2)) == std::string::npos);
  CHECK_FALSE(value_of(c.rpc.transaction_by_hash(hash(tx))).has_value());
  CHECK(c.nonce(1) == c.nonce(1, chain::Tag::kLatest));  // not even the pending nonce moved

  auto b = c.build();
  CHECK(b.private_included == std::vector<chain::Hash32>{hash(tx)});
  auto r = c.receipt(tx);
  REQUIRE(r);
  CHECK(r->block_number == h + 1);

  // A cancelled one never lands.
  const core::Bytes tx2 = c.transfer(1, c.nonce(1));
  t.raw = tx2;
  REQUIRE(c.client.send_private_transaction(t)[0].result);
  auto cancelled = c.client.cancel_private_transaction(hash(tx2));
  REQUIRE(cancelled[0].result);
  CHECK(*cancelled[0].result);
  c.build();
  CHECK_FALSE(c.receipt(tx2));
  CHECK(c.builder.stats().held == 0);
}
