// Artifacts, deployment and transactions (chain/contracts.hpp) on a real anvil.
#include <catch2/catch.hpp>

#include <fstream>

#include "perpx/chain/contracts.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;

TEST_CASE("artifacts load from the build folder, bad ones are typed errors", "[anvil][chain][contracts]") {
  for (std::string_view name : {"DrillToken", "DrillAggregator", "UniV3Helper", "MockV3Aggregator", "MockPyth",
                                "UniswapV3Factory", "UniswapV3Pool"}) {
    auto a = load_artifact(PERPX_CONTRACTS_DIR, name);
    INFO(name);
    REQUIRE(a);
    CHECK(a->name == name);
    CHECK(a->abi.is_array());
    CHECK(a->bytecode.size() > 100);
    CHECK(a->deployed_bytecode.size() > 100);
  }
  CHECK(load_artifact(PERPX_CONTRACTS_DIR, "NoSuchContract").error().code == ContractErrc::kArtifact);
  const auto dir = std::filesystem::temp_directory_path();
  const auto bad = dir / "perpx_bad_artifact.json";
  std::ofstream(bad) << R"({"abi": [], "bytecode": "0xzz", "deployedBytecode": "0x"})";
  CHECK(load_artifact(dir, "perpx_bad_artifact").error().code == ContractErrc::kArtifact);
  std::ofstream(bad) << R"({"abi": [], "bytecode": "0x", "deployedBytecode": "0x"})";
  CHECK(load_artifact(dir, "perpx_bad_artifact").error().code == ContractErrc::kArtifact);
  std::filesystem::remove(bad);
}

TEST_CASE("deploy, transact and call, reverts are typed", "[anvil][chain][contracts]") {
  LocalChain lc;
  RpcClient rpc = lc.client();
  auto owner = TxnSender::make(rpc, lc.dev_key(0));
  REQUIRE(owner);
  CHECK(owner->address() == lc.accounts()[0]);
  CHECK(owner->chain_id() == 31337);

  const auto helper_art = *load_artifact(PERPX_CONTRACTS_DIR, "UniV3Helper");
  auto helper = owner->deploy(helper_art, "", Json::array());
  REQUIRE(helper);
  // No immutables: the code on chain is the artifact's runtime code.
  auto code = rpc.request("eth_getCode", Json::array({core::to_hex(helper->view()), "latest"}));
  REQUIRE(code);
  CHECK(*code == core::to_hex(helper_art.deployed_bytecode));

  auto token = owner->deploy(*load_artifact(PERPX_CONTRACTS_DIR, "DrillToken"), "(string,string,uint8)",
                             Json::array({"Drill USD", "USD", 6}));
  REQUIRE(token);
  CHECK(call(rpc, *token, "decimals()(uint8)", Json::array())->at(0) == "6");
  CHECK(call(rpc, *token, "symbol()(string)", Json::array())->at(0) == "USD");
  const std::string alice = core::to_checksum(lc.accounts()[1]);
  auto minted = owner->transact(*token, "mint(address,uint256)", Json::array({alice, "1234500000"}));
  REQUIRE(minted);
  CHECK(minted->logs.size() == 1);  // Transfer
  CHECK(call(rpc, *token, "balanceOf(address)(uint256)", Json::array({alice}))->at(0) == "1234500000");
  // No outputs named: an empty result.
  CHECK(*call(rpc, *token, "totalSupply()", Json::array()) == Json::array());

  // Only the owner mints: estimateGas reverts with OwnableUnauthorizedAccount (0x118cdaa7).
  auto other = TxnSender::make(rpc, lc.dev_key(1));
  REQUIRE(other);
  auto denied = other->transact(*token, "mint(address,uint256)", Json::array({alice, "1"}));
  REQUIRE_FALSE(denied);
  CHECK(denied.error().code == ContractErrc::kReverted);
  REQUIRE(denied.error().rpc);
  CHECK(denied.error().rpc->revert_reason.find("118cdaa7") != std::string::npos);
  // With a gas limit given the transaction is mined and fails: status 0.
  TxnOptions fixed;
  fixed.gas_limit = 100000;
  denied = other->transact(*token, "mint(address,uint256)", Json::array({alice, "1"}), fixed);
  REQUIRE_FALSE(denied);
  CHECK(denied.error().code == ContractErrc::kReverted);
  CHECK(call(rpc, *token, "balanceOf(address)(uint256)", Json::array({alice}))->at(0) == "1234500000");

  // Bad signatures and arguments never reach the node.
  CHECK(owner->transact(*token, "mint(address,", Json::array()).error().code == ContractErrc::kAbi);
  CHECK(owner->transact(*token, "mint(address,uint256)", Json::array({"0x12", "1"})).error().code ==
        ContractErrc::kAbi);
  CHECK(call(rpc, *token, "balanceOf(address)(uint8)", Json::array({alice})).error().code == ContractErrc::kAbi);

  // A receipt that never comes: a hash nobody sent.
  Hash32 nobody;
  nobody.bytes[0] = 7;
  CHECK(owner->wait(nobody, std::chrono::milliseconds(50)).error().code == ContractErrc::kTimeout);
}
