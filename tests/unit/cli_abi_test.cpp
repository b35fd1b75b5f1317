// perpx abi encode | decode-log | decode-output: the command-line contracts
// (shared/CLI.md). Expected values: Solidity ABI spec examples and ethers 6.17.0.
#include <catch2/catch.hpp>

#include "cli_run.hpp"

using perpx::test::line_of;
using perpx::test::run_perpx;

namespace {

// A failing run: exit 1, nothing on stdout, one line on stderr containing `what`.
void check_fails(const std::vector<std::string>& args, const std::string& what, const std::string& input = {}) {
  const auto r = run_perpx(args, input);
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(what) != std::string::npos);
  CHECK(r.err.find('\n') == r.err.size() - 1);
}

std::string word(std::string_view digits) { return std::string(64 - digits.size(), '0') + std::string(digits); }

const std::string kTransferT0 = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
const std::string kFromTopic = "0x000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045";
const std::string kToTopic = "0x000000000000000000000000742d35cc6634c0532925a3b844bc454e4438f44e";
const std::string kTransferData = "0x00000000000000000000000000000000000000000000000000000000000f4240";

}  // namespace

TEST_CASE("cli abi encode", "[cli][abi]") {
  auto r = run_perpx({"abi", "encode", "baz(uint32,bool)", "[69,true]"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(line_of(r) ==
        "0xcdcd77c000000000000000000000000000000000000000000000000000000000000000450000000000000000000000000000000000000000000000000000000000000001");
  // Human-readable form with names and aliases; args from stdin.
  r = run_perpx({"abi", "encode", "function transfer(address to, uint amount)", "-"},
                R"(["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045", "0xde0b6b3a7640000"])");
  CHECK(line_of(r) == "0xa9059cbb000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa960450000000000000000000000000000000000000000000000000de0b6b3a7640000");
  // A bare type list has no selector (cast abi-encode style).
  r = run_perpx({"abi", "encode", "(uint256,address)", R"([1,"0x0000000000000000000000000000000000000002"])"});
  CHECK(line_of(r) == "0x" + word("1") + word("2"));
  // A JSON function fragment works as the signature.
  r = run_perpx({"abi", "encode", R"({"type":"function","name":"g","inputs":[{"name":"xs","type":"tuple[]","components":[{"name":"a","type":"int8"}]}]})",
                 R"([[["-1"]]])"});
  CHECK(line_of(r).substr(10) == word("20") + word("1") + std::string(64, 'f'));
}

TEST_CASE("cli abi encode errors", "[cli][abi]") {
  check_fails({"abi", "encode", "f((uint8,bool)[])", "[[[1,true],[300,false]]]"}, "arg 0[1].0: value does not fit uint8");
  check_fails({"abi", "encode", "f(uint7)", "[1]"}, "signature: unknown type 'uint7'");
  check_fails({"abi", "encode", "f(uint8)", "[1,2]"}, "args: expected 1 args, got 2");
  check_fails({"abi", "encode", "f(uint8)", "[1"}, "args: invalid JSON");
  check_fails({"abi", "encode", "f(bytes4)", R"(["0x0102"])"}, "bytes4 needs exactly 4 bytes, got 2");
  check_fails({"abi", "encode", "event E(uint8)", "[1]"}, "expected function, got event");
}

TEST_CASE("cli abi decode-log", "[cli][abi]") {
  const std::string topics = kTransferT0 + "," + kFromTopic + "," + kToTopic;
  const std::string expect =
      R"({"from":"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","to":"0x742d35Cc6634C0532925a3b844Bc454e4438f44e","value":"1000000"})";
  auto r = run_perpx({"abi", "decode-log",
                      R"({"anonymous":false,"inputs":[{"indexed":true,"name":"from","type":"address"},{"indexed":true,"name":"to","type":"address"},{"indexed":false,"name":"value","type":"uint256"}],"name":"Transfer","type":"event"})",
                      "--topics", topics, "--data", kTransferData});
  CHECK(r.status == 0);
  CHECK(line_of(r) == expect);
  r = run_perpx({"abi", "decode-log", "Transfer(address indexed from, address indexed to, uint256 value)", "--topics", topics,
                 "--data", "-"},
                kTransferData);
  CHECK(line_of(r) == expect);
  r = run_perpx({"abi", "decode-log", "Transfer(address,address,uint256)", "--topics", topics, "--data", kTransferData});
  CHECK(line_of(r) ==
        R"({"0":"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","1":"0x742d35Cc6634C0532925a3b844Bc454e4438f44e","2":"1000000"})");
  check_fails({"abi", "decode-log", "Approval(address,address,uint256)", "--topics", topics, "--data", kTransferData},
              "topic 0: 0xddf252ad");
  check_fails({"abi", "decode-log", "Transfer(address indexed, address indexed, uint256)", "--topics", kTransferT0, "--data",
               kTransferData},
              "expected 3 topics, got 1");
  check_fails({"abi", "decode-log", "Transfer(address,address,uint256)", "--topics", kTransferT0 + ",0x12", "--data", kTransferData},
              "--topics: topic 1");
  check_fails({"abi", "decode-log", "Transfer(address indexed, address indexed, uint256)", "--topics", topics, "--data", "0x1234"},
              "param 2: data ends");
}

TEST_CASE("cli abi decode-output", "[cli][abi]") {
  const std::string reserves =
      "0x00000000000000000000000000000000000000000000000000000000075bcd15000000000000000000000000000000000000000000000000000000003ade68b1000000000000000000000000000000000000000000000000000000006553f100";
  auto r = run_perpx({"abi", "decode-output", "getReserves()(uint112,uint112,uint32)", reserves});
  CHECK(r.status == 0);
  CHECK(line_of(r) == R"(["123456789","987654321","1700000000"])");
  r = run_perpx({"abi", "decode-output", "function getReserves() external view returns (uint112 a, uint112 b, uint32 c)", "-"}, reserves);
  CHECK(line_of(r) == R"(["123456789","987654321","1700000000"])");
  r = run_perpx({"abi", "decode-output", "(uint112,uint112,uint32)", reserves});
  CHECK(line_of(r) == R"(["123456789","987654321","1700000000"])");
  r = run_perpx({"abi", "decode-output",
                 R"({"type":"function","name":"owner","inputs":[],"outputs":[{"name":"","type":"address"}],"stateMutability":"view"})",
                 "0x000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045"});
  CHECK(line_of(r) == R"(["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"])");
  r = run_perpx({"abi", "decode-output", "name()(string)", "0x" + word("20") + word("9") + "c3bce282acf09f9880" + std::string(46, '0')});
  CHECK(line_of(r) == R"(["ü€😀"])");

  check_fails({"abi", "decode-output", "balanceOf(address)", reserves}, "function: names no outputs");
  check_fails({"abi", "decode-output", "f()(uint8)", "0x" + word("100")}, "data: value 0: uint8 has non-zero high bits");
  check_fails({"abi", "decode-output", "f()(string)", "0x" + word("20") + word("1") + "ff" + std::string(62, '0')},
              "value 0: string is not valid UTF-8");
  check_fails({"abi", "decode-output", "f()(uint8)", "0x123"}, "data: ");
}
