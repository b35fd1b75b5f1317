#pragma once
// Private to venues/src: the field readers the Hyperliquid REST and WebSocket
// clients share. Each names the field on failure ("levels[0][0].px") and
// returns a kBadReply HlClientError; none throws.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/venues/hyperliquid_client.hpp"

namespace perpx::venues::hl::detail {

using core::Json;

inline std::unexpected<HlClientError> bad(std::string where, std::string message) {
  return std::unexpected(HlClientError{HlClientErrc::kBadReply, chain::ErrorClass::kNonRetryable, std::move(where),
                                       std::move(message), 0, {}});
}

#define HL_TRY(var, expr)                                   \
  auto var##_result = (expr);                               \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)

inline std::string at(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
inline std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

inline HlResult<const Json*> field(const Json& o, std::string_view key, const std::string& path) {
  if (!o.is_object()) return bad(path.empty() ? "reply" : path, "expected an object");
  const auto it = o.find(key);
  if (it == o.end()) return bad(at(path, key), "missing");
  return &*it;
}

inline HlResult<std::string> str(const Json& o, std::string_view key, const std::string& path) {
  HL_TRY(v, field(o, key, path));
  if (!v->is_string()) return bad(at(path, key), "expected a string");
  return v->get<std::string>();
}

inline HlResult<std::optional<std::string>> opt_str(const Json& o, std::string_view key, const std::string& path) {
  if (!o.is_object()) return bad(path, "expected an object");
  const auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return bad(at(path, key), "expected a string or null");
  return std::optional<std::string>{it->get<std::string>()};
}

inline HlResult<uint64_t> u64(const Json& o, std::string_view key, const std::string& path) {
  HL_TRY(v, field(o, key, path));
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (v->is_number_integer() && v->get<int64_t>() >= 0) return static_cast<uint64_t>(v->get<int64_t>());
  return bad(at(path, key), "expected a non-negative integer");
}

inline HlResult<int> small_int(const Json& o, std::string_view key, const std::string& path) {
  HL_TRY(v, u64(o, key, path));
  if (v > 1'000'000) return bad(at(path, key), "out of range");
  return static_cast<int>(v);
}

inline HlResult<bool> boolean(const Json& o, std::string_view key, const std::string& path, std::optional<bool> dflt = std::nullopt) {
  if (dflt && o.is_object() && !o.contains(key)) return *dflt;
  HL_TRY(v, field(o, key, path));
  if (!v->is_boolean()) return bad(at(path, key), "expected true or false");
  return v->get<bool>();
}

inline HlResult<const Json*> array(const Json& o, std::string_view key, const std::string& path) {
  HL_TRY(v, field(o, key, path));
  if (!v->is_array()) return bad(at(path, key), "expected an array");
  return v;
}

inline HlResult<Fill> fill_of(const Json& f, const std::string& p) {
  Fill x;
  HL_TRY(coin, str(f, "coin", p));
  HL_TRY(px, str(f, "px", p));
  HL_TRY(sz, str(f, "sz", p));
  HL_TRY(side, str(f, "side", p));
  HL_TRY(dir, str(f, "dir", p));
  HL_TRY(pnl, str(f, "closedPnl", p));
  HL_TRY(fee, str(f, "fee", p));
  HL_TRY(hash, str(f, "hash", p));
  HL_TRY(time, u64(f, "time", p));
  HL_TRY(oid, u64(f, "oid", p));
  HL_TRY(tid, u64(f, "tid", p));
  HL_TRY(crossed, boolean(f, "crossed", p));
  x.coin = coin, x.px = px, x.sz = sz, x.side = side, x.dir = dir, x.closed_pnl = pnl, x.fee = fee, x.hash = hash;
  x.time = time, x.oid = oid, x.tid = tid, x.crossed = crossed;
  return x;
}

template <class T, class F>
inline HlResult<std::vector<T>> list_of(const Json& j, const std::string& where, F&& one) {
  if (!j.is_array()) return bad(where, "expected an array");
  std::vector<T> out;
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    HL_TRY(v, one(j[i], at(where, i)));
    out.push_back(std::move(v));
  }
  return out;
}

inline HlResult<std::vector<BookLevel>> levels_of(const Json& side, const std::string& p) {
  return list_of<BookLevel>(side, p, [](const Json& l, const std::string& q) -> HlResult<BookLevel> {
    HL_TRY(px, str(l, "px", q));
    HL_TRY(sz, str(l, "sz", q));
    HL_TRY(n, small_int(l, "n", q));
    return BookLevel{px, sz, static_cast<uint32_t>(n)};
  });
}


}  // namespace perpx::venues::hl::detail
