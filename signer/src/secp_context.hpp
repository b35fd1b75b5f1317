#pragma once
// The process's libsecp256k1 context and random source, for the signer's
// own sources (secp256k1.cpp, presign.cpp).
#include <secp256k1.h>

#include <cstddef>
#include <cstdint>

namespace perpx::signer::detail {

// Created and randomised on first use, then shared (thread-safe).
const secp256k1_context* context();
// n bytes from getrandom(); throws std::runtime_error if it fails.
void fill_random(uint8_t* out, size_t n);

}  // namespace perpx::signer::detail
