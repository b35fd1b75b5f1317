// Raw signed transactions (signer::decode_raw): what eth_sendRawTransaction
// and a node's reply carry. decode_raw is strict (canonical RLP, values in
// range), so a decoded transaction must encode back to exactly the input,
// and its signing hash and sender recovery must not fail on it.
#include "fuzz_check.hpp"
#include "perpx/signer/txn.hpp"

namespace signer = perpx::signer;
using perpx::core::Bytes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto in = perpx::fuzz::bytes_of(data, size);
  auto st = signer::decode_raw(in);
  if (!st) {
    (void)signer::describe(st.error().error);
    if (st.error().error == signer::TxnError::kRlp) (void)signer::rlp::describe(st.error().rlp_error);
    return 0;
  }
  Bytes out;
  signer::encode_signed(out, st->txn, st->sig);
  FUZZ_CHECK(out.size() == in.size());
  FUZZ_CHECK(std::equal(out.begin(), out.end(), in.begin()));
  // Decoding the re-encoding gives the same transaction back.
  auto again = signer::decode_raw(out);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->txn == st->txn);
  FUZZ_CHECK(again->sig == st->sig);
  Bytes scratch;
  (void)signer::signing_hash(st->txn, scratch);
  (void)signer::recover_sender(*st);  // may fail (no point on the curve), must not crash
  if (st->txn.type == signer::TxnType::kLegacy) (void)signer::legacy_v(st->txn, st->sig);
  return 0;
}
