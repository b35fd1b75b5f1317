// ethereum/tests RLPTests (tests/vectors/ethereum-tests/RLPTests, see README):
// every valid vector round-trips through encode_tree/decode_tree, every invalid
// one is rejected. Entries in KNOWN_FAILING.md are asserted to still fail.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "vector_files.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/u256.hpp"
#include "perpx/signer/rlp.hpp"

using perpx::test::known_failing;
using perpx::test::slurp;

namespace {

namespace rlp = perpx::signer::rlp;
using perpx::core::Bytes;
using perpx::core::ByteView;
using Json = nlohmann::ordered_json;

const std::string kDir = std::string(PERPX_VECTORS_DIR) + "/ethereum-tests";

Json load(const std::string& rel) { return Json::parse(slurp(kDir + "/" + rel)); }

// The suite writes some "out" values without 0x and some in upper case; this
// test-side reader takes both (the library's parse_hex is strict on purpose).
Bytes hex_bytes(std::string s) {
  if (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0) s = s.substr(2);
  REQUIRE(s.size() % 2 == 0);
  Bytes out(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = perpx::core::hex_digit_value(s[2 * i]);
    const int lo = perpx::core::hex_digit_value(s[2 * i + 1]);
    REQUIRE((hi >= 0 && lo >= 0));
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return out;
}

// Decimal text of any size -> minimal big-endian bytes (zero -> empty).
// The suite's "#bignum" goes up to 2^256, one past what U256 holds.
Bytes decimal_to_be(const std::string& dec) {
  Bytes be;  // big-endian, grows at the front
  for (char c : dec) {
    REQUIRE((c >= '0' && c <= '9'));
    unsigned carry = static_cast<unsigned>(c - '0');
    for (auto it = be.rbegin(); it != be.rend(); ++it) {
      const unsigned v = *it * 10u + carry;
      *it = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
    while (carry) {
      be.insert(be.begin(), static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  while (!be.empty() && be.front() == 0) be.erase(be.begin());
  return be;
}

// The suite's "in": JSON numbers and "#decimal" strings are integers,
// "0x.." strings are bytes given in hex, other strings are their bytes.
rlp::Item to_item(const Json& j) {
  rlp::Item it;
  if (j.is_array()) {
    it.list = true;
    for (const auto& e : j) it.items.push_back(to_item(e));
  } else if (j.is_number_unsigned() || j.is_number_integer()) {
    it.str = decimal_to_be(std::to_string(j.get<uint64_t>()));
  } else {
    const std::string s = j.get<std::string>();
    if (s.rfind('#', 0) == 0) it.str = decimal_to_be(s.substr(1));
    else if (s.rfind("0x", 0) == 0) it.str = hex_bytes(s);
    else it.str = Bytes(s.begin(), s.end());
  }
  return it;
}

bool same(const rlp::Item& a, const rlp::Item& b) {
  if (a.list != b.list) return false;
  if (!a.list) return a.str == b.str;
  if (a.items.size() != b.items.size()) return false;
  for (size_t i = 0; i < a.items.size(); ++i)
    if (!same(a.items[i], b.items[i])) return false;
  return true;
}

std::string show(const rlp::Item& it) {
  if (!it.list) return perpx::core::to_hex(it.str);
  std::string s = "[";
  for (size_t i = 0; i < it.items.size(); ++i) s += (i ? "," : "") + show(it.items[i]);
  return s + "]";
}

std::string encode_hex(const rlp::Item& it) {
  Bytes out;
  rlp::encode_tree(out, it);
  return perpx::core::to_hex(out);
}

}  // namespace

TEST_CASE("RLPTests/rlptest.json: valid vectors round-trip", "[signer][rlp][vectors]") {
  const Json suite = load("RLPTests/rlptest.json");
  const auto known = known_failing(kDir + "/KNOWN_FAILING.md");
  REQUIRE(suite.size() >= 25);
  int checked = 0;
  for (const auto& [name, tc] : suite.items()) {
    const std::string id = "RLPTests/rlptest.json:" + name;
    if (known.count(id)) continue;  // asserted in its own test case below
    INFO(id);
    const rlp::Item in = to_item(tc["in"]);
    const Bytes out = hex_bytes(tc["out"].get<std::string>());
    CHECK(encode_hex(in) == perpx::core::to_hex(out));
    auto dec = rlp::decode_tree(out);
    REQUIRE(dec.has_value());
    CHECK(show(*dec) == show(in));
    CHECK(same(*dec, in));
    // Length pre-count agrees with what the encoder wrote (top-level string).
    if (!in.list) CHECK(rlp::string_length(in.str) == out.size());
    // Integers that fit U256 also go through encode_uint / decode_uint.
    const auto& j = tc["in"];
    const bool is_int = j.is_number() || (j.is_string() && j.get<std::string>().rfind('#', 0) == 0);
    if (is_int && in.str.size() <= 32) {
      auto v = perpx::core::from_be(in.str);
      REQUIRE(v.has_value());
      Bytes enc;
      rlp::encode_uint(enc, *v);
      CHECK(perpx::core::to_hex(enc) == perpx::core::to_hex(out));
      CHECK(rlp::uint_length(*v) == out.size());
      ByteView view = out;
      auto back = rlp::decode_uint(view);
      REQUIRE(back.has_value());
      CHECK(*back == *v);
      CHECK(view.empty());
    }
    ++checked;
  }
  CHECK(checked + 1 == static_cast<int>(suite.size()));  // all but the one known-failing entry
}

TEST_CASE("RLPTests/invalidRLPTest.json: every vector is rejected", "[signer][rlp][vectors]") {
  const Json suite = load("RLPTests/invalidRLPTest.json");
  REQUIRE(suite.size() >= 15);
  for (const auto& [name, tc] : suite.items()) {
    INFO("RLPTests/invalidRLPTest.json:" << name << " out " << tc["out"].get<std::string>());
    REQUIRE(tc["in"] == "INVALID");
    auto dec = rlp::decode_tree(hex_bytes(tc["out"].get<std::string>()));
    CHECK_FALSE(dec.has_value());
    if (dec) FAIL_CHECK("accepted as " << show(*dec));
  }
}

TEST_CASE("RLPTests: specific rejection reasons", "[signer][rlp][vectors]") {
  const Json suite = load("RLPTests/invalidRLPTest.json");
  auto err = [&](const char* name) -> std::string {
    auto r = rlp::decode_tree(hex_bytes(suite[name]["out"].get<std::string>()));
    return r ? std::string("accepted") : std::string(rlp::describe(r.error()));
  };
  auto d = [](rlp::RlpError e) { return std::string(rlp::describe(e)); };
  CHECK(err("bytesShouldBeSingleByte00") == d(rlp::RlpError::kNonCanonicalSingleByte));
  CHECK(err("bytesShouldBeSingleByte01") == d(rlp::RlpError::kNonCanonicalSingleByte));
  CHECK(err("bytesShouldBeSingleByte7F") == d(rlp::RlpError::kNonCanonicalSingleByte));
  CHECK(err("leadingZerosInLongLengthArray1") == d(rlp::RlpError::kLeadingZero));
  CHECK(err("leadingZerosInLongLengthList1") == d(rlp::RlpError::kLeadingZero));
  CHECK(err("nonOptimalLongLengthArray1") == d(rlp::RlpError::kNonCanonicalSize));
  CHECK(err("nonOptimalLongLengthArray2") == d(rlp::RlpError::kNonCanonicalSize));
  CHECK(err("nonOptimalLongLengthList1") == d(rlp::RlpError::kNonCanonicalSize));
  CHECK(err("nonOptimalLongLengthList2") == d(rlp::RlpError::kNonCanonicalSize));
}

TEST_CASE("RLPTests: known-failing entries still fail as documented", "[signer][rlp][vectors][known-failing]") {
  // rlptest.json:listofbinaries: the suite's "out" has a list header for 167
  // payload bytes (f8a7) followed by the 153 single-byte zero items, i.e. it is
  // not the encoding of "in". A correct encoder produces f90140..; a strict
  // decoder rejects "out" (trailing bytes).
  const auto known = known_failing(kDir + "/KNOWN_FAILING.md");
  REQUIRE(known.count("RLPTests/rlptest.json:listofbinaries") == 1);
  const Json suite = load("RLPTests/rlptest.json");
  const auto& tc = suite["listofbinaries"];
  const rlp::Item in = to_item(tc["in"]);
  const Bytes out = hex_bytes(tc["out"].get<std::string>());
  const std::string enc = encode_hex(in);
  CHECK(enc != perpx::core::to_hex(out));
  CHECK(enc.rfind("0xf90140b841", 0) == 0);
  CHECK(in.items.size() == 157);
  auto dec = rlp::decode_tree(out);
  REQUIRE_FALSE(dec.has_value());
  CHECK(dec.error() == rlp::RlpError::kTrailingBytes);
  // And our own encoding of "in" does round-trip.
  Bytes ours;
  rlp::encode_tree(ours, in);
  auto back = rlp::decode_tree(ours);
  REQUIRE(back.has_value());
  CHECK(same(*back, in));
}
