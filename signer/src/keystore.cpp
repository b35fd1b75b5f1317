#include "perpx/signer/keystore.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <new>
#include <vector>

#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/core/keccak.hpp"

namespace perpx::signer {

using core::Bytes;
using core::ByteView;
using core::Json;

std::string_view describe(KeystoreError e) noexcept {
  switch (e) {
    case KeystoreError::kBadJson: return "not a v3 keystore (bad JSON, or a field missing or malformed)";
    case KeystoreError::kUnsupportedVersion: return "unsupported keystore version (only 3)";
    case KeystoreError::kUnsupportedKdf: return "unsupported kdf (only scrypt and pbkdf2 with hmac-sha256)";
    case KeystoreError::kUnsupportedCipher: return "unsupported cipher (only aes-128-ctr)";
    case KeystoreError::kBadParams: return "kdf or cipher parameters out of range";
    case KeystoreError::kWrongPassword: return "wrong password (MAC mismatch)";
    case KeystoreError::kBadKey: return "decrypted key is not a valid secp256k1 key";
    case KeystoreError::kAddressMismatch: return "keystore address does not match its key";
    case KeystoreError::kCrypto: return "crypto library failure";
  }
  return "unknown keystore error";
}

namespace {

constexpr uint64_t kMaxScryptMemory = uint64_t{1} << 30;
constexpr uint32_t kMaxScryptP = 64, kMaxScryptR = 1024;
constexpr uint64_t kMaxPbkdf2C = uint64_t{1} << 26;
constexpr uint64_t kMinDkLen = 32, kMaxDkLen = 64;
constexpr size_t kMaxSalt = 1024, kMaxDerived = 1024;

// A buffer wiped when it goes out of scope (derived keys, plaintext).
class SecretBytes {
 public:
  explicit SecretBytes(size_t n) : b_(n) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { OPENSSL_cleanse(b_.data(), b_.size()); }
  uint8_t* data() noexcept { return b_.data(); }
  [[nodiscard]] const uint8_t* data() const noexcept { return b_.data(); }
  [[nodiscard]] size_t size() const noexcept { return b_.size(); }
  [[nodiscard]] ByteView view() const noexcept { return b_; }
  std::span<uint8_t> span() noexcept { return b_; }

 private:
  std::vector<uint8_t> b_;
};

std::unexpected<KeystoreError> fail(KeystoreError e) { return std::unexpected(e); }

// Hex with or without "0x" (geth writes none, some tools add it).
std::expected<Bytes, KeystoreError> hex_field(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return fail(KeystoreError::kBadJson);
  std::string s = it->get<std::string>();
  if (!s.starts_with("0x") && !s.starts_with("0X")) s.insert(0, "0x");
  else s[1] = 'x';
  auto b = core::parse_hex(s);
  if (!b) return fail(KeystoreError::kBadJson);
  return std::move(*b);
}

std::expected<uint64_t, KeystoreError> uint_field(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return fail(KeystoreError::kBadJson);
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return fail(KeystoreError::kBadParams);  // negative
  return fail(KeystoreError::kBadJson);
}

const char* nonnull(const void* p) { return p ? static_cast<const char*>(p) : ""; }

bool check_scrypt(const ScryptParams& s) {
  if (s.n < 2 || (s.n & (s.n - 1)) != 0 || s.r == 0 || s.p == 0 || s.p > kMaxScryptP || s.r > kMaxScryptR) return false;
  return s.n <= kMaxScryptMemory / (uint64_t{128} * s.r);
}

bool check_pbkdf2(const Pbkdf2Params& p) { return p.c != 0 && p.c <= kMaxPbkdf2C; }

bool check_kdf(const KdfParams& kdf) {
  if (const auto* s = std::get_if<ScryptParams>(&kdf)) return check_scrypt(*s);
  return check_pbkdf2(std::get<Pbkdf2Params>(kdf));
}

// scrypt (RFC 7914) with PBKDF2-HMAC-SHA256 from OpenSSL around our own
// ROMix. Not EVP_PBE_scrypt: OpenSSL enforces RFC 7914's n < 2^(16 r), which
// rejects files geth writes and reads, e.g. the Web3 Secret Storage test
// vector itself (n=262144, r=1, p=8).
uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

void salsa20_8(uint32_t b[16]) {
  uint32_t x0 = b[0], x1 = b[1], x2 = b[2], x3 = b[3], x4 = b[4], x5 = b[5], x6 = b[6], x7 = b[7], x8 = b[8], x9 = b[9],
           x10 = b[10], x11 = b[11], x12 = b[12], x13 = b[13], x14 = b[14], x15 = b[15];
#define PERPX_QR(a, b2, c, d)  \
  b2 ^= rotl(a + d, 7);        \
  c ^= rotl(b2 + a, 9);        \
  d ^= rotl(c + b2, 13);       \
  a ^= rotl(d + c, 18)
  for (int i = 0; i < 8; i += 2) {
    PERPX_QR(x0, x4, x8, x12); PERPX_QR(x5, x9, x13, x1); PERPX_QR(x10, x14, x2, x6); PERPX_QR(x15, x3, x7, x11);
    PERPX_QR(x0, x1, x2, x3); PERPX_QR(x5, x6, x7, x4); PERPX_QR(x10, x11, x8, x9); PERPX_QR(x15, x12, x13, x14);
  }
#undef PERPX_QR
  b[0] += x0, b[1] += x1, b[2] += x2, b[3] += x3, b[4] += x4, b[5] += x5, b[6] += x6, b[7] += x7;
  b[8] += x8, b[9] += x9, b[10] += x10, b[11] += x11, b[12] += x12, b[13] += x13, b[14] += x14, b[15] += x15;
}

// BlockMix over 2r 64-byte blocks of `b`; `y` is scratch of the same size.
void block_mix(uint32_t* b, uint32_t* y, uint32_t r) {
  uint32_t x[16];
  std::copy(b + (2 * r - 1) * 16, b + 2 * r * 16, x);
  for (uint32_t i = 0; i < 2 * r; ++i) {
    for (int k = 0; k < 16; ++k) x[k] ^= b[i * 16 + k];
    salsa20_8(x);
    // Even blocks to the first half, odd blocks to the second.
    std::copy(x, x + 16, y + ((i % 2) * r + i / 2) * 16);
  }
  std::copy(y, y + 32 * r, b);
  OPENSSL_cleanse(x, sizeof x);
}

bool scrypt(std::span<uint8_t> out, std::string_view password, ByteView salt, const ScryptParams& s) {
  const size_t words = size_t{32} * s.r;  // one 128*r-byte block
  SecretBytes b(size_t{128} * s.r * s.p);
  if (PKCS5_PBKDF2_HMAC(nonnull(password.data()), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(nonnull(salt.data())), static_cast<int>(salt.size()), 1,
                        EVP_sha256(), static_cast<int>(b.size()), b.data()) != 1)
    return false;
  std::vector<uint32_t> x(words), y(words);
  std::unique_ptr<uint32_t[]> v(new (std::nothrow) uint32_t[words * s.n]);
  if (!v) return false;
  for (uint32_t block = 0; block < s.p; ++block) {
    uint8_t* bytes = b.data() + block * words * 4;
    for (size_t k = 0; k < words; ++k)
      x[k] = uint32_t{bytes[4 * k]} | uint32_t{bytes[4 * k + 1]} << 8 | uint32_t{bytes[4 * k + 2]} << 16 |
             uint32_t{bytes[4 * k + 3]} << 24;
    for (uint64_t i = 0; i < s.n; ++i) {
      std::copy(x.begin(), x.end(), v.get() + i * words);
      block_mix(x.data(), y.data(), s.r);
    }
    for (uint64_t i = 0; i < s.n; ++i) {
      const uint64_t j = (uint64_t{x[words - 16]} | uint64_t{x[words - 15]} << 32) & (s.n - 1);
      const uint32_t* vj = v.get() + j * words;
      for (size_t k = 0; k < words; ++k) x[k] ^= vj[k];
      block_mix(x.data(), y.data(), s.r);
    }
    for (size_t k = 0; k < words; ++k)
      for (int t = 0; t < 4; ++t) bytes[4 * k + static_cast<size_t>(t)] = static_cast<uint8_t>(x[k] >> (8 * t));
  }
  OPENSSL_cleanse(v.get(), words * s.n * sizeof(uint32_t));
  OPENSSL_cleanse(x.data(), words * sizeof(uint32_t));
  OPENSSL_cleanse(y.data(), words * sizeof(uint32_t));
  return PKCS5_PBKDF2_HMAC(nonnull(password.data()), static_cast<int>(password.size()), b.data(), static_cast<int>(b.size()), 1,
                           EVP_sha256(), static_cast<int>(out.size()), out.data()) == 1;
}

// Derives `out.size()` bytes. Parameters must have been checked.
bool derive(std::span<uint8_t> out, std::string_view password, ByteView salt, const KdfParams& kdf) {
  if (const auto* s = std::get_if<ScryptParams>(&kdf)) return scrypt(out, password, salt, *s);
  const auto& p = std::get<Pbkdf2Params>(kdf);
  return PKCS5_PBKDF2_HMAC(nonnull(password.data()), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(nonnull(salt.data())), static_cast<int>(salt.size()),
                           static_cast<int>(p.c), EVP_sha256(), static_cast<int>(out.size()), out.data()) == 1;
}

// AES-128-CTR is its own inverse: the same call encrypts and decrypts.
bool aes128_ctr(uint8_t* out, ByteView in, const uint8_t* key16, ByteView iv16) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return false;
  int len = 0, tail = 0;
  const bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, key16, iv16.data()) == 1 &&
                  EVP_EncryptUpdate(ctx, out, &len, in.data(), static_cast<int>(in.size())) == 1 &&
                  EVP_EncryptFinal_ex(ctx, out + len, &tail) == 1;
  EVP_CIPHER_CTX_free(ctx);  // also cleanses the expanded key schedule
  return ok;
}

core::Hash32 mac_of(const SecretBytes& dk, ByteView ciphertext) {
  core::Keccak256 k;
  k.update(dk.view().subspan(16, 16));
  k.update(ciphertext);
  return k.finish();
}

std::string hex_bare(ByteView b) { return core::to_hex(b).substr(2); }

std::string uuid_text(std::span<const uint8_t, 16> u) {
  const std::string h = hex_bare(u);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace

std::expected<SecretKey, KeystoreError> decrypt_keystore(std::string_view json, std::string_view password) {
  auto parsed = core::parse_json(json);
  if (!parsed || !parsed->is_object()) return fail(KeystoreError::kBadJson);
  const Json& doc = *parsed;
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number()) return fail(KeystoreError::kBadJson);
  if (!version->is_number_unsigned() || version->get<uint64_t>() != 3) return fail(KeystoreError::kUnsupportedVersion);
  auto crypto_it = doc.find("crypto");
  if (crypto_it == doc.end()) crypto_it = doc.find("Crypto");  // ethers and old geth files
  if (crypto_it == doc.end() || !crypto_it->is_object()) return fail(KeystoreError::kBadJson);
  const Json& crypto = *crypto_it;

  const auto cipher = crypto.find("cipher");
  if (cipher == crypto.end() || !cipher->is_string()) return fail(KeystoreError::kBadJson);
  if (*cipher != "aes-128-ctr") return fail(KeystoreError::kUnsupportedCipher);
  const auto cipherparams = crypto.find("cipherparams");
  if (cipherparams == crypto.end() || !cipherparams->is_object()) return fail(KeystoreError::kBadJson);
  auto iv = hex_field(*cipherparams, "iv");
  auto ciphertext = hex_field(crypto, "ciphertext");
  auto mac = hex_field(crypto, "mac");
  if (!iv) return std::unexpected(iv.error());
  if (!ciphertext) return std::unexpected(ciphertext.error());
  if (!mac) return std::unexpected(mac.error());
  if (iv->size() != 16 || ciphertext->empty() || ciphertext->size() > 32 || mac->size() != 32)
    return fail(KeystoreError::kBadParams);

  const auto kdf_name = crypto.find("kdf");
  const auto kdfparams = crypto.find("kdfparams");
  if (kdf_name == crypto.end() || !kdf_name->is_string()) return fail(KeystoreError::kBadJson);
  if (*kdf_name != "scrypt" && *kdf_name != "pbkdf2") return fail(KeystoreError::kUnsupportedKdf);
  if (kdfparams == crypto.end() || !kdfparams->is_object()) return fail(KeystoreError::kBadJson);
  KdfParams kdf;
  if (*kdf_name == "scrypt") {
    auto n = uint_field(*kdfparams, "n");
    auto r = uint_field(*kdfparams, "r");
    auto p = uint_field(*kdfparams, "p");
    if (!n) return std::unexpected(n.error());
    if (!r) return std::unexpected(r.error());
    if (!p) return std::unexpected(p.error());
    if (*r > UINT32_MAX || *p > UINT32_MAX) return fail(KeystoreError::kBadParams);
    const ScryptParams s{*n, static_cast<uint32_t>(*r), static_cast<uint32_t>(*p)};
    if (!check_scrypt(s)) return fail(KeystoreError::kBadParams);
    kdf = s;
  } else {
    const auto prf = kdfparams->find("prf");
    if (prf == kdfparams->end() || !prf->is_string()) return fail(KeystoreError::kBadJson);
    if (*prf != "hmac-sha256") return fail(KeystoreError::kUnsupportedKdf);
    auto c = uint_field(*kdfparams, "c");
    if (!c) return std::unexpected(c.error());
    if (*c > UINT32_MAX || !check_pbkdf2(Pbkdf2Params{static_cast<uint32_t>(*c)})) return fail(KeystoreError::kBadParams);
    kdf = Pbkdf2Params{static_cast<uint32_t>(*c)};
  }
  auto dklen = uint_field(*kdfparams, "dklen");
  auto salt = hex_field(*kdfparams, "salt");
  if (!dklen) return std::unexpected(dklen.error());
  if (!salt) return std::unexpected(salt.error());
  if (*dklen < kMinDkLen || *dklen > kMaxDkLen || salt->size() > kMaxSalt) return fail(KeystoreError::kBadParams);

  SecretBytes dk(static_cast<size_t>(*dklen));
  if (!derive(dk.span(), password, *salt, kdf)) return fail(KeystoreError::kCrypto);
  const core::Hash32 expected_mac = mac_of(dk, *ciphertext);
  if (CRYPTO_memcmp(expected_mac.bytes.data(), mac->data(), 32) != 0) return fail(KeystoreError::kWrongPassword);

  // Keys shorter than 32 bytes (geth before 1.4 dropped leading zeros) are left-padded.
  SecretBytes plain(32);
  const size_t pad = 32 - ciphertext->size();
  std::fill(plain.data(), plain.data() + pad, uint8_t{0});
  if (!aes128_ctr(plain.data() + pad, *ciphertext, dk.data(), *iv)) return fail(KeystoreError::kCrypto);
  auto key = SecretKey::from_bytes(plain.view());
  if (!key) return fail(KeystoreError::kBadKey);

  if (const auto addr = doc.find("address"); addr != doc.end()) {
    auto stored = hex_field(doc, "address");
    if (!stored || stored->size() != 20) return fail(KeystoreError::kBadJson);
    const Address actual = address_of(*key);
    if (!std::equal(stored->begin(), stored->end(), actual.bytes.begin())) return fail(KeystoreError::kAddressMismatch);
  }
  return std::move(*key);
}

std::expected<void, KeystoreError> derive_key(std::span<uint8_t> out, std::string_view password, ByteView salt,
                                              const KdfParams& kdf) {
  if (!check_kdf(kdf) || salt.size() > kMaxSalt || out.empty() || out.size() > kMaxDerived) return fail(KeystoreError::kBadParams);
  if (!derive(out, password, salt, kdf)) return fail(KeystoreError::kCrypto);
  return {};
}

std::expected<std::string, KeystoreError> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                           const KdfParams& kdf, ByteView salt,
                                                           std::span<const uint8_t, 16> iv,
                                                           std::span<const uint8_t, 16> uuid) {
  if (!check_kdf(kdf) || salt.size() > kMaxSalt) return fail(KeystoreError::kBadParams);
  const auto* sp = std::get_if<ScryptParams>(&kdf);

  SecretBytes dk(32);
  if (!derive(dk.span(), password, salt, kdf)) return fail(KeystoreError::kCrypto);
  std::array<uint8_t, 32> ciphertext{};
  if (!aes128_ctr(ciphertext.data(), key.expose_secret(), dk.data(), iv)) return fail(KeystoreError::kCrypto);
  const core::Hash32 mac = mac_of(dk, ciphertext);

  // geth's field order; kdfparams keys sorted as Go marshals a map.
  Json kdfparams = Json::object();
  if (sp) {
    kdfparams["dklen"] = 32;
    kdfparams["n"] = sp->n;
    kdfparams["p"] = sp->p;
    kdfparams["r"] = sp->r;
  } else {
    kdfparams["c"] = std::get<Pbkdf2Params>(kdf).c;
    kdfparams["dklen"] = 32;
    kdfparams["prf"] = "hmac-sha256";
  }
  kdfparams["salt"] = hex_bare(salt);
  Json crypto = Json::object();
  crypto["cipher"] = "aes-128-ctr";
  crypto["ciphertext"] = hex_bare(ciphertext);
  crypto["cipherparams"] = Json{{"iv", hex_bare(iv)}};
  crypto["kdf"] = sp ? "scrypt" : "pbkdf2";
  crypto["kdfparams"] = std::move(kdfparams);
  crypto["mac"] = hex_bare(mac.view());
  Json doc = Json::object();
  doc["address"] = hex_bare(address_of(key).view());
  doc["crypto"] = std::move(crypto);
  doc["id"] = uuid_text(uuid);
  doc["version"] = 3;
  return doc.dump();
}

std::expected<std::string, KeystoreError> encrypt_keystore(const SecretKey& key, std::string_view password,
                                                           const KdfParams& kdf) {
  std::array<uint8_t, 32> salt{};
  std::array<uint8_t, 16> iv{};
  std::array<uint8_t, 16> uuid{};
  if (RAND_bytes(salt.data(), salt.size()) != 1 || RAND_bytes(iv.data(), iv.size()) != 1 ||
      RAND_bytes(uuid.data(), uuid.size()) != 1)
    return fail(KeystoreError::kCrypto);
  uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0f) | 0x40);  // version 4
  uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return encrypt_keystore(key, password, kdf, salt, iv, uuid);
}

std::string keystore_file_name(const Address& address, std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto ns = time_point_cast<nanoseconds>(when);
  const auto day = floor<days>(ns);
  const year_month_day ymd{day};
  const hh_mm_ss<nanoseconds> tod{ns - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "UTC--%04d-%02u-%02uT%02d-%02d-%02d.%09lldZ--", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<long long>(tod.subseconds().count()));
  return buf + hex_bare(address.view());
}

}  // namespace perpx::signer
