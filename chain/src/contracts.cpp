// Artifacts, deployment, transactions and eth_call for contracts we control.
#include "perpx/chain/contracts.hpp"

#include <fstream>
#include <sstream>
#include <thread>

#include "perpx/chain/abi.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/txn.hpp"

namespace perpx::chain {

std::string_view describe(ContractErrc e) noexcept {
  switch (e) {
    case ContractErrc::kArtifact:
      return "bad contract artifact";
    case ContractErrc::kAbi:
      return "ABI mismatch";
    case ContractErrc::kRpc:
      return "RPC failure";
    case ContractErrc::kReverted:
      return "reverted";
    case ContractErrc::kTimeout:
      return "no receipt in time";
    case ContractErrc::kNoAddress:
      return "no contract address in the receipt";
  }
  return "contract error";
}

std::string describe(const ContractError& e) {
  std::string s = e.message.empty() ? std::string(describe(e.code)) : e.message;
  if (e.rpc) {
    s += ": " + to_string(*e.rpc);
    if (!e.rpc->revert_reason.empty()) s += " (" + e.rpc->revert_reason + ")";
  }
  return s;
}

namespace {

ContractError error(ContractErrc code, std::string message) { return ContractError{code, std::move(message), {}}; }

ContractError rpc_error(std::string where, RpcError e) {
  const auto code = e.code == RpcErrc::kExecutionReverted ? ContractErrc::kReverted : ContractErrc::kRpc;
  return ContractError{code, std::move(where), std::move(e)};
}

ContractResult<Bytes> hex_field(const core::Json& j, std::string_view key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return std::unexpected(error(ContractErrc::kArtifact, where + ": no " + std::string(key)));
  auto b = core::parse_hex(it->get<std::string>());
  if (!b) return std::unexpected(error(ContractErrc::kArtifact, where + ": " + std::string(key) + " is not hex"));
  return std::move(*b);
}

ContractResult<AbiFragment> parse_function(std::string_view signature) {
  auto f = parse_signature(signature, AbiKind::kFunction);
  if (!f) return std::unexpected(error(ContractErrc::kAbi, std::string(signature) + ": " + describe(f.error())));
  return std::move(*f);
}

}  // namespace

ContractResult<Artifact> load_artifact(const std::filesystem::path& dir, std::string_view name) {
  const auto file = dir / (std::string(name) + ".json");
  const std::string where = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(error(ContractErrc::kArtifact, where + ": cannot read"));
  std::ostringstream text;
  text << in.rdbuf();
  auto j = core::parse_json(text.str());
  if (!j) return std::unexpected(error(ContractErrc::kArtifact, where + ": " + j.error()));
  Artifact a;
  a.name = std::string(name);
  if (!j->contains("abi") || !(*j)["abi"].is_array())
    return std::unexpected(error(ContractErrc::kArtifact, where + ": no abi"));
  a.abi = (*j)["abi"];
  auto code = hex_field(*j, "bytecode", where);
  if (!code) return std::unexpected(code.error());
  if (code->empty()) return std::unexpected(error(ContractErrc::kArtifact, where + ": empty bytecode"));
  a.bytecode = std::move(*code);
  auto deployed = hex_field(*j, "deployedBytecode", where);
  if (!deployed) return std::unexpected(deployed.error());
  a.deployed_bytecode = std::move(*deployed);
  return a;
}

ContractResult<Bytes> encode_call(std::string_view signature, const core::Json& args) {
  auto f = parse_function(signature);
  if (!f) return std::unexpected(f.error());
  Bytes data;
  if (auto r = chain::encode_call(data, *f, args); !r)
    return std::unexpected(error(ContractErrc::kAbi, std::string(signature) + ": " + describe(r.error())));
  return data;
}

ContractResult<core::Json> call(RpcClient& rpc, const Address& to, std::string_view signature, const core::Json& args,
                                BlockRef at) {
  auto f = parse_function(signature);
  if (!f) return std::unexpected(f.error());
  CallRequest req;
  req.to = to;
  if (auto r = chain::encode_call(req.data, *f, args); !r)
    return std::unexpected(error(ContractErrc::kAbi, std::string(signature) + ": " + describe(r.error())));
  auto out = rpc.call(req, at);
  if (!out) return std::unexpected(rpc_error(std::string(signature), std::move(out.error())));
  if (!f->has_outputs) return core::Json::array();
  auto decoded = decode(f->outputs, *out);
  if (!decoded)
    return std::unexpected(error(ContractErrc::kAbi, std::string(signature) + " result: " + describe(decoded.error())));
  return std::move(*decoded);
}

ContractResult<Address> deployed_address(const Receipt& r) {
  if (!r.contract_address)
    return std::unexpected(error(ContractErrc::kNoAddress, "receipt of " + core::to_hex(r.txn_hash)));
  return *r.contract_address;
}

TxnSender::TxnSender(RpcClient& rpc, signer::SecretKey key, uint64_t chain_id)
    : rpc_(&rpc), key_(std::move(key)), address_(signer::address_of(key_)), chain_id_(chain_id) {}

ContractResult<TxnSender> TxnSender::make(RpcClient& rpc, signer::SecretKey key) {
  auto id = rpc.chain_id();
  if (!id) return std::unexpected(rpc_error("chain id", std::move(id.error())));
  return TxnSender(rpc, std::move(key), *id);
}

ContractResult<Hash32> TxnSender::submit(const std::optional<Address>& to, Bytes data, const TxnOptions& opts) {
  signer::Txn txn;
  txn.type = signer::TxnType::kDynamicFee;
  txn.chain_id = U256{chain_id_};
  txn.to = to;
  txn.value = opts.value;
  txn.data = std::move(data);

  auto nonce = rpc_->transaction_count(address_, Tag::kPending);
  if (!nonce) return std::unexpected(rpc_error("nonce", std::move(nonce.error())));
  txn.nonce = *nonce;

  auto head = rpc_->block_header(Tag::kLatest);
  if (!head) return std::unexpected(rpc_error("base fee", std::move(head.error())));
  const U256 base_fee = (*head && (*head)->base_fee) ? *(*head)->base_fee : U256{};
  txn.max_priority_fee_per_gas = opts.max_priority_fee_per_gas;
  txn.max_fee_per_gas = base_fee + base_fee + opts.max_priority_fee_per_gas;

  txn.gas_limit = opts.gas_limit;
  if (txn.gas_limit == 0) {
    CallRequest req;
    req.from = address_;
    req.to = to;
    req.data = txn.data;
    req.value = opts.value;
    auto gas = rpc_->estimate_gas(req);
    if (!gas) return std::unexpected(rpc_error("estimate gas", std::move(gas.error())));
    txn.gas_limit = *gas + *gas / 5;
  }

  signer::sign_and_encode(raw_, scratch_, txn, key_);
  auto hash = rpc_->send_raw_transaction(raw_);
  if (!hash) return std::unexpected(rpc_error("send", std::move(hash.error())));
  return *hash;
}

ContractResult<Receipt> TxnSender::wait(const Hash32& txn_hash, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::milliseconds(2);
  for (;;) {
    auto r = rpc_->transaction_receipt(txn_hash);
    if (!r) return std::unexpected(rpc_error("receipt of " + core::to_hex(txn_hash), std::move(r.error())));
    if (*r) {
      if (!(*r)->success)
        return std::unexpected(error(ContractErrc::kReverted, "transaction " + core::to_hex(txn_hash) + " reverted"));
      return std::move(**r);
    }
    if (Clock::now() >= deadline)
      return std::unexpected(error(ContractErrc::kTimeout, "no receipt for " + core::to_hex(txn_hash)));
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

ContractResult<Receipt> TxnSender::send(const std::optional<Address>& to, Bytes data, const TxnOptions& opts) {
  auto hash = submit(to, std::move(data), opts);
  if (!hash) return std::unexpected(hash.error());
  return wait(*hash, opts.timeout);
}

ContractResult<Receipt> TxnSender::transact(const Address& to, std::string_view signature, const core::Json& args,
                                            const TxnOptions& opts) {
  auto data = encode_call(signature, args);
  if (!data) return std::unexpected(data.error());
  auto r = send(to, std::move(*data), opts);
  if (!r) r.error().message = std::string(signature) + ": " + r.error().message;
  return r;
}

ContractResult<Hash32> TxnSender::submit_deploy(const Artifact& a, std::string_view ctor_types, const core::Json& args,
                                                const TxnOptions& opts) {
  Bytes data = a.bytecode;
  if (!ctor_types.empty()) {
    auto f = parse_signature(ctor_types, AbiKind::kFunction);
    if (!f) return std::unexpected(error(ContractErrc::kAbi, a.name + " constructor: " + describe(f.error())));
    if (auto r = encode(data, f->inputs, args); !r)
      return std::unexpected(error(ContractErrc::kAbi, a.name + " constructor: " + describe(r.error())));
  }
  auto hash = submit(std::nullopt, std::move(data), opts);
  if (!hash) hash.error().message = "deploy " + a.name + ": " + hash.error().message;
  return hash;
}

ContractResult<Address> TxnSender::deploy(const Artifact& a, std::string_view ctor_types, const core::Json& args,
                                          const TxnOptions& opts) {
  auto hash = submit_deploy(a, ctor_types, args, opts);
  if (!hash) return std::unexpected(hash.error());
  auto r = wait(*hash, opts.timeout);
  if (!r) {
    r.error().message = "deploy " + a.name + ": " + r.error().message;
    return std::unexpected(r.error());
  }
  return deployed_address(*r);
}

}  // namespace perpx::chain
