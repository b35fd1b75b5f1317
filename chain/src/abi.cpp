// ABI codec: one encoder and one decoder walking AbiType.
#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "perpx/chain/abi.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::chain {

using core::Bytes;
using core::ByteView;
using core::Json;
using core::U256;
using Kind = AbiType::Kind;

// ---- hot path words ---------------------------------------------------------

void append_selector(Bytes& out, const Selector& s) { out.insert(out.end(), s.begin(), s.end()); }

void append_uint(Bytes& out, const U256& v) {
  const size_t at = out.size();
  out.resize(at + kAbiWord);
  core::to_be(std::span<uint8_t, 32>(out.data() + at, 32), v);
}

void append_int(Bytes& out, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  const uint64_t ext = v < 0 ? ~0ull : 0;
  append_uint(out, U256{ext, ext, ext, u});
}

void append_address(Bytes& out, const core::Address& a) {
  out.resize(out.size() + 12, 0);
  out.insert(out.end(), a.bytes.begin(), a.bytes.end());
}

void append_bool(Bytes& out, bool b) {
  out.resize(out.size() + kAbiWord - 1, 0);
  out.push_back(b ? 1 : 0);
}

void append_fixed_bytes(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
  out.resize(out.size() + kAbiWord - b.size(), 0);
}

namespace {

size_t padded(size_t n) { return (n + kAbiWord - 1) / kAbiWord * kAbiWord; }

void append_dynamic_bytes(Bytes& out, ByteView b) {
  append_uint(out, U256{b.size()});
  out.insert(out.end(), b.begin(), b.end());
  out.resize(out.size() + padded(b.size()) - b.size(), 0);
}

std::string index_label(std::string_view prefix, size_t i) { return std::string(prefix) + std::to_string(i); }

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(ByteView s) {
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1fu; }
    else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0fu; }
    else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07u; }
    else return false;
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3fu);
    }
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// ---- fragment caches --------------------------------------------------------

// Whether a and b agree on everything encode_call and decode_log derive from
// a fragment: the name, the inputs (names, types, indexed), anonymous and
// indexed_known.
bool same_inputs(const AbiFragment& a, const AbiFragment& b) {
  if (a.name != b.name || a.anonymous != b.anonymous || a.indexed_known != b.indexed_known ||
      a.inputs.size() != b.inputs.size())
    return false;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const AbiParam &x = a.inputs[i], &y = b.inputs[i];
    if (x.indexed != y.indexed || x.name != y.name || !(x.type == y.type)) return false;
  }
  return true;
}

// The last kSlots fragments' derived facts, per thread, matched by value; a
// miss replaces the oldest slot. Entry has a `fragment` member.
template <class Entry>
class FragmentCache {
 public:
  template <class Make>
  const Entry& get(const AbiFragment& f, Make make) {
    for (const auto& e : slots_)
      if (e && same_inputs(e->fragment, f)) return *e;
    auto& slot = slots_[next_];
    next_ = (next_ + 1) % kSlots;
    slot.emplace(make(f));
    return *slot;
  }

 private:
  static constexpr size_t kSlots = 8;
  std::array<std::optional<Entry>, kSlots> slots_;
  size_t next_ = 0;
};

struct CallPlan {
  AbiFragment fragment;
  Selector sel{};
};

// What decode_log needs from an event, worked out once: topic0, each
// parameter's key, the number flagged indexed, and the first duplicate key
// (an error decode_log reports after the topic checks).
struct EventPlan {
  AbiFragment fragment;
  core::Hash32 topic0;
  size_t flagged = 0;
  std::vector<std::string> keys;
  std::optional<AbiError> duplicate;
};

EventPlan make_event_plan(const AbiFragment& f) {
  EventPlan p{f, event_topic(f), 0, {}, std::nullopt};
  p.keys.reserve(f.inputs.size());
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    p.flagged += f.inputs[i].indexed ? 1 : 0;
    p.keys.push_back(f.inputs[i].name.empty() ? std::to_string(i) : f.inputs[i].name);
    if (!p.duplicate && std::find(p.keys.begin(), p.keys.end() - 1, p.keys.back()) != p.keys.end() - 1)
      p.duplicate = AbiError{AbiErrc::kBadFragment, "inputs[" + std::to_string(i) + "].name",
                             "duplicate parameter key '" + p.keys.back() + "'"};
  }
  return p;
}

// Canonical decimal text of a magnitude, '-' first when negative, straight
// into a Json string (one buffer: no digit-by-digit growth).
void put_decimal(Json& out, const U256& v, bool negative) {
  constexpr uint64_t kTen19 = 10'000'000'000'000'000'000ull;
  char buf[80];  // 78 digits and a sign
  char* const end = buf + sizeof buf;
  char* p = end;
  U256 cur = v;
  while (!cur.fits_u64()) {
    const auto d = core::divmod(cur, kTen19);
    cur = d.quot;
    uint64_t r = d.rem;
    for (int i = 0; i < 19; ++i, r /= 10) *--p = static_cast<char>('0' + r % 10);
  }
  uint64_t r = cur.w[0];
  do {
    *--p = static_cast<char>('0' + r % 10);
    r /= 10;
  } while (r != 0);
  if (negative) *--p = '-';
  out = std::string(p, end);
}

// ---- encoder ----------------------------------------------------------------

// Errors carry their path from the innermost value outwards: each level that
// fails prepends its label (labels are built only on failure).
class Encoder {
 public:
  explicit Encoder(Bytes& out) : out_(out) {}
  AbiError error;

  // Heads in order (static values inline, a placeholder per dynamic one),
  // then each dynamic value's tail with its offset patched into the head.
  template <class TypeAt, class Label>
  bool sequence(size_t n, TypeAt type_at, const Json& values, Label label) {
    const size_t base = out_.size();
    for (size_t i = 0; i < n; ++i) {
      const AbiType& t = type_at(i);
      if (is_dynamic(t)) out_.resize(out_.size() + kAbiWord, 0);
      else if (!value(t, values[i])) return located(label(i));
    }
    size_t head = base;
    for (size_t i = 0; i < n; ++i) {
      const AbiType& t = type_at(i);
      if (is_dynamic(t)) {
        core::to_be(std::span<uint8_t, 32>(out_.data() + head, 32), U256{out_.size() - base});
        if (!value(t, values[i])) return located(label(i));
      }
      head += head_size(t);
    }
    return true;
  }

 private:
  bool fail(AbiErrc c, std::string m) {
    error = {c, {}, std::move(m)};
    return false;
  }
  bool located(const std::string& label) {
    error.path.insert(0, label);
    return false;
  }

  bool value(const AbiType& t, const Json& v) {
    switch (t.kind) {
      case Kind::kUint:
      case Kind::kInt: return integer(t, v);
      case Kind::kAddress: {
        if (!v.is_string()) return fail(AbiErrc::kBadValue, "address must be a 0x hex string");
        auto a = core::parse_address(v.get_ref<const std::string&>());
        if (!a) return fail(AbiErrc::kBadValue, std::string(core::describe(a.error())));
        append_address(out_, *a);
        return true;
      }
      case Kind::kBool:
        if (!v.is_boolean()) return fail(AbiErrc::kBadValue, "bool must be true or false");
        append_bool(out_, v.get<bool>());
        return true;
      case Kind::kFixedBytes:
      case Kind::kBytes: {
        if (!v.is_string()) return fail(AbiErrc::kBadValue, canonical_type(t) + " must be a 0x hex string");
        auto b = core::parse_hex(v.get_ref<const std::string&>());
        if (!b) return fail(AbiErrc::kBadValue, canonical_type(t) + ": " + std::string(core::describe(b.error())));
        if (t.kind == Kind::kBytes) {
          append_dynamic_bytes(out_, *b);
          return true;
        }
        if (b->size() != t.size)
          return fail(AbiErrc::kWrongLength, canonical_type(t) + " needs exactly " + std::to_string(t.size) +
                                                 " bytes, got " + std::to_string(b->size()));
        append_fixed_bytes(out_, *b);
        return true;
      }
      case Kind::kString: {
        if (!v.is_string()) return fail(AbiErrc::kBadValue, "string must be a JSON string");
        const auto& s = v.get_ref<const std::string&>();
        append_dynamic_bytes(out_, {reinterpret_cast<const uint8_t*>(s.data()), s.size()});
        return true;
      }
      case Kind::kFixedArray:
      case Kind::kArray:
      case Kind::kTuple: {
        const size_t n = t.kind == Kind::kTuple ? t.children.size() : t.size;
        if (!v.is_array()) return fail(AbiErrc::kBadValue, canonical_type(t) + " must be a JSON array");
        if (t.kind == Kind::kArray) {
          append_uint(out_, U256{v.size()});
          return sequence(v.size(), [&](size_t) -> const AbiType& { return t.children[0]; }, v,
                          [](size_t i) { return "[" + std::to_string(i) + "]"; });
        }
        if (v.size() != n)
          return fail(AbiErrc::kWrongLength, canonical_type(t) + " needs " + std::to_string(n) + " values, got " + std::to_string(v.size()));
        if (t.kind == Kind::kFixedArray)
          return sequence(n, [&](size_t) -> const AbiType& { return t.children[0]; }, v,
                          [](size_t i) { return "[" + std::to_string(i) + "]"; });
        return sequence(n, [&](size_t i) -> const AbiType& { return t.children[i]; }, v,
                        [](size_t i) { return "." + std::to_string(i); });
      }
    }
    return fail(AbiErrc::kBadValue, "unknown type");
  }

  bool integer(const AbiType& t, const Json& v) {
    auto x = core::json_signed_integer(v);
    if (!x) return fail(AbiErrc::kBadValue, canonical_type(t) + ": " + x.error().message);
    if (!core::fits_integer(*x, t.size, t.kind == Kind::kInt)) return fail(AbiErrc::kOutOfRange, "value does not fit " + canonical_type(t));
    append_uint(out_, core::to_word(*x));
    return true;
  }

  Bytes& out_;
};

// ---- decoder ----------------------------------------------------------------

// Paths as in Encoder: prepended level by level on the way out of a failure.
class Decoder {
 public:
  explicit Decoder(ByteView data) : budget_(4 * data.size() + 4096) {}
  AbiError error;

  // `region` starts where the sequence's encoding starts and runs to the end
  // of the data; offsets in its heads are relative to its start.
  template <class TypeAt, class Label>
  bool sequence(size_t n, TypeAt type_at, ByteView region, Json& out, Label label) {
    out = Json::array();
    auto& arr = out.get_ref<Json::array_t&>();
    size_t head = 0;
    for (size_t i = 0; i < n; ++i) {
      const AbiType& t = type_at(i);
      if (!element(t, region, head, arr.emplace_back())) return located(label(i));
      head += head_size(t);
    }
    return true;
  }

  // The value whose head is at `head` in `region` (inline when static, at
  // its offset when dynamic).
  bool element(const AbiType& t, ByteView region, size_t head, Json& v) {
    if (is_dynamic(t)) {
      const uint8_t* w = word(region, head);
      if (!w) return false;
      const U256 off = *core::from_be(ByteView(w, kAbiWord));  // 32 bytes always fit
      if (region.size() < kAbiWord || !off.fits_u64() || off.w[0] > region.size() - kAbiWord)
        return fail(AbiErrc::kBadOffset, "offset " + core::to_decimal(off) + " points outside the " +
                                             std::to_string(region.size()) + " bytes of its data");
      return value(t, region.subspan(static_cast<size_t>(off.w[0])), v);
    }
    if (head > region.size()) return fail(AbiErrc::kDataTooShort, "data ends before the value");
    return value(t, region.subspan(head), v);
  }

  // A 32-byte word holding a value type (also a topic).
  bool word_value(const AbiType& t, const uint8_t* w, Json& out) {
    const auto zero_before = [&](size_t n, uint8_t fill = 0) { return std::all_of(w, w + n, [&](uint8_t b) { return b == fill; }); };
    switch (t.kind) {
      case Kind::kUint:
      case Kind::kInt: {
        const size_t pad = kAbiWord - t.size / 8;
        const bool neg = t.kind == Kind::kInt && (w[pad] & 0x80) != 0;
        if (!zero_before(pad, neg ? 0xff : 0))
          return fail(AbiErrc::kDirtyBits, canonical_type(t) + (t.kind == Kind::kInt ? " is not sign-extended" : " has non-zero high bits"));
        const U256 v = *core::from_be(ByteView(w, kAbiWord));
        put_decimal(out, neg ? U256{0} - v : v, neg);
        return true;
      }
      case Kind::kAddress: {
        if (!zero_before(12)) return fail(AbiErrc::kDirtyBits, "address has non-zero high bytes");
        core::Address a;
        std::memcpy(a.bytes.data(), w + 12, 20);
        out = core::to_checksum(a);
        return true;
      }
      case Kind::kBool:
        if (!zero_before(31) || w[31] > 1) return fail(AbiErrc::kDirtyBits, "bool must be 0 or 1");
        out = w[31] == 1;
        return true;
      case Kind::kFixedBytes:
        if (!std::all_of(w + t.size, w + kAbiWord, [](uint8_t b) { return b == 0; }))
          return fail(AbiErrc::kDirtyBits, canonical_type(t) + " has non-zero padding");
        out = core::to_hex(ByteView(w, t.size));
        return true;
      default: return fail(AbiErrc::kBadType, "not a value type");
    }
  }

 private:
  bool fail(AbiErrc c, std::string m) {
    error = {c, {}, std::move(m)};
    return false;
  }
  bool located(const std::string& label) {
    error.path.insert(0, label);
    return false;
  }

  // The word at `pos` in `at`, or null (error set) when the data ends first
  // or the read budget is spent.
  const uint8_t* word(ByteView at, size_t pos) { return take(at, pos, kAbiWord); }
  const uint8_t* take(ByteView at, size_t pos, size_t n) {
    if (pos > at.size() || n > at.size() - pos) {
      fail(AbiErrc::kDataTooShort, "data ends " + std::to_string(pos + n - std::min(at.size(), pos + n)) + " bytes early");
      return nullptr;
    }
    if (n > budget_) {
      fail(AbiErrc::kDataInflation, "offsets make the decoder read more than 4x the data");
      return nullptr;
    }
    budget_ -= n;
    return at.data() + pos;
  }

  // A length prefix that must leave room for `unit` bytes per item.
  bool length(ByteView at, size_t unit, size_t& n) {
    const uint8_t* w = word(at, 0);
    if (!w) return false;
    const U256 len = *core::from_be(ByteView(w, kAbiWord));
    const size_t room = (at.size() - kAbiWord) / unit;
    if (!len.fits_u64() || len.w[0] > room)
      return fail(AbiErrc::kBadLength, "length " + core::to_decimal(len) + " exceeds the " +
                                           std::to_string(at.size() - kAbiWord) + " bytes after it");
    n = static_cast<size_t>(len.w[0]);
    return true;
  }

  bool value(const AbiType& t, ByteView at, Json& out) {
    switch (t.kind) {
      case Kind::kBytes:
      case Kind::kString: {
        size_t n;
        if (!length(at, 1, n)) return false;
        const uint8_t* p = take(at, kAbiWord, padded(n));
        if (!p) return false;
        if (!std::all_of(p + n, p + padded(n), [](uint8_t b) { return b == 0; }))
          return fail(AbiErrc::kDirtyBits, canonical_type(t) + " has non-zero padding");
        const ByteView b(p, n);
        if (t.kind == Kind::kBytes) {
          out = core::to_hex(b);
          return true;
        }
        if (!valid_utf8(b)) return fail(AbiErrc::kInvalidUtf8, "string is not valid UTF-8");
        out = std::string(reinterpret_cast<const char*>(p), n);
        return true;
      }
      case Kind::kArray: {
        size_t n;
        if (!length(at, head_size(t.children[0]), n)) return false;
        return sequence(n, [&](size_t) -> const AbiType& { return t.children[0]; }, at.subspan(kAbiWord), out,
                        [](size_t i) { return "[" + std::to_string(i) + "]"; });
      }
      case Kind::kFixedArray:
        return sequence(t.size, [&](size_t) -> const AbiType& { return t.children[0]; }, at, out,
                        [](size_t i) { return "[" + std::to_string(i) + "]"; });
      case Kind::kTuple:
        return sequence(t.children.size(), [&](size_t i) -> const AbiType& { return t.children[i]; }, at, out,
                        [](size_t i) { return "." + std::to_string(i); });
      default: {
        const uint8_t* w = word(at, 0);
        return w && word_value(t, w, out);
      }
    }
  }

  size_t budget_;
};

bool is_value_type(const AbiType& t) {
  return t.kind == Kind::kUint || t.kind == Kind::kInt || t.kind == Kind::kAddress || t.kind == Kind::kBool ||
         t.kind == Kind::kFixedBytes;
}

}  // namespace

std::expected<void, AbiError> encode(Bytes& out, std::span<const AbiParam> params, const Json& values) {
  if (!values.is_array()) return std::unexpected(AbiError{AbiErrc::kBadValue, {}, "the args must be a JSON array"});
  if (values.size() != params.size())
    return std::unexpected(AbiError{AbiErrc::kWrongLength, {},
                                    "expected " + std::to_string(params.size()) + " args, got " + std::to_string(values.size())});
  Encoder e(out);
  if (!e.sequence(params.size(), [&](size_t i) -> const AbiType& { return params[i].type; }, values,
                  [](size_t i) { return index_label("arg ", i); }))
    return std::unexpected(std::move(e.error));
  return {};
}

std::expected<void, AbiError> encode_call(Bytes& out, const AbiFragment& f, const Json& args) {
  if (!f.name.empty()) {
    thread_local FragmentCache<CallPlan> calls;
    append_selector(out, calls.get(f, [](const AbiFragment& g) { return CallPlan{g, selector(g)}; }).sel);
  }
  return encode(out, f.inputs, args);
}

std::expected<Json, AbiError> decode(std::span<const AbiParam> params, ByteView data) {
  Decoder d(data);
  Json out;
  if (!d.sequence(params.size(), [&](size_t i) -> const AbiType& { return params[i].type; }, data, out,
                  [](size_t i) { return index_label("value ", i); }))
    return std::unexpected(std::move(d.error));
  return out;
}

std::expected<Json, AbiError> decode_log(const AbiFragment& event, std::span<const core::Hash32> topics, ByteView data) {
  thread_local FragmentCache<EventPlan> events;
  const EventPlan& plan = events.get(event, make_event_plan);
  const size_t first = event.anonymous ? 0 : 1;
  const auto count_error = [&](std::string m) { return std::unexpected(AbiError{AbiErrc::kTopicCount, "topics", std::move(m)}); };
  size_t n_indexed;
  if (event.indexed_known) {
    n_indexed = plan.flagged;
  } else {
    if (topics.size() < first) return count_error("a non-anonymous event needs topic0");
    n_indexed = topics.size() - first;
    if (n_indexed > event.inputs.size())
      return count_error(std::to_string(topics.size()) + " topics but the event has only " +
                         std::to_string(event.inputs.size()) + " parameters");
  }
  if (topics.size() != first + n_indexed)
    return count_error("expected " + std::to_string(first + n_indexed) + " topics, got " + std::to_string(topics.size()));
  if (!event.anonymous && topics[0] != plan.topic0)
    return std::unexpected(AbiError{AbiErrc::kTopicMismatch, "topic 0",
                                    core::to_hex(topics[0]) + " is not the hash of " + canonical_signature(event)});
  if (plan.duplicate) return std::unexpected(*plan.duplicate);

  // One pass in parameter order, each value decoded into its slot of the
  // output. A data error wins over a topic error (data is checked first, as
  // a whole); of several topic errors the first is reported.
  Json out = Json::object();
  auto& obj = out.get_ref<Json::object_t&>();
  obj.reserve(event.inputs.size());
  Decoder d(data);
  std::optional<AbiError> topic_error;
  size_t topic = first, head = 0;
  for (size_t i = 0; i < event.inputs.size(); ++i) {
    const AbiParam& p = event.inputs[i];
    Json& v = obj.Container::emplace_back(plan.keys[i], nullptr).second;  // keys are unique (checked above)
    const bool indexed = event.indexed_known ? p.indexed : i < n_indexed;
    if (!indexed) {
      if (!d.element(p.type, data, head, v)) {
        d.error.path.insert(0, "param " + plan.keys[i]);
        return std::unexpected(std::move(d.error));
      }
      head += head_size(p.type);
      continue;
    }
    const core::Hash32& h = topics[topic];
    if (!is_value_type(p.type)) {
      v = core::to_hex(h);
    } else if (!topic_error) {
      Decoder td(h.view());
      if (!td.word_value(p.type, h.bytes.data(), v)) {
        topic_error = std::move(td.error);
        topic_error->path = "topic " + std::to_string(topic) + " (param " + plan.keys[i] + ")";
      }
    }
    ++topic;
  }
  if (topic_error) return std::unexpected(std::move(*topic_error));
  return out;
}

}  // namespace perpx::chain
