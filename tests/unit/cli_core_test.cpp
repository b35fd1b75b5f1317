// The CLI contract for keccak, rlp, tx, address and sign-message: output
// shape, stdin via "-", and the error rule (exit 1, one stderr line, nothing
// on stdout, never the key).
#include <catch2/catch.hpp>

#include "cli_run.hpp"

using perpx::test::line_of;
using perpx::test::run_perpx;

namespace {
const std::string kKey = "0x4646464646464646464646464646464646464646464646464646464646464646";
const std::string kEip155Raw =
    "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";
const std::string kEip155Json =
    R"({"nonce":9,"gasPrice":"20000000000","gas":"0x5208","to":"0x3535353535353535353535353535353535353535","value":"1000000000000000000","chainId":1,"type":0})";

void check_bad_input(const std::vector<std::string>& args, const std::string& input = {}) {
  INFO("args: " << [&] { std::string s; for (auto& a : args) s += a + " "; return s; }());
  const auto r = run_perpx(args, input);
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(!r.err.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find("464646464646") == std::string::npos);  // never the key
}
}  // namespace

TEST_CASE("keccak", "[cli]") {
  CHECK(line_of(run_perpx({"keccak", "0x"})) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(line_of(run_perpx({"keccak", "0x616263"})) == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  CHECK(line_of(run_perpx({"keccak", "-"}, "  0x616263\n")) == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  CHECK(line_of(run_perpx({"keccak", "--text", "abc"})) == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // 64 KiB through stdin.
  const std::string big = "0x" + std::string(131072, 'a');
  CHECK(run_perpx({"keccak", "-"}, big).status == 0);
  check_bad_input({"keccak", "0xabc"});
  check_bad_input({"keccak", "abc"});
  check_bad_input({"keccak"});
}

TEST_CASE("rlp encode and decode", "[cli]") {
  CHECK(line_of(run_perpx({"rlp", "encode", R"(["0x646f67",["0x636174",1024],0,"15",[]])"})) == "0xcf83646f67c783636174820400800fc0");
  CHECK(line_of(run_perpx({"rlp", "encode", R"("115792089237316195423570985008687907853269984665640564039457584007913129639935")"})) ==
        "0xa0" + std::string(64, 'f'));
  CHECK(line_of(run_perpx({"rlp", "decode", "0xcf83646f67c783636174820400800fc0"})) == R"(["0x646f67",["0x636174","0x0400"],"0x","0x0f",[]])");
  check_bad_input({"rlp", "encode", R"(["dog"])"});
  check_bad_input({"rlp", "encode", R"([01])"});
  check_bad_input({"rlp", "encode", R"(-1)"});
  check_bad_input({"rlp", "encode", R"("115792089237316195423570985008687907853269984665640564039457584007913129639936")"});
  check_bad_input({"rlp", "encode", R"([1.5])"});
  check_bad_input({"rlp", "encode", R"({"a":1})"});
  check_bad_input({"rlp", "decode", "0x8100"});
  check_bad_input({"rlp", "decode", "0xb80100"});
  check_bad_input({"rlp", "decode", "0x83646f6700"});
  check_bad_input({"rlp", "decode", "0xc483646f6767"});
}

TEST_CASE("tx sign and decode", "[cli]") {
  CHECK(line_of(run_perpx({"tx", "sign", "--private-key", kKey, kEip155Json})) == kEip155Raw);
  CHECK(line_of(run_perpx({"tx", "sign", "--private-key", kKey, "-"}, kEip155Json)) == kEip155Raw);
  CHECK(line_of(run_perpx({"tx", "sign", kEip155Json}, {}, {"ETH_PRIVATE_KEY=" + kKey})) == kEip155Raw);
  const auto js = line_of(run_perpx({"tx", "sign", "--json", "--private-key", kKey, kEip155Json}));
  CHECK(js == R"({"raw":")" + kEip155Raw +
                  R"(","hash":"0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788","from":"0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F","signingHash":"0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"})");
  const auto dec = line_of(run_perpx({"tx", "decode", kEip155Raw}));
  CHECK(dec.find(R"("chainId":"1","nonce":"9","gasPrice":"20000000000","gasLimit":"21000")") != std::string::npos);
  CHECK(dec.find(R"("v":"37")") != std::string::npos);
  CHECK(dec.find(R"("from":"0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F")") != std::string::npos);

  check_bad_input({"tx", "sign", "--private-key", kKey, R"({"nonce":1})"});                        // missing gas
  check_bad_input({"tx", "sign", "--private-key", kKey, R"({"type":2,"nonce":1,"gas":1,"gasPrice":1,"chainId":1})"});
  check_bad_input({"tx", "sign", "--private-key", kKey, R"({"type":0,"nonce":1,"gas":1,"gasPrice":1,"bogus":1})"});
  check_bad_input({"tx", "sign", "--private-key", kKey, R"({"type":0,"nonce":"01","gas":1,"gasPrice":1})"});
  check_bad_input({"tx", "sign", "--private-key", kKey, R"({"type":0,"nonce":1,"gas":1,"gasPrice":1,"to":"0x12"})"});
  check_bad_input({"tx", "sign", "--private-key", kKey, R"({"type":0,"nonce":1,"gas":1,"gasPrice":1,"from":"0x0000000000000000000000000000000000000001"})"});
  check_bad_input({"tx", "sign", "--private-key", "0x46464646464646464646464646464646464646464646464646464646464646", kEip155Json});
  check_bad_input({"tx", "sign", kEip155Json});  // no key at all
  check_bad_input({"tx", "sign", kKey, kEip155Json});  // a key typed as a positional is not echoed
  check_bad_input({"tx", "decode", kEip155Raw.substr(0, kEip155Raw.size() - 2)});
  check_bad_input({"tx", "decode", "0x03c0"});
}

TEST_CASE("address and sign-message", "[cli]") {
  CHECK(line_of(run_perpx({"address", "checksum", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"})) == "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
  CHECK(line_of(run_perpx({"address", "from-key", kKey})) == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
  check_bad_input({"address", "checksum", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d35A"});
  check_bad_input({"address", "from-key", "0x00"});
  // ethers' Wallet.signMessage("hello") with the same key.
  CHECK(line_of(run_perpx({"sign-message", "--private-key", kKey, "hello"})) ==
        "0xf63c93dc642a4839770b35abf9cb304ac2f1b5463d9a9abd87546feaa0af992e659cf087c433e45c45f6135cb819ab1922c6359dbb1b8c8d7a54141de2cd4beb1b");
  // "0x68656c6c6f" is the bytes of "hello": same signature; --text signs the 12 characters instead.
  CHECK(line_of(run_perpx({"sign-message", "--private-key", kKey, "0x68656c6c6f"})) ==
        "0xf63c93dc642a4839770b35abf9cb304ac2f1b5463d9a9abd87546feaa0af992e659cf087c433e45c45f6135cb819ab1922c6359dbb1b8c8d7a54141de2cd4beb1b");
  CHECK(line_of(run_perpx({"sign-message", "--text", "--private-key", kKey, "0x68656c6c6f"})) !=
        line_of(run_perpx({"sign-message", "--private-key", kKey, "0x68656c6c6f"})));
  check_bad_input({"sign-message", "--private-key", "0xzz46464646464646464646464646464646464646464646464646464646464646", "hi"});
  check_bad_input({"nosuchcommand"});
}
