#include "perpx/signer/message.hpp"

#include <string>

#include "perpx/core/keccak.hpp"

namespace perpx::signer {

Hash32 personal_message_hash(ByteView message) {
  const std::string prefix = "\x19" "Ethereum Signed Message:\n" + std::to_string(message.size());
  core::Keccak256 h;
  h.update(ByteView(reinterpret_cast<const uint8_t*>(prefix.data()), prefix.size()));
  h.update(message);
  return h.finish();
}

std::array<uint8_t, 65> sign_personal_message(const SecretKey& key, ByteView message) {
  return to_rsv(sign_digest(key, personal_message_hash(message)));
}

}  // namespace perpx::signer
