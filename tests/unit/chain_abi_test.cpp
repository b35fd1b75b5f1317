// ABI codec: vectors from the Solidity "Contract ABI Specification" examples
// (docs.soliditylang.org/en/latest/abi-spec.html#examples) and values
// produced by ethers 6.17.0 (AbiCoder / Interface, tests/differential has the
// generator), pasted as literals.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "perpx/chain/abi.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

namespace {
std::atomic<size_t> g_allocs{0};
}  // namespace

// Counts every allocation in this test binary; the hot-path test reads it.
// Not under AddressSanitizer, which owns operator new itself.
#if !defined(__SANITIZE_ADDRESS__)
#define PERPX_COUNT_ALLOCS 1
// GCC 12 sees the malloc/free pairing through inlining and warns although
// new and delete are replaced together.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace perpx;
using chain::AbiErrc;
using chain::AbiKind;

namespace {

core::Bytes hex(std::string_view s) { return *core::parse_hex(s); }
core::Hash32 h32(std::string_view s) { return *core::parse_hash32(s); }
std::string word(std::string_view digits) { return std::string(64 - digits.size(), '0') + std::string(digits); }

// Calldata for a signature and JSON args, or "error <code>: <description>".
std::string enc(std::string_view sig, std::string_view args) {
  auto f = chain::parse_signature(sig);
  if (!f) return "error " + std::to_string(static_cast<int>(f.error().code)) + ": " + describe(f.error());
  core::Bytes out;
  auto r = chain::encode_call(out, *f, *core::parse_json(args));
  if (!r) return "error " + std::to_string(static_cast<int>(r.error().code)) + ": " + describe(r.error());
  return core::to_hex(out);
}

std::expected<core::Json, chain::AbiError> dec_raw(std::string_view types, std::string_view data) {
  auto f = chain::parse_signature(types);
  REQUIRE(f);
  return chain::decode(f->inputs, hex(data));
}

// Decoded JSON text of `data` as the bare type list `types` ("(uint8,bool)").
std::string dec(std::string_view types, std::string_view data) {
  auto r = dec_raw(types, data);
  if (!r) return "error: " + describe(r.error());
  return r->dump();
}

AbiErrc enc_err(std::string_view sig, std::string_view args) {
  auto f = chain::parse_signature(sig);
  REQUIRE(f);
  core::Bytes out;
  auto r = chain::encode_call(out, *f, *core::parse_json(args));
  REQUIRE_FALSE(r);
  return r.error().code;
}

AbiErrc dec_err(std::string_view types, std::string_view data) {
  auto r = dec_raw(types, data);
  REQUIRE_FALSE(r);
  return r.error().code;
}

std::string canon(std::string_view sig) {
  auto f = chain::parse_signature(sig);
  return f ? chain::canonical_signature(*f) : "error: " + describe(f.error());
}

}  // namespace

TEST_CASE("abi: Solidity spec examples encode", "[chain][abi]") {
  CHECK(enc("baz(uint32,bool)", "[69,true]") ==
        "0xcdcd77c000000000000000000000000000000000000000000000000000000000000000450000000000000000000000000000000000000000000000000000000000000001");
  CHECK(enc("bar(bytes3[2])", R"([["0x616263","0x646566"]])") ==
        "0xfce353f661626300000000000000000000000000000000000000000000000000000000006465660000000000000000000000000000000000000000000000000000000000");
  CHECK(enc("sam(bytes,bool,uint256[])", R"(["0x64617665",true,[1,2,3]])") ==
        "0xa5643bf20000000000000000000000000000000000000000000000000000000000000060000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000464617665000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000003");
  // bytes10 "1234567890" and bytes "Hello, world!" as hex.
  CHECK(enc("f(uint256,uint32[],bytes10,bytes)", R"(["0x123",["0x456","0x789"],"0x31323334353637383930","0x48656c6c6f2c20776f726c6421"])") ==
        "0x8be6524600000000000000000000000000000000000000000000000000000000000001230000000000000000000000000000000000000000000000000000000000000080313233343536373839300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000e0000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000004560000000000000000000000000000000000000000000000000000000000000789000000000000000000000000000000000000000000000000000000000000000d48656c6c6f2c20776f726c642100000000000000000000000000000000000000");
  CHECK(enc("g(uint256[][],string[])", R"([[[1,2],[3]],["one","two","three"]])") ==
        "0x2289b18c000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000001400000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000e000000000000000000000000000000000000000000000000000000000000000036f6e650000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000374776f000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000057468726565000000000000000000000000000000000000000000000000000000");
}

TEST_CASE("abi: Solidity spec examples decode back", "[chain][abi]") {
  // The calldata above minus the selector, decoded as the inputs.
  CHECK(dec("(bytes,bool,uint256[])",
            "0x0000000000000000000000000000000000000000000000000000000000000060000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000464617665000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000003") ==
        R"(["0x64617665",true,["1","2","3"]])");
  CHECK(dec("(uint256[][],string[])",
            "0x000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000001400000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000e000000000000000000000000000000000000000000000000000000000000000036f6e650000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000374776f000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000057468726565000000000000000000000000000000000000000000000000000000") ==
        R"([[["1","2"],["3"]],["one","two","three"]])");
  CHECK(dec("(bytes3[2])", "0x61626300000000000000000000000000000000000000000000000000000000006465660000000000000000000000000000000000000000000000000000000000") ==
        R"([["0x616263","0x646566"]])");
}

TEST_CASE("abi: tuples, arrays of tuples, signed ints (ethers vectors)", "[chain][abi]") {
  // ethers: Interface(["function f((address,bytes)[],int24,bytes32)"]).encodeFunctionData(...)
  const std::string f_calldata =
      "0x5061aa7b0000000000000000000000000000000000000000000000000000000000000060ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff800000abababababababababababababababababababababababababababababababab0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000c0000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000010100000000000000000000000000000000000000000000000000000000000000000000000000000000000000742d35cc6634c0532925a3b844bc454e4438f44e00000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000000";
  const std::string args =
      R"([[["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","0x01"],["0x742d35cc6634c0532925a3b844bc454e4438f44e","0x"]],-8388608,"0xabababababababababababababababababababababababababababababababab"])";
  CHECK(enc("f((address,bytes)[],int24,bytes32)", args) == f_calldata);
  CHECK(enc("function f(tuple(address who, bytes data)[] calldata xs, int24 tick, bytes32 salt) external", args) == f_calldata);
  CHECK(dec("((address,bytes)[],int24,bytes32)", "0x" + f_calldata.substr(10)) ==
        R"([[["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","0x01"],["0x742d35Cc6634C0532925a3b844Bc454e4438f44e","0x"]],"-8388608","0xabababababababababababababababababababababababababababababababab"])");

  // ethers AbiCoder.encode(["(uint256,(bool,string)[])[2]","int256"], [[[1,[[true,"a"],[false,"ü€😀"]]],[2,[]]], -1n])
  const std::string out2 =
      "0x0000000000000000000000000000000000000000000000000000000000000040ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000001e0000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000c00000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000016100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000009c3bce282acf09f98800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000000";
  const std::string out2_json = R"([[["1",[[true,"a"],[false,"ü€😀"]]],["2",[]]],"-1"])";
  CHECK(dec("((uint256,(bool,string)[])[2],int256)", out2) == out2_json);
  CHECK(enc("((uint256,(bool,string)[])[2],int256)", out2_json) == out2);
  // ethers AbiCoder.encode(["uint112","uint112","uint32"], [123456789n, 987654321n, 1700000000])
  CHECK(dec("(uint112,uint112,uint32)",
            "0x00000000000000000000000000000000000000000000000000000000075bcd15000000000000000000000000000000000000000000000000000000003ade68b1000000000000000000000000000000000000000000000000000000006553f100") ==
        R"(["123456789","987654321","1700000000"])");
}

TEST_CASE("abi: integer range edges", "[chain][abi]") {
  CHECK(enc("(uint8)", R"(["255"])") == "0x" + word("ff"));
  CHECK(enc("(uint8)", R"([255])") == "0x" + word("ff"));
  CHECK(enc("(uint256)", R"(["0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"])") == "0x" + std::string(64, 'f'));
  CHECK(enc("(uint256)", R"([115792089237316195423570985008687907853269984665640564039457584007913129639935])") == "0x" + std::string(64, 'f'));
  CHECK(enc("(int8)", R"(["-128"])") == "0x" + std::string(62, 'f') + "80");
  CHECK(enc("(int8)", R"([-1])") == "0x" + std::string(64, 'f'));
  CHECK(enc("(int8)", R"(["-0x80"])") == "0x" + std::string(62, 'f') + "80");
  CHECK(enc("(int8)", R"([127])") == "0x" + word("7f"));
  CHECK(enc("(int256)", R"(["-57896044618658097711785492504343953926634992332820282019728792003956564819968"])") ==
        "0x8" + std::string(63, '0'));
  CHECK(enc("(int256)", R"([-9223372036854775808])") == "0x" + std::string(48, 'f') + "8000000000000000");
  CHECK(enc_err("(uint8)", R"([256])") == AbiErrc::kOutOfRange);
  CHECK(enc_err("(uint8)", R"(["-1"])") == AbiErrc::kOutOfRange);
  CHECK(enc_err("(int8)", R"([128])") == AbiErrc::kOutOfRange);
  CHECK(enc_err("(int8)", R"(["-129"])") == AbiErrc::kOutOfRange);
  CHECK(enc_err("(int256)", R"(["57896044618658097711785492504343953926634992332820282019728792003956564819968"])") == AbiErrc::kOutOfRange);
  CHECK(enc_err("(uint256)", R"(["1.5"])") == AbiErrc::kBadValue);
  CHECK(enc_err("(uint256)", R"([1.5])") == AbiErrc::kBadValue);
  CHECK(enc_err("(uint256)", R"(["007"])") == AbiErrc::kBadValue);
  CHECK(dec("(int8,int256,uint8)", "0x" + std::string(62, 'f') + "80" + std::string(64, 'f') + word("ff")) == R"(["-128","-1","255"])");
}

TEST_CASE("abi: signature parsing and canonical forms", "[chain][abi]") {
  CHECK(canon("transfer(address,uint256)") == "transfer(address,uint256)");
  CHECK(canon("function transfer(address to, uint amount) external returns (bool)") == "transfer(address,uint256)");
  CHECK(canon(" f ( int , ( address , bytes ) [ ] ) ") == "f(int256,(address,bytes)[])");
  CHECK(canon("f(tuple(uint a, tuple(bool,string)[2] b)[][3] memory x)") == "f((uint256,(bool,string)[2])[][3])");
  CHECK(canon("(uint256,address)") == "(uint256,address)");
  CHECK(canon("error Unauthorized(address caller)") == "Unauthorized(address)");
  auto f = chain::parse_signature("balanceOf(address)(uint256)");
  REQUIRE(f);
  CHECK(f->has_outputs);
  REQUIRE(f->outputs.size() == 1);
  CHECK(chain::canonical_type(f->outputs[0].type) == "uint256");
  f = chain::parse_signature("getReserves() view returns (uint112 r0, uint112 r1, uint32 ts)");
  REQUIRE(f);
  CHECK(f->outputs.size() == 3);
  CHECK(f->outputs[1].name == "r1");
  f = chain::parse_signature("event Transfer(address indexed from, address indexed to, uint256 value)", AbiKind::kFunction);
  REQUIRE(f);
  CHECK(f->kind == AbiKind::kEvent);
  CHECK(f->indexed_known);
  CHECK((f->inputs[0].indexed && f->inputs[1].indexed && !f->inputs[2].indexed));
  f = chain::parse_signature("Transfer(address,address,uint256)", AbiKind::kEvent);
  REQUIRE(f);
  CHECK_FALSE(f->indexed_known);
  // `indexed` belongs to events only; outputs to functions only.
  CHECK(chain::parse_signature("f(uint256 indexed x)").error().code == AbiErrc::kBadSignature);
  CHECK(chain::parse_signature("event E(uint256) returns (bool)").error().code == AbiErrc::kBadSignature);
  CHECK(chain::parse_signature("f(uint256)(bool)(bool)").error().code == AbiErrc::kBadSignature);
  CHECK(chain::parse_signature("f(uint256,)").error().code == AbiErrc::kBadSignature);
  CHECK(chain::parse_signature("f(uint256").error().code == AbiErrc::kBadSignature);
  CHECK(chain::parse_signature("f(uint256) junk").error().code == AbiErrc::kBadSignature);
  CHECK(describe(chain::parse_signature("f(uint256,)").error()) == "expected a type, found ')' at column 11");

  CHECK(chain::selector("transfer(address,uint256)") == chain::Selector{0xa9, 0x05, 0x9c, 0xbb});
  CHECK(chain::selector(*chain::parse_signature("balanceOf(address account)")) == chain::Selector{0x70, 0xa0, 0x82, 0x31});
  CHECK(chain::event_topic(*chain::parse_signature("event Transfer(address indexed, address indexed, uint)")) ==
        h32("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"));
}

TEST_CASE("abi: type strings", "[chain][abi]") {
  for (const char* ok : {"uint8", "uint256", "int8", "int256", "address", "bool", "bytes1", "bytes32", "bytes", "string",
                         "uint16[3]", "string[][2]", "(uint8,(bytes,bool)[])[4][]"})
    CHECK(chain::canonical_type(*chain::parse_type(ok)) == ok);
  CHECK(chain::canonical_type(*chain::parse_type("uint[]")) == "uint256[]");
  for (const char* bad : {"uint7", "uint264", "uint0", "int4", "bytes0", "bytes33", "uint08", "byte", "fixed128x18", "function",
                          "uint256[0]", "uint256[01]", "uint256[99999999]"})
    CHECK(chain::parse_type(bad).error().code == AbiErrc::kBadType);
  CHECK(chain::head_size(*chain::parse_type("(uint8,bytes32[3])[2]")) == 256);
  CHECK(chain::head_size(*chain::parse_type("(uint8,bytes)[2]")) == 32);
  CHECK(chain::is_dynamic(*chain::parse_type("(uint8,bytes)[2]")));
  CHECK_FALSE(chain::is_dynamic(*chain::parse_type("(uint8,bytes32[3])[2]")));
  std::string deep = "uint8";
  for (int i = 0; i < 40; ++i) deep = "(" + deep + ")";
  CHECK(chain::parse_type(deep).error().code == AbiErrc::kBadType);
  CHECK(chain::parse_type("uint8" + std::string(40 * 2, ' ')).has_value());
  std::string dims = "uint8";
  for (int i = 0; i < 40; ++i) dims += "[]";
  CHECK(chain::parse_type(dims).error().code == AbiErrc::kBadType);
  CHECK(chain::parse_type("uint8[65536][65536]").error().code == AbiErrc::kBadType);  // a 128 GiB head
}

TEST_CASE("abi: solc JSON fragments", "[chain][abi]") {
  const auto j = *core::parse_json(R"({
    "type": "function", "name": "settle", "stateMutability": "nonpayable",
    "inputs": [
      {"name": "orders", "type": "tuple[]", "internalType": "struct Order[]", "components": [
        {"name": "trader", "type": "address"}, {"name": "size", "type": "int256"},
        {"name": "legs", "type": "tuple[2][]", "components": [{"name": "px", "type": "uint64"}, {"name": "tag", "type": "bytes"}]}]},
      {"name": "", "type": "uint8[3]"}],
    "outputs": [{"name": "ok", "type": "bool"}]})");
  auto f = chain::parse_fragment(j);
  REQUIRE(f);
  CHECK(chain::canonical_signature(*f) == "settle((address,int256,(uint64,bytes)[2][])[],uint8[3])");
  CHECK(f->has_outputs);
  CHECK(chain::canonical_type(f->outputs.at(0).type) == "bool");

  const auto bad = [](std::string_view text) { return chain::parse_fragment(*core::parse_json(text)).error(); };
  CHECK(bad(R"({"type":"function","name":"f","inputs":[{"name":"x","type":"tuple[]"}]})").code == AbiErrc::kBadFragment);
  CHECK(bad(R"({"type":"function","name":"f","inputs":[{"name":"x","type":"tuple[]"}]})").path == "inputs[0].components");
  CHECK(bad(R"({"type":"constructor","inputs":[]})").code == AbiErrc::kBadFragment);
  CHECK(bad(R"({"type":"event","inputs":[]})").path == "name");
  CHECK(bad(R"({"type":"function","name":"f","inputs":[{"name":"x","type":"uint256","indexed":true}]})").code == AbiErrc::kBadFragment);
  CHECK(bad(R"({"type":"function","name":"f","inputs":{}})").code == AbiErrc::kBadFragment);
  const auto e = bad(R"({"type":"function","name":"f","inputs":[{"type":"tuple","components":[{"type":"uint7"}]}]})");
  CHECK(e.code == AbiErrc::kBadType);
  CHECK(e.path == "inputs[0].components[0].type");
  CHECK(bad(R"({"name":"f","inputs":[{"type":"uint256 x"}]})").code == AbiErrc::kBadType);
}

TEST_CASE("abi: decode_log ERC-20 Transfer and friends", "[chain][abi]") {
  // ethers Interface.encodeEventLog("Transfer", [vitalik.eth, 0x742d..., 1000000n])
  const std::vector<core::Hash32> topics{h32("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"),
                                         h32("0x000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045"),
                                         h32("0x000000000000000000000000742d35cc6634c0532925a3b844bc454e4438f44e")};
  const core::Bytes data = hex("0x00000000000000000000000000000000000000000000000000000000000f4240");
  const std::string expect =
      R"({"from":"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","to":"0x742d35Cc6634C0532925a3b844Bc454e4438f44e","value":"1000000"})";
  const auto json_event = chain::parse_fragment(*core::parse_json(
      R"({"anonymous":false,"inputs":[{"indexed":true,"name":"from","type":"address"},{"indexed":true,"name":"to","type":"address"},{"indexed":false,"name":"value","type":"uint256"}],"name":"Transfer","type":"event"})"));
  REQUIRE(json_event);
  CHECK(chain::decode_log(*json_event, topics, data)->dump() == expect);
  const auto sig = chain::parse_signature("Transfer(address indexed from, address indexed to, uint256 value)", AbiKind::kEvent);
  CHECK(chain::decode_log(*sig, topics, data)->dump() == expect);
  // No `indexed` words: the first topics.size()-1 params are the indexed ones; keys are positions.
  const auto plain = chain::parse_signature("Transfer(address,address,uint256)", AbiKind::kEvent);
  CHECK(chain::decode_log(*plain, topics, data)->dump() ==
        R"({"0":"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","1":"0x742d35Cc6634C0532925a3b844Bc454e4438f44e","2":"1000000"})");

  // Indexed string and uint256[2] decode to their topics (keccak("hello"),
  // keccak(abi.encode(1,2))); a tuple and an int24 come from data (ethers AbiCoder).
  const auto note = chain::parse_signature("event Note(string indexed tag, uint256[2] indexed pair, (address,bytes) info, int24 tick)");
  REQUIRE(note);
  CHECK(chain::event_topic(*note) == h32("0x6b9f591163c7d98faf606c64fee923424fbd19da423f0ac5836886c4747880a0"));
  const std::vector<core::Hash32> note_topics{chain::event_topic(*note),
                                              h32("0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8"),
                                              h32("0xe90b7bceb6e7df5418fb78d8ee546e97c83a08bbccc01a0644d599ccd2a7c2e0")};
  CHECK(chain::decode_log(*note, note_topics,
                          hex("0x0000000000000000000000000000000000000000000000000000000000000040fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffb000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa9604500000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000004deadbeef00000000000000000000000000000000000000000000000000000000"))
            ->dump() ==
        R"({"tag":"0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8","pair":"0xe90b7bceb6e7df5418fb78d8ee546e97c83a08bbccc01a0644d599ccd2a7c2e0","info":["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","0xdeadbeef"],"tick":"-5"})");

  // Anonymous: no topic0 (ethers encodeEventLog of {anonymous: true, ...}).
  const auto anon = chain::parse_signature("event Anon(address indexed who, bytes32 salt) anonymous");
  REQUIRE(anon);
  CHECK(anon->anonymous);
  const std::vector<core::Hash32> anon_topics{h32("0x000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045")};
  CHECK(chain::decode_log(*anon, anon_topics, hex("0x" + std::string(64, '1')))->dump() ==
        R"({"who":"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","salt":"0x)" + std::string(64, '1') + "\"}");
}

// One negative test per AbiErrc enumerator.
TEST_CASE("abi: every error enumerator", "[chain][abi]") {
  SECTION("kBadSignature") { CHECK(chain::parse_signature("f(uint256").error().code == AbiErrc::kBadSignature); }
  SECTION("kBadType") { CHECK(chain::parse_signature("f(uint7)").error().code == AbiErrc::kBadType); }
  SECTION("kBadFragment") { CHECK(chain::parse_fragment(*core::parse_json("[]")).error().code == AbiErrc::kBadFragment); }
  SECTION("kBadValue") {
    CHECK(enc_err("f(bool)", "[1]") == AbiErrc::kBadValue);
    CHECK(enc_err("f(address)", R"(["0xd8da6bf26964af9d7eed9e03e53415d37aa9604"])") == AbiErrc::kBadValue);
    CHECK(enc_err("f(address)", R"(["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96046"])") == AbiErrc::kBadValue);  // checksum
    CHECK(enc_err("f(bytes)", R"(["0x123"])") == AbiErrc::kBadValue);
    CHECK(enc_err("f(string)", R"([5])") == AbiErrc::kBadValue);
    CHECK(enc_err("f(uint8[])", R"([{}])") == AbiErrc::kBadValue);
  }
  SECTION("kOutOfRange, with the path to the value") {
    auto f = chain::parse_signature("f(bool,(uint8,bool)[])");
    core::Bytes out;
    auto r = chain::encode_call(out, *f, *core::parse_json(R"([true,[[1,true],[2,false],[256,true]]])"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == AbiErrc::kOutOfRange);
    CHECK(describe(r.error()) == "arg 1[2].0: value does not fit uint8");
  }
  SECTION("kWrongLength") {
    CHECK(enc_err("f(bytes4)", R"(["0x010203"])") == AbiErrc::kWrongLength);
    CHECK(enc_err("f(uint8[2])", R"([[1,2,3]])") == AbiErrc::kWrongLength);
    CHECK(enc_err("f((uint8,bool))", R"([[1]])") == AbiErrc::kWrongLength);
    CHECK(enc_err("f(uint8)", R"([1,2])") == AbiErrc::kWrongLength);
  }
  SECTION("kDataTooShort") {
    CHECK(dec_err("(uint8,uint8)", "0x" + word("1")) == AbiErrc::kDataTooShort);
    CHECK(dec_err("(uint8)", "0x" + word("1").substr(2)) == AbiErrc::kDataTooShort);
    // bytes of length 1 whose padding word is missing
    CHECK(dec_err("(bytes)", "0x" + word("20") + word("1") + "ab") == AbiErrc::kDataTooShort);
  }
  SECTION("kBadOffset") {
    CHECK(dec_err("(bytes)", "0x" + word("40") + word("0")) == AbiErrc::kBadOffset);
    CHECK(dec_err("(uint256[])", "0x" + std::string(64, 'f')) == AbiErrc::kBadOffset);
    auto r = dec_raw("(uint8,(bool,string)[])", "0x" + word("1") + word("40") + word("1") + word("20") + word("1") + word("999"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == AbiErrc::kBadOffset);
    CHECK(r.error().path == "value 1[0].1");
  }
  SECTION("kBadLength") {
    CHECK(dec_err("(bytes)", "0x" + word("20") + word("21") + word("0")) == AbiErrc::kBadLength);
    CHECK(dec_err("(uint256[])", "0x" + word("20") + word("2") + word("1")) == AbiErrc::kBadLength);
    CHECK(dec_err("(string)", "0x" + word("20") + std::string(64, 'f')) == AbiErrc::kBadLength);
  }
  SECTION("kDirtyBits") {
    CHECK(dec_err("(uint8)", "0x" + word("100")) == AbiErrc::kDirtyBits);
    CHECK(dec_err("(int8)", "0x" + word("80")) == AbiErrc::kDirtyBits);  // 128 is not sign-extended
    CHECK(dec_err("(int8)", "0x" + std::string(62, 'f') + "7f") == AbiErrc::kDirtyBits);
    CHECK(dec_err("(address)", "0x01" + std::string(62, '0')) == AbiErrc::kDirtyBits);
    CHECK(dec_err("(bool)", "0x" + word("2")) == AbiErrc::kDirtyBits);
    CHECK(dec_err("(bytes4)", "0x0102030405" + std::string(54, '0')) == AbiErrc::kDirtyBits);
    CHECK(dec_err("(bytes)", "0x" + word("20") + word("1") + "ab01" + std::string(60, '0')) == AbiErrc::kDirtyBits);
  }
  SECTION("kInvalidUtf8") {
    CHECK(dec_err("(string)", "0x" + word("20") + word("1") + "ff" + std::string(62, '0')) == AbiErrc::kInvalidUtf8);
    CHECK(dec_err("(string)", "0x" + word("20") + word("2") + "c0af" + std::string(60, '0')) == AbiErrc::kInvalidUtf8);  // overlong '/'
    CHECK(dec_err("(string)", "0x" + word("20") + word("3") + "eda080" + std::string(58, '0')) == AbiErrc::kInvalidUtf8);  // surrogate
    CHECK(dec_err("(string)", "0x" + word("20") + word("2") + "e282" + std::string(60, '0')) == AbiErrc::kInvalidUtf8);  // truncated
  }
  SECTION("kDataInflation") {
    // uint256[][] of 200 heads that all point at one 200-element array:
    // 6.5 KiB of data that would decode to 40000 values.
    const int n = 200;
    std::string d = "0x" + word("20") + word("c8");
    char off[16];
    std::snprintf(off, sizeof off, "%x", n * 32);
    for (int i = 0; i < n; ++i) d += word(off);
    d += word("c8");
    for (int i = 0; i < n; ++i) d += word("7");
    CHECK(dec_err("(uint256[][])", d) == AbiErrc::kDataInflation);
  }
  SECTION("kTopicCount and kTopicMismatch") {
    const auto ev = chain::parse_signature("event Transfer(address indexed from, address indexed to, uint256 value)");
    const core::Hash32 t0 = chain::event_topic(*ev);
    const std::vector<core::Hash32> two{t0, core::Hash32{}};
    CHECK(chain::decode_log(*ev, two, hex("0x" + word("1"))).error().code == AbiErrc::kTopicCount);
    const std::vector<core::Hash32> wrong{core::Hash32{}, core::Hash32{}, core::Hash32{}};
    CHECK(chain::decode_log(*ev, wrong, hex("0x" + word("1"))).error().code == AbiErrc::kTopicMismatch);
    const auto plain = chain::parse_signature("Transfer(address,address,uint256)", AbiKind::kEvent);
    const std::vector<core::Hash32> five{t0, t0, t0, t0, t0};
    CHECK(chain::decode_log(*plain, five, {}).error().code == AbiErrc::kTopicCount);
    CHECK(chain::decode_log(*plain, {}, {}).error().code == AbiErrc::kTopicCount);
    // An indexed address topic with dirty high bytes is caught too.
    const std::vector<core::Hash32> dirty{t0, h32("0x" + std::string(64, 'f')), core::Hash32{}};
    auto r = chain::decode_log(*ev, dirty, hex("0x" + word("1")));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == AbiErrc::kDirtyBits);
    CHECK(r.error().path == "topic 1 (param from)");
  }
}

TEST_CASE("abi: decoding ignores trailing bytes and accepts aliasing within budget", "[chain][abi]") {
  CHECK(dec("(uint8)", "0x" + word("5") + word("6")) == R"(["5"])");
  // Two string heads pointing at the same tail.
  CHECK(dec("(string,string)", "0x" + word("40") + word("40") + word("2") + "6869" + std::string(60, '0')) == R"(["hi","hi"])");
}

TEST_CASE("abi: hot-path word encoders match the generic encoder, no allocation", "[chain][abi][hotpath]") {
  const auto f = chain::parse_signature("placeOrder(address,uint256,int64,bool,bytes32)");
  REQUIRE(f);
  const core::Address trader = *core::parse_address("0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045");
  const core::Hash32 cloid = h32("0x" + std::string(64, 'c'));
  core::Bytes generic;
  REQUIRE(chain::encode_call(generic, *f,
                             *core::parse_json(R"(["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","1000000000000000000",-42,true,"0x)" +
                                               std::string(64, 'c') + "\"]")));
  const chain::Selector sel = chain::selector(*f);
  core::Bytes buf;
  buf.reserve(chain::call_length(5));
  const uint8_t* const storage = buf.data();
  const size_t before = g_allocs.load();
  for (int round = 0; round < 3; ++round) {
    buf.clear();
    chain::append_selector(buf, sel);
    chain::append_address(buf, trader);
    chain::append_uint(buf, core::U256{1000000000000000000ull});
    chain::append_int(buf, -42);
    chain::append_bool(buf, true);
    chain::append_fixed_bytes(buf, cloid.view());
  }
  const size_t after = g_allocs.load();
#ifdef PERPX_COUNT_ALLOCS
  CHECK(after == before);
#else
  (void)after;
  (void)before;
#endif
  CHECK(buf.data() == storage);  // the reserved buffer was never reallocated
  CHECK(buf == generic);
  CHECK(buf.size() == chain::call_length(5));
}

TEST_CASE("abi: mutated and truncated encodings fail cleanly or decode", "[chain][abi]") {
  // A valid nested encoding (ethers vector above), then deterministic byte
  // flips and truncations: every outcome is a value or a typed error (run
  // under PERPX_SANITIZE=address,undefined to catch out-of-bounds reads).
  const auto f = chain::parse_signature("((uint256,(bool,string)[])[2],int256)");
  REQUIRE(f);
  core::Bytes good;
  REQUIRE(chain::encode(good, f->inputs, *core::parse_json(R"([[["1",[[true,"a"],[false,"ü€😀"]]],["2",[]]],"-1"])")));
  uint64_t x = 0x9e3779b97f4a7c15ull;  // splitmix64, fixed seed
  const auto next = [&x] {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  size_t ok = 0, errors = 0;
  for (int i = 0; i < 3000; ++i) {
    core::Bytes d = good;
    for (int k = 0; k < 1 + static_cast<int>(next() % 3); ++k) d[next() % d.size()] ^= static_cast<uint8_t>(1 + next() % 255);
    if (i % 4 == 0) d.resize(next() % d.size());
    auto r = chain::decode(f->inputs, d);
    if (!r) {
      ++errors;
      CHECK_FALSE(describe(r.error()).empty());
      continue;
    }
    ++ok;
    // Whatever decodes re-encodes and decodes to the same value.
    core::Bytes again;
    REQUIRE(chain::encode(again, f->inputs, *r));
    CHECK(chain::decode(f->inputs, again)->dump() == r->dump());
  }
  CHECK(errors > 0);
  CHECK(ok + errors == 3000);
  CHECK(chain::decode(f->inputs, good)->dump() == R"([[["1",[[true,"a"],[false,"ü€😀"]]],["2",[]]],"-1"])");
  // A JSON literal below -2^63 arrives as text and still round-trips.
  CHECK(enc("(int256)", "[-57896044618658097711785492504343953926634992332820282019728792003956564819968]") ==
        "0x8" + std::string(63, '0'));
}

TEST_CASE("abi: mutated signatures parse or fail with a typed error", "[chain][abi]") {
  const std::string base = "event E(tuple(uint a, bytes32[2] b)[][3] indexed x, string s) anonymous";
  const std::string alphabet = "()[], tuplebytes0123456789indexed";
  uint64_t x = 12345;
  const auto next = [&x] { return x = x * 6364136223846793005ull + 1442695040888963407ull, x >> 33; };
  size_t parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s = base;
    for (int k = 0; k < 1 + static_cast<int>(next() % 4); ++k) {
      const size_t at = next() % s.size();
      switch (next() % 3) {
        case 0: s[at] = alphabet[next() % alphabet.size()]; break;
        case 1: s.erase(at, 1); break;
        default: s.insert(at, 1, alphabet[next() % alphabet.size()]); break;
      }
    }
    auto f = chain::parse_signature(s, AbiKind::kEvent);
    if (!f) {
      CHECK(f.error().message.find("column") != std::string::npos);
      continue;
    }
    ++parsed;
    // What parses has a canonical form that parses to the same types.
    auto again = chain::parse_signature("event " + chain::canonical_signature(*f), AbiKind::kEvent);
    if (f->name.empty()) continue;
    REQUIRE(again);
    CHECK(chain::canonical_signature(*again) == chain::canonical_signature(*f));
  }
  CHECK(parsed > 0);
}
