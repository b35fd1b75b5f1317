#pragma once
// One-line reasons ("why") for decisions: deterministic text of doubles and wads.
#include <cstdio>
#include <string>

#include "perpx/core/fixed.hpp"

namespace perpx::strategies::detail {

inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}
inline std::string wad(const core::U256& v) { return core::wad_to_string(v); }
inline std::string wad(const core::I256& v) { return core::wad_to_string(v); }

}  // namespace perpx::strategies::detail
