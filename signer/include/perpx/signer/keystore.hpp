#pragma once
// Web3 Secret Storage v3 keystores (geth, foundry's `cast wallet`, ethers):
// scrypt or pbkdf2-hmac-sha256 key derivation, aes-128-ctr, and the MAC
// keccak256(derivedKey[16..32] || ciphertext). Crypto through OpenSSL 3.
//
// Derived keys and decrypted plaintext are wiped (OPENSSL_cleanse) before
// returning; errors never carry key material. All functions may be called
// from any thread; they allocate, and scrypt with geth's standard parameters
// (n=262144, r=8) takes about a second and 256 MiB.
#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "perpx/core/bytes.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::signer {

enum class [[nodiscard]] KeystoreError {
  kBadJson,            // not JSON, or a required field missing / of the wrong type / bad hex
  kUnsupportedVersion, // version is not 3
  kUnsupportedKdf,     // kdf neither scrypt nor pbkdf2 (or pbkdf2 prf not hmac-sha256)
  kUnsupportedCipher,  // cipher is not aes-128-ctr
  kBadParams,          // KDF or cipher parameters out of range / wrong length
  kWrongPassword,      // the MAC does not match
  kBadKey,             // the decrypted key is not a valid secp256k1 key
  kAddressMismatch,    // the file's "address" is not the address of the decrypted key
  kCrypto,             // the crypto library failed (e.g. out of memory)
};
std::string_view describe(KeystoreError e) noexcept;

struct ScryptParams {
  uint64_t n = 262144;  // a power of two
  uint32_t r = 8;
  uint32_t p = 1;
};
struct Pbkdf2Params {
  uint32_t c = 262144;  // iterations of hmac-sha256
};
using KdfParams = std::variant<ScryptParams, Pbkdf2Params>;

// geth's StandardScryptN/P and LightScryptN/P; geth/ethers' pbkdf2 count.
inline constexpr ScryptParams kScryptStandard{262144, 8, 1};
inline constexpr ScryptParams kScryptLight{4096, 8, 6};
inline constexpr Pbkdf2Params kPbkdf2Standard{262144};

// Limits on what decrypt accepts, so a hostile file cannot ask for unbounded
// memory or time: scrypt needs at most 1 GiB (128 * r * n bytes), r <= 1024, p <= 64,
// pbkdf2 c <= 2^26, dklen in [32, 64], salt at most 1 KiB.

// The KDF step alone: fills `out` (1..1024 bytes). scrypt accepts every n
// geth does (RFC 7914's n < 2^(16 r) is not enforced: the Web3 Secret Storage
// scrypt test vector itself has n=262144 with r=1). For tests and tools.
std::expected<void, KeystoreError> derive_key(std::span<uint8_t> out, std::string_view password, core::ByteView salt,
                                              const KdfParams& kdf);

// Decrypts a keystore JSON document with the password. Accepts "crypto" or
// "Crypto", hex with or without "0x", keys stored shorter than 32 bytes (old
// geth files, left-padded), and checks "address" when present.
std::expected<SecretKey, KeystoreError> decrypt_keystore(std::string_view json, std::string_view password);

// Encrypts a key as a v3 keystore in geth's layout (address, crypto, id,
// version), with a random 32-byte salt, 16-byte iv and uuid v4. Returns the
// JSON text. Fails only with kBadParams (parameters outside the limits above)
// or kCrypto.
std::expected<std::string, KeystoreError> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                           const KdfParams& kdf = kScryptStandard);

// The same with caller-chosen salt, iv and id bytes (reproducible output, tests).
// The uuid bytes are used as given (no version bits are set).
std::expected<std::string, KeystoreError> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                           const KdfParams& kdf, core::ByteView salt,
                                                           std::span<const uint8_t, 16> iv,
                                                           std::span<const uint8_t, 16> uuid);

// geth's file name: "UTC--2006-01-02T15-04-05.999999999Z--<address, lowercase hex, no 0x>".
std::string keystore_file_name(const Address& address, std::chrono::system_clock::time_point when);

}  // namespace perpx::signer
