// JSON-RPC parsing, node error classification and revert decoding: pure
// functions, one CHECK per case.
#include <catch2/catch.hpp>

#include "value_of.hpp"
#include "perpx/chain/abi.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/chain/rpc.hpp"
#include "perpx/core/hex.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;

using perpx::test::value_of;

namespace {

Json js(std::string_view text) { return *core::parse_json(text); }
Bytes hex(std::string_view s) { return *core::parse_hex(s); }

// The class and code a node's error object maps to.
struct Mapped {
  RpcErrc code;
  ErrorClass cls;
  friend bool operator==(const Mapped&, const Mapped&) = default;
};
Mapped map(std::string_view method, int64_t code, std::string_view message, bool is_send = false) {
  auto e = classify_node_error(method, Json{{"code", code}, {"message", message}}, is_send);
  return {e.code, e.cls};
}
constexpr auto kNon = ErrorClass::kNonRetryable;
constexpr auto kRetry = ErrorClass::kRetryable;

Bytes encode_error(std::string_view reason) {
  Bytes out;
  auto f = parse_signature("Error(string)");
  REQUIRE(f);
  REQUIRE(encode_call(out, *f, Json::array({reason})));
  return out;
}
Bytes encode_panic(uint64_t code) {
  Bytes out;
  auto f = parse_signature("Panic(uint256)");
  REQUIRE(f);
  REQUIRE(encode_call(out, *f, Json::array({code})));
  return out;
}

const char* kHeader = R"({"hash":"0x5a4b7dcd3cda3a43c2e2c4bb1e1a1c2ac3b1e0e9d5f5e7d2a8e0f8e5d4c3b2a1",
  "parentHash":"0x1111111111111111111111111111111111111111111111111111111111111111",
  "number":"0x1b4","timestamp":"0x6553f100","gasUsed":"0x5208","gasLimit":"0x1c9c380",
  "baseFeePerGas":"0x3b9aca00","miner":"0x0000000000000000000000000000000000000000","transactions":[]})";

const char* kLog = R"({"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3",
  "topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
            "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"],
  "data":"0x00000000000000000000000000000000000000000000000000000000000003e8",
  "blockNumber":"0x2","blockHash":"0x2222222222222222222222222222222222222222222222222222222222222222",
  "transactionHash":"0x3333333333333333333333333333333333333333333333333333333333333333",
  "transactionIndex":"0x0","logIndex":"0x1","removed":false})";

}  // namespace

TEST_CASE("quantities: strict prefix and digits, leading zeros tolerated", "[chain][rpc]") {
  CHECK(value_of(parse_quantity(Json("0x0"))) == U256(0));
  CHECK(value_of(parse_quantity(Json("0x1f"))) == U256(31));
  CHECK(value_of(parse_quantity(Json("0x01"))) == U256(1));  // tolerated on input
  CHECK(value_of(parse_quantity(Json("0xFF"))) == U256(255));
  CHECK(parse_quantity(Json("0x" + std::string(64, 'f'))) == U256::max());
  CHECK_FALSE(parse_quantity(Json("0x")));
  CHECK_FALSE(parse_quantity(Json("1f")));
  CHECK_FALSE(parse_quantity(Json("0xg1")));
  CHECK_FALSE(parse_quantity(Json("-0x1")));
  CHECK_FALSE(parse_quantity(Json(" 0x1")));
  CHECK_FALSE(parse_quantity(Json("0x1" + std::string(64, '0'))));  // 257 bits
  CHECK_FALSE(parse_quantity(Json(31)));
  CHECK_FALSE(parse_quantity(Json(nullptr)));
  CHECK(value_of(parse_quantity_u64(Json("0xffffffffffffffff"))) == UINT64_MAX);
  CHECK_FALSE(parse_quantity_u64(Json("0x10000000000000000")));
}

TEST_CASE("block headers parse every field and name the one that is wrong", "[chain][rpc]") {
  auto h = parse_block_header(js(kHeader));
  REQUIRE(h);
  CHECK(h->number == 436);
  CHECK(core::to_hex(h->hash) == "0x5a4b7dcd3cda3a43c2e2c4bb1e1a1c2ac3b1e0e9d5f5e7d2a8e0f8e5d4c3b2a1");
  CHECK(h->parent_hash.bytes[0] == 0x11);
  CHECK(h->timestamp == 0x6553f100);
  CHECK(h->gas_used == 21000);
  CHECK(h->gas_limit == 30'000'000);
  CHECK(h->base_fee == U256(1'000'000'000));

  Json pre_london = js(kHeader);
  pre_london.erase("baseFeePerGas");
  auto p = parse_block_header(pre_london);
  REQUIRE(p);
  CHECK_FALSE(p->base_fee);

  for (const char* field : {"hash", "parentHash", "number", "timestamp", "gasUsed", "gasLimit"}) {
    Json missing = js(kHeader);
    missing.erase(field);
    auto r = parse_block_header(missing);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == RpcErrc::kBadResult);
    CHECK(r.error().message.find(field) != std::string::npos);
  }
  Json short_hash = js(kHeader);
  short_hash["hash"] = "0x1234";
  CHECK_FALSE(parse_block_header(short_hash));
  Json num_as_int = js(kHeader);
  num_as_int["number"] = 436;
  CHECK_FALSE(parse_block_header(num_as_int));
  CHECK_FALSE(parse_block_header(Json::array()));
}

TEST_CASE("logs and receipts parse strictly", "[chain][rpc]") {
  auto l = parse_log(js(kLog));
  REQUIRE(l);
  CHECK(core::to_hex(l->address.view()) == "0x5fbdb2315678afecb367f032d93f642f64180aa3");
  REQUIRE(l->topics.size() == 2);
  CHECK(l->topics[1].bytes[31] == 0x66);
  CHECK(l->data.size() == 32);
  CHECK(l->data[31] == 0xe8);
  CHECK(l->block_number == 2);
  CHECK(l->log_index == 1);
  CHECK_FALSE(l->removed);

  Json removed = js(kLog);
  removed["removed"] = true;
  CHECK(parse_log(removed)->removed);
  Json no_removed = js(kLog);
  no_removed.erase("removed");
  CHECK(parse_log(no_removed));
  Json five = js(kLog);
  for (int i = 0; i < 3; ++i) five["topics"].push_back(five["topics"][0]);
  CHECK_FALSE(parse_log(five));
  Json odd = js(kLog);
  odd["data"] = "0x123";
  CHECK_FALSE(parse_log(odd));
  Json pending = js(kLog);
  pending["blockNumber"] = nullptr;
  CHECK_FALSE(parse_log(pending));

  Json receipt = {{"transactionHash", "0x3333333333333333333333333333333333333333333333333333333333333333"},
                  {"blockNumber", "0x2"},
                  {"blockHash", "0x2222222222222222222222222222222222222222222222222222222222222222"},
                  {"transactionIndex", "0x0"},
                  {"status", "0x1"},
                  {"gasUsed", "0xb411"},
                  {"effectiveGasPrice", "0x77359400"},
                  {"contractAddress", nullptr},
                  {"logs", Json::array({js(kLog)})}};
  auto r = parse_receipt(receipt);
  REQUIRE(r);
  CHECK(r->success);
  CHECK(r->gas_used == 0xb411);
  CHECK(r->effective_gas_price == U256(2'000'000'000));
  CHECK_FALSE(r->contract_address);
  REQUIRE(r->logs.size() == 1);
  CHECK(r->logs[0] == *l);

  Json failed = receipt;
  failed["status"] = "0x0";
  failed["contractAddress"] = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
  auto f = parse_receipt(failed);
  REQUIRE(f);
  CHECK_FALSE(f->success);
  CHECK(f->contract_address);
  Json weird = receipt;
  weird["status"] = "0x2";
  CHECK_FALSE(parse_receipt(weird));
  Json pre_byzantium = receipt;
  pre_byzantium.erase("status");
  CHECK_FALSE(parse_receipt(pre_byzantium));
  Json bad_log = receipt;
  bad_log["logs"][0]["address"] = "0x12";
  auto b = parse_receipt(bad_log);
  REQUIRE_FALSE(b);
  CHECK(b.error().message.find("logs[0]") != std::string::npos);
}

TEST_CASE("node errors map to typed errors (geth, anvil, reth, erigon, nethermind, besu)", "[chain][rpc][errors]") {
  const char* send = "eth_sendRawTransaction";
  // kNonceTooLow
  CHECK(map(send, -32000, "nonce too low: next nonce 5, tx nonce 4") == Mapped{RpcErrc::kNonceTooLow, kNon});  // geth, reth
  CHECK(map(send, -32003, "nonce too low") == Mapped{RpcErrc::kNonceTooLow, kNon});                          // anvil, erigon
  CHECK(map(send, -32010, "Transaction nonce is too low. Try incrementing the nonce.") == Mapped{RpcErrc::kNonceTooLow, kNon});
  CHECK(map(send, -32010, "OldNonce") == Mapped{RpcErrc::kNonceTooLow, kNon});  // nethermind
  CHECK(map(send, -32001, "NONCE_TOO_LOW") == Mapped{RpcErrc::kNonceTooLow, kNon});  // besu
  // kReplacementUnderpriced
  CHECK(map(send, -32000, "replacement transaction underpriced") == Mapped{RpcErrc::kReplacementUnderpriced, kNon});
  CHECK(map(send, -32000, "REPLACEMENT_UNDERPRICED") == Mapped{RpcErrc::kReplacementUnderpriced, kNon});
  // kAlreadyKnown
  CHECK(map(send, -32000, "already known") == Mapped{RpcErrc::kAlreadyKnown, kNon});
  CHECK(map(send, -32000, "known transaction: 0xabc") == Mapped{RpcErrc::kAlreadyKnown, kNon});
  CHECK(map(send, -32010, "AlreadyKnown") == Mapped{RpcErrc::kAlreadyKnown, kNon});
  CHECK(map(send, -32000, "INTERNAL_ERROR: existing tx with same hash") == Mapped{RpcErrc::kAlreadyKnown, kNon});
  CHECK(map(send, -32010, "Transaction with the same hash was already imported.") == Mapped{RpcErrc::kAlreadyKnown, kNon});
  // kInsufficientFunds
  CHECK(map(send, -32000, "insufficient funds for gas * price + value: address 0x1 have 0 want 1") ==
        Mapped{RpcErrc::kInsufficientFunds, kNon});
  CHECK(map(send, -32003, "Insufficient funds for gas * price + value") == Mapped{RpcErrc::kInsufficientFunds, kNon});
  CHECK(map(send, -32010, "InsufficientFunds, Account balance: 0") == Mapped{RpcErrc::kInsufficientFunds, kNon});
  CHECK(map(send, -32004, "Upfront cost exceeds account balance") == Mapped{RpcErrc::kInsufficientFunds, kNon});
  // kExecutionReverted
  CHECK(map("eth_call", 3, "execution reverted: boom") == Mapped{RpcErrc::kExecutionReverted, kNon});
  CHECK(map("eth_call", -32000, "execution reverted") == Mapped{RpcErrc::kExecutionReverted, kNon});
  CHECK(map("eth_call", -32015, "VM execution error.") == Mapped{RpcErrc::kExecutionReverted, kNon});
  // kMethodNotFound: fatal for this endpoint
  CHECK(map("txpool_content", -32601, "the method txpool_content does not exist/is not available") ==
        Mapped{RpcErrc::kMethodNotFound, ErrorClass::kFatal});
  CHECK(map("eth_foo", -32601, "Method not found") == Mapped{RpcErrc::kMethodNotFound, ErrorClass::kFatal});
  CHECK(map("eth_foo", -32004, "Method not supported") == Mapped{RpcErrc::kMethodNotFound, ErrorClass::kFatal});
  // kRangeTooLarge: only for eth_getLogs
  CHECK(map("eth_getLogs", -32005, "query returned more than 10000 results") == Mapped{RpcErrc::kRangeTooLarge, kNon});
  CHECK(map("eth_getLogs", -32602, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range") ==
        Mapped{RpcErrc::kRangeTooLarge, kNon});
  CHECK(map("eth_getLogs", -32000, "exceed maximum block range: 5000") == Mapped{RpcErrc::kRangeTooLarge, kNon});
  CHECK(map("eth_getLogs", -32000, "eth_getLogs is limited to a 10,000 range") == Mapped{RpcErrc::kRangeTooLarge, kNon});
  CHECK(map("eth_getLogs", -32000, "block range is too wide") == Mapped{RpcErrc::kRangeTooLarge, kNon});
  // kRateLimited from an error object (rate first, even on getLogs)
  CHECK(map("eth_getLogs", -32005, "daily request count exceeded, request rate limited") == Mapped{RpcErrc::kRateLimited, kRetry});
  CHECK(map("eth_call", -32005, "limit exceeded") == Mapped{RpcErrc::kRateLimited, kRetry});
  CHECK(map("eth_call", 429, "Too Many Requests") == Mapped{RpcErrc::kRateLimited, kRetry});
  // kNodeError: transient for reads, outcome unknown for sends, else refused
  CHECK(map("eth_getBlockByNumber", -32000, "header not found") == Mapped{RpcErrc::kNodeError, kRetry});
  CHECK(map("eth_call", -32603, "internal error") == Mapped{RpcErrc::kNodeError, kRetry});
  CHECK(map(send, -32603, "internal error", true) == Mapped{RpcErrc::kNodeError, ErrorClass::kOutcomeUnknown});
  CHECK(map(send, -32000, "invalid chain id for signer", true) == Mapped{RpcErrc::kNodeError, ErrorClass::kFatal});
  CHECK(map("eth_call", -32602, "invalid argument 0: hex string without 0x prefix") == Mapped{RpcErrc::kNodeError, kNon});
  CHECK(map(send, -32000, "transaction underpriced", true) == Mapped{RpcErrc::kNodeError, kNon});
  // kBadReply: an error object without the fields JSON-RPC requires
  CHECK(classify_node_error("eth_call", Json{{"message", "x"}}, false).code == RpcErrc::kBadReply);
  CHECK(classify_node_error("eth_call", Json("oops"), false).code == RpcErrc::kBadReply);
  CHECK(classify_node_error(send, Json{{"code", "1"}, {"message", "x"}}, true).cls == ErrorClass::kOutcomeUnknown);

  auto e = classify_node_error("eth_call", Json{{"code", 3}, {"message", "execution reverted: boom"}, {"data", core::to_hex(encode_error("boom"))}}, false);
  CHECK(e.rpc_code == 3);
  CHECK(e.method == "eth_call");
  CHECK(e.revert_data == encode_error("boom"));
  CHECK(e.revert_reason == "boom");
  // nethermind puts "Reverted 0x..." in data; some nodes nest an object.
  CHECK(classify_node_error("eth_call", Json{{"code", -32015}, {"message", "VM execution error."},
                                             {"data", "Reverted " + core::to_hex(encode_panic(0x11))}}, false)
            .revert_reason == "panic 0x11 (arithmetic overflow)");
  CHECK(classify_node_error("eth_call", Json{{"code", 3}, {"message", "execution reverted"},
                                             {"data", {{"data", core::to_hex(encode_error("nested"))}}}}, false)
            .revert_reason == "nested");
  // No data: the reason comes from the message, when it has one.
  CHECK(classify_node_error("eth_call", Json{{"code", -32000}, {"message", "execution reverted: not owner"}}, false).revert_reason ==
        "not owner");
  CHECK(classify_node_error("eth_call", Json{{"code", -32000}, {"message", "execution reverted"}}, false).revert_reason.empty());
}

TEST_CASE("revert data decodes: Error(string), Panic(uint256), custom errors", "[chain][rpc][errors]") {
  // A literal solc encoding of Error("Ownable: caller is not the owner").
  CHECK(decode_revert_reason(hex("0x08c379a0"
                                 "0000000000000000000000000000000000000000000000000000000000000020"
                                 "0000000000000000000000000000000000000000000000000000000000000020"
                                 "4f776e61626c653a2063616c6c6572206973206e6f7420746865206f776e6572")) ==
        "Ownable: caller is not the owner");
  CHECK(decode_revert_reason(encode_error("")) == "");
  CHECK(decode_revert_reason(encode_error("héllo")) == "héllo");
  CHECK(decode_revert_reason(encode_panic(0x00)) == "panic 0x00 (generic panic)");
  CHECK(decode_revert_reason(encode_panic(0x01)) == "panic 0x01 (assertion failed)");
  CHECK(decode_revert_reason(encode_panic(0x11)) == "panic 0x11 (arithmetic overflow)");
  CHECK(decode_revert_reason(encode_panic(0x12)) == "panic 0x12 (division by zero)");
  CHECK(decode_revert_reason(encode_panic(0x21)) == "panic 0x21 (invalid enum value)");
  CHECK(decode_revert_reason(encode_panic(0x22)) == "panic 0x22 (invalid storage byte array)");
  CHECK(decode_revert_reason(encode_panic(0x31)) == "panic 0x31 (pop on empty array)");
  CHECK(decode_revert_reason(encode_panic(0x32)) == "panic 0x32 (array index out of bounds)");
  CHECK(decode_revert_reason(encode_panic(0x41)) == "panic 0x41 (out of memory)");
  CHECK(decode_revert_reason(encode_panic(0x51)) == "panic 0x51 (call to uninitialized function)");
  CHECK(decode_revert_reason(encode_panic(0x99)) == "panic 0x99");
  CHECK(decode_revert_reason(encode_panic(0x1234)) == "panic 0x1234");
  Bytes custom;  // InsufficientBalance(uint256,uint256)
  auto f = parse_signature("InsufficientBalance(uint256,uint256)");
  REQUIRE(f);
  REQUIRE(encode_call(custom, *f, Json::array({1, 2})));
  CHECK(decode_revert_reason(custom) == "custom error " + core::to_hex(core::ByteView(custom).first(4)));
  CHECK(decode_revert_reason({}) == "");
  CHECK(decode_revert_reason(hex("0x08c3")) == "invalid revert data 0x08c3");
  CHECK(decode_revert_reason(hex("0x08c379a000000000")) == "malformed Error(string) 0x08c379a0");
  CHECK(decode_revert_reason(hex("0x4e487b7100")) == "malformed Panic(uint256) 0x4e487b71");
}

TEST_CASE("backoff: equal jitter, doubling, capped", "[chain][rpc]") {
  RetryPolicy p;  // base 50 ms, cap 2000 ms
  using ms = std::chrono::milliseconds;
  CHECK(backoff_delay(p, 0, 0.0) == ms(25));
  CHECK(backoff_delay(p, 0, 0.999) == ms(49));
  CHECK(backoff_delay(p, 1, 0.0) == ms(50));
  CHECK(backoff_delay(p, 2, 0.5) == ms(150));
  CHECK(backoff_delay(p, 5, 0.0) == ms(800));
  CHECK(backoff_delay(p, 6, 0.0) == ms(1000));  // 3200 capped to 2000
  CHECK(backoff_delay(p, 60, 1.0) == ms(2000));
  CHECK(backoff_delay(p, 1000, 0.5) == ms(1500));
}

TEST_CASE("names: tags, classes, send methods, error text without secrets", "[chain][rpc]") {
  CHECK(tag_name(Tag::kLatest) == "latest");
  CHECK(tag_name(Tag::kSafe) == "safe");
  CHECK(tag_name(Tag::kFinalized) == "finalized");
  CHECK(tag_name(Tag::kPending) == "pending");
  CHECK(tag_name(Tag::kEarliest) == "earliest");
  CHECK(class_name(ErrorClass::kOutcomeUnknown) == "outcome unknown");
  CHECK(is_send_method("eth_sendRawTransaction"));
  CHECK(is_send_method("eth_sendBundle"));
  CHECK(is_send_method("mev_sendBundle"));
  CHECK_FALSE(is_send_method("eth_call"));
  CHECK_FALSE(is_send_method("eth_getTransactionByHash"));
  for (int c = 0; c <= static_cast<int>(RpcErrc::kNodeError); ++c) CHECK(describe(static_cast<RpcErrc>(c)) != "?");

  RpcError e;
  e.code = RpcErrc::kExecutionReverted;
  e.method = "eth_call";
  e.message = "execution reverted";
  e.revert_reason = "boom";
  e.rpc_code = 3;
  CHECK(to_string(e) == "eth_call: execution reverted (boom) [execution reverted, non-retryable, code 3]");

  CHECK(redact_url("https://eth-mainnet.g.alchemy.com/v2/SECRETKEY") == "https://eth-mainnet.g.alchemy.com/...");
  CHECK(redact_url("https://user:pass@rpc.example.org:8443/?key=abc") == "https://rpc.example.org:8443/...");
  CHECK(redact_url("http://127.0.0.1:8545") == "http://127.0.0.1:8545");
  CHECK(redact_url("http://127.0.0.1:8545/") == "http://127.0.0.1:8545");
  CHECK(HttpTransport("https://mainnet.infura.io/v3/0123456789abcdef").url() == "https://mainnet.infura.io/...");
}
