// RpcClient and LocalChain against a real anvil (npm @foundry-rs/anvil).
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "fault_server.hpp"
#include "value_of.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/txn.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;

using perpx::test::value_of;

namespace {

constexpr uint64_t kGwei = 1'000'000'000;

Bytes hex(std::string_view s) { return *core::parse_hex(s); }

Bytes sign_1559(const signer::SecretKey& key, uint64_t nonce, std::optional<Address> to, U256 value, Bytes data = {},
                uint64_t gas = 21000, U256 max_fee = 10 * kGwei, U256 tip = kGwei) {
  signer::Txn t;
  t.type = signer::TxnType::kDynamicFee;
  t.chain_id = 31337;
  t.nonce = nonce;
  t.max_priority_fee_per_gas = tip;
  t.max_fee_per_gas = max_fee;
  t.gas_limit = gas;
  t.to = to;
  t.value = value;
  t.data = std::move(data);
  Bytes out, scratch;
  signer::sign_and_encode(out, scratch, t, key);
  return out;
}

// The value of a call that must succeed (the error is the failure message).
Address addr(std::string_view s) { return *core::parse_address(s); }

// The receipt of a sent transaction. anvil's automine can answer the send
// before the block is mined, so the receipt may be null for a moment: poll, bounded.
Receipt wait_receipt(RpcClient& c, const Hash32& h) {
  for (int i = 0; i < 250; ++i) {
    auto r = value_of(c.transaction_receipt(h));
    if (r) return *r;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("no receipt within 5 s");
  return {};
}

// Deploys init code from dev account 0 (automine) and returns the address.
Address deploy(LocalChain& chain, RpcClient& c, std::string_view init_code) {
  auto key = chain.dev_key(0);
  auto nonce = c.transaction_count(chain.accounts()[0]);
  REQUIRE(nonce);
  auto raw = sign_1559(key, *nonce, std::nullopt, 0, hex(init_code), 200000);
  auto r = wait_receipt(c, value_of(c.send_raw_transaction(raw)));
  REQUIRE(r.success);
  REQUIRE(r.contract_address);
  return *r.contract_address;
}

// LOG1(topic 0xaa) with the calldata as data.
constexpr std::string_view kLoggerInit = "0x600d80600b6000396000f336600060003760aa366000a100";
// REVERT with the calldata as revert data.
constexpr std::string_view kReflectorInit = "0x600a80600b6000396000f3366000600037366000fd";

Hash32 topic_aa() {
  Hash32 h;
  h.bytes[31] = 0xaa;
  return h;
}

}  // namespace

TEST_CASE("LocalChain starts anvil, answers, and stops by pid", "[anvil][chain][local]") {
  pid_t pid = 0;
  {
    LocalChain chain;
    pid = chain.pid();
    REQUIRE(pid > 0);
    CHECK(chain.rpc_url().starts_with("http://127.0.0.1:"));
    CHECK(chain.ws_url() == "ws://127.0.0.1:" + std::to_string(chain.port()));
    REQUIRE(chain.accounts().size() == 10);
    CHECK(chain.accounts()[0] == addr("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    CHECK(signer::address_of(chain.dev_key(0)) == chain.accounts()[0]);
    CHECK(chain.dev_key(0).expose_secret() ==
          signer::SecretKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")->expose_secret());

    auto c = chain.client();
    CHECK(value_of(c.chain_id()) == 31337u);
    CHECK(value_of(c.block_number()) == 0u);
    auto latest = c.block_header(Tag::kLatest);
    REQUIRE(latest);
    REQUIRE(latest->has_value());
    CHECK((*latest)->number == 0);
    CHECK((*latest)->base_fee.has_value());
    CHECK((*latest)->gas_limit == 30'000'000);
    auto by_num = c.block_header(BlockNum{0});
    REQUIRE(by_num);
    CHECK(*by_num == *latest);
    auto by_hash = c.block_header_by_hash((*latest)->hash);
    REQUIRE(by_hash);
    CHECK(*by_hash == *latest);
    CHECK(value_of(c.block_header(BlockNum{5})) == std::optional<BlockHeader>{});  // not yet mined: null
    Hash32 unknown;
    unknown.bytes[0] = 1;
    CHECK(value_of(c.block_header_by_hash(unknown)) == std::optional<BlockHeader>{});
    auto pending = c.block_header(Tag::kPending);
    REQUIRE(pending);
    CHECK(pending->has_value());
    CHECK(value_of(c.balance(chain.accounts()[1])) == U256(10000) * U256(1'000'000'000'000'000'000ull));

    LocalChain other;  // a second chain at the same time gets its own port
    CHECK(other.port() != chain.port());
    CHECK(value_of(other.client().block_number()) == 0u);
  }
  // Stopped and reaped: the pid no longer exists (no zombie either).
  CHECK(kill(pid, 0) == -1);
  CHECK(errno == ESRCH);
}

TEST_CASE("LocalChain reports a start failure with anvil's output", "[anvil][chain][local]") {
  LocalChainOptions o;
  o.extra_args = {"--no-such-flag"};
  auto r = LocalChain::start(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("exited with status") != std::string::npos);
  CHECK(r.error().find("no-such-flag") != std::string::npos);

  o.extra_args.clear();
  o.anvil_path = "/nonexistent/anvil";
  r = LocalChain::start(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("not found") != std::string::npos);
  CHECK_THROWS_AS(LocalChain(o), std::runtime_error);
}

TEST_CASE("safe and finalized follow --slots-in-an-epoch", "[anvil][chain][rpc]") {
  LocalChainOptions o;
  o.slots_in_an_epoch = 4;
  LocalChain chain(o);
  auto c = chain.client();
  REQUIRE(c.request("anvil_mine", Json::array({"0x14"})));
  CHECK(value_of(c.block_number()) == 20u);
  auto num = [&](Tag t) {
    auto h = c.block_header(t);
    REQUIRE(h);
    REQUIRE(h->has_value());
    return (*h)->number;
  };
  CHECK(num(Tag::kLatest) == 20);
  CHECK(num(Tag::kSafe) == 16);
  CHECK(num(Tag::kFinalized) == 12);
  CHECK(num(Tag::kEarliest) == 0);
}

TEST_CASE("a signed EIP-1559 transfer: send, receipt, transaction, typed refusals", "[anvil][chain][rpc]") {
  LocalChain chain;
  auto c = chain.client();
  auto key = chain.dev_key(0);
  const Address to = addr("0x000000000000000000000000000000000000dEaD");
  REQUIRE(value_of(c.transaction_count(chain.accounts()[0])) == 0u);

  auto raw = sign_1559(key, 0, to, 12345);
  auto h = c.send_raw_transaction(raw);
  REQUIRE(h);
  CHECK(*h == core::keccak256(raw));
  const Receipt rc = wait_receipt(c, *h);
  CHECK(rc.success);
  CHECK(rc.txn_hash == *h);
  CHECK(rc.block_number == 1);
  CHECK(rc.gas_used == 21000);
  CHECK(rc.effective_gas_price > U256(0));
  CHECK_FALSE(rc.contract_address);
  CHECK(rc.logs.empty());
  // anvil can report a just-mined transaction from its pool (no block yet) for
  // a moment after the receipt exists: poll, bounded.
  auto t = c.transaction_by_hash(*h);
  for (int i = 0; i < 100 && t && t->has_value() && !(*t)->block_number; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    t = c.transaction_by_hash(*h);
  }
  REQUIRE(t);
  REQUIRE(t->has_value());
  CHECK((*t)->from == chain.accounts()[0]);
  CHECK((*t)->nonce == 0);
  CHECK((*t)->block_number == 1u);
  CHECK((*t)->block_hash == rc.block_hash);
  CHECK(value_of(c.balance(to)) == U256(12345));
  CHECK(value_of(c.transaction_count(chain.accounts()[0])) == 1u);
  Hash32 missing;
  missing.bytes[5] = 7;
  CHECK(value_of(c.transaction_receipt(missing)) == std::optional<Receipt>{});
  CHECK(value_of(c.transaction_by_hash(missing)) == std::optional<TxnInfo>{});

  // The same raw transaction again, and another one with the used nonce.
  auto replay = c.send_raw_transaction(raw);
  REQUIRE_FALSE(replay);
  INFO(to_string(replay.error()));
  CHECK((replay.error().code == RpcErrc::kNonceTooLow || replay.error().code == RpcErrc::kAlreadyKnown));
  CHECK(replay.error().cls == ErrorClass::kNonRetryable);
  auto stale = c.send_raw_transaction(sign_1559(key, 0, to, 1));
  REQUIRE_FALSE(stale);
  INFO(to_string(stale.error()));
  CHECK(stale.error().code == RpcErrc::kNonceTooLow);
  CHECK(stale.error().cls == ErrorClass::kNonRetryable);

  // More value than the account holds.
  auto broke = c.send_raw_transaction(sign_1559(key, 1, to, U256(1'000'000) * U256(1'000'000'000'000'000'000ull)));
  REQUIRE_FALSE(broke);
  INFO(to_string(broke.error()));
  CHECK(broke.error().code == RpcErrc::kInsufficientFunds);

  // Gas estimation and fee market reads.
  CallRequest transfer;
  transfer.from = chain.accounts()[0];
  transfer.to = to;
  transfer.value = U256(1);
  CHECK(value_of(c.estimate_gas(transfer)) == 21000u);
  auto tip = c.max_priority_fee_per_gas();
  REQUIRE(tip);
  auto gp = c.gas_price();
  REQUIRE(gp);
  CHECK(*gp > U256(0));
  REQUIRE(c.request("anvil_mine", Json::array({"0x3"})));
  // anvil may answer before its automined block 1 is in place (FIELD-NOTES): wait for block 4.
  for (int i = 0; i < 500 && value_of(c.block_number()) < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(value_of(c.block_number()) == 4);
  // anvil's fee-history cache is filled in the background and can trail the
  // head by a few milliseconds: ask again (bounded) until it covers 4 blocks.
  auto fh = c.fee_history(4, Tag::kLatest, {25.0, 75.0});
  for (int i = 0; i < 500 && fh && fh->gas_used_ratio.size() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    fh = c.fee_history(4, Tag::kLatest, {25.0, 75.0});
  }
  REQUIRE(fh);
  CHECK(fh->oldest_block == 1);
  CHECK(fh->gas_used_ratio.size() == 4);
  CHECK(fh->base_fee_per_gas.size() == 5);
  REQUIRE(fh->reward.size() == 4);
  CHECK(fh->reward[0].size() == 2);
  CHECK(fh->reward[0][0] == U256(kGwei));  // the one transfer paid a 1 gwei tip
}

TEST_CASE("mempool: replacement underpriced, already known, pending transaction", "[anvil][chain][rpc]") {
  LocalChainOptions o;
  o.no_mining = true;
  LocalChain chain(o);
  auto c = chain.client();
  auto key = chain.dev_key(0);
  const Address to = addr("0x000000000000000000000000000000000000dEaD");
  auto a = sign_1559(key, 0, to, 1);
  auto ha = c.send_raw_transaction(a);
  REQUIRE(ha);
  auto pending = c.transaction_by_hash(*ha);
  REQUIRE(pending);
  REQUIRE(pending->has_value());
  CHECK_FALSE((*pending)->block_number);
  CHECK_FALSE((*pending)->block_hash);
  CHECK(value_of(c.transaction_receipt(*ha)) == std::optional<Receipt>{});

  auto b = c.send_raw_transaction(sign_1559(key, 0, to, 2));  // same nonce, same fees
  REQUIRE_FALSE(b);
  INFO(to_string(b.error()));
  CHECK(b.error().code == RpcErrc::kReplacementUnderpriced);
  CHECK(b.error().cls == ErrorClass::kNonRetryable);

  auto again = c.send_raw_transaction(a);
  REQUIRE_FALSE(again);
  INFO(to_string(again.error()));
  CHECK(again.error().code == RpcErrc::kAlreadyKnown);

  auto pool = c.txpool_content();
  REQUIRE(pool);
  CHECK(pool->contains("pending"));

  REQUIRE(c.request("evm_mine", Json::array()));
  CHECK(wait_receipt(c, *ha).block_number == 1);
}

TEST_CASE("reverts from a real contract decode to their reasons", "[anvil][chain][rpc]") {
  LocalChain chain;
  auto c = chain.client();
  const Address reflector = deploy(chain, c, kReflectorInit);
  CallRequest req;
  req.to = reflector;
  auto revert_with = [&](std::string_view data) {
    req.data = hex(data);
    auto r = c.call(req);
    REQUIRE_FALSE(r);
    INFO(to_string(r.error()));
    CHECK(r.error().code == RpcErrc::kExecutionReverted);
    CHECK(r.error().cls == ErrorClass::kNonRetryable);
    CHECK(r.error().revert_data == req.data);
    return r.error().revert_reason;
  };
  // Error("boom")
  CHECK(revert_with("0x08c379a0"
                    "0000000000000000000000000000000000000000000000000000000000000020"
                    "0000000000000000000000000000000000000000000000000000000000000004"
                    "626f6f6d00000000000000000000000000000000000000000000000000000000") == "boom");
  CHECK(revert_with("0x4e487b710000000000000000000000000000000000000000000000000000000000000011") ==
        "panic 0x11 (arithmetic overflow)");
  CHECK(revert_with("0xdeadbeef00000000000000000000000000000000000000000000000000000000000000ff") ==
        "custom error 0xdeadbeef");
  CHECK(revert_with("0x") == "");

  req.data = hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000012");
  auto est = c.estimate_gas(req);
  REQUIRE_FALSE(est);
  CHECK(est.error().code == RpcErrc::kExecutionReverted);
  CHECK(est.error().revert_reason == "panic 0x12 (division by zero)");
}

TEST_CASE("getLogs: logs of a real contract, and range splitting behind a limiting proxy", "[anvil][chain][rpc]") {
  LocalChain chain;
  auto c = chain.client();
  const Address logger = deploy(chain, c, kLoggerInit);  // block 1
  auto key = chain.dev_key(0);
  for (uint64_t i = 0; i < 12; ++i) {  // blocks 2..13, one log each
    Bytes data(1, static_cast<uint8_t>(i));
    wait_receipt(c, value_of(c.send_raw_transaction(sign_1559(key, 1 + i, logger, 0, data, 50000))));
  }
  REQUIRE(value_of(c.block_number()) == 13u);
  LogFilter f;
  f.addresses = {logger};
  f.topics = {{topic_aa()}};
  auto direct = c.get_logs(f, 0, 13);
  REQUIRE(direct);
  REQUIRE(direct->size() == 12);
  for (size_t i = 0; i < 12; ++i) {
    CHECK((*direct)[i].address == logger);
    CHECK((*direct)[i].block_number == 2 + i);
    CHECK((*direct)[i].data == Bytes(1, static_cast<uint8_t>(i)));
    CHECK((*direct)[i].topics == std::vector<Hash32>{topic_aa()});
  }
  auto one = c.get_logs_by_block_hash(f, (*direct)[3].block_hash);
  REQUIRE(one);
  REQUIRE(one->size() == 1);
  CHECK(one->front() == (*direct)[3]);
  LogFilter other = f;
  other.topics = {{}, {topic_aa()}};  // a second topic that no log has
  CHECK(value_of(c.get_logs(other, 0, 13)) == std::vector<Log>{});

  // A proxy that refuses ranges above 3 blocks, as hosted nodes do.
  HttpTransport upstream(chain.rpc_url());
  test::FaultServer proxy([&](const std::string& body, size_t) {
    auto j = *core::parse_json(body);
    if (j["method"] == "eth_getLogs") {
      auto from = parse_quantity_u64(j["params"][0]["fromBlock"]);
      auto to = parse_quantity_u64(j["params"][0]["toBlock"]);
      if (*to - *from + 1 > 3)
        return test::FaultReply{test::http_reply(200, test::rpc_error(j["id"], -32005, "query exceeds max block range 3"))};
    }
    auto r = upstream.round_trip(body, std::chrono::seconds(5), false);
    return test::FaultReply{test::http_reply(200, r ? *r : std::string("{}"))};
  });
  auto via = make_http_client(proxy.url());
  auto split = via.get_logs(f, 1, 13);
  REQUIRE(split);
  CHECK(*split == *direct);
  // 13 blocks: refused at 13 and 6, then [1-3] [4-6] [7-9] [10-12] [13].
  CHECK(proxy.requests() == 7);
}

TEST_CASE("a batch of 100 calls comes back in request order", "[anvil][chain][rpc]") {
  LocalChain chain;
  auto c = chain.client();
  REQUIRE(c.request("anvil_mine", Json::array({"0x63"})));  // blocks 1..99
  std::vector<std::pair<std::string, Json>> calls;
  for (uint64_t i = 0; i < 100; ++i)
    calls.emplace_back("eth_getBlockByNumber", Json::array({core::to_hex_quantity(U256(i)), false}));
  auto r = c.batch(calls);
  REQUIRE(r);
  REQUIRE(r->size() == 100);
  for (uint64_t i = 0; i < 100; ++i) {
    REQUIRE((*r)[i]);
    auto h = parse_block_header(*(*r)[i]);
    REQUIRE(h);
    CHECK(h->number == i);
  }
  // A call the node does not know fails alone; the others still answer.
  auto mixed = c.batch({{"eth_blockNumber", Json::array()}, {"eth_noSuchMethod", Json::array()}, {"eth_chainId", Json::array()}});
  REQUIRE(mixed);
  REQUIRE(mixed->size() == 3);
  CHECK((*mixed)[0]);
  REQUIRE_FALSE((*mixed)[1]);
  CHECK((*mixed)[1].error().code == RpcErrc::kMethodNotFound);
  CHECK((*mixed)[1].error().cls == ErrorClass::kFatal);
  REQUIRE((*mixed)[2]);
  CHECK(*(*mixed)[2] == Json("0x7a69"));
}
