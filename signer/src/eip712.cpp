#include "perpx/signer/eip712.hpp"

#include <algorithm>
#include <charconv>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/core/u256.hpp"

namespace perpx::signer::eip712 {

using core::U256;

std::string_view describe(Eip712Error e) noexcept {
  switch (e) {
    case Eip712Error::kBadDocument: return "not an eth_signTypedData_v4 document";
    case Eip712Error::kBadTypes: return "bad type definition";
    case Eip712Error::kUnknownType: return "unknown type";
    case Eip712Error::kCyclicType: return "cyclic type reference";
    case Eip712Error::kMissingField: return "missing field";
    case Eip712Error::kUnknownField: return "field not declared by its type";
    case Eip712Error::kBadValue: return "bad value";
    case Eip712Error::kOutOfRange: return "value out of range";
    case Eip712Error::kWrongLength: return "wrong length";
  }
  return "unknown EIP-712 error";
}

std::string to_string(const TypedDataError& e) {
  std::string s = e.path.empty() ? std::string("typed data") : e.path;
  s += ": ";
  s += describe(e.error);
  if (!e.detail.empty()) s += ": " + e.detail;
  return s;
}

namespace {

std::unexpected<TypedDataError> err(Eip712Error e, std::string path, std::string detail = {}) {
  return std::unexpected(TypedDataError{e, std::move(path), std::move(detail)});
}

std::string member_path(std::string_view base, std::string_view key) {
  std::string p(base);
  if (!p.empty()) p += '.';
  p += key;
  return p;
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'; };
  if (!alpha(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

// A canonical decimal width in [lo, hi] that is a multiple of `step`; 0 otherwise.
unsigned parse_width(std::string_view digits, unsigned lo, unsigned hi, unsigned step) {
  if (digits.empty() || digits[0] == '0') return 0;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return 0;
  return (v >= lo && v <= hi && v % step == 0) ? v : 0;
}

enum class Kind { kNone, kBool, kAddress, kString, kBytes, kFixedBytes, kUint, kInt };
struct Atomic {
  Kind kind = Kind::kNone;
  unsigned width = 0;  // bits for integers, bytes for bytesN
};

Atomic atomic_of(std::string_view t) {
  if (t == "bool") return {Kind::kBool, 0};
  if (t == "address") return {Kind::kAddress, 0};
  if (t == "string") return {Kind::kString, 0};
  if (t == "bytes") return {Kind::kBytes, 0};
  if (t.starts_with("bytes")) {
    if (unsigned n = parse_width(t.substr(5), 1, 32, 1)) return {Kind::kFixedBytes, n};
  } else if (t.starts_with("uint")) {
    if (unsigned n = parse_width(t.substr(4), 8, 256, 8)) return {Kind::kUint, n};
  } else if (t.starts_with("int")) {
    if (unsigned n = parse_width(t.substr(3), 8, 256, 8)) return {Kind::kInt, n};
  }
  return {};
}

// "T[3]" -> element "T", count 3; "T[]" -> count 0 (dynamic). Not an array: is_array false.
struct ArraySplit {
  bool is_array = false;
  bool valid = true;  // false for "T[0]", "T[x]", "T[03]"
  std::string_view element;
  size_t count = 0;  // 0: dynamic
};

ArraySplit split_array(std::string_view t) {
  ArraySplit a;
  if (t.empty() || t.back() != ']') return a;
  a.is_array = true;
  const auto open = t.rfind('[');
  if (open == std::string_view::npos || open == 0) {
    a.valid = false;
    return a;
  }
  a.element = t.substr(0, open);
  const std::string_view digits = t.substr(open + 1, t.size() - open - 2);
  if (!digits.empty()) {
    a.count = parse_width(digits, 1, 1u << 30, 1);
    a.valid = a.count != 0;
  }
  return a;
}

// The struct or atomic name under all array suffixes, or empty when malformed.
std::string_view base_type(std::string_view t) {
  for (;;) {
    const ArraySplit a = split_array(t);
    if (!a.is_array) return t;
    if (!a.valid) return {};
    t = a.element;
  }
}

void append_word(Bytes& out, const U256& v) {
  std::array<uint8_t, 32> w{};
  to_be(w, v);
  core::append(out, w);
}

void append_hash(Bytes& out, const Hash32& h) { core::append(out, h.view()); }

std::expected<void, TypedDataError> encode_atomic(Bytes& out, const Atomic& a, std::string_view type, const Json& v,
                                                  const std::string& path) {
  const std::string t(type);
  switch (a.kind) {
    case Kind::kBool:
      if (!v.is_boolean()) return err(Eip712Error::kBadValue, path, "expected true or false for bool");
      append_word(out, U256{v.get<bool>() ? 1u : 0u});
      return {};
    case Kind::kAddress: {
      if (!v.is_string()) return err(Eip712Error::kBadValue, path, "expected a 0x address string");
      auto addr = core::parse_address(v.get_ref<const std::string&>());
      if (!addr) return err(Eip712Error::kBadValue, path, "address: " + std::string(core::describe(addr.error())));
      out.insert(out.end(), 12, 0);
      core::append(out, addr->view());
      return {};
    }
    case Kind::kString: {
      if (!v.is_string()) return err(Eip712Error::kBadValue, path, "expected a JSON string");
      const auto& s = v.get_ref<const std::string&>();
      append_hash(out, core::keccak256({reinterpret_cast<const uint8_t*>(s.data()), s.size()}));
      return {};
    }
    case Kind::kBytes:
    case Kind::kFixedBytes: {
      if (!v.is_string()) return err(Eip712Error::kBadValue, path, "expected a 0x hex string for " + t);
      auto b = core::parse_hex(v.get_ref<const std::string&>());
      if (!b) return err(Eip712Error::kBadValue, path, t + ": " + std::string(core::describe(b.error())));
      if (a.kind == Kind::kBytes) {
        append_hash(out, core::keccak256(*b));
        return {};
      }
      if (b->size() != a.width)
        return err(Eip712Error::kWrongLength, path, t + " needs " + std::to_string(a.width) + " bytes, got " + std::to_string(b->size()));
      core::append(out, *b);
      out.insert(out.end(), 32 - b->size(), 0);
      return {};
    }
    case Kind::kUint:
    case Kind::kInt: {
      auto n = core::json_signed_integer(v);
      if (!n) return err(n.error().out_of_range ? Eip712Error::kOutOfRange : Eip712Error::kBadValue, path, t + ": " + n.error().message);
      if (!core::fits_integer(*n, a.width, a.kind == Kind::kInt)) return err(Eip712Error::kOutOfRange, path, "does not fit " + t);
      append_word(out, core::to_word(*n));
      return {};
    }
    case Kind::kNone: break;
  }
  return err(Eip712Error::kUnknownType, path, t);
}

}  // namespace

std::expected<Types, TypedDataError> Types::from_json(const Json& types) {
  if (!types.is_object()) return err(Eip712Error::kBadDocument, "types", "expected an object of struct definitions");
  Types out;
  for (const auto& [name, fields] : types.items()) {
    const std::string where = "types." + name;
    if (!is_identifier(name)) return err(Eip712Error::kBadTypes, where, "struct name is not an identifier");
    if (atomic_of(name).kind != Kind::kNone) return err(Eip712Error::kBadTypes, where, "struct name is an atomic type");
    if (!fields.is_array()) return err(Eip712Error::kBadDocument, where, "expected an array of {name, type}");
    std::vector<Field> list;
    for (size_t i = 0; i < fields.size(); ++i) {
      const Json& f = fields[i];
      const std::string at = where + "[" + std::to_string(i) + "]";
      if (!f.is_object()) return err(Eip712Error::kBadDocument, at, "expected {name, type}");
      for (const auto& [key, _] : f.items())
        if (key != "name" && key != "type") return err(Eip712Error::kUnknownField, at + "." + key);
      const auto n = f.find("name");
      const auto t = f.find("type");
      if (n == f.end()) return err(Eip712Error::kMissingField, at + ".name");
      if (t == f.end()) return err(Eip712Error::kMissingField, at + ".type");
      if (!n->is_string() || !t->is_string()) return err(Eip712Error::kBadDocument, at, "name and type must be strings");
      const auto& field_name = n->get_ref<const std::string&>();
      if (!is_identifier(field_name)) return err(Eip712Error::kBadTypes, at + ".name", "not an identifier: \"" + field_name + "\"");
      for (const auto& prev : list)
        if (prev.name == field_name) return err(Eip712Error::kBadTypes, at + ".name", "duplicate field \"" + field_name + "\"");
      list.push_back({field_name, t->get<std::string>()});
    }
    out.structs_.emplace(name, std::move(list));
  }
  // Every field type resolves to an atomic type or a defined struct.
  for (const auto& [name, fields] : out.structs_) {
    for (size_t i = 0; i < fields.size(); ++i) {
      const std::string_view base = base_type(fields[i].type);
      if (base.empty() || (atomic_of(base).kind == Kind::kNone && !out.has_struct(base)))
        return err(Eip712Error::kUnknownType, "types." + name + "[" + std::to_string(i) + "].type", "\"" + fields[i].type + "\"");
    }
  }
  // No struct reaches itself (depth-first search; 1 = on the stack, 2 = done).
  std::map<std::string_view, int> state;
  auto visit = [&](auto&& self, std::string_view name) -> std::expected<void, TypedDataError> {
    state[name] = 1;
    for (const auto& f : out.structs_.find(name)->second) {
      const std::string_view dep = base_type(f.type);
      if (!out.has_struct(dep)) continue;
      if (state[dep] == 1) return err(Eip712Error::kCyclicType, "types." + std::string(name), "\"" + std::string(dep) + "\" reaches itself");
      if (state[dep] == 0)
        if (auto r = self(self, dep); !r) return r;
    }
    state[name] = 2;
    return {};
  };
  for (const auto& [name, _] : out.structs_)
    if (state[name] == 0)
      if (auto r = visit(visit, name); !r) return std::unexpected(r.error());
  return out;
}

void Types::collect_deps(std::string_view name, std::vector<std::string>& out) const {
  for (const auto& f : structs_.find(name)->second) {
    const std::string_view dep = base_type(f.type);
    if (!has_struct(dep) || std::find(out.begin(), out.end(), dep) != out.end()) continue;
    out.emplace_back(dep);
    collect_deps(dep, out);
  }
}

std::expected<std::string, TypedDataError> Types::encode_type(std::string_view name) const {
  if (!has_struct(name)) return err(Eip712Error::kUnknownType, "primaryType", "\"" + std::string(name) + "\"");
  std::vector<std::string> deps;
  collect_deps(name, deps);  // from_json ruled out cycles, so `name` is not among them
  std::sort(deps.begin(), deps.end());
  std::string s;
  auto one = [&](std::string_view n) {
    s += n;
    s += '(';
    bool first = true;
    for (const auto& f : structs_.find(n)->second) {
      if (!first) s += ',';
      first = false;
      s += f.type;
      s += ' ';
      s += f.name;
    }
    s += ')';
  };
  one(name);
  for (const auto& d : deps) one(d);
  return s;
}

std::expected<Hash32, TypedDataError> Types::type_hash(std::string_view name) const {
  auto s = encode_type(name);
  if (!s) return std::unexpected(s.error());
  return core::keccak256({reinterpret_cast<const uint8_t*>(s->data()), s->size()});
}

std::expected<Bytes, TypedDataError> Types::encode_data(std::string_view name, const Json& value, std::string_view path) const {
  auto th = type_hash(name);
  if (!th) return std::unexpected(th.error());
  const std::string base(path);
  if (!value.is_object()) return err(Eip712Error::kBadValue, base, "expected an object for struct " + std::string(name));
  const auto& fields = structs_.find(name)->second;
  for (const auto& [key, _] : value.items())
    if (std::none_of(fields.begin(), fields.end(), [&](const Field& f) { return f.name == key; }))
      return err(Eip712Error::kUnknownField, member_path(base, key), "not in struct " + std::string(name));
  Bytes out;
  out.reserve(32 * (fields.size() + 1));
  append_hash(out, *th);
  for (const auto& f : fields) {
    const auto it = value.find(f.name);
    const std::string at = member_path(base, f.name);
    if (it == value.end()) return err(Eip712Error::kMissingField, at, f.type);
    if (auto r = encode_value(out, f.type, *it, at); !r) return std::unexpected(r.error());
  }
  return out;
}

std::expected<Hash32, TypedDataError> Types::hash_struct(std::string_view name, const Json& value, std::string_view path) const {
  auto enc = encode_data(name, value, path);
  if (!enc) return std::unexpected(enc.error());
  return core::keccak256(*enc);
}

std::expected<void, TypedDataError> Types::encode_value(Bytes& out, std::string_view type, const Json& value,
                                                        const std::string& path) const {
  if (const ArraySplit a = split_array(type); a.is_array) {
    if (!value.is_array()) return err(Eip712Error::kBadValue, path, "expected an array for " + std::string(type));
    if (a.count != 0 && value.size() != a.count)
      return err(Eip712Error::kWrongLength, path,
                 std::string(type) + " needs " + std::to_string(a.count) + " elements, got " + std::to_string(value.size()));
    Bytes items;
    items.reserve(32 * value.size());
    for (size_t i = 0; i < value.size(); ++i)
      if (auto r = encode_value(items, a.element, value[i], path + "[" + std::to_string(i) + "]"); !r) return r;
    append_hash(out, core::keccak256(items));
    return {};
  }
  if (has_struct(type)) {
    auto h = hash_struct(type, value, path);
    if (!h) return std::unexpected(h.error());
    append_hash(out, *h);
    return {};
  }
  return encode_atomic(out, atomic_of(type), type, value, path);
}

std::expected<TypedDataHashes, TypedDataError> hash_typed_data(const Json& doc) {
  if (!doc.is_object()) return err(Eip712Error::kBadDocument, "", "expected a JSON object");
  for (const auto& [key, _] : doc.items())
    if (key != "types" && key != "primaryType" && key != "domain" && key != "message")
      return err(Eip712Error::kUnknownField, key, "expected only types, primaryType, domain, message");
  const auto types_it = doc.find("types");
  const auto primary_it = doc.find("primaryType");
  const auto domain_it = doc.find("domain");
  const auto message_it = doc.find("message");
  if (types_it == doc.end()) return err(Eip712Error::kMissingField, "types");
  if (primary_it == doc.end()) return err(Eip712Error::kMissingField, "primaryType");
  if (domain_it == doc.end()) return err(Eip712Error::kMissingField, "domain");
  if (!primary_it->is_string()) return err(Eip712Error::kBadDocument, "primaryType", "expected a string");
  const std::string& primary = primary_it->get_ref<const std::string&>();

  auto types = Types::from_json(*types_it);
  if (!types) return std::unexpected(types.error());

  Json domain = *domain_it;
  if (!domain.is_object()) return err(Eip712Error::kBadValue, "domain", "expected an object");
  if (!types->has_struct("EIP712Domain")) {
    // ethers' inference: the fields present, in the canonical order.
    static constexpr std::pair<std::string_view, std::string_view> kCanonical[] = {
        {"name", "string"}, {"version", "string"}, {"chainId", "uint256"}, {"verifyingContract", "address"}, {"salt", "bytes32"}};
    Json present = Json::object();
    for (const auto& [key, v] : domain.items()) {
      if (std::none_of(std::begin(kCanonical), std::end(kCanonical), [&](const auto& c) { return c.first == key; }))
        return err(Eip712Error::kUnknownField, "domain." + key, "not an EIP-712 domain field (and types has no EIP712Domain)");
      if (!v.is_null()) present[key] = v;
    }
    std::vector<Types::Field> fields;
    for (const auto& [n, t] : kCanonical)
      if (present.contains(n)) fields.push_back({std::string(n), std::string(t)});
    types->add_struct("EIP712Domain", std::move(fields));
    domain = std::move(present);
  }
  if (!types->has_struct(primary)) return err(Eip712Error::kUnknownType, "primaryType", "\"" + primary + "\" is not in types");

  TypedDataHashes h;
  auto ds = types->hash_struct("EIP712Domain", domain, "domain");
  if (!ds) return std::unexpected(ds.error());
  h.domain_separator = *ds;
  Bytes pre{0x19, 0x01};
  append_hash(pre, h.domain_separator);
  if (primary == "EIP712Domain") {
    // Only the domain is signed; a non-empty message would go unsigned.
    if (message_it != doc.end() && !(message_it->is_object() && message_it->empty()))
      return err(Eip712Error::kUnknownField, "message", "primaryType EIP712Domain signs the domain only");
  } else {
    if (message_it == doc.end()) return err(Eip712Error::kMissingField, "message");
    auto mh = types->hash_struct(primary, *message_it, "message");
    if (!mh) return std::unexpected(mh.error());
    h.message_hash = *mh;
    append_hash(pre, h.message_hash);
  }
  h.digest = core::keccak256(pre);
  return h;
}

std::expected<TypedDataHashes, TypedDataError> hash_typed_data(std::string_view json_text) {
  auto doc = core::parse_json(json_text);
  if (!doc) return err(Eip712Error::kBadDocument, "", doc.error());
  return hash_typed_data(*doc);
}

std::expected<std::array<uint8_t, 65>, TypedDataError> sign_typed_data(const SecretKey& key, const Json& doc) {
  auto h = hash_typed_data(doc);
  if (!h) return std::unexpected(h.error());
  return to_rsv(sign_digest(key, h->digest));
}

}  // namespace perpx::signer::eip712
