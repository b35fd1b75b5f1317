#pragma once
// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not
// SHA3-256's (0x06). The project's own implementation; does not allocate.
#include "perpx/core/bytes.hpp"

namespace perpx::core {

Hash32 keccak256(ByteView data) noexcept;

// The Keccak-f[1600] permutation on 25 lanes (exposed for tests and benches).
void keccak_f1600(uint64_t state[25]) noexcept;

// Incremental hashing, for inputs that arrive in pieces. Does not allocate.
class Keccak256 {
 public:
  void update(ByteView data) noexcept;
  Hash32 finish() noexcept;  // the object must be reset() before reuse
  void reset() noexcept { *this = Keccak256{}; }

 private:
  uint64_t state_[25]{};
  size_t pos_ = 0;  // bytes absorbed into the current block
};

}  // namespace perpx::core
