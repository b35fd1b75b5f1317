#pragma once
// Bisection on the venue model: the boundary between two integers where a
// predicate changes, exact to one unit. The caller brackets it (pred(lo) !=
// pred(hi)); the result keeps that: pred(lo) as given, pred(hi) the other,
// hi - lo == 1. Works on U256 and I256 (whatever has + - / and ordering).
#include <utility>

namespace perpx::strategies::detail {

template <class T, class Pred>
std::pair<T, T> bisect(T lo, T hi, Pred&& pred) {
  const bool at_lo = pred(lo);
  const T one{1};
  const T two{2};
  while (hi - lo > one) {
    const T mid = lo + (hi - lo) / two;
    if (pred(mid) == at_lo) lo = mid;
    else hi = mid;
  }
  return {lo, hi};
}

}  // namespace perpx::strategies::detail
