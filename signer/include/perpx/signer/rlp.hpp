#pragma once
// RLP (Ethereum yellow paper, appendix B): an encoder that appends to a
// caller's buffer, and a strict decoder that accepts only the canonical
// encoding of each item.
//
// Encoding appends to `out`; with capacity reserved beforehand it does not
// allocate. Decoding works on views into the input and does not allocate,
// except decode_tree which builds an owned tree.
#include <cstdint>
#include <expected>
#include <string_view>
#include <vector>

#include "perpx/core/bytes.hpp"
#include "perpx/core/u256.hpp"

namespace perpx::signer::rlp {

using core::ByteView;
using core::Bytes;
using core::U256;

enum class [[nodiscard]] RlpError {
  kInputTooShort,           // the input ends inside a header or a payload (truncation)
  kListOverrun,             // an item runs past the end of the list that holds it
  kTrailingBytes,           // bytes left after the top-level item
  kLeadingZero,             // a length (long form) or an integer with a leading zero byte
  kNonCanonicalSize,        // long form used for a length below 56
  kNonCanonicalSingleByte,  // a single byte below 0x80 wrapped as 0x81 xx
  kLengthOverflow,          // a length that does not fit in 64 bits / memory
  kUnexpectedList,          // a string was expected
  kUnexpectedString,        // a list was expected
  kIntegerOverflow,         // an integer larger than its target type
  kTooDeep,                 // lists nested deeper than kMaxDepth (decode_tree)
};

// Deepest list nesting decode_tree accepts.
inline constexpr int kMaxDepth = 1024;

std::string_view describe(RlpError e) noexcept;

// ---- encoding -------------------------------------------------------------

size_t length_of_length(uint64_t len) noexcept;          // bytes of a long-form length
size_t string_length(ByteView s) noexcept;                // encoded size of a byte string
size_t uint_length(const U256& v) noexcept;               // encoded size of an integer
size_t list_length(size_t payload_length) noexcept;       // encoded size of a list, header + payload

void encode_header(Bytes& out, bool list, size_t payload_length);
void encode_string(Bytes& out, ByteView s);
void encode_uint(Bytes& out, const U256& v);              // minimal big-endian, zero = 0x80
void encode_uint(Bytes& out, uint64_t v);

// ---- decoding -------------------------------------------------------------

struct Header {
  bool list = false;
  size_t payload_length = 0;
};

// Reads one header from the front of `in`, advancing past it; checks the
// payload fits in what is left. For a single byte below 0x80 the header is
// empty and payload_length is 1 (the byte itself stays in `in`).
std::expected<Header, RlpError> decode_header(ByteView& in) noexcept;

// One byte string from the front of `in` (advancing past it).
std::expected<ByteView, RlpError> decode_string(ByteView& in) noexcept;
// One canonical integer (no leading zero bytes) from the front of `in`.
std::expected<U256, RlpError> decode_uint(ByteView& in) noexcept;
std::expected<uint64_t, RlpError> decode_u64(ByteView& in) noexcept;
// A list header; returns the list's payload and advances `in` past the list.
std::expected<ByteView, RlpError> decode_list(ByteView& in) noexcept;

// An owned tree, for tools and tests.
struct Item {
  bool list = false;
  Bytes str;                // when !list
  std::vector<Item> items;  // when list
};

// Decodes exactly one item spanning the whole input.
std::expected<Item, RlpError> decode_tree(ByteView in);
void encode_tree(Bytes& out, const Item& item);

}  // namespace perpx::signer::rlp
