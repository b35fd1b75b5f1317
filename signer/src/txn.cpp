#include "perpx/signer/txn.hpp"

#include "perpx/core/keccak.hpp"

namespace perpx::signer {

using rlp::RlpError;

std::string_view describe(TxnError e) noexcept {
  switch (e) {
    case TxnError::kRlp: return "transaction is not canonical RLP";
    case TxnError::kUnknownType: return "unknown transaction type (expected legacy, 0x01 or 0x02)";
    case TxnError::kWrongFieldCount: return "transaction has the wrong number of fields";
    case TxnError::kBadTo: return "'to' must be empty or 20 bytes";
    case TxnError::kBadAccessList: return "access list entry must be [address, [storage keys]]";
    case TxnError::kBadStorageKey: return "access list storage key must be 32 bytes";
    case TxnError::kBadV: return "invalid v / yParity";
    case TxnError::kBadSignature: return "signature r or s out of range";
    case TxnError::kNonceOverflow: return "nonce above 2^64-1";
    case TxnError::kGasOverflow: return "gas limit above 2^64-1";
  }
  return "invalid transaction";
}

namespace {

// The RLP fields of a transaction, walked once to measure and once to write,
// so the list header is known before the payload is written and nothing is
// buffered twice.
struct Measure {
  size_t n = 0;
  void str(core::ByteView s) noexcept { n += rlp::string_length(s); }
  void uint(const U256& v) noexcept { n += rlp::uint_length(v); }
  void list(size_t payload) noexcept { n += rlp::list_length(payload) - payload; }
};

struct Write {
  Bytes& out;
  void str(core::ByteView s) { rlp::encode_string(out, s); }
  void uint(const U256& v) { rlp::encode_uint(out, v); }
  void list(size_t payload) { rlp::encode_header(out, true, payload); }
};

size_t keys_payload(const AccessTuple& t) noexcept { return t.storage_keys.size() * 33; }
size_t tuple_payload(const AccessTuple& t) noexcept { return 21 + rlp::list_length(keys_payload(t)); }
size_t access_list_payload(const std::vector<AccessTuple>& al) noexcept {
  size_t n = 0;
  for (const auto& t : al) n += rlp::list_length(tuple_payload(t));
  return n;
}

template <class Sink>
void access_list_fields(Sink& sink, const std::vector<AccessTuple>& al) {
  sink.list(access_list_payload(al));
  for (const auto& t : al) {
    sink.list(tuple_payload(t));
    sink.str(t.address.bytes);
    sink.list(keys_payload(t));
    for (const auto& k : t.storage_keys) sink.str(k.bytes);
  }
}

template <class Sink>
void to_field(Sink& sink, const std::optional<Address>& to) {
  if (to) sink.str(to->bytes);
  else sink.str({});
}

// The list payload: fields, then either the signature or (legacy EIP-155
// signing) chainId, 0, 0.
template <class Sink>
void fields(Sink& sink, const Txn& t, const Signature* sig) {
  switch (t.type) {
    case TxnType::kLegacy:
      sink.uint(t.nonce);
      sink.uint(t.gas_price);
      sink.uint(t.gas_limit);
      to_field(sink, t.to);
      sink.uint(t.value);
      sink.str(t.data);
      if (sig) {
        sink.uint(legacy_v(t, *sig));
        sink.uint(sig->r);
        sink.uint(sig->s);
      } else if (!t.chain_id.is_zero()) {
        sink.uint(t.chain_id);
        sink.uint(U256{});
        sink.uint(U256{});
      }
      return;
    case TxnType::kAccessList:
    case TxnType::kDynamicFee:
      sink.uint(t.chain_id);
      sink.uint(t.nonce);
      if (t.type == TxnType::kAccessList) {
        sink.uint(t.gas_price);
      } else {
        sink.uint(t.max_priority_fee_per_gas);
        sink.uint(t.max_fee_per_gas);
      }
      sink.uint(t.gas_limit);
      to_field(sink, t.to);
      sink.uint(t.value);
      sink.str(t.data);
      access_list_fields(sink, t.access_list);
      if (sig) {
        sink.uint(U256{sig->y_parity});
        sink.uint(sig->r);
        sink.uint(sig->s);
      }
      return;
  }
}

void encode(Bytes& out, const Txn& t, const Signature* sig) {
  Measure m;
  fields(m, t, sig);
  // Reserve as if r and s were full 32-byte values, so a buffer warmed up by
  // a signature that happened to encode shorter never grows later.
  const size_t slack = sig ? 2 * 33 - rlp::uint_length(sig->r) - rlp::uint_length(sig->s) : 0;
  out.reserve(out.size() + 1 + rlp::list_length(m.n + slack));
  if (t.type != TxnType::kLegacy) out.push_back(static_cast<uint8_t>(t.type));
  rlp::encode_header(out, true, m.n);
  Write w{out};
  fields(w, t, sig);
}

}  // namespace

U256 legacy_v(const Txn& txn, const Signature& sig) noexcept {
  if (txn.chain_id.is_zero()) return U256{27u + sig.y_parity};
  return txn.chain_id * U256{2} + U256{35u + sig.y_parity};
}

void encode_for_signing(Bytes& out, const Txn& txn) { encode(out, txn, nullptr); }

Hash32 signing_hash(const Txn& txn, Bytes& scratch) {
  scratch.clear();
  encode_for_signing(scratch, txn);
  return core::keccak256(scratch);
}

void encode_signed(Bytes& out, const Txn& txn, const Signature& sig) { encode(out, txn, &sig); }

Signature sign_txn(const Txn& txn, const SecretKey& key, Bytes& scratch) noexcept {
  return sign_digest(key, signing_hash(txn, scratch));
}

void sign_and_encode(Bytes& out, Bytes& scratch, const Txn& txn, const SecretKey& key) noexcept {
  const Signature sig = sign_txn(txn, key, scratch);
  out.clear();
  encode_signed(out, txn, sig);
}

void sign_and_encode(Bytes& out, Bytes& scratch, const Txn& txn, NoncePool& pool) noexcept {
  const Signature sig = pool.sign(signing_hash(txn, scratch));
  out.clear();
  encode_signed(out, txn, sig);
}

// ---- decoding -------------------------------------------------------------

namespace {

using DecodeResult = std::expected<void, TxnDecodeError>;

std::unexpected<TxnDecodeError> rlp_fail(RlpError e, std::string_view field) {
  return std::unexpected(TxnDecodeError{TxnError::kRlp, e, field});
}
std::unexpected<TxnDecodeError> txn_fail(TxnError e, std::string_view field) {
  return std::unexpected(TxnDecodeError{e, RlpError::kInputTooShort, field});
}

// A field reader over the payload of the transaction list: each read names
// its field so an error says where it happened.
struct Reader {
  core::ByteView in;

  std::expected<U256, TxnDecodeError> uint(std::string_view field) {
    if (in.empty()) return txn_fail(TxnError::kWrongFieldCount, field);
    auto v = rlp::decode_uint(in);
    if (!v) return rlp_fail(v.error() == RlpError::kInputTooShort ? RlpError::kListOverrun : v.error(), field);
    return *v;
  }
  std::expected<uint64_t, TxnDecodeError> u64(std::string_view field, TxnError overflow) {
    auto v = uint(field);
    if (!v) return std::unexpected(v.error());
    if (!v->fits_u64()) return txn_fail(overflow, field);
    return v->w[0];
  }
  std::expected<core::ByteView, TxnDecodeError> str(std::string_view field) {
    if (in.empty()) return txn_fail(TxnError::kWrongFieldCount, field);
    auto v = rlp::decode_string(in);
    if (!v) return rlp_fail(v.error() == RlpError::kInputTooShort ? RlpError::kListOverrun : v.error(), field);
    return *v;
  }
  std::expected<core::ByteView, TxnDecodeError> list(std::string_view field) {
    if (in.empty()) return txn_fail(TxnError::kWrongFieldCount, field);
    auto v = rlp::decode_list(in);
    if (!v) return rlp_fail(v.error() == RlpError::kInputTooShort ? RlpError::kListOverrun : v.error(), field);
    return *v;
  }
};

#define PERPX_TRY(var, expr)                      \
  auto var##_r = (expr);                          \
  if (!var##_r) return std::unexpected(var##_r.error()); \
  auto var = *var##_r

DecodeResult read_to(Reader& r, std::optional<Address>& to) {
  PERPX_TRY(s, r.str("to"));
  if (s.empty()) {
    to.reset();
    return {};
  }
  if (s.size() != 20) return txn_fail(TxnError::kBadTo, "to");
  Address a;
  std::copy(s.begin(), s.end(), a.bytes.begin());
  to = a;
  return {};
}

DecodeResult read_access_list(Reader& r, std::vector<AccessTuple>& al) {
  PERPX_TRY(payload, r.list("accessList"));
  Reader items{payload};
  while (!items.in.empty()) {
    auto tuple = rlp::decode_list(items.in);
    if (!tuple) {
      if (tuple.error() == RlpError::kUnexpectedString) return txn_fail(TxnError::kBadAccessList, "accessList");
      return rlp_fail(tuple.error() == RlpError::kInputTooShort ? RlpError::kListOverrun : tuple.error(), "accessList");
    }
    Reader tr{*tuple};
    AccessTuple t;
    auto addr = tr.str("accessList.address");
    if (!addr) return txn_fail(TxnError::kBadAccessList, "accessList.address");
    if (addr->size() != 20) return txn_fail(TxnError::kBadAccessList, "accessList.address");
    std::copy(addr->begin(), addr->end(), t.address.bytes.begin());
    auto keys = tr.list("accessList.storageKeys");
    if (!keys) return txn_fail(TxnError::kBadAccessList, "accessList.storageKeys");
    if (!tr.in.empty()) return txn_fail(TxnError::kBadAccessList, "accessList");
    Reader kr{*keys};
    while (!kr.in.empty()) {
      PERPX_TRY(k, kr.str("accessList.storageKeys"));
      if (k.size() != 32) return txn_fail(TxnError::kBadStorageKey, "accessList.storageKeys");
      Hash32 h;
      std::copy(k.begin(), k.end(), h.bytes.begin());
      t.storage_keys.push_back(h);
    }
    al.push_back(std::move(t));
  }
  return {};
}

DecodeResult read_signature(Reader& r, Signature& sig) {
  PERPX_TRY(rv, r.uint("r"));
  PERPX_TRY(sv, r.uint("s"));
  // Zero, >= n, or (EIP-2) s above n/2 never come from a valid signer.
  if (rv.is_zero() || rv >= kCurveOrder) return txn_fail(TxnError::kBadSignature, "r");
  if (sv.is_zero() || sv > kHalfCurveOrder) return txn_fail(TxnError::kBadSignature, "s");
  sig.r = rv;
  sig.s = sv;
  return {};
}

std::expected<SignedTxn, TxnDecodeError> decode_legacy(core::ByteView raw) {
  core::ByteView in = raw;
  auto payload = rlp::decode_list(in);
  if (!payload) return rlp_fail(payload.error(), "");
  if (!in.empty()) return rlp_fail(RlpError::kTrailingBytes, "");
  Reader r{*payload};
  SignedTxn st;
  Txn& t = st.txn;
  t.type = TxnType::kLegacy;
  PERPX_TRY(nonce, r.u64("nonce", TxnError::kNonceOverflow));
  PERPX_TRY(gas_price, r.uint("gasPrice"));
  PERPX_TRY(gas, r.u64("gasLimit", TxnError::kGasOverflow));
  t.nonce = nonce;
  t.gas_price = gas_price;
  t.gas_limit = gas;
  if (auto e = read_to(r, t.to); !e) return std::unexpected(e.error());
  PERPX_TRY(value, r.uint("value"));
  PERPX_TRY(data, r.str("data"));
  t.value = value;
  t.data.assign(data.begin(), data.end());
  PERPX_TRY(v, r.uint("v"));
  if (v == U256{27} || v == U256{28}) {
    st.sig.y_parity = static_cast<uint8_t>(v.w[0] - 27);
  } else if (v >= U256{37}) {  // EIP-155 with a chain id of at least 1
    const U256 x = v - U256{35};
    st.sig.y_parity = static_cast<uint8_t>(x.w[0] & 1);
    t.chain_id = x >> 1;
  } else {
    return txn_fail(TxnError::kBadV, "v");
  }
  if (auto e = read_signature(r, st.sig); !e) return std::unexpected(e.error());
  if (!r.in.empty()) return txn_fail(TxnError::kWrongFieldCount, "");
  return st;
}

std::expected<SignedTxn, TxnDecodeError> decode_typed(core::ByteView raw) {
  const uint8_t type = raw[0];
  if (type != 1 && type != 2) return txn_fail(TxnError::kUnknownType, "type");
  core::ByteView in = raw.subspan(1);
  auto payload = rlp::decode_list(in);
  if (!payload) return rlp_fail(payload.error(), "");
  if (!in.empty()) return rlp_fail(RlpError::kTrailingBytes, "");
  Reader r{*payload};
  SignedTxn st;
  Txn& t = st.txn;
  t.type = static_cast<TxnType>(type);
  PERPX_TRY(chain_id, r.uint("chainId"));
  PERPX_TRY(nonce, r.u64("nonce", TxnError::kNonceOverflow));
  t.chain_id = chain_id;
  t.nonce = nonce;
  if (t.type == TxnType::kAccessList) {
    PERPX_TRY(gp, r.uint("gasPrice"));
    t.gas_price = gp;
  } else {
    PERPX_TRY(tip, r.uint("maxPriorityFeePerGas"));
    PERPX_TRY(cap, r.uint("maxFeePerGas"));
    t.max_priority_fee_per_gas = tip;
    t.max_fee_per_gas = cap;
  }
  PERPX_TRY(gas, r.u64("gasLimit", TxnError::kGasOverflow));
  t.gas_limit = gas;
  if (auto e = read_to(r, t.to); !e) return std::unexpected(e.error());
  PERPX_TRY(value, r.uint("value"));
  PERPX_TRY(data, r.str("data"));
  t.value = value;
  t.data.assign(data.begin(), data.end());
  if (auto e = read_access_list(r, t.access_list); !e) return std::unexpected(e.error());
  PERPX_TRY(y, r.uint("yParity"));
  if (y > U256{1}) return txn_fail(TxnError::kBadV, "yParity");
  st.sig.y_parity = static_cast<uint8_t>(y.w[0]);
  if (auto e = read_signature(r, st.sig); !e) return std::unexpected(e.error());
  if (!r.in.empty()) return txn_fail(TxnError::kWrongFieldCount, "");
  return st;
}

#undef PERPX_TRY

}  // namespace

std::expected<SignedTxn, TxnDecodeError> decode_raw(core::ByteView raw) {
  if (raw.empty()) return rlp_fail(RlpError::kInputTooShort, "");
  if (raw[0] >= 0xc0) return decode_legacy(raw);
  if (raw[0] >= 0x80) return rlp_fail(RlpError::kUnexpectedString, "");
  return decode_typed(raw);
}

std::expected<Address, SignatureError> recover_sender(const SignedTxn& st) {
  Bytes scratch;
  return recover_address(signing_hash(st.txn, scratch), st.sig, true);
}

}  // namespace perpx::signer
