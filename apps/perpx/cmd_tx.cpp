// tx sign|decode. Transaction JSON uses the JSON-RPC field names.
#include <set>

#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/txn.hpp"

namespace perpx::app {

namespace {

using signer::Txn;
using signer::TxnType;

const core::Json* field(const core::Json& j, std::initializer_list<const char*> names, std::string& used) {
  const core::Json* found = nullptr;
  for (const char* n : names) {
    if (!j.contains(n)) continue;
    if (found) fail(std::string("tx: give only one of '") + used + "' and '" + n + "'");
    found = &j[n];
    used = n;
  }
  return found;
}

core::U256 quantity(const core::Json& j, std::initializer_list<const char*> names, bool required) {
  std::string used = *names.begin();
  const core::Json* v = field(j, names, used);
  if (!v || v->is_null()) {
    if (required) fail("tx." + used + ": missing");
    return {};
  }
  return take(core::json_quantity(*v), "tx." + used);
}

uint64_t quantity_u64(const core::Json& j, std::initializer_list<const char*> names, bool required) {
  const core::U256 v = quantity(j, names, required);
  if (!v.fits_u64()) fail(std::string("tx.") + *names.begin() + ": above 2^64-1");
  return v.w[0];
}

std::vector<signer::AccessTuple> access_list(const core::Json& j) {
  if (!j.is_array()) fail("tx.accessList: must be an array");
  std::vector<signer::AccessTuple> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const std::string path = "tx.accessList[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("address") || !e["address"].is_string()) fail(path + ".address: missing");
    signer::AccessTuple t;
    t.address = take(core::parse_address(e["address"].get<std::string>()), path + ".address");
    if (e.contains("storageKeys")) {
      if (!e["storageKeys"].is_array()) fail(path + ".storageKeys: must be an array");
      for (const auto& k : e["storageKeys"]) {
        if (!k.is_string()) fail(path + ".storageKeys: keys must be 0x hex strings");
        t.storage_keys.push_back(take(core::parse_hash32(k.get<std::string>()), path + ".storageKeys"));
      }
    }
    for (auto it = e.begin(); it != e.end(); ++it)
      if (it.key() != "address" && it.key() != "storageKeys") fail(path + ": unknown field '" + it.key() + "'");
    out.push_back(std::move(t));
  }
  return out;
}

struct ParsedTxn {
  Txn txn;
  std::optional<core::Address> from;  // checked against the key when given
};

ParsedTxn txn_from_json(const core::Json& j) {
  if (!j.is_object()) fail("tx: must be a JSON object");
  static const std::set<std::string> kKnown = {"type", "chainId", "nonce", "to", "value", "gasLimit", "gas", "gasPrice",
                                               "maxFeePerGas", "maxPriorityFeePerGas", "data", "input", "accessList", "from"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!kKnown.contains(it.key())) fail("tx: unknown field '" + it.key() + "'");

  ParsedTxn p;
  Txn& t = p.txn;
  const bool has_1559 = j.contains("maxFeePerGas") || j.contains("maxPriorityFeePerGas");
  if (j.contains("type") && !j["type"].is_null()) {
    const auto type = quantity(j, {"type"}, true);
    if (type > core::U256{2}) fail("tx.type: must be 0, 1 or 2");
    t.type = static_cast<TxnType>(type.w[0]);
  } else {
    t.type = has_1559 ? TxnType::kDynamicFee : (j.contains("accessList") ? TxnType::kAccessList : (j.contains("gasPrice") ? TxnType::kLegacy : TxnType::kDynamicFee));
  }
  const bool dynamic = t.type == TxnType::kDynamicFee;
  if (dynamic && j.contains("gasPrice")) fail("tx.gasPrice: not a field of a type 2 transaction (use maxFeePerGas)");
  if (!dynamic && has_1559) fail("tx.maxFeePerGas: only type 2 transactions have it");
  if (t.type == TxnType::kLegacy && j.contains("accessList")) fail("tx.accessList: legacy transactions have none");

  t.chain_id = quantity(j, {"chainId"}, t.type != TxnType::kLegacy);
  t.nonce = quantity_u64(j, {"nonce"}, true);
  t.gas_limit = quantity_u64(j, {"gasLimit", "gas"}, true);
  if (dynamic) {
    t.max_fee_per_gas = quantity(j, {"maxFeePerGas"}, true);
    t.max_priority_fee_per_gas = quantity(j, {"maxPriorityFeePerGas"}, true);
  } else {
    t.gas_price = quantity(j, {"gasPrice"}, true);
  }
  t.value = quantity(j, {"value"}, false);
  if (j.contains("to") && !j["to"].is_null()) {
    if (!j["to"].is_string()) fail("tx.to: must be an address string or null");
    t.to = take(core::parse_address(j["to"].get<std::string>()), "tx.to");
  }
  std::string used = "data";
  if (const core::Json* d = field(j, {"data", "input"}, used); d && !d->is_null()) {
    if (!d->is_string()) fail("tx." + used + ": must be a 0x hex string");
    t.data = take(core::parse_hex(d->get<std::string>()), "tx." + used);
  }
  if (j.contains("accessList") && !j["accessList"].is_null()) t.access_list = access_list(j["accessList"]);
  if (j.contains("from") && !j["from"].is_null()) {
    if (!j["from"].is_string()) fail("tx.from: must be an address string");
    p.from = take(core::parse_address(j["from"].get<std::string>()), "tx.from");
  }
  return p;
}

core::Json txn_to_json(const signer::SignedTxn& st, const core::Address& from, const core::Hash32& hash) {
  const Txn& t = st.txn;
  core::Json j;
  j["type"] = std::to_string(static_cast<int>(t.type));
  j["chainId"] = core::to_decimal(t.chain_id);
  j["nonce"] = std::to_string(t.nonce);
  if (t.type == TxnType::kDynamicFee) {
    j["maxPriorityFeePerGas"] = core::to_decimal(t.max_priority_fee_per_gas);
    j["maxFeePerGas"] = core::to_decimal(t.max_fee_per_gas);
  } else {
    j["gasPrice"] = core::to_decimal(t.gas_price);
  }
  j["gasLimit"] = std::to_string(t.gas_limit);
  j["to"] = t.to ? core::Json(core::to_checksum(*t.to)) : core::Json(nullptr);
  j["value"] = core::to_decimal(t.value);
  j["data"] = core::to_hex(t.data);
  if (t.type != TxnType::kLegacy) {
    core::Json al = core::Json::array();
    for (const auto& e : t.access_list) {
      core::Json keys = core::Json::array();
      for (const auto& k : e.storage_keys) keys.push_back(core::to_hex(k));
      al.push_back({{"address", core::to_checksum(e.address)}, {"storageKeys", keys}});
    }
    j["accessList"] = al;
  }
  j["v"] = core::to_decimal(t.type == TxnType::kLegacy ? signer::legacy_v(t, st.sig) : core::U256{st.sig.y_parity});
  j["r"] = core::to_decimal(st.sig.r);
  j["s"] = core::to_decimal(st.sig.s);
  j["yParity"] = std::to_string(st.sig.y_parity);
  j["from"] = core::to_checksum(from);
  j["hash"] = core::to_hex(hash);
  return j;
}

std::string decode_error(const signer::TxnDecodeError& e) {
  std::string msg = "raw";
  if (!e.field.empty()) msg += "." + std::string(e.field);
  msg += ": ";
  msg += e.error == signer::TxnError::kRlp ? std::string(describe(e.rlp_error)) : std::string(describe(e.error));
  return msg;
}

}  // namespace

void add_tx_commands(CLI::App& app) {
  auto* tx = app.add_subcommand("tx", "Transactions: sign, decode");
  tx->require_subcommand(1);

  struct SignOpts { KeyOptions key; std::string json; bool as_json = false; };
  auto so = std::make_shared<SignOpts>();
  auto* sign = tx->add_subcommand("sign", "Sign a transaction given as JSON; prints the raw signed tx");
  add_key_options(sign, so->key);
  sign->add_option("tx", so->json, "transaction JSON (JSON-RPC field names), or - for stdin")->required();
  sign->add_flag("--json", so->as_json, "print {raw, hash, from, signingHash}");
  sign->callback([so] {
    const ParsedTxn p = txn_from_json(parse_json_arg(read_arg(so->json), "tx"));
    const auto key = load_key(so->key);
    const core::Address from = signer::address_of(key);
    if (p.from && *p.from != from) fail("tx.from: does not match the signing key's address " + core::to_checksum(from));
    core::Bytes scratch;
    const core::Hash32 sighash = signer::signing_hash(p.txn, scratch);
    const signer::Signature sig = signer::sign_digest(key, sighash);
    core::Bytes raw;
    signer::encode_signed(raw, p.txn, sig);
    if (!so->as_json) return print_line(core::to_hex(raw));
    core::Json out;
    out["raw"] = core::to_hex(raw);
    out["hash"] = core::to_hex(core::keccak256(raw));
    out["from"] = core::to_checksum(from);
    out["signingHash"] = core::to_hex(sighash);
    print_json(out);
  });

  auto raw_in = std::make_shared<std::string>();
  auto* decode = tx->add_subcommand("decode", "Decode a raw signed transaction and recover its sender");
  decode->add_option("raw", *raw_in, "0x raw transaction, or - for stdin")->required();
  decode->callback([raw_in] {
    const auto raw = take(core::parse_hex(read_arg(*raw_in)), "raw");
    const auto st = signer::decode_raw(raw);
    if (!st) fail(decode_error(st.error()));
    const auto from = take(signer::recover_sender(*st), "raw.signature");
    print_json(txn_to_json(*st, from, core::keccak256(raw)));
  });
}

}  // namespace perpx::app
