#pragma once
// A fresh anvil with a client and dev account 0 as the sender, for tests
// that deploy compiled contracts (build/contracts) and drive them.
#include <catch2/catch.hpp>

#include "perpx/chain/contracts.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/local_chain.hpp"

namespace perpx::test {

struct ContractChain {
  chain::LocalChain lc;
  chain::RpcClient rpc;
  chain::TxnSender sender;
  ContractChain()
      : lc(chain::LocalChainOptions{}), rpc(lc.client()), sender(*chain::TxnSender::make(rpc, lc.dev_key(0))) {}

  chain::Artifact artifact(std::string_view name) {
    auto a = chain::load_artifact(PERPX_CONTRACTS_DIR, name);
    REQUIRE(a);
    return std::move(*a);
  }
  chain::Address deploy(std::string_view name, std::string_view types, const core::Json& args) {
    auto a = sender.deploy(artifact(name), types, args);
    INFO((a ? "" : chain::describe(a.error())));
    REQUIRE(a);
    return *a;
  }
  chain::Receipt send(const chain::Address& to, std::string_view sig, const core::Json& args, chain::U256 value = {}) {
    chain::TxnOptions o;
    o.value = value;
    auto r = sender.transact(to, sig, args, o);
    INFO((r ? "" : chain::describe(r.error())));
    REQUIRE(r);
    return std::move(*r);
  }
  core::Json read(const chain::Address& to, std::string_view sig, const core::Json& args = core::Json::array()) {
    auto r = chain::call(rpc, to, sig, args);
    INFO((r ? "" : chain::describe(r.error())));
    REQUIRE(r);
    return std::move(*r);
  }
  chain::BlockHeader head(chain::BlockRef at = chain::Tag::kLatest) {
    auto h = chain::resolve_block(rpc, at);
    REQUIRE(h);
    return *h;
  }
  void advance(uint64_t seconds) {
    REQUIRE(rpc.request("evm_increaseTime", core::Json::array({seconds})));
    REQUIRE(rpc.request("evm_mine", core::Json::array()));
  }
};

}  // namespace perpx::test
