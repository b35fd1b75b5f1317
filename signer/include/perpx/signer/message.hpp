#pragma once
// EIP-191 version 0x45 ("personal_sign"): keccak256("\x19Ethereum Signed
// Message:\n" + decimal length + message).
#include "perpx/core/bytes.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::signer {

Hash32 personal_message_hash(ByteView message);
// 65 bytes r || s || v (v = 27/28).
std::array<uint8_t, 65> sign_personal_message(const SecretKey& key, ByteView message);

}  // namespace perpx::signer
