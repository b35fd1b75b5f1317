#pragma once
// Shared by the fuzz targets: FUZZ_CHECK asserts an invariant (a round trip,
// two readers agreeing); on failure it says which and aborts, which libFuzzer
// records as a crash with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                         \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

namespace perpx::fuzz {

inline std::span<const uint8_t> bytes_of(const uint8_t* data, size_t size) { return {data, size}; }
inline std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace perpx::fuzz
