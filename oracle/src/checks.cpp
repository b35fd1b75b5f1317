#include "perpx/oracle/checks.hpp"


namespace perpx::oracle {

namespace {

constexpr std::array<std::string_view, kReasonCount> kReasonNames = {
    "stale", "future", "non_positive", "bounds", "confidence", "deviation",
    "outlier", "jump", "frozen", "incomplete_round", "sequencer_down",
};

// Insertion sort: the spans here hold at most kMaxSources values (and are
// often sorted already, which insertion sort handles in linear time).
template <class T>
void sort_small(T* v, size_t n) noexcept {
  for (size_t i = 1; i < n; ++i) {
    const T x = v[i];
    size_t j = i;
    for (; j > 0 && x < v[j - 1]; --j) v[j] = v[j - 1];
    v[j] = x;
  }
}

// Median of sorted raw values.
int64_t median_sorted(const int64_t* v, size_t n) noexcept {
  if (n % 2 == 1) return v[n / 2];
  return static_cast<int64_t>((static_cast<Int128>(v[n / 2 - 1]) + v[n / 2]) / 2);
}

Int128 abs_diff(int64_t a, int64_t b) noexcept {
  const Int128 d = static_cast<Int128>(a) - b;
  return d < 0 ? -d : d;
}

}  // namespace

std::string_view reason_name(Reason r) noexcept { return kReasonNames[static_cast<size_t>(r)]; }

std::optional<Reason> parse_reason(std::string_view name) noexcept {
  for (size_t i = 0; i < kReasonCount; ++i)
    if (kReasonNames[i] == name) return static_cast<Reason>(i);
  return std::nullopt;
}

std::optional<Price> median_in_place(std::span<Price> v) noexcept {
  if (v.empty()) return std::nullopt;
  sort_small(v.data(), v.size());
  const size_t n = v.size();
  if (n % 2 == 1) return v[n / 2];
  const Int128 sum = static_cast<Int128>(v[n / 2 - 1].raw) + v[n / 2].raw;
  return Price{static_cast<int64_t>(sum / 2)};
}

// Local buffers are plain int64_t arrays: no per-call zeroing (Price
// zero-initialises, and these run once per sample).
bool is_deviation(Price p, std::span<const Price> others, Ppm limit, size_t min_others) noexcept {
  const size_t n = others.size();
  if (n < min_others || n == 0 || n > kMaxSources) return false;
  int64_t buf[kMaxSources];
  for (size_t i = 0; i < n; ++i) buf[i] = others[i].raw;
  sort_small(buf, n);
  const Price m{median_sorted(buf, n)};
  return differs_by_more(p, m, m, limit);
}

bool is_outlier(Price p, std::span<const Price> others, uint32_t z_milli, Ppm min_move) noexcept {
  const size_t n = others.size() + 1;
  if (n < 3 || n > kMaxSources) return false;
  int64_t buf[kMaxSources];
  for (size_t i = 0; i < others.size(); ++i) buf[i] = others[i].raw;
  buf[n - 1] = p.raw;
  sort_small(buf, n);
  const int64_t m = median_sorted(buf, n);
  if (!differs_by_more(p, Price{m}, Price{m}, min_move)) return false;
  // MAD: the median absolute deviation from m.
  Int128 dev[kMaxSources];
  for (size_t i = 0; i < n; ++i) dev[i] = abs_diff(buf[i], m);
  sort_small(dev, n);
  const Int128 mad = n % 2 == 1 ? dev[n / 2] : (dev[n / 2 - 1] + dev[n / 2]) / 2;
  // z = |p - m| / (1.4826 * MAD) > z_milli / 1000
  //   <=> |p - m| * 1000 * 10000 > z_milli * 14826 * MAD
  return abs_diff(p.raw, m) * 10'000'000 > static_cast<Int128>(z_milli) * 14'826 * mad;
}

bool is_jump(Price p, std::optional<Price> last, std::span<const Price> confirmers, Ppm limit, Ppm confirm) noexcept {
  if (!last || !differs_by_more(p, *last, *last, limit)) return false;
  for (const Price c : confirmers)
    if (!differs_by_more(c, p, p, confirm)) return false;  // another source is already there
  return true;
}

}  // namespace perpx::oracle
