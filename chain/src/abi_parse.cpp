// ABI types, signatures and JSON fragments: parsing and canonical forms.
#include <algorithm>
#include <charconv>

#include "perpx/chain/abi.hpp"
#include "perpx/core/keccak.hpp"

namespace perpx::chain {

using Kind = AbiType::Kind;

std::string_view describe(AbiErrc e) noexcept {
  switch (e) {
    case AbiErrc::kBadSignature: return "malformed signature";
    case AbiErrc::kBadType: return "invalid ABI type";
    case AbiErrc::kBadFragment: return "malformed JSON ABI fragment";
    case AbiErrc::kBadValue: return "malformed value";
    case AbiErrc::kOutOfRange: return "value out of range";
    case AbiErrc::kWrongLength: return "wrong length";
    case AbiErrc::kDataTooShort: return "data too short";
    case AbiErrc::kBadOffset: return "offset points outside the data";
    case AbiErrc::kBadLength: return "length exceeds the data";
    case AbiErrc::kDirtyBits: return "non-zero padding or high bits";
    case AbiErrc::kInvalidUtf8: return "string is not valid UTF-8";
    case AbiErrc::kDataInflation: return "offsets alias too much data";
    case AbiErrc::kTopicCount: return "wrong number of topics";
    case AbiErrc::kTopicMismatch: return "topic0 does not match the event";
  }
  return "ABI error";
}

std::string describe(const AbiError& e) {
  const std::string what = e.message.empty() ? std::string(describe(e.code)) : e.message;
  return e.path.empty() ? what : e.path + ": " + what;
}

bool is_dynamic(const AbiType& t) noexcept {
  switch (t.kind) {
    case Kind::kBytes:
    case Kind::kString:
    case Kind::kArray: return true;
    case Kind::kFixedArray: return is_dynamic(t.children[0]);
    case Kind::kTuple: return std::ranges::any_of(t.children, [](const AbiType& c) { return is_dynamic(c); });
    default: return false;
  }
}

size_t head_size(const AbiType& t) noexcept {
  if (is_dynamic(t)) return kAbiWord;
  if (t.kind == Kind::kFixedArray) return t.size * head_size(t.children[0]);
  if (t.kind == Kind::kTuple) {
    size_t n = 0;
    for (const auto& c : t.children) n += head_size(c);
    return n;
  }
  return kAbiWord;
}

std::string canonical_type(const AbiType& t) {
  switch (t.kind) {
    case Kind::kUint: return "uint" + std::to_string(t.size);
    case Kind::kInt: return "int" + std::to_string(t.size);
    case Kind::kAddress: return "address";
    case Kind::kBool: return "bool";
    case Kind::kFixedBytes: return "bytes" + std::to_string(t.size);
    case Kind::kBytes: return "bytes";
    case Kind::kString: return "string";
    case Kind::kFixedArray: return canonical_type(t.children[0]) + "[" + std::to_string(t.size) + "]";
    case Kind::kArray: return canonical_type(t.children[0]) + "[]";
    case Kind::kTuple: {
      std::string s = "(";
      for (size_t i = 0; i < t.children.size(); ++i) s += (i ? "," : "") + canonical_type(t.children[i]);
      return s + ")";
    }
  }
  return {};
}

std::string canonical_signature(const AbiFragment& f) {
  std::string s = f.name + "(";
  for (size_t i = 0; i < f.inputs.size(); ++i) s += (i ? "," : "") + canonical_type(f.inputs[i].type);
  return s + ")";
}

Selector selector(std::string_view canonical) noexcept {
  const core::Hash32 h = core::keccak256({reinterpret_cast<const uint8_t*>(canonical.data()), canonical.size()});
  return {h.bytes[0], h.bytes[1], h.bytes[2], h.bytes[3]};
}

Selector selector(const AbiFragment& f) { return selector(canonical_signature(f)); }

core::Hash32 event_topic(const AbiFragment& f) {
  const std::string s = canonical_signature(f);
  return core::keccak256({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'; }
bool is_word_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_ident(std::string_view w) { return !w.empty() && is_ident_start(w[0]); }

// Digits only, no leading zero, within [lo, hi]; 0 when not.
uint32_t parse_bounded(std::string_view d, uint32_t lo, uint32_t hi) {
  if (d.empty() || (d.size() > 1 && d[0] == '0')) return 0;
  uint32_t v = 0;
  const auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
  if (ec != std::errc{} || p != d.data() + d.size() || v < lo || v > hi) return 0;
  return v;
}

// Elementary type name -> type, or nullopt-like kind check via `ok`.
bool elementary(std::string_view w, AbiType& t) {
  t.children.clear();
  if (w == "address") { t.kind = Kind::kAddress; t.size = 0; return true; }
  if (w == "bool") { t.kind = Kind::kBool; t.size = 0; return true; }
  if (w == "string") { t.kind = Kind::kString; t.size = 0; return true; }
  if (w == "bytes") { t.kind = Kind::kBytes; t.size = 0; return true; }
  if (w == "uint" || w == "int") { t.kind = w == "uint" ? Kind::kUint : Kind::kInt; t.size = 256; return true; }
  auto sized = [&](std::string_view prefix, Kind k, uint32_t lo, uint32_t hi, uint32_t step) {
    if (!w.starts_with(prefix)) return false;
    const uint32_t n = parse_bounded(w.substr(prefix.size()), lo, hi);
    if (n == 0 || n % step != 0) return false;
    t.kind = k;
    t.size = n;
    return true;
  };
  return sized("uint", Kind::kUint, 8, 256, 8) || sized("int", Kind::kInt, 8, 256, 8) ||
         sized("bytes", Kind::kFixedBytes, 1, 32, 1);
}

// Recursive descent over a signature or type string. Tokens: words
// [A-Za-z0-9_$]+ and the punctuation ( ) [ ] , ; white space separates.
class SigParser {
 public:
  explicit SigParser(std::string_view s) : s_(s) {}

  AbiError error;

  bool fail(AbiErrc c, std::string m) {
    if (!failed_) error = {c, {}, std::move(m) + " at column " + std::to_string(pos_ + 1)};
    failed_ = true;
    return false;
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool at_end() { skip_ws(); return pos_ == s_.size(); }
  bool peek(char c) { skip_ws(); return pos_ < s_.size() && s_[pos_] == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  bool expect(char c) { return eat(c) || fail(AbiErrc::kBadSignature, std::string("expected '") + c + "'" + found()); }
  std::string found() {
    skip_ws();
    if (pos_ == s_.size()) return ", found the end";
    return ", found '" + std::string(1, s_[pos_]) + "'";
  }
  std::string_view peek_word() {
    skip_ws();
    size_t e = pos_;
    while (e < s_.size() && is_word_char(s_[e])) ++e;
    return s_.substr(pos_, e - pos_);
  }
  std::string_view word() {
    const std::string_view w = peek_word();
    pos_ += w.size();
    return w;
  }
  // The word after the next one, without consuming anything.
  bool second_is_word() {
    const size_t save = pos_;
    word();
    const bool r = !peek_word().empty();
    pos_ = save;
    return r;
  }

  // type := ( '(' params ')' | 'tuple' '(' params ')' | elementary ) ( '[' digits? ']' )*
  bool type(AbiType& t, size_t depth) {
    if (depth > kAbiMaxDepth) return fail(AbiErrc::kBadType, "types nested too deeply");
    const size_t start = pos_;
    if (peek('(') || (peek_word() == "tuple" && (word(), peek('(')))) {
      std::vector<AbiParam> comps;
      if (!params(comps, false, depth + 1)) return false;
      t.kind = Kind::kTuple;
      t.size = 0;
      t.children.clear();
      for (auto& c : comps) t.children.push_back(std::move(c.type));
      if (!fits(t)) return false;
    } else {
      pos_ = start;
      const std::string_view w = word();
      if (w.empty()) return fail(AbiErrc::kBadSignature, "expected a type" + found());
      if (!elementary(w, t)) {
        pos_ -= w.size();
        if (w.starts_with("fixed") || w.starts_with("ufixed"))
          return fail(AbiErrc::kBadType, "fixed-point type '" + std::string(w) + "' is not supported");
        return fail(AbiErrc::kBadType, "unknown type '" + std::string(w) + "'");
      }
    }
    return suffixes(t, depth);
  }

  bool suffixes(AbiType& t, size_t depth) {
    while (eat('[')) {
      if (++depth > kAbiMaxDepth) return fail(AbiErrc::kBadType, "types nested too deeply");
      AbiType arr;
      if (eat(']')) {
        arr.kind = Kind::kArray;
        arr.size = 0;
      } else {
        const std::string_view d = word();
        const uint32_t n = parse_bounded(d, 1, uint32_t{1} << 24);
        if (n == 0) {
          pos_ -= d.size();
          return fail(AbiErrc::kBadType, "array length '" + std::string(d) + "' must be a positive integer");
        }
        if (!expect(']')) return false;
        arr.kind = Kind::kFixedArray;
        arr.size = n;
      }
      arr.children.push_back(std::move(t));
      t = std::move(arr);
      if (!fits(t)) return false;
    }
    return true;
  }

  bool fits(const AbiType& t) {
    if (is_dynamic(t)) return true;
    // Children already fit, so neither the product nor the sum overflows.
    const size_t n = t.kind == Kind::kFixedArray ? head_size(t.children[0]) * t.size : head_size(t);
    return n <= kAbiMaxStaticSize || fail(AbiErrc::kBadType, "static type larger than 16 MiB");
  }

  // params := '(' ( param ( ',' param )* )? ')'
  // param  := type ( 'indexed' | data location )* name?
  bool params(std::vector<AbiParam>& out, bool allow_indexed, size_t depth) {
    if (!expect('(')) return false;
    if (eat(')')) return true;
    for (;;) {
      AbiParam p;
      if (!type(p.type, depth)) return false;
      for (std::string_view w = peek_word(); !w.empty(); w = peek_word()) {
        if (!p.name.empty()) return fail(AbiErrc::kBadSignature, "expected ',' or ')'" + found());
        if (w == "indexed" && allow_indexed && !p.indexed) p.indexed = true;
        else if (w == "memory" || w == "calldata" || w == "storage") {}
        else if (is_ident(w)) p.name = w;
        else return fail(AbiErrc::kBadSignature, "unexpected '" + std::string(w) + "'");
        word();
      }
      out.push_back(std::move(p));
      if (eat(')')) return true;
      if (!eat(',')) return fail(AbiErrc::kBadSignature, "expected ',' or ')'" + found());
    }
  }

  bool signature(AbiFragment& f) {
    const std::string_view kw = peek_word();
    if ((kw == "function" || kw == "event" || kw == "error") && second_is_word()) {
      word();
      f.kind = kw == "function" ? AbiKind::kFunction : kw == "event" ? AbiKind::kEvent : AbiKind::kError;
    }
    if (!peek('(')) {
      const std::string_view name = word();
      if (!is_ident(name)) return fail(AbiErrc::kBadSignature, "expected a name or '('" + found());
      f.name = name;
    }
    if (!params(f.inputs, f.kind == AbiKind::kEvent, 0)) return false;
    f.indexed_known = f.kind != AbiKind::kEvent ||
                      std::ranges::any_of(f.inputs, [](const AbiParam& p) { return p.indexed; });
    while (!at_end()) {
      const size_t at = pos_;
      bool outputs = peek('(');
      if (!outputs) {
        const std::string_view w = word();
        if (w == "returns") outputs = true;
        else if (w == "anonymous" && f.kind == AbiKind::kEvent) f.anonymous = true;
        else if (w == "external" || w == "public" || w == "view" || w == "pure" || w == "payable" ||
                 w == "nonpayable" || w == "virtual" || w == "override") {}
        else {
          pos_ = at;
          return fail(AbiErrc::kBadSignature, "unexpected '" + (w.empty() ? std::string(1, s_[pos_]) : std::string(w)) + "'");
        }
      }
      if (outputs) {
        if (f.kind != AbiKind::kFunction) { pos_ = at; return fail(AbiErrc::kBadSignature, "only functions have outputs"); }
        if (f.has_outputs) { pos_ = at; return fail(AbiErrc::kBadSignature, "outputs given twice"); }
        if (!params(f.outputs, false, 0)) return false;
        f.has_outputs = true;
      }
    }
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// solc JSON: [{"name", "type", "components", "indexed"}, ...].
class FragmentParser {
 public:
  AbiError error;

  bool fail(AbiErrc c, const std::string& path, std::string m) {
    error = {c, path, std::move(m)};
    return false;
  }

  bool params(const core::Json& j, std::vector<AbiParam>& out, const std::string& path, bool allow_indexed, size_t depth) {
    if (!j.is_array()) return fail(AbiErrc::kBadFragment, path, "must be an array");
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string at = path + "[" + std::to_string(i) + "]";
      const core::Json& p = j[i];
      if (!p.is_object()) return fail(AbiErrc::kBadFragment, at, "must be an object");
      AbiParam param;
      if (auto n = p.find("name"); n != p.end()) {
        if (!n->is_string()) return fail(AbiErrc::kBadFragment, at + ".name", "must be a string");
        param.name = n->get<std::string>();
      }
      if (auto x = p.find("indexed"); x != p.end()) {
        if (!x->is_boolean()) return fail(AbiErrc::kBadFragment, at + ".indexed", "must be a boolean");
        if (x->get<bool>() && !allow_indexed) return fail(AbiErrc::kBadFragment, at + ".indexed", "only event inputs can be indexed");
        param.indexed = x->get<bool>();
      }
      if (!type(p, param.type, at, depth)) return false;
      out.push_back(std::move(param));
    }
    return true;
  }

  bool type(const core::Json& p, AbiType& t, const std::string& at, size_t depth) {
    const auto ty = p.find("type");
    if (ty == p.end() || !ty->is_string()) return fail(AbiErrc::kBadFragment, at + ".type", "must be a string");
    const std::string& s = ty->get_ref<const std::string&>();
    SigParser sp(s);
    if (s.starts_with("tuple") && (s.size() == 5 || s[5] == '[')) {
      if (depth >= kAbiMaxDepth) return fail(AbiErrc::kBadType, at + ".type", "types nested too deeply");
      const auto comps = p.find("components");
      if (comps == p.end()) return fail(AbiErrc::kBadFragment, at + ".components", "missing for a tuple type");
      std::vector<AbiParam> cs;
      if (!params(*comps, cs, at + ".components", false, depth + 1)) return false;
      t = AbiType{Kind::kTuple, 0, {}};
      for (auto& c : cs) t.children.push_back(std::move(c.type));
      sp.word();
      if (!sp.fits(t) || !sp.suffixes(t, depth + 1)) return fail(sp.error.code, at + ".type", sp.error.message);
    } else if (!sp.type(t, depth)) {
      return fail(sp.error.code, at + ".type", sp.error.message);
    }
    if (!sp.at_end()) return fail(AbiErrc::kBadType, at + ".type", "unexpected text after the type in '" + s + "'");
    return true;
  }
};

}  // namespace

std::expected<AbiType, AbiError> parse_type(std::string_view text) {
  SigParser p(text);
  AbiType t;
  if (!p.type(t, 0)) return std::unexpected(p.error);
  if (!p.at_end()) {
    p.fail(AbiErrc::kBadType, "unexpected text after the type");
    return std::unexpected(p.error);
  }
  return t;
}

std::expected<AbiFragment, AbiError> parse_signature(std::string_view text, AbiKind kind) {
  SigParser p(text);
  AbiFragment f;
  f.kind = kind;
  if (!p.signature(f)) return std::unexpected(p.error);
  return f;
}

std::expected<AbiFragment, AbiError> parse_fragment(const core::Json& j) {
  FragmentParser fp;
  if (!j.is_object()) return std::unexpected(AbiError{AbiErrc::kBadFragment, {}, "an ABI fragment must be a JSON object"});
  AbiFragment f;
  std::string type = "function";
  if (auto t = j.find("type"); t != j.end()) {
    if (!t->is_string()) return std::unexpected(AbiError{AbiErrc::kBadFragment, "type", "must be a string"});
    type = t->get<std::string>();
  }
  if (type == "function") f.kind = AbiKind::kFunction;
  else if (type == "event") f.kind = AbiKind::kEvent;
  else if (type == "error") f.kind = AbiKind::kError;
  else return std::unexpected(AbiError{AbiErrc::kBadFragment, "type", "'" + type + "' is not function, event or error"});
  const auto name = j.find("name");
  if (name == j.end() || !name->is_string() || !is_ident(name->get<std::string>()))
    return std::unexpected(AbiError{AbiErrc::kBadFragment, "name", "must be an identifier string"});
  f.name = name->get<std::string>();
  if (auto a = j.find("anonymous"); a != j.end()) {
    if (!a->is_boolean()) return std::unexpected(AbiError{AbiErrc::kBadFragment, "anonymous", "must be a boolean"});
    f.anonymous = a->get<bool>() && f.kind == AbiKind::kEvent;
  }
  if (auto in = j.find("inputs"); in != j.end() && !fp.params(*in, f.inputs, "inputs", f.kind == AbiKind::kEvent, 0))
    return std::unexpected(fp.error);
  if (auto out = j.find("outputs"); out != j.end() && f.kind == AbiKind::kFunction) {
    if (!fp.params(*out, f.outputs, "outputs", false, 0)) return std::unexpected(fp.error);
    f.has_outputs = true;
  }
  return f;
}

}  // namespace perpx::chain
