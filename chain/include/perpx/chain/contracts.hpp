#pragma once
// Contracts on a chain we control (a local anvil, a testnet): load a compiled
// artifact, deploy it, send transactions to it, and read it with eth_call.
// Used by `perpx chain up`, drills and integration tests; not the executor's
// submission path (no journal, no fee policy, no nonce manager: the nonce is
// the node's pending count at the time of each send).
//
// Artifacts are what contracts/compile.mjs writes: <dir>/<Name>.json =
// {"abi": [...], "bytecode": "0x..", "deployedBytecode": "0x.."}.
//
// Functions are named by signature, in any form chain::parse_signature takes:
// "updateAnswer(int256)", "latestRoundData()(uint80,int256,uint256,uint256,uint80)".
// Arguments and results are JSON in the ABI codec's conventions (abi.hpp).
//
// Errors are values (ContractError); a node error keeps its RpcError. Every
// function allocates and blocks on the RPC client; one thread at a time.
#include <chrono>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "perpx/chain/rpc.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::chain {

enum class [[nodiscard]] ContractErrc{
    kArtifact,   // missing, unreadable, or without abi/bytecode
    kAbi,        // a signature, argument or result does not fit the ABI
    kRpc,        // the node or transport failed (see rpc)
    kReverted,   // the call or transaction reverted (rpc->revert_reason when known)
    kTimeout,    // no receipt in time
    kNoAddress,  // a deployment receipt without a contract address
};
std::string_view describe(ContractErrc e) noexcept;

struct ContractError {
  ContractErrc code = ContractErrc::kRpc;
  std::string message;          // what and where: "MockPyth.json: no bytecode"
  std::optional<RpcError> rpc;  // kRpc, and kReverted from eth_call/estimateGas
};
std::string describe(const ContractError& e);

template <class T>
using ContractResult = std::expected<T, ContractError>;

struct Artifact {
  std::string name;
  core::Json abi;  // the solc JSON ABI array
  Bytes bytecode;  // creation code
  Bytes deployed_bytecode;
};

// Reads <dir>/<name>.json.
ContractResult<Artifact> load_artifact(const std::filesystem::path& dir, std::string_view name);

// eth_call of `signature` with `args` on `to`; the result decoded with the
// signature's outputs (an empty JSON array when it names none).
ContractResult<core::Json> call(RpcClient& rpc, const Address& to, std::string_view signature, const core::Json& args,
                                BlockRef at = Tag::kLatest);

struct TxnOptions {
  U256 value;                                    // wei sent with the transaction
  uint64_t gas_limit = 0;                        // 0: eth_estimateGas plus a fifth
  U256 max_priority_fee_per_gas{1'000'000'000};  // 1 gwei
  std::chrono::milliseconds timeout{60'000};     // waiting for the receipt
};

// Signs EIP-1559 transactions with one key and sends them through one RPC
// client. Fees: the given tip, and a max fee of twice the latest base fee
// plus the tip. Owns the key (never printed).
class TxnSender {
 public:
  // Asks the node for its chain id.
  static ContractResult<TxnSender> make(RpcClient& rpc, signer::SecretKey key);

  [[nodiscard]] const Address& address() const noexcept { return address_; }
  [[nodiscard]] uint64_t chain_id() const noexcept { return chain_id_; }
  [[nodiscard]] RpcClient& rpc() const noexcept { return *rpc_; }

  // Sends without waiting: the transaction hash. `to` empty: a creation.
  ContractResult<Hash32> submit(const std::optional<Address>& to, Bytes data, const TxnOptions& opts = {});
  // Polls for the receipt until `timeout`; a receipt with status 0 is kReverted.
  ContractResult<Receipt> wait(const Hash32& txn_hash, std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // submit + wait.
  ContractResult<Receipt> send(const std::optional<Address>& to, Bytes data, const TxnOptions& opts = {});
  // Calls `signature` with `args` on `to` in a transaction and waits for it.
  ContractResult<Receipt> transact(const Address& to, std::string_view signature, const core::Json& args,
                                   const TxnOptions& opts = {});
  // Creation data: the artifact's bytecode, then the constructor arguments
  // encoded as the type list `ctor_types` ("(uint8,int256)", "" for none).
  ContractResult<Hash32> submit_deploy(const Artifact& a, std::string_view ctor_types, const core::Json& args,
                                       const TxnOptions& opts = {});
  // submit_deploy + wait: the new contract's address.
  ContractResult<Address> deploy(const Artifact& a, std::string_view ctor_types, const core::Json& args,
                                 const TxnOptions& opts = {});

 private:
  TxnSender(RpcClient& rpc, signer::SecretKey key, uint64_t chain_id);
  RpcClient* rpc_;
  signer::SecretKey key_;
  Address address_;
  uint64_t chain_id_;
  Bytes raw_;
  Bytes scratch_;
};

// The address a deployment receipt names (kNoAddress if none).
ContractResult<Address> deployed_address(const Receipt& r);

// Encodes a call: selector + arguments (kAbi on a bad signature or argument).
ContractResult<Bytes> encode_call(std::string_view signature, const core::Json& args);

}  // namespace perpx::chain
