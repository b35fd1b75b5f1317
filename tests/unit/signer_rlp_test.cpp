// RLP: round trips and one negative test per RlpError. The ethereum/tests
// suites are in signer_rlp_vectors_test.cpp.
#include <catch2/catch.hpp>

#include "perpx/core/hex.hpp"
#include "perpx/signer/rlp.hpp"

using namespace perpx;
using namespace perpx::signer::rlp;

namespace {
core::Bytes hex(std::string_view s) { return *core::parse_hex(s); }
RlpError tree_error(std::string_view s) {
  auto r = decode_tree(hex(s));
  REQUIRE_FALSE(r);
  return r.error();
}
}  // namespace

TEST_CASE("rlp encodes the yellow-paper examples", "[signer][rlp]") {
  core::Bytes out;
  encode_string(out, hex("0x646f67"));
  CHECK(core::to_hex(out) == "0x83646f67");
  out.clear();
  encode_uint(out, uint64_t{0});
  CHECK(core::to_hex(out) == "0x80");
  out.clear();
  encode_uint(out, uint64_t{15});
  CHECK(core::to_hex(out) == "0x0f");
  out.clear();
  encode_uint(out, uint64_t{1024});
  CHECK(core::to_hex(out) == "0x820400");
  out.clear();
  const core::Bytes long_str(56, 'a');
  encode_string(out, long_str);
  CHECK(out.size() == 58);
  CHECK(out[0] == 0xb8);
  CHECK(out[1] == 56);
  CHECK(string_length(long_str) == 58);
  // [ [], [[]], [ [], [[]] ] ] -- the set-theoretic representation of three.
  Item three{true, {}, {Item{true, {}, {}}, Item{true, {}, {Item{true, {}, {}}}}, Item{true, {}, {Item{true, {}, {}}, Item{true, {}, {Item{true, {}, {}}}}}}}};
  out.clear();
  encode_tree(out, three);
  CHECK(core::to_hex(out) == "0xc7c0c1c0c3c0c1c0");
  CHECK(decode_tree(out)->items.size() == 3);
}

TEST_CASE("rlp rejects every non-canonical form with a typed error", "[signer][rlp]") {
  CHECK(tree_error("0x") == RlpError::kInputTooShort);
  CHECK(tree_error("0x83646f") == RlpError::kInputTooShort);         // truncated payload
  CHECK(tree_error("0xb9") == RlpError::kInputTooShort);             // truncated length
  CHECK(tree_error("0xc383646f67") == RlpError::kListOverrun);     // child runs past its list
  CHECK(tree_error("0x83646f6700") == RlpError::kTrailingBytes);
  CHECK(tree_error("0xb90038" + std::string(112, '6')) == RlpError::kLeadingZero);  // length with leading zero
  CHECK(tree_error("0xb80100") == RlpError::kNonCanonicalSize);      // long form for length 1
  CHECK(tree_error("0x8100") == RlpError::kNonCanonicalSingleByte);  // 0x00 must be 0x00 itself
  CHECK(tree_error("0x817f") == RlpError::kNonCanonicalSingleByte);
  CHECK(tree_error("0xbfffffffffffffffff") == RlpError::kLengthOverflow);
  CHECK(decode_tree(hex("0x8180")).has_value());  // 0x80 needs the wrapper
  {
    auto nested = [](int levels) {
      Item item{true, {}, {}};
      for (int i = 1; i < levels; ++i) item = Item{true, {}, {std::move(item)}};
      core::Bytes out;
      encode_tree(out, item);
      return out;
    };
    CHECK(decode_tree(nested(kMaxDepth)).has_value());
    CHECK(decode_tree(nested(kMaxDepth + 1)).error() == RlpError::kTooDeep);
  }
  core::ByteView in;
  const auto list = hex("0xc0");
  in = list;
  CHECK(decode_string(in).error() == RlpError::kUnexpectedList);
  const auto str = hex("0x80");
  in = str;
  CHECK(decode_list(in).error() == RlpError::kUnexpectedString);
  const auto lz = hex("0x820001");
  in = lz;
  CHECK(decode_uint(in).error() == RlpError::kLeadingZero);
  const auto big = hex("0xa1" + std::string(66, '1'));
  in = big;
  CHECK(decode_uint(in).error() == RlpError::kIntegerOverflow);
  const auto over64 = hex("0x89010000000000000000");
  in = over64;
  CHECK(decode_u64(in).error() == RlpError::kIntegerOverflow);

  for (auto e : {RlpError::kInputTooShort, RlpError::kListOverrun, RlpError::kTrailingBytes, RlpError::kLeadingZero,
                 RlpError::kNonCanonicalSize, RlpError::kNonCanonicalSingleByte, RlpError::kLengthOverflow,
                 RlpError::kUnexpectedList, RlpError::kUnexpectedString, RlpError::kIntegerOverflow, RlpError::kTooDeep})
    CHECK(!describe(e).empty());
}

TEST_CASE("rlp lengths predict the encoding exactly", "[signer][rlp]") {
  for (size_t n : {0u, 1u, 55u, 56u, 255u, 256u, 65535u, 65536u}) {
    core::Bytes s(n, 0x90), out;
    encode_string(out, s);
    CHECK(out.size() == string_length(s));
    core::ByteView in = out;
    CHECK(decode_string(in)->size() == n);
    CHECK(in.empty());
    CHECK(list_length(n) == (n < 56 ? 1 : 1 + length_of_length(n)) + n);
  }
}
