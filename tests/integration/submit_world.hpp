#pragma once
// A real anvil that mines only when told (--no-mining) and a real SQLite
// journal in a private temp folder, for tests of the Submitter: orders to
// journal, transfers to send, blocks to mine, and the chain read on its own.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "temp_dir.hpp"
#include "value_of.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/executor/submitter.hpp"

namespace perpx::test {

inline const core::U256 kEth = core::U256{1'000'000'000} * core::U256{1'000'000'000};

struct SubmitWorld {
  TempDir dir;
  chain::LocalChain node;
  chain::RpcClient rpc;
  std::optional<executor::Journal> journal;
  std::string client_prefix;
  int orders = 0;

  explicit SubmitWorld(std::string prefix) : node(options()), rpc(node.client()), client_prefix(std::move(prefix)) {
    journal.emplace(value_of(executor::Journal::open(dir.path / "journal.sqlite")));
    value_of(rpc.request("anvil_mine", core::Json::array({"0x3"})));
  }
  ~SubmitWorld() { journal.reset(); }  // closed before its folder goes
  static chain::LocalChainOptions options() {
    chain::LocalChainOptions o;
    o.no_mining = true;
    return o;
  }
  [[nodiscard]] const chain::Address& me() const { return node.accounts()[0]; }
  // A journalled order the test's transactions belong to.
  int64_t order(executor::Journal& j, std::string_view urgency = "normal") {
    executor::OrderRecord o;
    o.client_order_id = client_prefix + std::to_string(++orders);
    o.venue = "ref";
    o.market = "ETH";
    o.side = "buy";
    o.size = "1";
    o.limit_price = "3000";
    o.urgency = std::string(urgency);
    o.path = "public";
    o.strategy = "test";
    return value_of(j.add_order(o));
  }
  // 1 wei (or `value`) to the second dev account.
  [[nodiscard]] executor::TxnRequest transfer(core::U256 value = core::U256{1}) const {
    return executor::TxnRequest{node.accounts()[1], {}, value, 21'000};
  }
  static executor::SubmitRequest req(int64_t order_id, executor::TxnRequest txn, executor::Urgency u) {
    executor::SubmitRequest r;
    r.order_id = order_id;
    r.txn = std::move(txn);
    r.urgency = u;
    r.notional_wei = core::U256{100} * kEth;
    return r;
  }
  chain::BlockHeader mine() {
    value_of(rpc.request("evm_mine", core::Json::array()));
    return value_of(rpc.block_header(chain::Tag::kLatest)).value();
  }
  uint64_t mined_nonce() { return value_of(rpc.transaction_count(me(), chain::Tag::kLatest)); }
  // The state of the order's latest txn.
  std::string state_of(int64_t order_id) { return value_of(journal->txns(order_id)).back().state; }
};

}  // namespace perpx::test
