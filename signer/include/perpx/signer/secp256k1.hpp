#pragma once
// secp256k1 through libsecp256k1 (with its recovery module): RFC 6979
// deterministic, recoverable, low-s signatures; recovery; addresses.
//
// One context is created and randomised on first use and then shared; all
// functions here are safe to call from any thread and do not allocate.
#include <array>
#include <cstdint>
#include <expected>
#include <string_view>

#include "perpx/core/bytes.hpp"
#include "perpx/core/u256.hpp"

namespace perpx::signer {

using core::Address;
using core::ByteView;
using core::Hash32;

// The secp256k1 group order n, and n/2 (the low-s bound of EIP-2).
inline constexpr core::U256 kCurveOrder{0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFEull, 0xBAAEDCE6AF48A03Bull, 0xBFD25E8CD0364141ull};
inline constexpr core::U256 kHalfCurveOrder{0x7FFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull, 0x5D576E7357A4501Dull, 0xDFE92F46681B20A0ull};

enum class [[nodiscard]] KeyError { kBadHex, kWrongLength, kOutOfRange };
std::string_view describe(KeyError e) noexcept;

enum class [[nodiscard]] SignatureError { kBadRecoveryId, kOutOfRange, kHighS, kNoKeyRecovered };
std::string_view describe(SignatureError e) noexcept;

// A private key: move-only, never printed, wiped when destroyed or moved from.
class SecretKey {
 public:
  // 32 bytes, 0 < k < n.
  static std::expected<SecretKey, KeyError> from_bytes(ByteView b) noexcept;
  // "0x" + 64 hex digits (the 0x is optional for parity with common tools).
  static std::expected<SecretKey, KeyError> from_hex(std::string_view s) noexcept;
  // A fresh key from the operating system's random source.
  static SecretKey generate();

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  // The raw key, for the signer and the keystore only.
  [[nodiscard]] const std::array<uint8_t, 32>& expose_secret() const noexcept { return key_; }

 private:
  SecretKey() = default;
  void wipe() noexcept;
  std::array<uint8_t, 32> key_{};
};

// r, s and the recovery id (the y parity of R: 0 or 1).
struct Signature {
  core::U256 r;
  core::U256 s;
  uint8_t y_parity = 0;
  friend bool operator==(const Signature&, const Signature&) = default;
};

// 64-byte uncompressed public key without the 0x04 prefix (x || y).
struct PublicKey {
  std::array<uint8_t, 64> xy{};
  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

// Signs a 32-byte digest: RFC 6979 nonce, s normalised to the lower half.
Signature sign_digest(const SecretKey& key, const Hash32& digest) noexcept;

// The public key that signed `digest`. Rejects r or s out of [1, n-1] and,
// when require_low_s, s above n/2 (EIP-2).
std::expected<PublicKey, SignatureError> recover(const Hash32& digest, const Signature& sig, bool require_low_s = true) noexcept;
std::expected<Address, SignatureError> recover_address(const Hash32& digest, const Signature& sig, bool require_low_s = true) noexcept;

PublicKey public_key_of(const SecretKey& key) noexcept;
Address address_of(const PublicKey& pub) noexcept;  // last 20 bytes of keccak(x || y)
Address address_of(const SecretKey& key) noexcept;

// The 65-byte r || s || v form used by personal_sign and EIP-712 tools (v = 27 + y_parity).
std::array<uint8_t, 65> to_rsv(const Signature& sig) noexcept;
// Parses r || s || v with v in {0, 1, 27, 28}.
std::expected<Signature, SignatureError> from_rsv(ByteView b) noexcept;

}  // namespace perpx::signer
