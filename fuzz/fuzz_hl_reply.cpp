// Hyperliquid (venues/hyperliquid*.hpp): /info and /exchange replies,
// WebSocket messages, and action JSON a user asks us to sign. The first
// byte picks the reader; the rest is the text.
//
// Invariants: an accepted action re-serialises to JSON that parses to the
// same action and the same msgpack bytes (the signature depends on them);
// a decimal normalises idempotently and a rounded price or size is on its
// tick (rounding it again with kExact changes nothing); the fill reconciler
// delivers each fill id at most once.
#include <set>
#include <string>

#include "fuzz_check.hpp"
#include "perpx/core/json.hpp"
#include "perpx/venues/hyperliquid.hpp"
#include "perpx/venues/hyperliquid_client.hpp"
#include "perpx/venues/hyperliquid_wire.hpp"
#include "perpx/venues/hyperliquid_ws.hpp"

namespace hl = perpx::venues::hl;
using perpx::core::Bytes;
using perpx::core::Json;

namespace {

template <class T>
void settle(const hl::HlResult<T>& r) {
  if (!r) (void)hl::to_string(r.error());
}

void rest_replies(std::string_view text) {
  auto j = perpx::core::parse_json(text);
  if (!j) return;
  settle(hl::parse_meta(*j));
  settle(hl::parse_spot_meta(*j));
  settle(hl::parse_all_mids(*j));
  settle(hl::parse_l2_book(*j));
  settle(hl::parse_clearinghouse_state(*j));
  settle(hl::parse_open_orders(*j));
  settle(hl::parse_user_fills(*j));
  settle(hl::parse_funding_history(*j));
  settle(hl::parse_user_rate_limit(*j));
  settle(hl::parse_exchange_reply(*j));
}

void ws_message(std::string_view text) {
  auto m = hl::parse_ws_message(text);
  if (!m) {
    (void)hl::to_string(m.error());
    return;
  }
  if (const auto* err = std::get_if<hl::ServerError>(&*m)) (void)hl::classify_ws_error(err->message);
  const std::vector<hl::Fill>* fills = nullptr;
  if (const auto* uf = std::get_if<hl::UserFills>(&*m)) fills = &uf->fills;
  if (const auto* ue = std::get_if<hl::UserEvent>(&*m)) fills = &ue->fills;
  if (fills == nullptr) return;
  hl::FillReconciler rec(4);
  const auto first = rec.reconcile(*fills);
  FUZZ_CHECK(first.size() <= fills->size());
  // Delivered ids are unique; the same message again delivers nothing new
  // that is still remembered.
  std::set<hl::FillId> seen;
  for (const auto& f : first) FUZZ_CHECK(seen.insert(hl::fill_id(f)).second);
  if (fills->size() <= 4) FUZZ_CHECK(rec.reconcile(*fills).empty());
}

void action(std::string_view text) {
  auto a = hl::parse_action(text);
  if (!a) {
    (void)hl::to_string(a.error());
    return;
  }
  Bytes packed;
  const bool packs = hl::msgpack_append(packed, *a).has_value();
  auto again = hl::parse_action(a->dump());
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *a);
  Bytes packed_again;
  FUZZ_CHECK(hl::msgpack_append(packed_again, *again).has_value() == packs);
  if (packs) FUZZ_CHECK(packed_again == packed);
  (void)hl::user_signed_digest(*a);
}

void wire(std::string_view text) {
  // text: "<szDecimals digit><decimal>"
  if (text.empty()) return;
  const int sz_decimals = (text[0] - '0') % 10;
  const std::string_view dec = text.substr(1);
  auto n = hl::normalize_decimal(dec);
  if (n) {
    auto n2 = hl::normalize_decimal(*n);
    FUZZ_CHECK(n2.has_value());
    FUZZ_CHECK(*n2 == *n);
  }
  for (auto market : {hl::Market::kPerp, hl::Market::kSpot}) {
    for (auto mode : {hl::Rounding::kNearest, hl::Rounding::kDown, hl::Rounding::kUp}) {
      if (auto p = hl::round_price(dec, sz_decimals < 0 ? 0 : sz_decimals, market, mode)) {
        auto exact = hl::round_price(*p, sz_decimals < 0 ? 0 : sz_decimals, market, hl::Rounding::kExact);
        FUZZ_CHECK(exact.has_value());
        FUZZ_CHECK(*exact == *p);
      }
      if (auto s = hl::round_size(dec, sz_decimals < 0 ? 0 : sz_decimals, mode)) {
        auto exact = hl::round_size(*s, sz_decimals < 0 ? 0 : sz_decimals, hl::Rounding::kExact);
        FUZZ_CHECK(exact.has_value());
        FUZZ_CHECK(*exact == *s);
      }
    }
  }
  if (auto w = hl::wire_address(dec)) FUZZ_CHECK(hl::wire_address(*w).value_or("") == *w);
  if (auto w = hl::wire_cloid(dec)) FUZZ_CHECK(hl::wire_cloid(*w).value_or("") == *w);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text = perpx::fuzz::text_of(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: rest_replies(text); break;
    case 1: ws_message(text); break;
    case 2: action(text); break;
    default: wire(text); break;
  }
  return 0;
}
