// Feed readers (Chainlink, Pyth, Uniswap v3) and their exact integer math.
#include "perpx/chain/feeds.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "perpx/chain/abi.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"

namespace perpx::chain {

using core::Json;

std::string_view source_name(FeedSource s) noexcept {
  switch (s) {
    case FeedSource::kChainlink:
      return "chainlink";
    case FeedSource::kPyth:
      return "pyth";
    case FeedSource::kUniV3:
      return "univ3";
  }
  return "unknown";
}

std::string_view describe(FeedErrc e) noexcept {
  switch (e) {
    case FeedErrc::kRpc:
      return "RPC failure";
    case FeedErrc::kReverted:
      return "feed reverted";
    case FeedErrc::kBadReply:
      return "result does not decode";
    case FeedErrc::kWrongEvent:
      return "not the expected event";
    case FeedErrc::kBadLog:
      return "malformed log data";
    case FeedErrc::kOutOfRange:
      return "value out of range";
    case FeedErrc::kNoRound:
      return "round has no answer";
    case FeedErrc::kBadArgument:
      return "invalid argument";
  }
  return "feed error";
}

std::string describe(const FeedError& e) {
  std::string s = e.message.empty() ? std::string(describe(e.code)) : e.message + ": " + std::string(describe(e.code));
  if (e.rpc) {
    s += ": " + to_string(*e.rpc);
    if (!e.rpc->revert_reason.empty()) s += " (" + e.rpc->revert_reason + ")";
  }
  return s;
}

namespace {

__extension__ using u128 = unsigned __int128;

std::unexpected<FeedError> fail(FeedErrc code, std::string message) {
  return std::unexpected(FeedError{code, std::move(message), {}});
}

// ---- a wide unsigned integer for exact price ratios ---------------------------
// sqrtPriceX96^2 (320 bits) times 10^k (k up to 231) fits 1024 bits.

constexpr size_t kWideLimbs = 16;
using Wide = std::array<uint64_t, kWideLimbs>;  // least significant limb first

Wide widen(const U256& v) {
  Wide r{};
  std::copy(std::begin(v.w), std::end(v.w), r.begin());
  return r;
}

// a * b; the caller keeps the product below 2^1024.
Wide mul(const Wide& a, const U256& b) {
  Wide r{};
  for (size_t i = 0; i < kWideLimbs; ++i) {
    if (a[i] == 0) continue;
    u128 carry = 0;
    for (size_t j = 0; j < 4 && i + j < kWideLimbs; ++j) {
      const u128 t = u128{a[i]} * b.w[j] + r[i + j] + carry;
      r[i + j] = static_cast<uint64_t>(t);
      carry = t >> 64;
    }
    if (i + 4 < kWideLimbs) r[i + 4] = static_cast<uint64_t>(carry);
  }
  return r;
}

Wide mul_pow10(Wide a, unsigned k) {
  for (; k >= 19; k -= 19) a = mul(a, U256{10'000'000'000'000'000'000ull});
  uint64_t p = 1;
  for (; k > 0; --k) p *= 10;
  return mul(a, U256{p});
}

unsigned bit_length(const Wide& a) {
  for (size_t i = kWideLimbs; i-- > 0;)
    if (a[i] != 0) return static_cast<unsigned>(64 * i) + static_cast<unsigned>(64 - __builtin_clzll(a[i]));
  return 0;
}

Wide shl(const Wide& a, unsigned n) {
  Wide r{};
  const size_t limbs = n / 64;
  const unsigned bits = n % 64;
  for (size_t i = kWideLimbs; i-- > limbs;) {
    r[i] = a[i - limbs] << bits;
    if (bits != 0 && i > limbs) r[i] |= a[i - limbs - 1] >> (64 - bits);
  }
  return r;
}

void shr1(Wide& a) {
  for (size_t i = 0; i < kWideLimbs; ++i) a[i] = (a[i] >> 1) | (i + 1 < kWideLimbs ? a[i + 1] << 63 : 0);
}

bool less(const Wide& a, const Wide& b) {
  for (size_t i = kWideLimbs; i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i];
  return false;
}

void sub_in_place(Wide& a, const Wide& b) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < kWideLimbs; ++i) {
    const uint64_t d = a[i] - b[i] - borrow;
    borrow = (a[i] < b[i] || (a[i] == b[i] && borrow)) ? 1 : 0;
    a[i] = d;
  }
}

// floor(num / den), or nothing when it does not fit 256 bits. den != 0.
std::optional<U256> divide(Wide num, const Wide& den) {
  const unsigned nb = bit_length(num);
  const unsigned db = bit_length(den);
  if (nb < db) return U256{};
  const unsigned shift = nb - db;
  if (shift > 256) return std::nullopt;
  Wide d = shl(den, shift);
  U256 q;
  for (unsigned i = shift + 1; i-- > 0;) {
    if (!less(num, d)) {
      if (i >= 256) return std::nullopt;
      sub_in_place(num, d);
      q.w[i / 64] |= uint64_t{1} << (i % 64);
    }
    shr1(d);
  }
  return q;
}

// ---- values out of decoded JSON -----------------------------------------------

struct Signed {
  U256 magnitude;
  bool negative = false;
};

std::optional<U256> as_u256(const Json& j) {
  if (!j.is_string()) return std::nullopt;
  auto v = core::parse_decimal(j.get<std::string>());
  return v ? std::optional<U256>(*v) : std::nullopt;
}

std::optional<Signed> as_signed(const Json& j) {
  if (!j.is_string()) return std::nullopt;
  std::string_view s = j.get_ref<const std::string&>();
  const bool negative = s.starts_with('-');
  if (negative) s.remove_prefix(1);
  auto v = core::parse_decimal(s);
  if (!v) return std::nullopt;
  return Signed{*v, negative && !v->is_zero()};
}

std::optional<int64_t> as_i64(const Json& j) {
  auto s = as_signed(j);
  if (!s || !s->magnitude.fits_u64()) return std::nullopt;
  const uint64_t m = s->magnitude.w[0];
  if (s->negative) return m <= uint64_t{1} << 63 ? std::optional<int64_t>(static_cast<int64_t>(0 - m)) : std::nullopt;
  return m < uint64_t{1} << 63 ? std::optional<int64_t>(static_cast<int64_t>(m)) : std::nullopt;
}

// eth_call `f(args)` on `to` at block `at`; the decoded outputs.
FeedResult<Json> call_at(RpcClient& rpc, const Address& to, const AbiFragment& f, const Json& args,
                         const BlockHeader& at, std::string_view what) {
  CallRequest req;
  req.to = to;
  if (auto e = encode_call(req.data, f, args); !e)
    return fail(FeedErrc::kBadArgument, std::string(what) + ": " + describe(e.error()));
  // By hash (EIP-1898): the state of exactly the block the sample names; if a
  // reorg drops that block meanwhile, the node refuses instead of answering
  // from its replacement. A header without a hash (pending) goes by number.
  auto out = rpc.call(req, at.hash == Hash32{} ? BlockRef{at.number} : BlockRef{at.hash});
  if (!out) {
    const auto code = out.error().code == RpcErrc::kExecutionReverted ? FeedErrc::kReverted : FeedErrc::kRpc;
    return std::unexpected(FeedError{code, std::string(what), std::move(out.error())});
  }
  auto decoded = decode(f.outputs, *out);
  if (!decoded) return fail(FeedErrc::kBadReply, std::string(what) + ": " + describe(decoded.error()));
  return std::move(*decoded);
}

// The functions this file calls, parsed once. A signature here that does not
// parse is a programmer error: abort.
enum class Fn : uint8_t {
  kLatestRoundData,
  kGetRoundData,
  kDecimals,
  kGetPriceUnsafe,
  kGetPriceNoOlderThan,
  kSlot0,
  kObserve,
  kToken0,
  kToken1
};

const AbiFragment& fragment(Fn fn) {
  static const std::array<AbiFragment, 9> table = [] {
    constexpr std::array<std::string_view, 9> sigs = {
        "latestRoundData()(uint80,int256,uint256,uint256,uint80)",
        "getRoundData(uint80)(uint80,int256,uint256,uint256,uint80)",
        "decimals()(uint8)",
        "getPriceUnsafe(bytes32)((int64,uint64,int32,uint256))",
        "getPriceNoOlderThan(bytes32,uint256)((int64,uint64,int32,uint256))",
        "slot0()(uint160,int24,uint16,uint16,uint16,uint8,bool)",
        "observe(uint32[])(int56[],uint160[])",
        "token0()(address)",
        "token1()(address)",
    };
    std::array<AbiFragment, 9> t;
    for (size_t i = 0; i < sigs.size(); ++i) {
      auto f = parse_signature(sigs[i]);
      if (!f) std::abort();
      t[i] = std::move(*f);
    }
    return t;
  }();
  return table[static_cast<size_t>(fn)];
}

std::string where(std::string_view kind, const Address& a) { return std::string(kind) + " " + core::to_checksum(a); }

// latestRoundData/getRoundData outputs -> sample.
FeedResult<PriceSample> chainlink_sample(const Json& out, const ChainlinkFeed& f, const BlockHeader& at,
                                         const std::string& what) {
  auto round = as_u256(out[0]);
  auto answer = as_signed(out[1]);
  auto started = as_u256(out[2]);
  auto updated = as_u256(out[3]);
  auto answered = as_u256(out[4]);
  if (!round || !answer || !started || !updated || !answered) return fail(FeedErrc::kBadReply, what);
  if (!started->fits_u64() || !updated->fits_u64()) return fail(FeedErrc::kOutOfRange, what + ": timestamp");
  if (updated->is_zero()) return fail(FeedErrc::kNoRound, what + ": round " + core::to_decimal(*round));
  PriceSample s;
  s.source = FeedSource::kChainlink;
  s.feed = f.aggregator;
  s.price = FixedPrice{answer->magnitude, answer->negative, -int32_t{f.decimals}};
  s.publish_time = updated->w[0];
  s.started_at = started->w[0];
  s.round_id = *round;
  s.answered_in_round = *answered;
  s.block_number = at.number;
  s.block_hash = at.hash;
  return s;
}

FeedResult<uint8_t> read_decimals(RpcClient& rpc, const Address& token, const BlockHeader& at, std::string_view kind) {
  auto out = call_at(rpc, token, fragment(Fn::kDecimals), Json::array(), at, where(kind, token) + " decimals()");
  if (!out) return std::unexpected(out.error());
  auto d = as_u256((*out)[0]);
  if (!d) return fail(FeedErrc::kBadReply, where(kind, token) + " decimals()");
  return static_cast<uint8_t>(d->w[0]);  // uint8 by the decoder
}

// ---- log words ---------------------------------------------------------------

U256 word(const Hash32& h) { return *core::from_be(h.bytes); }

U256 word_at(const Log& log, size_t i) { return *core::from_be(core::ByteView(log.data).subspan(32 * i, 32)); }

bool check_event(const Log& log, const Hash32& topic0, size_t topics, size_t data_words) {
  return log.topics.size() == topics && log.topics[0] == topic0 && log.data.size() == 32 * data_words;
}

Hash32 topic_of(std::string_view signature) {
  return core::keccak256(core::ByteView(reinterpret_cast<const uint8_t*>(signature.data()), signature.size()));
}

Signed int256_of(const U256& v) {
  if (!v.bit(255)) return Signed{v, false};
  return Signed{~v + U256{1}, true};
}

// A signed 64-bit value sign-extended in a word, or nothing when the high bits are dirty.
std::optional<int64_t> int64_of(const U256& v) {
  const uint64_t ext = v.bit(63) ? ~0ull : 0;
  if (v.w[1] != ext || v.w[2] != ext || v.w[3] != ext) return std::nullopt;
  return static_cast<int64_t>(v.w[0]);
}

FixedPrice fixed_of(int64_t v, int32_t exponent) {
  const uint64_t m = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  return FixedPrice{U256{m}, v < 0, exponent};
}

// ---- TickMath ------------------------------------------------------------------

constexpr U256 kMinSqrtRatio{4295128739ull};
constexpr U256 kMaxSqrtRatio{0, 0x00000000fffd8963ull, 0xefd1fc6a50648849ull, 0x5d951d5263988d26ull};

// Q128.128 ratios for tick bits 0x1 .. 0x80000 (TickMath.sol, v3-core 1.0.1).
constexpr std::array<U256, 20> kTickFactors = {
    U256{0, 0, 0xfffcb933bd6fad37ull, 0xaa2d162d1a594001ull}, U256{0, 0, 0xfff97272373d4132ull, 0x59a46990580e213aull},
    U256{0, 0, 0xfff2e50f5f656932ull, 0xef12357cf3c7fdccull}, U256{0, 0, 0xffe5caca7e10e4e6ull, 0x1c3624eaa0941cd0ull},
    U256{0, 0, 0xffcb9843d60f6159ull, 0xc9db58835c926644ull}, U256{0, 0, 0xff973b41fa98c081ull, 0x472e6896dfb254c0ull},
    U256{0, 0, 0xff2ea16466c96a38ull, 0x43ec78b326b52861ull}, U256{0, 0, 0xfe5dee046a99a2a8ull, 0x11c461f1969c3053ull},
    U256{0, 0, 0xfcbe86c7900a88aeull, 0xdcffc83b479aa3a4ull}, U256{0, 0, 0xf987a7253ac41317ull, 0x6f2b074cf7815e54ull},
    U256{0, 0, 0xf3392b0822b70005ull, 0x940c7a398e4b70f3ull}, U256{0, 0, 0xe7159475a2c29b74ull, 0x43b29c7fa6e889d9ull},
    U256{0, 0, 0xd097f3bdfd2022b8ull, 0x845ad8f792aa5825ull}, U256{0, 0, 0xa9f746462d870fdfull, 0x8a65dc1f90e061e5ull},
    U256{0, 0, 0x70d869a156d2a1b8ull, 0x90bb3df62baf32f7ull}, U256{0, 0, 0x31be135f97d08fd9ull, 0x81231505542fcfa6ull},
    U256{0, 0, 0x09aa508b5b7a84e1ull, 0xc677de54f3e99bc9ull}, U256{0, 0, 0x005d6af8dedb8119ull, 0x6699c329225ee604ull},
    U256{0, 0, 0x00002216e584f5faull, 0x1ea926041bedfe98ull}, U256{0, 0, 0x00000000048a1703ull, 0x91f7dc42444e8fa2ull},
};

}  // namespace

// ---- fixed point ---------------------------------------------------------------

FeedResult<FixedPrice> rescale(const FixedPrice& p, int32_t exponent) {
  FixedPrice r{p.magnitude, p.negative, exponent};
  const int64_t diff = int64_t{p.exponent} - exponent;
  if (diff > 0) {
    for (int64_t i = 0; i < diff; ++i) {
      auto m = core::checked_mul(r.magnitude, U256{10});
      if (!m) return fail(FeedErrc::kOutOfRange, "rescale to 10^" + std::to_string(exponent));
      r.magnitude = *m;
      if (r.magnitude.is_zero()) break;
    }
  } else {
    for (int64_t i = 0; i < -diff && !r.magnitude.is_zero(); ++i) r.magnitude = core::divmod(r.magnitude, 10).quot;
  }
  if (r.magnitude.is_zero()) r.negative = false;
  return r;
}

std::string to_decimal_string(const FixedPrice& p) {
  std::string digits = core::to_decimal(p.magnitude);
  if (p.exponent >= 0) {
    if (!p.magnitude.is_zero()) digits.append(static_cast<size_t>(p.exponent), '0');
  } else {
    const auto frac = static_cast<size_t>(-int64_t{p.exponent});
    if (digits.size() <= frac) digits.insert(0, frac + 1 - digits.size(), '0');
    digits.insert(digits.size() - frac, 1, '.');
  }
  return p.negative ? "-" + digits : digits;
}

Json to_json(const PriceSample& s) {
  Json j = {{"source", source_name(s.source)},
            {"feed", core::to_checksum(s.feed)},
            {"price", to_decimal_string(s.price)},
            {"price_raw", (s.price.negative ? "-" : "") + core::to_decimal(s.price.magnitude)},
            {"exponent", s.price.exponent}};
  if (s.source == FeedSource::kPyth) j["price_id"] = core::to_hex(s.price_id);
  if (s.conf) j["conf"] = core::to_decimal(*s.conf);
  if (s.source == FeedSource::kChainlink) {
    j["round_id"] = core::to_decimal(s.round_id);
    j["answered_in_round"] = core::to_decimal(s.answered_in_round);
    j["started_at"] = s.started_at;
  }
  if (s.source == FeedSource::kUniV3) j["twap_seconds"] = s.twap_seconds;
  j["publish_time"] = s.publish_time;
  j["block_num"] = s.block_number;
  if (s.block_hash != Hash32{}) j["block_hash"] = core::to_hex(s.block_hash);
  return j;
}

// ---- Uniswap v3 math -----------------------------------------------------------

FeedResult<U256> sqrt_ratio_at_tick(int32_t tick) {
  if (tick < kUniV3MinTick || tick > kUniV3MaxTick) return fail(FeedErrc::kOutOfRange, "tick " + std::to_string(tick));
  const auto abs_tick = static_cast<uint32_t>(tick < 0 ? -tick : tick);
  U256 ratio = (abs_tick & 1) ? kTickFactors[0] : U256{1} << 128;
  for (unsigned bit = 1; bit < kTickFactors.size(); ++bit)
    if (abs_tick & (1u << bit)) ratio = (ratio * kTickFactors[bit]) >> 128;
  if (tick > 0) ratio = U256::max() / ratio;
  const bool round_up = (ratio.w[0] & 0xffffffffull) != 0;
  return (ratio >> 32) + U256{round_up ? 1u : 0u};
}

FeedResult<int32_t> tick_at_sqrt_ratio(const U256& sqrt_price_x96) {
  if (sqrt_price_x96 < kMinSqrtRatio || sqrt_price_x96 >= kMaxSqrtRatio)
    return fail(FeedErrc::kOutOfRange, "sqrtPriceX96 " + core::to_decimal(sqrt_price_x96));
  int32_t lo = kUniV3MinTick;  // ratio(lo) <= x always holds
  int32_t hi = kUniV3MaxTick;  // ratio(hi) > x always holds
  while (hi - lo > 1) {
    const int32_t mid = lo + (hi - lo) / 2;
    if (*sqrt_ratio_at_tick(mid) <= sqrt_price_x96)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

FeedResult<U256> price_from_sqrt_x96(const U256& sqrt_price_x96, uint8_t decimals0, uint8_t decimals1, bool invert,
                                     uint8_t out_decimals) {
  if (decimals0 > 77 || decimals1 > 77 || out_decimals > 77) return fail(FeedErrc::kBadArgument, "decimals above 77");
  if (sqrt_price_x96.is_zero() || sqrt_price_x96.bit_length() > 160)
    return fail(FeedErrc::kOutOfRange, "sqrtPriceX96 " + core::to_decimal(sqrt_price_x96));
  // token1 per token0 in whole tokens = sqrtP^2 / 2^192 * 10^(d0 - d1).
  Wide num = mul(widen(sqrt_price_x96), sqrt_price_x96);
  Wide den = shl(widen(U256{1}), 192);
  int exp10 = out_decimals + decimals0 - decimals1;
  if (invert) {
    std::swap(num, den);
    exp10 = out_decimals + decimals1 - decimals0;
  }
  if (exp10 >= 0)
    num = mul_pow10(num, static_cast<unsigned>(exp10));
  else
    den = mul_pow10(den, static_cast<unsigned>(-exp10));
  auto q = divide(num, den);
  if (!q) return fail(FeedErrc::kOutOfRange, "price above 2^256");
  return *q;
}

FeedResult<int32_t> twap_tick(int64_t tick_cumulative_ago, int64_t tick_cumulative_now, uint32_t seconds) {
  if (seconds == 0) return fail(FeedErrc::kBadArgument, "TWAP window of 0 seconds");
  // int56 cumulatives: the difference cannot overflow int64.
  const int64_t delta = tick_cumulative_now - tick_cumulative_ago;
  int64_t tick = delta / int64_t{seconds};
  if (delta < 0 && delta % int64_t{seconds} != 0) --tick;
  if (tick < kUniV3MinTick || tick > kUniV3MaxTick)
    return fail(FeedErrc::kOutOfRange, "TWAP tick " + std::to_string(tick));
  return static_cast<int32_t>(tick);
}

FeedResult<int32_t> tick_for_price(const U256& price, uint8_t decimals0, uint8_t decimals1, bool invert) {
  auto at = [&](int32_t t) { return price_from_sqrt_x96(*sqrt_ratio_at_tick(t), decimals0, decimals1, invert); };
  if (auto probe = at(0); !probe) return std::unexpected(probe.error());
  // The price rises with the tick unless inverted; find the last tick on the
  // target's low-tick side, then take the nearer of it and the next.
  auto low_side = [&](int32_t t) -> FeedResult<bool> {
    auto p = at(t);
    if (!p) return std::unexpected(p.error());
    return invert ? *p >= price : *p <= price;
  };
  int32_t lo = kUniV3MinTick;
  int32_t hi = kUniV3MaxTick;
  auto lo_ok = low_side(lo);
  if (!lo_ok) return std::unexpected(lo_ok.error());
  if (!*lo_ok) return lo;
  while (hi - lo > 1) {
    const int32_t mid = lo + (hi - lo) / 2;
    auto ok = low_side(mid);
    if (!ok) return std::unexpected(ok.error());
    (*ok ? lo : hi) = mid;
  }
  const U256 p_lo = *at(lo);
  const U256 p_hi = *at(hi);
  const U256 d_lo = p_lo > price ? p_lo - price : price - p_lo;
  const U256 d_hi = p_hi > price ? p_hi - price : price - p_hi;
  return d_hi < d_lo ? hi : lo;
}

// ---- reads ---------------------------------------------------------------------

FeedResult<BlockHeader> resolve_block(RpcClient& rpc, BlockRef at) {
  auto h = rpc.block_header(at);
  if (!h) return std::unexpected(FeedError{FeedErrc::kRpc, "block header", std::move(h.error())});
  if (!*h) return fail(FeedErrc::kRpc, "block not found");
  return std::move(**h);
}

FeedResult<ChainlinkFeed> make_chainlink_feed(RpcClient& rpc, const Address& aggregator) {
  auto at = resolve_block(rpc, Tag::kLatest);
  if (!at) return std::unexpected(at.error());
  auto d = read_decimals(rpc, aggregator, *at, "chainlink");
  if (!d) return std::unexpected(d.error());
  return ChainlinkFeed{aggregator, *d};
}

FeedResult<UniV3Feed> make_univ3_feed(RpcClient& rpc, const Address& pool, bool invert, uint32_t twap_seconds) {
  auto at = resolve_block(rpc, Tag::kLatest);
  if (!at) return std::unexpected(at.error());
  UniV3Feed f{pool, 0, 0, invert, twap_seconds};
  for (int i = 0; i < 2; ++i) {
    const char* fn = i == 0 ? "token0" : "token1";
    auto out = call_at(rpc, pool, fragment(i == 0 ? Fn::kToken0 : Fn::kToken1), Json::array(), *at,
                       where("univ3", pool) + " " + fn + "()");
    if (!out) return std::unexpected(out.error());
    auto token = core::parse_address((*out)[0].get<std::string>());
    if (!token) return fail(FeedErrc::kBadReply, where("univ3", pool));
    auto d = read_decimals(rpc, *token, *at, "token");
    if (!d) return std::unexpected(d.error());
    (i == 0 ? f.decimals0 : f.decimals1) = *d;
  }
  return f;
}

FeedResult<PriceSample> read_chainlink(RpcClient& rpc, const ChainlinkFeed& f, const BlockHeader& at) {
  const std::string what = where("chainlink", f.aggregator) + " latestRoundData()";
  auto out = call_at(rpc, f.aggregator, fragment(Fn::kLatestRoundData), Json::array(), at, what);
  if (!out) return std::unexpected(out.error());
  return chainlink_sample(*out, f, at, what);
}

FeedResult<PriceSample> read_chainlink_round(RpcClient& rpc, const ChainlinkFeed& f, const U256& round_id,
                                             const BlockHeader& at) {
  const std::string what = where("chainlink", f.aggregator) + " getRoundData(" + core::to_decimal(round_id) + ")";
  if (round_id.bit_length() > 80) return fail(FeedErrc::kBadArgument, what + ": round id above uint80");
  auto out =
      call_at(rpc, f.aggregator, fragment(Fn::kGetRoundData), Json::array({core::to_decimal(round_id)}), at, what);
  if (!out) return std::unexpected(out.error());
  return chainlink_sample(*out, f, at, what);
}

FeedResult<SequencerStatus> read_sequencer(RpcClient& rpc, const Address& feed, const BlockHeader& at) {
  const std::string what = where("sequencer", feed) + " latestRoundData()";
  auto out = call_at(rpc, feed, fragment(Fn::kLatestRoundData), Json::array(), at, what);
  if (!out) return std::unexpected(out.error());
  auto round = as_u256((*out)[0]);
  auto answer = as_signed((*out)[1]);
  auto started = as_u256((*out)[2]);
  if (!round || !answer || !started) return fail(FeedErrc::kBadReply, what);
  if (answer->negative || answer->magnitude > U256{1}) return fail(FeedErrc::kOutOfRange, what + ": answer not 0 or 1");
  if (!started->fits_u64()) return fail(FeedErrc::kOutOfRange, what + ": startedAt");
  return SequencerStatus{feed, answer->magnitude.is_zero(), started->w[0], *round, at.number};
}

FeedResult<PriceSample> read_pyth(RpcClient& rpc, const PythFeed& f, const BlockHeader& at) {
  const std::string id = core::to_hex(f.price_id);
  FeedResult<Json> out = f.max_age ? call_at(rpc, f.pyth, fragment(Fn::kGetPriceNoOlderThan),
                                             Json::array({id, std::to_string(*f.max_age)}), at,
                                             where("pyth", f.pyth) + " getPriceNoOlderThan(" + id + ")")
                                   : call_at(rpc, f.pyth, fragment(Fn::kGetPriceUnsafe), Json::array({id}), at,
                                             where("pyth", f.pyth) + " getPriceUnsafe(" + id + ")");
  if (!out) return std::unexpected(out.error());
  const Json& p = (*out)[0];
  auto price = as_i64(p[0]);
  auto conf = as_u256(p[1]);
  auto expo = as_i64(p[2]);
  auto publish = as_u256(p[3]);
  if (!price || !conf || !expo || !publish) return fail(FeedErrc::kBadReply, where("pyth", f.pyth));
  if (!publish->fits_u64()) return fail(FeedErrc::kOutOfRange, where("pyth", f.pyth) + ": publishTime");
  PriceSample s;
  s.source = FeedSource::kPyth;
  s.feed = f.pyth;
  s.price_id = f.price_id;
  s.price = fixed_of(*price, static_cast<int32_t>(*expo));  // int32 by the decoder
  s.conf = *conf;
  s.publish_time = publish->w[0];
  s.block_number = at.number;
  s.block_hash = at.hash;
  return s;
}

FeedResult<PriceSample> read_univ3(RpcClient& rpc, const UniV3Feed& f, const BlockHeader& at) {
  U256 sqrt_price;
  if (f.twap_seconds == 0) {
    auto out = call_at(rpc, f.pool, fragment(Fn::kSlot0), Json::array(), at, where("univ3", f.pool) + " slot0()");
    if (!out) return std::unexpected(out.error());
    auto v = as_u256((*out)[0]);
    if (!v) return fail(FeedErrc::kBadReply, where("univ3", f.pool) + " slot0()");
    sqrt_price = *v;
  } else {
    const std::string what = where("univ3", f.pool) + " observe([" + std::to_string(f.twap_seconds) + ", 0])";
    auto out = call_at(rpc, f.pool, fragment(Fn::kObserve), Json::array({Json::array({f.twap_seconds, 0})}), at, what);
    if (!out) return std::unexpected(out.error());
    const Json& cum = (*out)[0];
    if (cum.size() != 2) return fail(FeedErrc::kBadReply, what);
    auto ago = as_i64(cum[0]);
    auto now = as_i64(cum[1]);
    if (!ago || !now) return fail(FeedErrc::kBadReply, what);
    auto tick = twap_tick(*ago, *now, f.twap_seconds);
    if (!tick) return std::unexpected(tick.error());
    sqrt_price = *sqrt_ratio_at_tick(*tick);
  }
  auto price = price_from_sqrt_x96(sqrt_price, f.decimals0, f.decimals1, f.invert);
  if (!price) return std::unexpected(price.error());
  PriceSample s;
  s.source = FeedSource::kUniV3;
  s.feed = f.pool;
  s.price = FixedPrice{*price, false, -kUniV3PriceDecimals};
  s.publish_time = at.timestamp;
  s.twap_seconds = f.twap_seconds;
  s.block_number = at.number;
  s.block_hash = at.hash;
  return s;
}

FeedResult<PriceSample> read_feed(RpcClient& rpc, const FeedSpec& f, const BlockHeader& at) {
  return std::visit(
      [&](const auto& spec) -> FeedResult<PriceSample> {
        using T = std::decay_t<decltype(spec)>;
        if constexpr (std::is_same_v<T, ChainlinkFeed>)
          return read_chainlink(rpc, spec, at);
        else if constexpr (std::is_same_v<T, PythFeed>)
          return read_pyth(rpc, spec, at);
        else
          return read_univ3(rpc, spec, at);
      },
      f);
}

FeedResult<std::vector<PriceSample>> read_feeds(RpcClient& rpc, std::span<const FeedSpec> feeds, BlockRef at) {
  auto header = resolve_block(rpc, at);
  if (!header) return std::unexpected(header.error());
  std::vector<PriceSample> out;
  out.reserve(feeds.size());
  for (const auto& f : feeds) {
    auto s = read_feed(rpc, f, *header);
    if (!s) return std::unexpected(s.error());
    out.push_back(std::move(*s));
  }
  return out;
}

// ---- logs ----------------------------------------------------------------------

const Hash32& answer_updated_topic() noexcept {
  static const Hash32 t = topic_of("AnswerUpdated(int256,uint256,uint256)");
  return t;
}
const Hash32& new_round_topic() noexcept {
  static const Hash32 t = topic_of("NewRound(uint256,address,uint256)");
  return t;
}
const Hash32& price_feed_update_topic() noexcept {
  static const Hash32 t = topic_of("PriceFeedUpdate(bytes32,uint64,int64,uint64)");
  return t;
}

FeedResult<PriceSample> decode_answer_updated(const Log& log, uint8_t decimals) {
  if (!check_event(log, answer_updated_topic(), 3, 1)) {
    if (log.topics.size() == 3 && log.topics[0] == answer_updated_topic())
      return fail(FeedErrc::kBadLog, "AnswerUpdated data");
    return fail(FeedErrc::kWrongEvent, "AnswerUpdated");
  }
  const U256 updated = word_at(log, 0);
  if (!updated.fits_u64()) return fail(FeedErrc::kOutOfRange, "AnswerUpdated updatedAt");
  const Signed answer = int256_of(word(log.topics[1]));
  PriceSample s;
  s.source = FeedSource::kChainlink;
  s.feed = log.address;
  s.price = FixedPrice{answer.magnitude, answer.negative, -int32_t{decimals}};
  s.publish_time = updated.w[0];
  s.round_id = word(log.topics[2]);
  s.answered_in_round = s.round_id;
  s.block_number = log.block_number;
  s.block_hash = log.block_hash;
  return s;
}

FeedResult<NewRound> decode_new_round(const Log& log) {
  if (!check_event(log, new_round_topic(), 3, 1)) {
    if (log.topics.size() == 3 && log.topics[0] == new_round_topic()) return fail(FeedErrc::kBadLog, "NewRound data");
    return fail(FeedErrc::kWrongEvent, "NewRound");
  }
  const U256 by = word(log.topics[2]);
  if (by.bit_length() > 160) return fail(FeedErrc::kBadLog, "NewRound startedBy");
  const U256 started = word_at(log, 0);
  if (!started.fits_u64()) return fail(FeedErrc::kOutOfRange, "NewRound startedAt");
  return NewRound{log.address, word(log.topics[1]), core::address_from_word(log.topics[2]), started.w[0],
                  log.block_number};
}

FeedResult<PriceSample> decode_pyth_update(const Log& log, int32_t expo) {
  if (!check_event(log, price_feed_update_topic(), 2, 3)) {
    if (log.topics.size() == 2 && log.topics[0] == price_feed_update_topic())
      return fail(FeedErrc::kBadLog, "PriceFeedUpdate data");
    return fail(FeedErrc::kWrongEvent, "PriceFeedUpdate");
  }
  const U256 publish = word_at(log, 0);
  const auto price = int64_of(word_at(log, 1));
  const U256 conf = word_at(log, 2);
  if (!publish.fits_u64() || !price || !conf.fits_u64()) return fail(FeedErrc::kBadLog, "PriceFeedUpdate data");
  PriceSample s;
  s.source = FeedSource::kPyth;
  s.feed = log.address;
  s.price_id = log.topics[1];
  s.price = fixed_of(*price, expo);
  s.conf = conf;
  s.publish_time = publish.w[0];
  s.block_number = log.block_number;
  s.block_hash = log.block_hash;
  return s;
}

}  // namespace perpx::chain
