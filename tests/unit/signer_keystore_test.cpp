// Web3 Secret Storage v3: the published test vectors (tests/vectors/keystore),
// known-answer encryption, scrypt against RFC 7914 and OpenSSL, round trips,
// and one negative test per KeystoreError. Heavy KDF parameters run once each.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/keystore.hpp"

using namespace perpx;
using namespace perpx::signer;

namespace {

core::Json load(const std::string& name) {
  std::ifstream in(std::string(PERPX_VECTORS_DIR) + "/keystore/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = core::parse_json(ss.str());
  REQUIRE(j);
  return *j;
}

std::string key_hex(const SecretKey& k) { return core::to_hex(k.expose_secret()).substr(2); }

SecretKey key_of(const std::string& hex) {
  auto k = SecretKey::from_hex(hex);
  REQUIRE(k);
  return std::move(*k);
}

core::Bytes unhex(const std::string& s) { return core::parse_hex("0x" + s).value(); }

const std::string kKey = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";

// A cheap, deterministic keystore of kKey under "pw" (pbkdf2, c=2).
core::Json cheap_keystore() {
  const std::array<uint8_t, 16> iv{1, 2, 3}, id{4, 5, 6};
  const std::array<uint8_t, 32> salt{7, 8, 9};
  auto text = encrypt_keystore(key_of(kKey), "pw", Pbkdf2Params{2}, salt, iv, id);
  REQUIRE(text);
  return core::parse_json(*text).value();
}

KeystoreError error_of(const core::Json& ks, std::string_view password = "pw") {
  auto r = decrypt_keystore(ks.dump(), password);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("Web3 Secret Storage test vectors decrypt (go-ethereum testdata)", "[signer][keystore]") {
  const core::Json v = load("v3_test_vector.json");
  // The two wiki vectors (pbkdf2 c=262144; scrypt n=262144 r=1 p=8) and geth's
  // keys stored with 31 and 30 bytes.
  for (const char* name : {"wikipage_test_vector_pbkdf2", "wikipage_test_vector_scrypt", "31_byte_key", "30_byte_key"}) {
    INFO(name);
    const auto& t = v[name];
    auto key = decrypt_keystore(t["json"].dump(), t["password"].get<std::string>());
    REQUIRE(key);
    std::string want = t["priv"].get<std::string>();
    want.insert(0, 64 - want.size(), '0');
    CHECK(key_hex(*key) == want);
  }
  CHECK(core::to_hex(address_of(*decrypt_keystore(v["31_byte_key"]["json"].dump(), "foo")).view()) ==
        core::to_hex(address_of(key_of("00" + v["31_byte_key"]["priv"].get<std::string>())).view()));
}

TEST_CASE("encryption reproduces the published pbkdf2 vector byte for byte", "[signer][keystore]") {
  const core::Json t = load("v3_test_vector.json")["wikipage_test_vector_pbkdf2"]["json"];
  const auto salt = unhex(t["crypto"]["kdfparams"]["salt"]);
  const auto iv = unhex(t["crypto"]["cipherparams"]["iv"]);
  const std::array<uint8_t, 16> id{0x31, 0x98, 0xbc, 0x9c, 0x66, 0x72, 0x5a, 0xb3, 0xd9, 0x95, 0x49, 0x42, 0x34, 0x3a, 0xe5, 0xb6};
  auto text = encrypt_keystore(key_of(kKey), "testpassword", kPbkdf2Standard, salt, std::span<const uint8_t, 16>(iv.data(), 16), id);
  REQUIRE(text);
  const core::Json out = core::parse_json(*text).value();
  CHECK(out["crypto"].size() == t["crypto"].size());
  for (const auto& [k, v] : t["crypto"].items()) CHECK(out["crypto"][k] == v);  // same values, geth's key order
  CHECK(out["id"] == t["id"]);
  CHECK(out["version"] == 3);
  CHECK(out["address"] == "008aeeda4d805471df9b2a5b0f38a0c3bcba786b");
  // geth's layout and key order.
  std::vector<std::string> keys;
  for (const auto& [k, _] : out.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"address", "crypto", "id", "version"});
}

TEST_CASE("scrypt matches RFC 7914 and OpenSSL", "[signer][keystore]") {
  // RFC 7914 section 12, third vector.
  std::array<uint8_t, 64> out{};
  const std::string salt = "NaCl";
  REQUIRE(derive_key(out, "password", {reinterpret_cast<const uint8_t*>(salt.data()), salt.size()}, ScryptParams{1024, 8, 16}));
  CHECK(core::to_hex(out) ==
        "0xfdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  // Against EVP_PBE_scrypt where OpenSSL accepts the parameters.
  for (const ScryptParams p : {ScryptParams{2, 1, 1}, ScryptParams{16, 3, 2}, ScryptParams{256, 8, 6}, ScryptParams{4096, 2, 1}}) {
    std::array<uint8_t, 40> ours{}, theirs{};
    const std::array<uint8_t, 5> s{1, 2, 3, 4, 5};
    const std::string pw = "pässwörd";
    REQUIRE(derive_key(ours, pw, s, p));
    REQUIRE(EVP_PBE_scrypt(pw.data(), pw.size(), s.data(), s.size(), p.n, p.r, p.p, 64u << 20, theirs.data(), theirs.size()) == 1);
    CHECK(ours == theirs);
  }
}

TEST_CASE("round trips with light scrypt and pbkdf2", "[signer][keystore]") {
  const SecretKey key = SecretKey::generate();
  for (const KdfParams kdf : {KdfParams{ScryptParams{1024, 8, 1}}, KdfParams{Pbkdf2Params{1000}}}) {
    auto a = encrypt_keystore(key, "correct horse", kdf);
    auto b = encrypt_keystore(key, "correct horse", kdf);
    REQUIRE(a);
    REQUIRE(b);
    const core::Json ja = core::parse_json(*a).value(), jb = core::parse_json(*b).value();
    CHECK(ja["crypto"]["kdfparams"]["salt"] != jb["crypto"]["kdfparams"]["salt"]);
    CHECK(ja["crypto"]["cipherparams"]["iv"] != jb["crypto"]["cipherparams"]["iv"]);
    CHECK(std::regex_match(ja["id"].get<std::string>(),
                           std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
    CHECK(ja["address"] == core::to_hex(address_of(key).view()).substr(2));
    CHECK(a->find(key_hex(key)) == std::string::npos);
    auto back = decrypt_keystore(*a, "correct horse");
    REQUIRE(back);
    CHECK(back->expose_secret() == key.expose_secret());
    CHECK(decrypt_keystore(*a, "correct horsf").error() == KeystoreError::kWrongPassword);
  }
  // The standard parameter sets are what geth writes.
  CHECK(kScryptStandard.n == 262144);
  CHECK(kScryptLight.n == 4096);
  CHECK(kScryptLight.p == 6);
}

TEST_CASE("files from other tools: Crypto, 0x hex, extra keys", "[signer][keystore]") {
  core::Json ks = cheap_keystore();
  ks["Crypto"] = ks["crypto"];  // ethers writes "Crypto"
  ks.erase("crypto");
  ks["x-ethers"] = {{"client", "ethers"}};
  ks["address"] = "0x" + ks["address"].get<std::string>();
  ks["Crypto"]["mac"] = "0x" + ks["Crypto"]["mac"].get<std::string>();
  auto key = decrypt_keystore(ks.dump(), "pw");
  REQUIRE(key);
  CHECK(key_hex(*key) == kKey);
  ks.erase("address");  // cast writes none
  CHECK(decrypt_keystore(ks.dump(), "pw"));
}

TEST_CASE("one negative test per KeystoreError", "[signer][keystore]") {
  const core::Json good = cheap_keystore();
  REQUIRE(decrypt_keystore(good.dump(), "pw"));
  core::Json ks = good;
  SECTION("kBadJson") {
    CHECK(decrypt_keystore("not json", "pw").error() == KeystoreError::kBadJson);
    ks["crypto"].erase("mac");
    CHECK(error_of(ks) == KeystoreError::kBadJson);
    ks = good;
    ks["crypto"]["ciphertext"] = "zz";
    CHECK(error_of(ks) == KeystoreError::kBadJson);
  }
  SECTION("kUnsupportedVersion") {
    ks["version"] = 2;
    CHECK(error_of(ks) == KeystoreError::kUnsupportedVersion);
  }
  SECTION("kUnsupportedKdf") {
    ks["crypto"]["kdf"] = "argon2id";
    CHECK(error_of(ks) == KeystoreError::kUnsupportedKdf);
    ks = good;
    ks["crypto"]["kdfparams"]["prf"] = "hmac-sha512";
    CHECK(error_of(ks) == KeystoreError::kUnsupportedKdf);
  }
  SECTION("kUnsupportedCipher") {
    ks["crypto"]["cipher"] = "aes-128-cbc";
    CHECK(error_of(ks) == KeystoreError::kUnsupportedCipher);
  }
  SECTION("kBadParams") {
    ks["crypto"]["cipherparams"]["iv"] = "00112233";
    CHECK(error_of(ks) == KeystoreError::kBadParams);
    ks = good;
    ks["crypto"]["kdfparams"]["dklen"] = 16;
    CHECK(error_of(ks) == KeystoreError::kBadParams);
    ks = good;
    ks["crypto"]["kdfparams"]["c"] = 0;
    CHECK(error_of(ks) == KeystoreError::kBadParams);
    core::Json sc = core::parse_json(*encrypt_keystore(key_of(kKey), "pw", ScryptParams{2, 1, 1})).value();
    sc["crypto"]["kdfparams"]["n"] = 1000;  // not a power of two
    CHECK(error_of(sc) == KeystoreError::kBadParams);
    sc["crypto"]["kdfparams"]["n"] = uint64_t{1} << 24;  // 256 GiB of memory with r=128
    sc["crypto"]["kdfparams"]["r"] = 128;
    CHECK(error_of(sc) == KeystoreError::kBadParams);
    CHECK(encrypt_keystore(key_of(kKey), "pw", ScryptParams{4096, 8, 65}).error() == KeystoreError::kBadParams);
  }
  SECTION("kWrongPassword") {
    CHECK(error_of(ks, "pW") == KeystoreError::kWrongPassword);
    ks["crypto"]["ciphertext"] = "00" + ks["crypto"]["ciphertext"].get<std::string>().substr(2);
    CHECK(error_of(ks) == KeystoreError::kWrongPassword);
  }
  SECTION("kBadKey") {
    // CTR mode: ciphertext XOR key XOR 0 decrypts to the zero key; re-MAC it.
    core::Bytes ct = unhex(ks["crypto"]["ciphertext"]);
    const core::Bytes k = unhex(kKey);
    for (size_t i = 0; i < 32; ++i) ct[i] ^= k[i];
    std::array<uint8_t, 32> dk{};
    const auto salt = unhex(ks["crypto"]["kdfparams"]["salt"]);
    REQUIRE(derive_key(dk, "pw", salt, Pbkdf2Params{2}));
    core::Bytes body(dk.begin() + 16, dk.end());
    core::append(body, ct);
    ks["crypto"]["ciphertext"] = core::to_hex(ct).substr(2);
    ks["crypto"]["mac"] = core::to_hex(core::keccak256(body)).substr(2);
    ks.erase("address");
    CHECK(error_of(ks) == KeystoreError::kBadKey);
  }
  SECTION("kAddressMismatch") {
    ks["address"] = "cd2a3d9f938e13cd947ec05abc7fe734df8dd826";
    CHECK(error_of(ks) == KeystoreError::kAddressMismatch);
  }
  SECTION("kCrypto is only reachable on library failure; it describes itself") {
    for (auto e : {KeystoreError::kBadJson, KeystoreError::kUnsupportedVersion, KeystoreError::kUnsupportedKdf,
                   KeystoreError::kUnsupportedCipher, KeystoreError::kBadParams, KeystoreError::kWrongPassword,
                   KeystoreError::kBadKey, KeystoreError::kAddressMismatch, KeystoreError::kCrypto})
      CHECK_FALSE(describe(e).empty());
  }
}

TEST_CASE("geth's keystore file name", "[signer][keystore]") {
  using namespace std::chrono;
  const auto t = sys_days{year{2024} / 3 / 9} + hours{7} + minutes{5} + seconds{4} + nanoseconds{12345};
  const Address a = address_of(key_of(kKey));
  CHECK(keystore_file_name(a, time_point_cast<system_clock::duration>(t)) ==
        "UTC--2024-03-09T07-05-04.000012345Z--008aeeda4d805471df9b2a5b0f38a0c3bcba786b");
}
