// Transactions: round trips for every type, and one negative test per
// TxnError. Public suites (ethereum/tests, EIP-155) are in
// signer_txn_vectors_test.cpp.
#include <catch2/catch.hpp>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/message.hpp"
#include "perpx/signer/txn.hpp"

using namespace perpx;
using namespace perpx::signer;
using core::U256;

namespace {

SecretKey key46() { return *SecretKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646"); }

Txn sample(TxnType type) {
  Txn t;
  t.type = type;
  t.chain_id = U256{1};
  t.nonce = 9;
  if (type == TxnType::kDynamicFee) {
    t.max_priority_fee_per_gas = U256{2'000'000'000ull};
    t.max_fee_per_gas = U256{90'000'000'000ull};
  } else {
    t.gas_price = U256{20'000'000'000ull};
  }
  t.gas_limit = 210000;
  t.to = *core::parse_address("0x3535353535353535353535353535353535353535");
  t.value = *core::parse_decimal("1000000000000000000");
  t.data = {0xa9, 0x05, 0x9c, 0xbb};
  if (type != TxnType::kLegacy) {
    AccessTuple at;
    at.address = *t.to;
    at.storage_keys.resize(2);
    at.storage_keys[1].bytes[31] = 1;
    t.access_list.push_back(at);
  }
  return t;
}

// A raw transaction from an RLP tree, with an optional type byte.
core::Bytes raw_of(const rlp::Item& list, int type = -1) {
  core::Bytes out;
  if (type >= 0) out.push_back(static_cast<uint8_t>(type));
  rlp::encode_tree(out, list);
  return out;
}

rlp::Item str(core::Bytes b) { return rlp::Item{false, std::move(b), {}}; }
rlp::Item num(uint64_t v) {
  core::Bytes b;
  for (int i = 7; i >= 0; --i)
    if (!b.empty() || ((v >> (8 * i)) & 0xff)) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return str(b);
}

TxnError decode_error(const core::Bytes& raw) {
  auto r = decode_raw(raw);
  REQUIRE_FALSE(r);
  return r.error().error;
}

}  // namespace

TEST_CASE("EIP-155 example: signing payload, hash, raw", "[signer][txn]") {
  Txn t = sample(TxnType::kLegacy);
  t.gas_limit = 21000;
  t.data.clear();
  core::Bytes payload, scratch, raw;
  encode_for_signing(payload, t);
  CHECK(core::to_hex(payload) == "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080");
  CHECK(core::to_hex(signing_hash(t, scratch)) == "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
  sign_and_encode(raw, scratch, t, key46());
  CHECK(core::to_hex(raw) ==
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
}

TEST_CASE("every type signs, decodes back to the same fields, and recovers the sender", "[signer][txn]") {
  const auto key = key46();
  for (auto type : {TxnType::kLegacy, TxnType::kAccessList, TxnType::kDynamicFee}) {
    for (bool create : {false, true}) {
      for (bool pre155 : {false, true}) {
        if (pre155 && type != TxnType::kLegacy) continue;
        Txn t = sample(type);
        if (create) t.to.reset();
        if (pre155) t.chain_id = U256{};
        core::Bytes raw, scratch;
        sign_and_encode(raw, scratch, t, key);
        auto st = decode_raw(raw);
        REQUIRE(st);
        CHECK(st->txn == t);
        CHECK(*recover_sender(*st) == address_of(key));
        if (type != TxnType::kLegacy) CHECK(raw[0] == static_cast<uint8_t>(type));
      }
    }
  }
}

TEST_CASE("a chain id above 64 bits still gives a valid EIP-155 v", "[signer][txn]") {
  Txn t = sample(TxnType::kLegacy);
  t.chain_id = *core::parse_decimal("18446744073709551617");  // 2^64 + 1
  core::Bytes raw, scratch;
  sign_and_encode(raw, scratch, t, key46());
  auto st = decode_raw(raw);
  REQUIRE(st);
  CHECK(st->txn.chain_id == t.chain_id);
  CHECK(*recover_sender(*st) == address_of(key46()));
}

TEST_CASE("every TxnError", "[signer][txn]") {
  Txn t = sample(TxnType::kLegacy);
  core::Bytes raw, scratch;
  sign_and_encode(raw, scratch, t, key46());
  auto legacy = *rlp::decode_tree(raw);  // 9 fields
  auto mutate = [&](size_t field, rlp::Item v) {
    auto copy = legacy;
    copy.items[field] = std::move(v);
    return raw_of(copy);
  };

  CHECK(decode_error(core::Bytes(raw.begin(), raw.end() - 1)) == TxnError::kRlp);
  {
    auto r = decode_raw(core::Bytes(raw.begin(), raw.end() - 1));
    CHECK(r.error().rlp_error == rlp::RlpError::kInputTooShort);
  }
  core::Bytes trailing = raw;
  trailing.push_back(0);
  CHECK(decode_raw(trailing).error().rlp_error == rlp::RlpError::kTrailingBytes);
  CHECK(decode_error(core::Bytes{0x03, 0xc0}) == TxnError::kUnknownType);
  {
    auto short_list = legacy;
    short_list.items.pop_back();
    CHECK(decode_error(raw_of(short_list)) == TxnError::kWrongFieldCount);
    auto long_list = legacy;
    long_list.items.push_back(num(1));
    CHECK(decode_error(raw_of(long_list)) == TxnError::kWrongFieldCount);
  }
  CHECK(decode_error(mutate(3, str(core::Bytes(19, 0x35)))) == TxnError::kBadTo);
  CHECK(decode_error(mutate(6, num(1))) == TxnError::kBadV);
  CHECK(decode_error(mutate(6, num(35))) == TxnError::kBadV);  // EIP-155 with chain id 0
  CHECK(decode_error(mutate(8, str(*core::parse_hex("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")))) == TxnError::kBadSignature);
  CHECK(decode_error(mutate(7, num(0))) == TxnError::kBadSignature);
  CHECK(decode_error(mutate(0, str(core::Bytes(9, 0xff)))) == TxnError::kNonceOverflow);
  CHECK(decode_error(mutate(2, str(core::Bytes(9, 0xff)))) == TxnError::kGasOverflow);
  CHECK(decode_raw(mutate(0, str(core::Bytes{0x00, 0x01}))).error().rlp_error == rlp::RlpError::kLeadingZero);

  // Typed: access list shape, storage key length, yParity.
  Txn t2 = sample(TxnType::kDynamicFee);
  core::Bytes raw2;
  sign_and_encode(raw2, scratch, t2, key46());
  auto typed = *rlp::decode_tree(core::ByteView(raw2).subspan(1));  // 12 fields
  auto mutate2 = [&](size_t field, rlp::Item v) {
    auto copy = typed;
    copy.items[field] = std::move(v);
    return raw_of(copy, 2);
  };
  rlp::Item bad_tuple{true, {}, {rlp::Item{true, {}, {str(core::Bytes(20, 1))}}}};  // [[address]] without keys
  CHECK(decode_error(mutate2(8, bad_tuple)) == TxnError::kBadAccessList);
  rlp::Item short_key{true, {}, {rlp::Item{true, {}, {str(core::Bytes(20, 1)), rlp::Item{true, {}, {str(core::Bytes(31, 1))}}}}}};
  CHECK(decode_error(mutate2(8, short_key)) == TxnError::kBadStorageKey);
  CHECK(decode_error(mutate2(9, num(2))) == TxnError::kBadV);
  CHECK(decode_raw(mutate2(9, num(2))).error().field == "yParity");

  for (auto e : {TxnError::kRlp, TxnError::kUnknownType, TxnError::kWrongFieldCount, TxnError::kBadTo, TxnError::kBadAccessList,
                 TxnError::kBadStorageKey, TxnError::kBadV, TxnError::kBadSignature, TxnError::kNonceOverflow, TxnError::kGasOverflow})
    CHECK(!describe(e).empty());
}

TEST_CASE("EIP-191 personal_sign", "[signer][message]") {
  const std::string text = "Hello World";
  const core::ByteView msg(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  // web3.js documentation's hashMessage("Hello World").
  CHECK(core::to_hex(personal_message_hash(msg)) == "0xa1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2");
  const auto rsv = sign_personal_message(key46(), msg);
  const auto sig = *from_rsv(rsv);
  CHECK(*recover_address(personal_message_hash(msg), sig) == address_of(key46()));
}
