// EIP-712: the EIP's Mail example and eth-sig-util's array example (tests/vectors/eip712),
// encoding rules checked piece by piece, and one negative test per Eip712Error.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/eip712.hpp"

using namespace perpx;
using namespace perpx::signer::eip712;

namespace {

core::Json load(const std::string& name) {
  std::ifstream in(std::string(PERPX_VECTORS_DIR) + "/eip712/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = core::parse_json(ss.str());
  REQUIRE(j);
  return *j;
}

std::string hex(const core::Hash32& h) { return core::to_hex(h); }

Types types_of(const core::Json& doc) {
  auto t = Types::from_json(doc.at("types"));
  REQUIRE(t);
  return *t;
}

// The error a document fails with (the test fails if it succeeds).
TypedDataError error_of(const std::string& json) {
  auto r = hash_typed_data(std::string_view(json));
  REQUIRE_FALSE(r);
  return r.error();
}

// A one-struct document around `fields` and `message`, domain inferred.
std::string doc_with(const std::string& fields, const std::string& message) {
  return R"({"types":{"T":[)" + fields + R"(]},"primaryType":"T","domain":{"name":"x"},"message":)" + message + "}";
}

std::string digest_of(const std::string& json) {
  auto r = hash_typed_data(std::string_view(json));
  REQUIRE(r);
  return hex(r->digest);
}

}  // namespace

TEST_CASE("EIP-712 Mail example, step by step", "[signer][eip712]") {
  const core::Json doc = load("mail.json");
  const core::Json want = load("mail.expected.json");
  const Types types = types_of(doc);
  CHECK(types.encode_type("Mail").value() == want["encodeType"]);
  CHECK(hex(types.type_hash("Mail").value()) == want["typeHash"]);
  CHECK(core::to_hex(types.encode_data("Mail", doc["message"], "message").value()) == want["encodeData"]);
  CHECK(hex(types.hash_struct("Mail", doc["message"], "message").value()) == want["hashStruct"]);
  CHECK(hex(types.hash_struct("EIP712Domain", doc["domain"], "domain").value()) == want["domainSeparator"]);

  const auto h = hash_typed_data(doc);
  REQUIRE(h);
  CHECK(hex(h->domain_separator) == want["domainSeparator"]);
  CHECK(hex(h->message_hash) == want["hashStruct"]);
  CHECK(hex(h->digest) == want["digest"]);

  auto key = signer::SecretKey::from_hex(want["privateKey"].get<std::string>());
  REQUIRE(key);
  CHECK(core::to_hex(signer::address_of(*key).view()) == want["address"]);
  const auto sig = sign_typed_data(*key, doc);
  REQUIRE(sig);
  CHECK(core::to_hex(core::ByteView(*sig).subspan(0, 32)) == want["r"]);
  CHECK(core::to_hex(core::ByteView(*sig).subspan(32, 32)) == want["s"]);
  CHECK(int{(*sig)[64]} == want["v"].get<int>());
  const auto parsed = signer::from_rsv(*sig);
  REQUIRE(parsed);
  CHECK(signer::recover_address(h->digest, *parsed).value() == signer::address_of(*key));
}

TEST_CASE("eth-sig-util v4 example: arrays of structs and of addresses", "[signer][eip712]") {
  const core::Json doc = load("arrays.json");
  const core::Json want = load("arrays.expected.json");
  const Types types = types_of(doc);
  CHECK(hex(types.type_hash("Person").value()) == want["typeHashPerson"]);
  CHECK(hex(types.type_hash("Mail").value()) == want["typeHashMail"]);
  CHECK(hex(types.hash_struct("Person", doc["message"]["from"], "from").value()) == want["hashStructFrom"]);
  CHECK(hex(types.hash_struct("Person", doc["message"]["to"][0], "to").value()) == want["hashStructTo0"]);
  const auto h = hash_typed_data(doc);
  REQUIRE(h);
  CHECK(hex(h->message_hash) == want["hashStruct"]);
  CHECK(hex(h->domain_separator) == want["domainSeparator"]);
  CHECK(hex(h->digest) == want["digest"]);
  auto key = signer::SecretKey::from_hex(want["privateKey"].get<std::string>());
  REQUIRE(key);
  CHECK(core::to_hex(sign_typed_data(*key, doc).value()) == want["signature"]);
}

TEST_CASE("encodeType lists referenced structs once, sorted by name", "[signer][eip712]") {
  auto types = Types::from_json(core::parse_json(R"({
    "Zed": [{"name":"b","type":"Beta"},{"name":"a","type":"Alpha[2][]"},{"name":"b2","type":"Beta[]"}],
    "Beta": [{"name":"g","type":"Gamma"},{"name":"a","type":"Alpha"}],
    "Alpha": [{"name":"x","type":"uint8"}],
    "Gamma": [],
    "Unused": [{"name":"s","type":"string"}]})").value());
  REQUIRE(types);
  CHECK(types->encode_type("Zed").value() ==
        "Zed(Beta b,Alpha[2][] a,Beta[] b2)Alpha(uint8 x)Beta(Gamma g,Alpha a)Gamma()");
  CHECK(types->encode_type("Beta").value() == "Beta(Gamma g,Alpha a)Alpha(uint8 x)Gamma()");
  CHECK(types->encode_type("Gamma").value() == "Gamma()");
}

TEST_CASE("atomic values encode as 32-byte words", "[signer][eip712]") {
  auto types = Types::from_json(core::parse_json(R"({"T":[
    {"name":"i","type":"int8"},{"name":"u","type":"uint16"},{"name":"b","type":"bool"},
    {"name":"f","type":"bytes3"},{"name":"a","type":"address"}]})").value());
  REQUIRE(types);
  const auto msg = core::parse_json(R"({"i":-128,"u":"0xffff","b":true,"f":"0x010203",
    "a":"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826"})").value();
  const auto enc = types->encode_data("T", msg, "message");
  REQUIRE(enc);
  const std::string h = core::to_hex(*enc).substr(2);
  REQUIRE(h.size() == 64 * 6);
  CHECK(h.substr(64, 64) == std::string(62, 'f') + "80");              // int8 -128, two's complement
  CHECK(h.substr(128, 64) == std::string(60, '0') + "ffff");           // uint16 max
  CHECK(h.substr(192, 64) == std::string(63, '0') + "1");              // true
  CHECK(h.substr(256, 64) == "010203" + std::string(58, '0'));         // bytesN right-padded
  CHECK(h.substr(320, 64) == std::string(24, '0') + "cd2a3d9f938e13cd947ec05abc7fe734df8dd826");
}

TEST_CASE("integer forms and ranges", "[signer][eip712]") {
  const std::string f = R"({"name":"v","type":"int256"})";
  // Decimal, hex, JSON numbers and big literals (kept exact by parse_json) agree.
  CHECK(digest_of(doc_with(f, R"({"v":"-1"})")) == digest_of(doc_with(f, R"({"v":-1})")));
  CHECK(digest_of(doc_with(f, R"({"v":"255"})")) == digest_of(doc_with(f, R"({"v":"0xff"})")));
  CHECK(digest_of(doc_with(f, R"({"v":"-0x10"})")) == digest_of(doc_with(f, R"({"v":-16})")));
  CHECK(digest_of(doc_with(f, R"({"v":"100000000000000000000000"})")) ==
        digest_of(doc_with(f, R"({"v":100000000000000000000000})")));
  CHECK(digest_of(doc_with(f, R"({"v":"-0"})")) == digest_of(doc_with(f, R"({"v":0})")));
  // Bounds: int256 min/max fit; one beyond does not.
  const std::string max = "57896044618658097711785492504343953926634992332820282019728792003956564819967";
  const std::string min = "-57896044618658097711785492504343953926634992332820282019728792003956564819968";
  CHECK(hash_typed_data(std::string_view(doc_with(f, R"({"v":")" + max + "\"}"))));
  CHECK(hash_typed_data(std::string_view(doc_with(f, R"({"v":")" + min + "\"}"))));
  CHECK(error_of(doc_with(f, R"({"v":"57896044618658097711785492504343953926634992332820282019728792003956564819968"})")).error ==
        Eip712Error::kOutOfRange);
  const std::string u8 = R"({"name":"v","type":"uint8"})";
  CHECK(hash_typed_data(std::string_view(doc_with(u8, R"({"v":255})"))));
  CHECK(error_of(doc_with(u8, R"({"v":256})")).error == Eip712Error::kOutOfRange);
  CHECK(error_of(doc_with(u8, R"({"v":"-1"})")).error == Eip712Error::kOutOfRange);
  CHECK(error_of(doc_with(u8, R"({"v":"0x10000000000000000000000000000000000000000000000000000000000000000"})")).error ==
        Eip712Error::kOutOfRange);
  CHECK(error_of(doc_with(u8, R"({"v":1.5})")).error == Eip712Error::kBadValue);
  CHECK(error_of(doc_with(u8, R"({"v":"012"})")).error == Eip712Error::kBadValue);
}

TEST_CASE("domain type is inferred in canonical order when EIP712Domain is absent", "[signer][eip712]") {
  core::Json doc = load("mail.json");
  const std::string with_type = digest_of(doc.dump());
  doc["types"].erase("EIP712Domain");
  // Key order in the domain object does not matter; null fields are skipped (as ethers).
  doc["domain"] = core::parse_json(R"({"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
    "chainId":1,"salt":null,"version":"1","name":"Ether Mail"})").value();
  CHECK(digest_of(doc.dump()) == with_type);
  CHECK(digest_of(doc.dump()) == load("mail.expected.json")["digest"]);
}

TEST_CASE("primaryType EIP712Domain signs the domain alone", "[signer][eip712]") {
  core::Json doc = load("mail.json");
  const auto full = hash_typed_data(doc);
  REQUIRE(full);
  doc["primaryType"] = "EIP712Domain";
  doc.erase("message");
  const auto h = hash_typed_data(doc);
  REQUIRE(h);
  core::Bytes pre{0x19, 0x01};
  core::append(pre, full->domain_separator.view());
  CHECK(h->digest == core::keccak256(pre));
}

TEST_CASE("errors name the field path, one per Eip712Error", "[signer][eip712]") {
  const std::string person = R"({"name":"name","type":"string"},{"name":"wallet","type":"address"})";
  SECTION("kBadDocument") {
    CHECK(error_of("[1,2]").error == Eip712Error::kBadDocument);
    CHECK(error_of("{").error == Eip712Error::kBadDocument);
    const auto e = error_of(R"({"types":{"T":{}},"primaryType":"T","domain":{},"message":{}})");
    CHECK(e.error == Eip712Error::kBadDocument);
    CHECK(e.path == "types.T");
  }
  SECTION("kBadTypes") {
    auto e = error_of(R"({"types":{"T":[{"name":"a","type":"bool"},{"name":"a","type":"bool"}]},"primaryType":"T","domain":{},"message":{}})");
    CHECK(e.error == Eip712Error::kBadTypes);
    CHECK(e.path == "types.T[1].name");
    CHECK(error_of(R"({"types":{"uint8":[]},"primaryType":"uint8","domain":{},"message":{}})").error == Eip712Error::kBadTypes);
    CHECK(error_of(R"({"types":{"A B":[]},"primaryType":"A B","domain":{},"message":{}})").error == Eip712Error::kBadTypes);
  }
  SECTION("kUnknownType") {
    for (const char* t : {"Persona", "uint", "uint7", "uint264", "bytes0", "bytes33", "int08", "Person[0]", "Person[x]", "[]"}) {
      const auto e = error_of(R"({"types":{"Person":[)" + person + R"(],"T":[{"name":"p","type":")" + t +
                              R"("}]},"primaryType":"T","domain":{},"message":{}})");
      CHECK(e.error == Eip712Error::kUnknownType);
      CHECK(e.path == "types.T[0].type");
    }
    const auto e = error_of(R"({"types":{"T":[]},"primaryType":"Nope","domain":{},"message":{}})");
    CHECK(e.error == Eip712Error::kUnknownType);
    CHECK(e.path == "primaryType");
  }
  SECTION("kCyclicType") {
    const auto e = error_of(load("recursive.json").dump());
    CHECK(e.error == Eip712Error::kCyclicType);
    CHECK(e.path == "types.Person");
    CHECK(error_of(R"({"types":{"A":[{"name":"b","type":"B[]"}],"B":[{"name":"a","type":"A[2]"}]},"primaryType":"A","domain":{},"message":{}})")
              .error == Eip712Error::kCyclicType);
  }
  SECTION("kMissingField") {
    core::Json doc = load("mail.json");
    doc["message"]["to"].erase("wallet");
    const auto e = error_of(doc.dump());
    CHECK(e.error == Eip712Error::kMissingField);
    CHECK(e.path == "message.to.wallet");
    CHECK(error_of(R"({"types":{"T":[]},"primaryType":"T","domain":{}})").path == "message");
  }
  SECTION("kUnknownField") {
    core::Json doc = load("mail.json");
    doc["message"]["from"]["nickname"] = "Moo";  // ethers ignores this; perpx refuses it
    auto e = error_of(doc.dump());
    CHECK(e.error == Eip712Error::kUnknownField);
    CHECK(e.path == "message.from.nickname");
    doc = load("mail.json");
    doc["types"].erase("EIP712Domain");
    doc["domain"]["httpOrigin"] = "https://ether-mail.eth";
    e = error_of(doc.dump());
    CHECK(e.error == Eip712Error::kUnknownField);
    CHECK(e.path == "domain.httpOrigin");
  }
  SECTION("kBadValue") {
    core::Json doc = load("arrays.json");
    doc["message"]["to"][0]["wallets"][1] = "0xB0BdaBea57B0BDABeA57b0bdABEA57b0BDabEa58";  // checksum broken
    const auto e = error_of(doc.dump());
    CHECK(e.error == Eip712Error::kBadValue);
    CHECK(e.path == "message.to[0].wallets[1]");
    CHECK(error_of(doc_with(R"({"name":"v","type":"bool"})", R"({"v":"true"})")).error == Eip712Error::kBadValue);
    CHECK(error_of(doc_with(R"({"name":"v","type":"bytes"})", R"({"v":"0x123"})")).error == Eip712Error::kBadValue);
    CHECK(error_of(doc_with(R"({"name":"v","type":"string"})", R"({"v":7})")).error == Eip712Error::kBadValue);
    CHECK(error_of(doc_with(R"({"name":"v","type":"uint8[]"})", R"({"v":{}})")).error == Eip712Error::kBadValue);
  }
  SECTION("kOutOfRange") {
    const auto e = error_of(doc_with(R"({"name":"v","type":"int8[2]"})", R"({"v":[1,-129]})"));
    CHECK(e.error == Eip712Error::kOutOfRange);
    CHECK(e.path == "message.v[1]");
  }
  SECTION("kWrongLength") {
    auto e = error_of(doc_with(R"({"name":"v","type":"bytes4"})", R"({"v":"0x010203"})"));
    CHECK(e.error == Eip712Error::kWrongLength);
    CHECK(e.path == "message.v");
    e = error_of(doc_with(R"({"name":"v","type":"uint8[2][3]"})", R"({"v":[[1,2],[3,4],[5]]})"));
    CHECK(e.error == Eip712Error::kWrongLength);
    CHECK(e.path == "message.v[2]");
  }
  SECTION("describe and to_string") {
    for (auto e : {Eip712Error::kBadDocument, Eip712Error::kBadTypes, Eip712Error::kUnknownType, Eip712Error::kCyclicType,
                   Eip712Error::kMissingField, Eip712Error::kUnknownField, Eip712Error::kBadValue,
                   Eip712Error::kOutOfRange, Eip712Error::kWrongLength})
      CHECK_FALSE(describe(e).empty());
    CHECK(to_string(TypedDataError{Eip712Error::kMissingField, "message.to", "Person"}) == "message.to: missing field: Person");
  }
}

TEST_CASE("nested and fixed arrays hash element encodings", "[signer][eip712]") {
  // uint8[2][] of [[1,2],[3,4]]: keccak(keccak(w1||w2) || keccak(w3||w4)).
  auto word = [](uint8_t v) { core::Bytes w(32, 0); w[31] = v; return w; };
  auto cat = [](core::Bytes a, const core::Bytes& b) { core::append(a, b); return a; };
  const core::Hash32 inner1 = core::keccak256(cat(word(1), word(2)));
  const core::Hash32 inner2 = core::keccak256(cat(word(3), word(4)));
  core::Bytes outer;
  core::append(outer, inner1.view());
  core::append(outer, inner2.view());
  const core::Hash32 expected = core::keccak256(outer);
  auto types = Types::from_json(core::parse_json(R"({"T":[{"name":"m","type":"uint8[2][]"}]})").value());
  REQUIRE(types);
  const auto enc = types->encode_data("T", core::parse_json(R"({"m":[[1,2],[3,4]]})").value(), "message");
  REQUIRE(enc);
  CHECK(core::to_hex(core::ByteView(*enc).subspan(32)) == core::to_hex(expected));
  // Empty dynamic array: keccak of nothing.
  const auto empty = types->encode_data("T", core::parse_json(R"({"m":[]})").value(), "message");
  REQUIRE(empty);
  CHECK(core::to_hex(core::ByteView(*empty).subspan(32)) == core::to_hex(core::keccak256({})));
}
