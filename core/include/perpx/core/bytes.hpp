#pragma once
// Byte containers and fixed-size chain values (hashes, addresses).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace perpx::core {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// A 32-byte hash (keccak digest, storage key, topic). Zero-initialised.
struct Hash32 {
  std::array<uint8_t, 32> bytes{};
  friend constexpr bool operator==(const Hash32&, const Hash32&) = default;
  [[nodiscard]] ByteView view() const noexcept { return bytes; }
};

// A 20-byte account address. Zero-initialised. See address.hpp for parsing.
struct Address {
  std::array<uint8_t, 20> bytes{};
  friend constexpr bool operator==(const Address&, const Address&) = default;
  [[nodiscard]] ByteView view() const noexcept { return bytes; }
};

// Appends a view to a byte vector.
inline void append(Bytes& out, ByteView in) { out.insert(out.end(), in.begin(), in.end()); }

}  // namespace perpx::core
