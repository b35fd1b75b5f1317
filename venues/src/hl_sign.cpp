// Hyperliquid signing: the action parser, msgpack as Python's msgpack.packb
// writes it, the phantom agent, user-signed EIP-712 types. See hyperliquid.hpp.
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/venues/hyperliquid.hpp"

namespace perpx::venues::hl {

std::string_view describe(HlError e) noexcept {
  switch (e) {
    case HlError::kBadJson: return "invalid JSON";
    case HlError::kIntegerRange: return "integer out of range";
    case HlError::kNotEncodable: return "value cannot be encoded as msgpack";
    case HlError::kBadAction: return "not an action";
    case HlError::kUnknownType: return "unknown user-signed action type";
    case HlError::kMissingField: return "missing field";
    case HlError::kUnknownField: return "field not covered by the signature";
    case HlError::kBadValue: return "bad value";
    case HlError::kBadOption: return "option does not apply";
    case HlError::kConflict: return "disagrees with the action";
  }
  return "unknown error";
}

std::string to_string(const HlSignError& e) {
  std::string s = e.path.empty() ? std::string("action") : e.path;
  s += ": ";
  s += describe(e.error);
  if (!e.detail.empty()) {
    s += ": ";
    s += e.detail;
  }
  return s;
}

namespace {

std::unexpected<HlSignError> err(HlError e, std::string path, std::string detail = {}) {
  return std::unexpected(HlSignError{e, std::move(path), std::move(detail)});
}

// ---- parsing -----------------------------------------------------------------

// A DOM builder over nlohmann's SAX events that refuses duplicate keys,
// integers beyond 64 bits and deep nesting.
class ActionSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  Json root;
  std::optional<HlSignError> error;

  bool null() { return put(Json(nullptr)) != nullptr; }
  bool boolean(bool b) { return put(Json(b)) != nullptr; }
  bool number_integer(number_integer_t v) { return put(Json(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) { return put(Json(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t& text) {
    if (text.find_first_of(".eE") == std::string::npos)
      return fail(HlError::kIntegerRange, "the integer " + text + " does not fit 64 bits");
    if (!std::isfinite(v)) return fail(HlError::kNotEncodable, "the number " + text + " is not finite as a float64");
    return put(Json(v)) != nullptr;
  }
  bool string(string_t& s) { return put(Json(std::move(s))) != nullptr; }
  bool binary(binary_t&) { return fail(HlError::kNotEncodable, "binary value"); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool key(string_t& k) {
    if (stack_.back()->contains(k)) return fail(HlError::kBadJson, "duplicate key \"" + k + "\"");
    key_ = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    std::string m = ex.what();
    if (auto p = m.find("] "); p != std::string::npos && m.starts_with("[json.exception")) m = m.substr(p + 2);
    if (!error) error = HlSignError{HlError::kBadJson, "action", m + " (at byte " + std::to_string(position) + ")"};
    return false;
  }

 private:
  bool fail(HlError e, std::string detail) {
    error = HlSignError{e, "action", std::move(detail)};
    return false;
  }
  bool open(Json&& container) {
    if (stack_.size() >= static_cast<size_t>(kMaxActionDepth))
      return fail(HlError::kBadJson, "nesting deeper than " + std::to_string(kMaxActionDepth) + " levels");
    Json* p = put(std::move(container));
    stack_.push_back(p);
    return true;
  }
  Json* put(Json&& v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& parent = *stack_.back();
    if (parent.is_object()) {
      Json& slot = parent[key_];
      slot = std::move(v);
      return &slot;
    }
    parent.push_back(std::move(v));
    return &parent.back();
  }

  std::vector<Json*> stack_;  // containers being filled; each pointer stays valid while its children are added
  std::string key_;
};

// ---- msgpack -----------------------------------------------------------------

void put_be(Bytes& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_unsigned(Bytes& out, uint64_t u) {
  if (u < 0x80) out.push_back(static_cast<uint8_t>(u));
  else if (u <= 0xff) { out.push_back(0xcc); put_be(out, u, 1); }
  else if (u <= 0xffff) { out.push_back(0xcd); put_be(out, u, 2); }
  else if (u <= 0xffffffffull) { out.push_back(0xce); put_be(out, u, 4); }
  else { out.push_back(0xcf); put_be(out, u, 8); }
}

void put_signed(Bytes& out, int64_t i) {
  if (i >= 0) return put_unsigned(out, static_cast<uint64_t>(i));
  const auto bits = static_cast<uint64_t>(i);
  if (i >= -32) out.push_back(static_cast<uint8_t>(bits));
  else if (i >= -0x80) { out.push_back(0xd0); put_be(out, bits, 1); }
  else if (i >= -0x8000) { out.push_back(0xd1); put_be(out, bits, 2); }
  else if (i >= -0x80000000ll) { out.push_back(0xd2); put_be(out, bits, 4); }
  else { out.push_back(0xd3); put_be(out, bits, 8); }
}

// A container or string header: the fix form below `fix_limit`, then 8-bit
// (strings only), 16-bit and 32-bit lengths.
bool put_header(Bytes& out, size_t n, uint8_t fix, size_t fix_limit, int tag8, uint8_t tag16, uint8_t tag32) {
  if (n < fix_limit) out.push_back(static_cast<uint8_t>(fix | n));
  else if (tag8 >= 0 && n <= 0xff) { out.push_back(static_cast<uint8_t>(tag8)); put_be(out, n, 1); }
  else if (n <= 0xffff) { out.push_back(tag16); put_be(out, n, 2); }
  else if (n <= 0xffffffffull) { out.push_back(tag32); put_be(out, n, 4); }
  else return false;
  return true;
}

bool put_string(Bytes& out, std::string_view s) {
  if (!put_header(out, s.size(), 0xa0, 32, 0xd9, 0xda, 0xdb)) return false;
  out.insert(out.end(), s.begin(), s.end());
  return true;
}

std::expected<void, HlSignError> encode(Bytes& out, const Json& v, std::string& path, int depth) {
  if (depth > kMaxActionDepth) return err(HlError::kBadJson, path, "nested too deeply");
  switch (v.type()) {
    case Json::value_t::null: out.push_back(0xc0); return {};
    case Json::value_t::boolean: out.push_back(v.get<bool>() ? 0xc3 : 0xc2); return {};
    case Json::value_t::number_unsigned: put_unsigned(out, v.get<uint64_t>()); return {};
    case Json::value_t::number_integer: put_signed(out, v.get<int64_t>()); return {};
    case Json::value_t::number_float: {
      const double d = v.get<double>();
      if (!std::isfinite(d)) return err(HlError::kNotEncodable, path, "not a finite number");
      out.push_back(0xcb);
      put_be(out, std::bit_cast<uint64_t>(d), 8);
      return {};
    }
    case Json::value_t::string:
      if (!put_string(out, v.get_ref<const std::string&>())) return err(HlError::kNotEncodable, path, "string longer than 2^32-1 bytes");
      return {};
    case Json::value_t::array: {
      if (!put_header(out, v.size(), 0x90, 16, -1, 0xdc, 0xdd)) return err(HlError::kNotEncodable, path, "too many elements");
      const size_t base = path.size();
      size_t i = 0;
      for (const auto& e : v) {
        path += '[';
        path += std::to_string(i++);
        path += ']';
        if (auto r = encode(out, e, path, depth + 1); !r) return r;
        path.resize(base);
      }
      return {};
    }
    case Json::value_t::object: {
      if (!put_header(out, v.size(), 0x80, 16, -1, 0xde, 0xdf)) return err(HlError::kNotEncodable, path, "too many keys");
      const size_t base = path.size();
      for (const auto& [k, e] : v.items()) {
        if (!put_string(out, k)) return err(HlError::kNotEncodable, path, "key longer than 2^32-1 bytes");
        path += '.';
        path += k;
        if (auto r = encode(out, e, path, depth + 1); !r) return r;
        path.resize(base);
      }
      return {};
    }
    case Json::value_t::binary: return err(HlError::kNotEncodable, path, "binary value");
    case Json::value_t::discarded: return err(HlError::kNotEncodable, path, "discarded value");
  }
  return err(HlError::kNotEncodable, path);
}

// ---- EIP-712 (flat structs only) ----------------------------------------------
// The signer's EIP-712 module takes identifiers for struct names; Hyperliquid's
// "HyperliquidTransaction:UsdSend" has a colon, so the few flat structs here
// are hashed directly (checked against the signer's module for Agent in tests).

using Word = std::array<uint8_t, 32>;

Hash32 keccak_text(std::string_view s) {
  return core::keccak256(core::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

void append_word(Bytes& out, const Word& w) { out.insert(out.end(), w.begin(), w.end()); }
void append_hash(Bytes& out, const Hash32& h) { out.insert(out.end(), h.bytes.begin(), h.bytes.end()); }

Word uint_word(const core::U256& v) {
  Word w{};
  core::to_be(w, v);
  return w;
}

Word address_word(const Address& a) {
  Word w{};
  std::memcpy(w.data() + 12, a.bytes.data(), 20);
  return w;
}

Hash32 domain_separator(std::string_view name, const core::U256& chain_id) {
  static const Hash32 kDomainType =
      keccak_text("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  Bytes b;
  b.reserve(5 * 32);
  append_hash(b, kDomainType);
  append_hash(b, keccak_text(name));
  append_hash(b, keccak_text("1"));
  append_word(b, uint_word(chain_id));
  append_word(b, address_word(Address{}));
  return core::keccak256(b);
}

Hash32 typed_digest(const Hash32& domain, const Hash32& message) {
  std::array<uint8_t, 66> b{};
  b[0] = 0x19;
  b[1] = 0x01;
  std::memcpy(b.data() + 2, domain.bytes.data(), 32);
  std::memcpy(b.data() + 34, message.bytes.data(), 32);
  return core::keccak256(b);
}

// ---- user-signed kinds (hyperliquid-python-sdk signing.py, hyperliquid-rust-sdk actions.rs) ----

constexpr UserSignedField kUsdSend[] = {
    {"hyperliquidChain", "string"}, {"destination", "string"}, {"amount", "string"}, {"time", "uint64"}};
constexpr UserSignedField kSpotSend[] = {{"hyperliquidChain", "string"},
                                         {"destination", "string"},
                                         {"token", "string"},
                                         {"amount", "string"},
                                         {"time", "uint64"}};
constexpr UserSignedField kWithdraw[] = {
    {"hyperliquidChain", "string"}, {"destination", "string"}, {"amount", "string"}, {"time", "uint64"}};
constexpr UserSignedField kUsdClassTransfer[] = {
    {"hyperliquidChain", "string"}, {"amount", "string"}, {"toPerp", "bool"}, {"nonce", "uint64"}};
constexpr UserSignedField kSendAsset[] = {{"hyperliquidChain", "string"}, {"destination", "string"},
                                          {"sourceDex", "string"},        {"destinationDex", "string"},
                                          {"token", "string"},            {"amount", "string"},
                                          {"fromSubAccount", "string"},   {"nonce", "uint64"}};
constexpr UserSignedField kApproveAgent[] = {
    {"hyperliquidChain", "string"}, {"agentAddress", "address"}, {"agentName", "string"}, {"nonce", "uint64"}};
constexpr UserSignedField kApproveBuilderFee[] = {
    {"hyperliquidChain", "string"}, {"maxFeeRate", "string"}, {"builder", "address"}, {"nonce", "uint64"}};
constexpr UserSignedField kTokenDelegate[] = {{"hyperliquidChain", "string"},
                                              {"validator", "address"},
                                              {"wei", "uint64"},
                                              {"isUndelegate", "bool"},
                                              {"nonce", "uint64"}};
constexpr UserSignedField kUserDexAbstraction[] = {
    {"hyperliquidChain", "string"}, {"user", "address"}, {"enabled", "bool"}, {"nonce", "uint64"}};
constexpr UserSignedField kConvertToMultiSigUser[] = {
    {"hyperliquidChain", "string"}, {"signers", "string"}, {"nonce", "uint64"}};
constexpr UserSignedField kPerpDexClassTransfer[] = {{"hyperliquidChain", "string"}, {"dex", "string"},
                                                     {"token", "string"},            {"amount", "string"},
                                                     {"toPerp", "bool"},             {"nonce", "uint64"}};

constexpr UserSignedKind kKinds[] = {
    {"usdSend", "HyperliquidTransaction:UsdSend", kUsdSend, "time"},
    {"spotSend", "HyperliquidTransaction:SpotSend", kSpotSend, "time"},
    {"withdraw3", "HyperliquidTransaction:Withdraw", kWithdraw, "time"},
    {"usdClassTransfer", "HyperliquidTransaction:UsdClassTransfer", kUsdClassTransfer, "nonce"},
    {"sendAsset", "HyperliquidTransaction:SendAsset", kSendAsset, "nonce"},
    {"approveAgent", "HyperliquidTransaction:ApproveAgent", kApproveAgent, "nonce"},
    {"approveBuilderFee", "HyperliquidTransaction:ApproveBuilderFee", kApproveBuilderFee, "nonce"},
    {"tokenDelegate", "HyperliquidTransaction:TokenDelegate", kTokenDelegate, "nonce"},
    {"userDexAbstraction", "HyperliquidTransaction:UserDexAbstraction", kUserDexAbstraction, "nonce"},
    {"convertToMultiSigUser", "HyperliquidTransaction:ConvertToMultiSigUser", kConvertToMultiSigUser, "nonce"},
    {"perpDexClassTransfer", "HyperliquidTransaction:PerpDexClassTransfer", kPerpDexClassTransfer, "nonce"},
};

std::string field_path(std::string_view name) { return "action." + std::string(name); }

std::expected<uint64_t, HlSignError> json_u64(const Json& v, const std::string& path) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    if (v.get<int64_t>() < 0) return err(HlError::kBadValue, path, "must not be negative");
    return static_cast<uint64_t>(v.get<int64_t>());
  }
  return err(HlError::kBadValue, path, "must be a JSON integer (uint64)");
}

std::expected<Word, HlSignError> encode_field(const UserSignedField& f, const Json& v, const std::string& path) {
  if (f.type == "string") {
    if (!v.is_string()) return err(HlError::kBadValue, path, "must be a string");
    return keccak_text(v.get_ref<const std::string&>()).bytes;
  }
  if (f.type == "bool") {
    if (!v.is_boolean()) return err(HlError::kBadValue, path, "must be true or false");
    return uint_word(v.get<bool>() ? 1 : 0);
  }
  if (f.type == "uint64") {
    auto u = json_u64(v, path);
    if (!u) return std::unexpected(u.error());
    return uint_word(*u);
  }
  if (f.type == "address") {
    if (!v.is_string()) return err(HlError::kBadValue, path, "must be a 0x address string");
    auto a = core::parse_address(v.get_ref<const std::string&>());
    if (!a) return err(HlError::kBadValue, path, std::string(core::describe(a.error())));
    return address_word(*a);
  }
  // bytes32 (no kind here uses it yet).
  if (!v.is_string()) return err(HlError::kBadValue, path, "must be 0x + 64 hex digits");
  auto h = core::parse_hash32(v.get_ref<const std::string&>());
  if (!h) return err(HlError::kBadValue, path, std::string(core::describe(h.error())));
  return h->bytes;
}

// signatureChainId: "0x" hex, as the SDKs write it ("0x66eee").
std::expected<core::U256, HlSignError> signature_chain_id(const Json& action) {
  const std::string path = "action.signatureChainId";
  if (!action.contains("signatureChainId")) return err(HlError::kMissingField, path);
  const Json& v = action["signatureChainId"];
  if (!v.is_string() || !v.get_ref<const std::string&>().starts_with("0x"))
    return err(HlError::kBadValue, path, "must be a 0x hex string (e.g. \"0x66eee\")");
  auto id = core::parse_hex_u256(v.get_ref<const std::string&>());
  if (!id) return err(HlError::kBadValue, path, std::string(core::describe(id.error())));
  if (id->is_zero()) return err(HlError::kBadValue, path, "must not be zero");
  return *id;
}

std::expected<std::string_view, HlSignError> action_type(const Json& action) {
  if (!action.is_object()) return err(HlError::kBadAction, "action", "must be a JSON object");
  if (!action.contains("type")) return err(HlError::kMissingField, "action.type");
  if (!action["type"].is_string()) return err(HlError::kBadValue, "action.type", "must be a string");
  return std::string_view(action["type"].get_ref<const std::string&>());
}

}  // namespace

// ---- public ------------------------------------------------------------------

std::expected<Json, HlSignError> parse_action(std::string_view text) {
  ActionSax sax;
  const bool ok = Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json, true);
  if (!ok || sax.error) {
    if (sax.error) return std::unexpected(*sax.error);
    return err(HlError::kBadJson, "action", "syntax error");
  }
  return std::move(sax.root);
}

std::expected<void, HlSignError> msgpack_append(Bytes& out, const Json& value, std::string_view path) {
  std::string p(path);
  return encode(out, value, p, 0);
}

std::expected<Hash32, HlSignError> action_hash(const Json& action, const L1Params& params) {
  Bytes data;
  data.reserve(256);
  if (auto r = msgpack_append(data, action); !r) return std::unexpected(r.error());
  put_be(data, params.nonce, 8);
  if (params.vault) {
    data.push_back(0x01);
    data.insert(data.end(), params.vault->bytes.begin(), params.vault->bytes.end());
  } else {
    data.push_back(0x00);
  }
  if (params.expires_after) {
    data.push_back(0x00);
    put_be(data, *params.expires_after, 8);
  }
  return core::keccak256(data);
}

Hash32 l1_digest(const Hash32& connection_id, bool mainnet) noexcept {
  static const Hash32 kDomain = domain_separator("Exchange", 1337);
  static const Hash32 kAgentType = keccak_text("Agent(string source,bytes32 connectionId)");
  std::array<uint8_t, 96> b{};
  std::memcpy(b.data(), kAgentType.bytes.data(), 32);
  const Hash32 source = keccak_text(mainnet ? "a" : "b");
  std::memcpy(b.data() + 32, source.bytes.data(), 32);
  std::memcpy(b.data() + 64, connection_id.bytes.data(), 32);
  return typed_digest(kDomain, core::keccak256(b));
}

const UserSignedKind* find_user_signed(std::string_view type) noexcept {
  for (const auto& k : kKinds)
    if (k.action_type == type) return &k;
  return nullptr;
}

std::span<const UserSignedKind> user_signed_kinds() noexcept { return kKinds; }

std::string encode_type(const UserSignedKind& kind) {
  std::string s(kind.primary_type);
  s += '(';
  for (size_t i = 0; i < kind.fields.size(); ++i) {
    if (i) s += ',';
    s += kind.fields[i].type;
    s += ' ';
    s += kind.fields[i].name;
  }
  s += ')';
  return s;
}

std::expected<Hash32, HlSignError> user_signed_digest(const Json& action) {
  auto type = action_type(action);
  if (!type) return std::unexpected(type.error());
  const UserSignedKind* kind = find_user_signed(*type);
  if (!kind) return err(HlError::kUnknownType, "action.type", "\"" + std::string(*type) + "\"");
  auto chain_id = signature_chain_id(action);
  if (!chain_id) return std::unexpected(chain_id.error());
  for (const auto& [k, v] : action.items()) {
    if (k == "type" || k == "signatureChainId") continue;
    bool declared = false;
    for (const auto& f : kind->fields) declared = declared || f.name == k;
    if (!declared) return err(HlError::kUnknownField, field_path(k), "not part of " + std::string(kind->primary_type));
  }
  Bytes b;
  b.reserve(32 * (kind->fields.size() + 1));
  append_hash(b, keccak_text(encode_type(*kind)));
  static const Json kEmpty = "";
  for (const auto& f : kind->fields) {
    const std::string path = field_path(f.name);
    const Json* v = nullptr;
    if (action.contains(f.name)) v = &action[std::string(f.name)];
    else if (kind->action_type == "approveAgent" && f.name == "agentName") v = &kEmpty;  // the SDKs sign a missing name as ""
    else return err(HlError::kMissingField, path);
    if (f.name == "hyperliquidChain" && v->is_string() && *v != "Mainnet" && *v != "Testnet")
      return err(HlError::kBadValue, path, "must be \"Mainnet\" or \"Testnet\"");
    auto w = encode_field(f, *v, path);
    if (!w) return std::unexpected(w.error());
    append_word(b, *w);
  }
  return typed_digest(domain_separator("HyperliquidSignTransaction", *chain_id), core::keccak256(b));
}

std::expected<PreparedAction, HlSignError> prepare(const Json& action, const SignOptions& opts) {
  auto type = action_type(action);
  if (!type) return std::unexpected(type.error());
  const UserSignedKind* kind = find_user_signed(*type);
  const bool looks_user_signed = action.contains("signatureChainId") || action.contains("hyperliquidChain");
  if (!kind && looks_user_signed)
    return err(HlError::kUnknownType, "action.type",
               "\"" + std::string(*type) + "\" carries signatureChainId/hyperliquidChain but is not a known user-signed action");
  PreparedAction p;
  if (kind) {
    p.user_signed = true;
    if (opts.vault) return err(HlError::kBadOption, "--vault-address", "user-signed actions (" + std::string(*type) + ") take no vault address");
    if (opts.expires_after) return err(HlError::kBadOption, "--expires-after", "user-signed actions (" + std::string(*type) + ") take no expiry");
    auto digest = user_signed_digest(action);
    if (!digest) return std::unexpected(digest.error());
    // user_signed_digest has checked the nonce field and the chain name.
    const std::string nonce_path = field_path(kind->nonce_field);
    p.nonce = json_u64(action[std::string(kind->nonce_field)], nonce_path).value();
    if (opts.nonce && *opts.nonce != p.nonce)
      return err(HlError::kConflict, "--nonce", "differs from " + nonce_path + " (" + std::to_string(p.nonce) + ")");
    if (opts.testnet && action["hyperliquidChain"] != "Testnet")
      return err(HlError::kConflict, "--testnet", "action.hyperliquidChain is \"Mainnet\"");
    p.digest = *digest;
    return p;
  }
  if (!opts.nonce) return err(HlError::kBadOption, "--nonce", "required for L1 actions (" + std::string(*type) + ")");
  L1Params params{*opts.nonce, opts.vault, opts.expires_after};
  auto h = action_hash(action, params);
  if (!h) return std::unexpected(h.error());
  p.digest = l1_digest(*h, !opts.testnet);
  p.nonce = *opts.nonce;
  p.vault = opts.vault;
  p.expires_after = opts.expires_after;
  return p;
}

Json signature_json(const signer::Signature& sig) {
  Json j = Json::object();
  j["r"] = core::to_hex_quantity(sig.r);
  j["s"] = core::to_hex_quantity(sig.s);
  j["v"] = 27 + sig.y_parity;
  return j;
}

Json exchange_body(const Json& action, const PreparedAction& prepared, const signer::Signature& sig) {
  Json body = Json::object();
  body["action"] = action;
  body["nonce"] = prepared.nonce;
  body["signature"] = signature_json(sig);
  if (prepared.vault) body["vaultAddress"] = core::to_hex(prepared.vault->view());
  if (prepared.expires_after) body["expiresAfter"] = *prepared.expires_after;
  return body;
}

std::expected<Json, HlSignError> sign_action(const signer::SecretKey& key, const Json& action, const SignOptions& opts) {
  auto p = prepare(action, opts);
  if (!p) return std::unexpected(p.error());
  return exchange_body(action, *p, signer::sign_digest(key, p->digest));
}

}  // namespace perpx::venues::hl
