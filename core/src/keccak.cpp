// Keccak-f[1600] with the 25 lanes held in locals and two rounds per loop
// iteration (A -> E -> A), so the compiler keeps lanes in registers and never
// copies the state between rounds. Two variants of chi, chosen once at run
// time:
//
// - and-not (x86-64 with BMI1 and BMI2, every x86-64 CPU since 2013): chi's
//   a ^ (~b & c) is one ANDN and one XOR, and RORX rotates without
//   clobbering its source; compiled for those instructions with a function
//   target attribute, so the rest of the build stays plain x86-64.
// - lane complementing (everything else): without an and-not instruction chi
//   costs 25 NOTs per round. If six chosen lanes (be, bi, go, ki, mi, sa:
//   "bebigokimisa") are stored complemented, theta, rho and pi carry that
//   pattern linearly into a fixed pattern at chi's input, and chi can be
//   written with AND or OR on the stored values so that it leaves the same
//   six lanes complemented -- with one NOT per plane (5 a round, not 25).
//   The formulas follow from
//     ~b & c       = b' & c              when only b is stored complemented,
//     a ^ (~b & c) = ~(a ^ (b | c'))     when only c is,
//   and, where both or neither are, one explicit NOT on a lane that two
//   outputs of the plane share.
//
// Setting PERPX_KECCAK_GENERIC in the environment forces the second variant
// (as OPENSSL_ia32cap does for OpenSSL), so tests can cover both on one
// machine. Speed is tracked against Crypto++ 8.7 in bench/core_bench.cpp.
#include "perpx/core/keccak.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

namespace perpx::core {

namespace {

static_assert(std::endian::native == std::endian::little, "lanes are loaded little-endian");

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};

constexpr size_t kRate = 136;  // bytes: 1600 - 2*256 bits
constexpr size_t kRateLanes = kRate / 8;

// Lane indices (x + 5y) stored complemented by the generic variant: be, bi, go, ki, mi, sa.
constexpr int kComplemented[6] = {1, 2, 8, 12, 17, 20};

[[gnu::always_inline]] inline uint64_t rol(uint64_t x, int n) noexcept { return std::rotl(x, n); }

[[gnu::always_inline]] inline uint64_t load_lane(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

// Chi of one plane from its five theta-rho-pi outputs Ca..Cu into lanes
// Y<p>a..Y<p>u. The and-not form is the same for every plane.
#define PERPX_CHI_ANDN(Y, p)       \
  Y##p##a = Ca ^ (~Ce & Ci);        \
  Y##p##e = Ce ^ (~Ci & Co);        \
  Y##p##i = Ci ^ (~Co & Cu);        \
  Y##p##o = Co ^ (~Cu & Ca);        \
  Y##p##u = Cu ^ (~Ca & Ce)
#define PERPX_CHI_ANDN_b(Y) PERPX_CHI_ANDN(Y, b)
#define PERPX_CHI_ANDN_g(Y) PERPX_CHI_ANDN(Y, g)
#define PERPX_CHI_ANDN_k(Y) PERPX_CHI_ANDN(Y, k)
#define PERPX_CHI_ANDN_m(Y) PERPX_CHI_ANDN(Y, m)
#define PERPX_CHI_ANDN_s(Y) PERPX_CHI_ANDN(Y, s)

// The complemented forms differ per plane because the complement pattern at
// chi's input does; "in"/"out" give the complement bits of lanes a..u.
// plane b: in 10110, out 01100
#define PERPX_CHI_COMPL_b(Y) \
  Y##ba = Ca ^ (Ce | Ci);     \
  Y##be = Ce ^ (~Ci | Co);    \
  Y##bi = Ci ^ (Co & Cu);     \
  Y##bo = Co ^ (Cu | Ca);     \
  Y##bu = Cu ^ (Ca & Ce)
// plane g: in 10100, out 00010
#define PERPX_CHI_COMPL_g(Y) \
  Y##ga = Ca ^ (Ce | Ci);     \
  Y##ge = Ce ^ (Ci & Co);     \
  Y##gi = Ci ^ (Co | ~Cu);    \
  Y##go = Co ^ (Cu | Ca);     \
  Y##gu = Cu ^ (Ca & Ce)
// plane k: in 10100, out 00100
#define PERPX_CHI_COMPL_k(Y) \
  Cn = ~Co;                   \
  Y##ka = Ca ^ (Ce | Ci);     \
  Y##ke = Ce ^ (Ci & Co);     \
  Y##ki = Ci ^ (Cn & Cu);     \
  Y##ko = Cn ^ (Cu | Ca);     \
  Y##ku = Cu ^ (Ca & Ce)
// plane m: in 01011, out 00100
#define PERPX_CHI_COMPL_m(Y) \
  Cn = ~Co;                   \
  Y##ma = Ca ^ (Ce & Ci);     \
  Y##me = Ce ^ (Ci | Co);     \
  Y##mi = Ci ^ (Cn | Cu);     \
  Y##mo = Cn ^ (Cu & Ca);     \
  Y##mu = Cu ^ (Ca | Ce)
// plane s: in 10010, out 10000
#define PERPX_CHI_COMPL_s(Y) \
  Cn = ~Ce;                   \
  Y##sa = Ca ^ (Cn & Ci);     \
  Y##se = Cn ^ (Ci | Co);     \
  Y##si = Ci ^ (Co & Cu);     \
  Y##so = Co ^ (Cu | Ca);     \
  Y##su = Cu ^ (Ca & Ce)

// One round from lanes X.. into lanes Y..: theta, then for each output plane
// rho and pi into Ca..Cu and CHI##_<plane>, then iota.
#define PERPX_KECCAK_ROUND(X, Y, rc, CHI)                                    \
  do {                                                                       \
    uint64_t Ca = X##ba ^ X##ga ^ X##ka ^ X##ma ^ X##sa;                     \
    uint64_t Ce = X##be ^ X##ge ^ X##ke ^ X##me ^ X##se;                     \
    uint64_t Ci = X##bi ^ X##gi ^ X##ki ^ X##mi ^ X##si;                     \
    uint64_t Co = X##bo ^ X##go ^ X##ko ^ X##mo ^ X##so;                     \
    uint64_t Cu = X##bu ^ X##gu ^ X##ku ^ X##mu ^ X##su;                     \
    [[maybe_unused]] uint64_t Cn;                                            \
    const uint64_t Da = Cu ^ rol(Ce, 1);                                     \
    const uint64_t De = Ca ^ rol(Ci, 1);                                     \
    const uint64_t Di = Ce ^ rol(Co, 1);                                     \
    const uint64_t Do = Ci ^ rol(Cu, 1);                                     \
    const uint64_t Du = Co ^ rol(Ca, 1);                                     \
    Ca = X##ba ^ Da;                                                         \
    Ce = rol(X##ge ^ De, 44);                                                \
    Ci = rol(X##ki ^ Di, 43);                                                \
    Co = rol(X##mo ^ Do, 21);                                                \
    Cu = rol(X##su ^ Du, 14);                                                \
    CHI##_b(Y);                                                              \
    Y##ba ^= (rc);                                                           \
    Ca = rol(X##bo ^ Do, 28);                                                \
    Ce = rol(X##gu ^ Du, 20);                                                \
    Ci = rol(X##ka ^ Da, 3);                                                 \
    Co = rol(X##me ^ De, 45);                                                \
    Cu = rol(X##si ^ Di, 61);                                                \
    CHI##_g(Y);                                                              \
    Ca = rol(X##be ^ De, 1);                                                 \
    Ce = rol(X##gi ^ Di, 6);                                                 \
    Ci = rol(X##ko ^ Do, 25);                                                \
    Co = rol(X##mu ^ Du, 8);                                                 \
    Cu = rol(X##sa ^ Da, 18);                                                \
    CHI##_k(Y);                                                              \
    Ca = rol(X##bu ^ Du, 27);                                                \
    Ce = rol(X##ga ^ Da, 36);                                                \
    Ci = rol(X##ke ^ De, 10);                                                \
    Co = rol(X##mi ^ Di, 15);                                                \
    Cu = rol(X##so ^ Do, 56);                                                \
    CHI##_m(Y);                                                              \
    Ca = rol(X##bi ^ Di, 62);                                                \
    Ce = rol(X##go ^ Do, 55);                                                \
    Ci = rol(X##ku ^ Du, 39);                                                \
    Co = rol(X##ma ^ Da, 41);                                                \
    Cu = rol(X##se ^ De, 2);                                                 \
    CHI##_s(Y);                                                              \
  } while (0)

// The 24 rounds on s[25], lanes loaded into locals and stored back.
#define PERPX_KECCAK_PERMUTE(s, CHI)                                                         \
  do {                                                                                       \
    uint64_t Aba = s[0], Abe = s[1], Abi = s[2], Abo = s[3], Abu = s[4];                     \
    uint64_t Aga = s[5], Age = s[6], Agi = s[7], Ago = s[8], Agu = s[9];                     \
    uint64_t Aka = s[10], Ake = s[11], Aki = s[12], Ako = s[13], Aku = s[14];                \
    uint64_t Ama = s[15], Ame = s[16], Ami = s[17], Amo = s[18], Amu = s[19];                \
    uint64_t Asa = s[20], Ase = s[21], Asi = s[22], Aso = s[23], Asu = s[24];                \
    uint64_t Eba, Ebe, Ebi, Ebo, Ebu, Ega, Ege, Egi, Ego, Egu, Eka, Eke, Eki, Eko, Eku;      \
    uint64_t Ema, Eme, Emi, Emo, Emu, Esa, Ese, Esi, Eso, Esu;                               \
    for (int r = 0; r < 24; r += 2) {                                                        \
      PERPX_KECCAK_ROUND(A, E, kRoundConstants[r], CHI);                                     \
      PERPX_KECCAK_ROUND(E, A, kRoundConstants[r + 1], CHI);                                 \
    }                                                                                        \
    s[0] = Aba; s[1] = Abe; s[2] = Abi; s[3] = Abo; s[4] = Abu;                              \
    s[5] = Aga; s[6] = Age; s[7] = Agi; s[8] = Ago; s[9] = Agu;                              \
    s[10] = Aka; s[11] = Ake; s[12] = Aki; s[13] = Ako; s[14] = Aku;                         \
    s[15] = Ama; s[16] = Ame; s[17] = Ami; s[18] = Amo; s[19] = Amu;                         \
    s[20] = Asa; s[21] = Ase; s[22] = Asi; s[23] = Aso; s[24] = Asu;                         \
  } while (0)

namespace {

using PermuteFn = void (*)(uint64_t*) noexcept;

// Portable: any 64-bit target, lane complementing.
void permute_complemented(uint64_t s[25]) noexcept {
  for (int i : kComplemented) s[i] = ~s[i];
  PERPX_KECCAK_PERMUTE(s, PERPX_CHI_COMPL);
  for (int i : kComplemented) s[i] = ~s[i];
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PERPX_KECCAK_HAVE_ANDN 1
// Only called after checking the CPU has BMI1 and BMI2.
[[gnu::target("bmi,bmi2")]] void permute_andn(uint64_t s[25]) noexcept {
  PERPX_KECCAK_PERMUTE(s, PERPX_CHI_ANDN);
}
#endif

PermuteFn select_permute() noexcept {
#ifdef PERPX_KECCAK_HAVE_ANDN
  __builtin_cpu_init();  // may run before libgcc's own constructor
  if (__builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
      std::getenv("PERPX_KECCAK_GENERIC") == nullptr)
    return permute_andn;
#endif
  return permute_complemented;
}

// Chosen on first use (thread-safe static), then one load per call.
PermuteFn permute_fn() noexcept {
  static const PermuteFn fn = select_permute();
  return fn;
}

// XORs n < kRate trailing bytes and the padding (0x01 after the message,
// 0x80 in the last byte of the block) into the state, lane by lane.
void xor_last(uint64_t s[25], const uint8_t* p, size_t n) noexcept {
  const size_t full = n / 8;
  for (size_t i = 0; i < full; ++i) s[i] ^= load_lane(p + 8 * i);
  const size_t rest = n % 8;
  uint64_t t = 0;
  if (rest != 0) std::memcpy(&t, p + 8 * full, rest);  // p may be null when n == 0
  s[full] ^= t ^ (uint64_t{0x01} << (8 * rest));
  s[kRateLanes - 1] ^= uint64_t{0x80} << 56;
}

}  // namespace

#undef PERPX_KECCAK_PERMUTE
#undef PERPX_KECCAK_ROUND

void keccak_f1600(uint64_t s[25]) noexcept { permute_fn()(s); }

Hash32 keccak256(ByteView data) noexcept {
  const PermuteFn permute = permute_fn();
  uint64_t s[25]{};
  const uint8_t* p = data.data();
  size_t n = data.size();
  for (; n >= kRate; n -= kRate, p += kRate) {
    for (size_t i = 0; i < kRateLanes; ++i) s[i] ^= load_lane(p + 8 * i);
    permute(s);
  }
  xor_last(s, p, n);
  permute(s);
  Hash32 h;
  std::memcpy(h.bytes.data(), s, 32);
  return h;
}

void Keccak256::update(ByteView data) noexcept {
  const uint8_t* p = data.data();
  size_t n = data.size();
  auto* bytes = reinterpret_cast<uint8_t*>(state_);
  while (n > 0) {
    if (pos_ == 0 && n >= kRate) {
      for (size_t i = 0; i < kRateLanes; ++i) state_[i] ^= load_lane(p + 8 * i);
      keccak_f1600(state_);
      p += kRate;
      n -= kRate;
      continue;
    }
    size_t take = std::min(n, kRate - pos_);
    n -= take;
    // Bytes up to a lane boundary, whole lanes, then the remaining bytes.
    for (; take > 0 && pos_ % 8 != 0; --take) bytes[pos_++] ^= *p++;
    for (; take >= 8; take -= 8, pos_ += 8, p += 8) state_[pos_ / 8] ^= load_lane(p);
    for (; take > 0; --take) bytes[pos_++] ^= *p++;
    if (pos_ == kRate) {
      keccak_f1600(state_);
      pos_ = 0;
    }
  }
}

Hash32 Keccak256::finish() noexcept {
  auto* bytes = reinterpret_cast<uint8_t*>(state_);
  bytes[pos_] ^= 0x01;
  bytes[kRate - 1] ^= 0x80;
  keccak_f1600(state_);
  Hash32 h;
  std::memcpy(h.bytes.data(), state_, 32);
  return h;
}

}  // namespace perpx::core
