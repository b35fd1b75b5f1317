#pragma once
// Reading config and recording fields: each reader names the key when it is
// missing or bad. Private to strategies/.
#include <cstdint>
#include <expected>
#include <string>

#include "perpx/core/fixed.hpp"
#include "perpx/core/json.hpp"

namespace perpx::strategies::detail {

using core::Json;

inline std::expected<std::string, std::string> get_string(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::unexpected(std::string(key) + ": missing or not a string");
  return it->get<std::string>();
}
inline std::expected<core::U256, std::string> get_u256(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return std::unexpected(std::string(key) + ": missing");
  auto v = core::json_quantity(*it);
  if (!v) return std::unexpected(std::string(key) + ": " + v.error());
  return *v;
}
inline std::expected<core::I256, std::string> get_i256(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return std::unexpected(std::string(key) + ": missing");
  auto v = core::parse_i256(*it);
  if (!v) return std::unexpected(std::string(key) + ": " + v.error());
  return *v;
}
inline std::expected<uint64_t, std::string> get_u64(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned())
    return std::unexpected(std::string(key) + ": missing or not a non-negative integer");
  return it->get<uint64_t>();
}
inline std::expected<uint32_t, std::string> get_u32(const Json& j, const char* key) {
  auto v = get_u64(j, key);
  if (!v) return std::unexpected(v.error());
  if (*v > UINT32_MAX) return std::unexpected(std::string(key) + ": too large");
  return static_cast<uint32_t>(*v);
}
inline std::expected<double, std::string> get_double(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::unexpected(std::string(key) + ": missing or not a number");
  return it->get<double>();
}
inline std::expected<bool, std::string> get_bool(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return std::unexpected(std::string(key) + ": missing or not a boolean");
  return it->get<bool>();
}

// Collects the first error of a sequence of reads: r(get_x(j, "k")) gives the
// value (or a default) and remembers the first failure.
struct Reader {
  std::string error;
  template <class T>
  T operator()(std::expected<T, std::string> v) {
    if (!v) {
      if (error.empty()) error = v.error();
      return T{};
    }
    return std::move(*v);
  }
};

}  // namespace perpx::strategies::detail
