#include "perpx/signer/rlp.hpp"

#include <bit>

namespace perpx::signer::rlp {

std::string_view describe(RlpError e) noexcept {
  switch (e) {
    case RlpError::kInputTooShort: return "rlp: input ends inside an item (truncated)";
    case RlpError::kListOverrun: return "rlp: item runs past the end of its list";
    case RlpError::kTrailingBytes: return "rlp: trailing bytes after the item";
    case RlpError::kLeadingZero: return "rlp: leading zero byte in a length or integer";
    case RlpError::kNonCanonicalSize: return "rlp: long-form length used for a length below 56";
    case RlpError::kNonCanonicalSingleByte: return "rlp: single byte below 0x80 must not be wrapped";
    case RlpError::kLengthOverflow: return "rlp: length too large";
    case RlpError::kUnexpectedList: return "rlp: expected a byte string, found a list";
    case RlpError::kUnexpectedString: return "rlp: expected a list, found a byte string";
    case RlpError::kIntegerOverflow: return "rlp: integer too large for its field";
    case RlpError::kTooDeep: return "rlp: lists nested too deeply";
  }
  return "rlp: invalid encoding";
}

// ---- encoding -------------------------------------------------------------

size_t length_of_length(uint64_t len) noexcept {
  return len == 0 ? 0 : (64 - static_cast<size_t>(std::countl_zero(len)) + 7) / 8;
}

namespace {
size_t header_length(size_t payload_length) noexcept {
  return payload_length < 56 ? 1 : 1 + length_of_length(payload_length);
}
}  // namespace

size_t string_length(ByteView s) noexcept {
  if (s.size() == 1 && s[0] < 0x80) return 1;
  return header_length(s.size()) + s.size();
}

size_t uint_length(const U256& v) noexcept {
  const size_t n = v.byte_length();
  if (n == 0) return 1;
  if (n == 1 && v.w[0] < 0x80) return 1;
  return 1 + n;
}

size_t list_length(size_t payload_length) noexcept { return header_length(payload_length) + payload_length; }

void encode_header(Bytes& out, bool list, size_t payload_length) {
  const uint8_t base = list ? 0xc0 : 0x80;
  if (payload_length < 56) {
    out.push_back(static_cast<uint8_t>(base + payload_length));
    return;
  }
  const size_t lol = length_of_length(payload_length);
  out.push_back(static_cast<uint8_t>(base + 55 + lol));
  for (size_t i = lol; i > 0; --i) out.push_back(static_cast<uint8_t>(payload_length >> (8 * (i - 1))));
}

void encode_string(Bytes& out, ByteView s) {
  if (s.size() == 1 && s[0] < 0x80) {
    out.push_back(s[0]);
    return;
  }
  encode_header(out, false, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void encode_uint(Bytes& out, const U256& v) {
  uint8_t buf[32];
  const size_t n = core::to_be_trimmed(buf, v);
  encode_string(out, ByteView(buf, n));
}

void encode_uint(Bytes& out, uint64_t v) { encode_uint(out, U256{v}); }

// ---- decoding -------------------------------------------------------------

std::expected<Header, RlpError> decode_header(ByteView& in) noexcept {
  if (in.empty()) return std::unexpected(RlpError::kInputTooShort);
  const uint8_t b = in[0];
  Header h;
  if (b < 0x80) {
    h.payload_length = 1;
    return h;
  }
  h.list = b >= 0xc0;
  const uint8_t base = h.list ? 0xc0 : 0x80;
  const uint8_t offset = static_cast<uint8_t>(b - base);
  if (offset < 56) {
    h.payload_length = offset;
    in = in.subspan(1);
    if (!h.list && h.payload_length == 1) {
      if (in.empty()) return std::unexpected(RlpError::kInputTooShort);
      if (in[0] < 0x80) return std::unexpected(RlpError::kNonCanonicalSingleByte);
    }
  } else {
    const size_t lol = offset - 55u;  // 1..8
    if (in.size() < 1 + lol) return std::unexpected(RlpError::kInputTooShort);
    if (in[1] == 0) return std::unexpected(RlpError::kLeadingZero);
    uint64_t len = 0;
    for (size_t i = 0; i < lol; ++i) len = (len << 8) | in[1 + i];
    if (len < 56) return std::unexpected(RlpError::kNonCanonicalSize);
    in = in.subspan(1 + lol);
    if (len > in.size()) return std::unexpected(len > (uint64_t{1} << 48) ? RlpError::kLengthOverflow : RlpError::kInputTooShort);
    h.payload_length = static_cast<size_t>(len);
  }
  if (h.payload_length > in.size()) return std::unexpected(RlpError::kInputTooShort);
  return h;
}

std::expected<ByteView, RlpError> decode_string(ByteView& in) noexcept {
  auto h = decode_header(in);
  if (!h) return std::unexpected(h.error());
  if (h->list) return std::unexpected(RlpError::kUnexpectedList);
  const ByteView s = in.first(h->payload_length);
  in = in.subspan(h->payload_length);
  return s;
}

std::expected<U256, RlpError> decode_uint(ByteView& in) noexcept {
  auto s = decode_string(in);
  if (!s) return std::unexpected(s.error());
  if (!s->empty() && (*s)[0] == 0) return std::unexpected(RlpError::kLeadingZero);
  if (s->size() > 32) return std::unexpected(RlpError::kIntegerOverflow);
  return *core::from_be(*s);
}

std::expected<uint64_t, RlpError> decode_u64(ByteView& in) noexcept {
  auto v = decode_uint(in);
  if (!v) return std::unexpected(v.error());
  if (!v->fits_u64()) return std::unexpected(RlpError::kIntegerOverflow);
  return v->w[0];
}

std::expected<ByteView, RlpError> decode_list(ByteView& in) noexcept {
  auto h = decode_header(in);
  if (!h) return std::unexpected(h.error());
  if (!h->list) return std::unexpected(RlpError::kUnexpectedString);
  const ByteView payload = in.first(h->payload_length);
  in = in.subspan(h->payload_length);
  return payload;
}

namespace {

// Inside a list, a child that claims more than the list holds is an overrun,
// not a truncation of the whole input.
RlpError in_list(RlpError e) noexcept {
  return e == RlpError::kInputTooShort ? RlpError::kListOverrun : e;
}

std::expected<Item, RlpError> decode_item(ByteView& in, int depth, bool nested) {
  if (depth >= kMaxDepth) return std::unexpected(RlpError::kTooDeep);
  auto h = decode_header(in);
  if (!h) return std::unexpected(nested ? in_list(h.error()) : h.error());
  Item item;
  item.list = h->list;
  ByteView payload = in.first(h->payload_length);
  in = in.subspan(h->payload_length);
  if (!item.list) {
    item.str.assign(payload.begin(), payload.end());
    return item;
  }
  while (!payload.empty()) {
    auto child = decode_item(payload, depth + 1, true);
    if (!child) return std::unexpected(child.error());
    item.items.push_back(std::move(*child));
  }
  return item;
}

}  // namespace

std::expected<Item, RlpError> decode_tree(ByteView in) {
  auto item = decode_item(in, 0, false);
  if (!item) return item;
  if (!in.empty()) return std::unexpected(RlpError::kTrailingBytes);
  return item;
}

namespace {
size_t tree_payload_length(const Item& item) {
  size_t n = 0;
  for (const auto& c : item.items) n += c.list ? list_length(tree_payload_length(c)) : string_length(c.str);
  return n;
}
}  // namespace

void encode_tree(Bytes& out, const Item& item) {
  if (!item.list) {
    encode_string(out, item.str);
    return;
  }
  encode_header(out, true, tree_payload_length(item));
  for (const auto& c : item.items) encode_tree(out, c);
}

}  // namespace perpx::signer::rlp
