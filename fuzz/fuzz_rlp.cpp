// RLP (signer/rlp.hpp). The decoder accepts only canonical encodings, so
// anything decode_tree accepts must re-encode to exactly the input; the
// streaming readers (decode_header/string/uint/list) must agree with it.
#include "fuzz_check.hpp"
#include "perpx/signer/rlp.hpp"

namespace rlp = perpx::signer::rlp;
using perpx::core::Bytes;
using perpx::core::ByteView;

namespace {

// Walks `in` with the streaming readers the way decode_tree does; returns
// whether every item read cleanly (one top-level item, nothing left).
bool walk(ByteView& in, int depth) {
  if (depth > rlp::kMaxDepth) return false;
  ByteView probe = in;
  auto h = rlp::decode_header(probe);
  if (!h) return false;
  if (!h->list) {
    ByteView s = in;
    auto str = rlp::decode_string(s);
    if (!str) return false;
    FUZZ_CHECK(str->size() == h->payload_length);
    // A canonical string of up to 32 bytes with no leading zero is also a canonical integer.
    ByteView u = in;
    if (auto v = rlp::decode_uint(u)) {
      Bytes again;
      rlp::encode_uint(again, *v);
      FUZZ_CHECK(again.size() == static_cast<size_t>(in.size() - u.size()));
      FUZZ_CHECK(std::equal(again.begin(), again.end(), in.begin()));
      FUZZ_CHECK(u.size() == s.size());
    }
    in = s;
    return true;
  }
  auto payload = rlp::decode_list(in);
  if (!payload) return false;
  ByteView inner = *payload;
  while (!inner.empty())
    if (!walk(inner, depth + 1)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView in = perpx::fuzz::bytes_of(data, size);
  auto tree = rlp::decode_tree(in);
  ByteView stream = in;
  const bool streamed = walk(stream, 0) && stream.empty();
  if (!tree) {
    // The streaming readers may be laxer only in depth (decode_tree's limit).
    FUZZ_CHECK(!streamed || tree.error() == rlp::RlpError::kTooDeep);
    (void)rlp::describe(tree.error());
    return 0;
  }
  FUZZ_CHECK(streamed);
  Bytes out;
  rlp::encode_tree(out, *tree);
  FUZZ_CHECK(out.size() == in.size());
  FUZZ_CHECK(std::equal(out.begin(), out.end(), in.begin()));
  return 0;
}
