#pragma once
// EIP-712 typed structured data in the eth_signTypedData_v4 JSON form:
//   {"types": {"EIP712Domain": [...], "<Struct>": [{"name", "type"}, ...]},
//    "primaryType": "<Struct>", "domain": {...}, "message": {...}}
// encodeType / typeHash / encodeData / hashStruct, the domain separator, the
// signing digest keccak256(0x1901 || domainSeparator || hashStruct(message))
// and the 65-byte r || s || v signature.
//
// Strict by design (every check names the offending field's path, e.g.
// "message.to[1].wallet"):
// - types: atomic types are the canonical Solidity names (uint8..uint256 in
//   steps of 8, int8..int256, bytes1..bytes32, bool, address, bytes, string);
//   the aliases `uint`/`int` are unknown types. A struct may not reference
//   itself, directly or through other structs or arrays (ethers rejects these
//   too). Unused struct types are allowed (MetaMask and viem accept them).
// - values: integers are decimal strings (no leading zeros), "0x" hex strings
//   or JSON integers, with a leading '-' allowed for intN; they are checked
//   against the type's range. bool is a JSON boolean; address is "0x" + 40
//   hex digits (mixed case must be a valid EIP-55 checksum); bytes/bytesN are
//   "0x" hex (bytesN exactly N bytes); string is a JSON string.
// - a field the type declares but the value lacks is an error (kMissingField);
//   a field the value has but the type does not declare is an error too
//   (kUnknownField). Note: ethers 6 and viem silently ignore such extra
//   message fields (they are then not covered by the signature); perpx
//   refuses them so that nothing a user sees in the document goes unsigned.
//   ethers itself rejects unknown keys in the domain, as perpx does.
// - domain: when `types` has no EIP712Domain, its type is inferred from the
//   domain object's (non-null) fields in the canonical order name, version,
//   chainId, verifyingContract, salt, as ethers does; other keys are errors.
// - primaryType "EIP712Domain" signs the domain alone:
//   keccak256(0x1901 || domainSeparator) (MetaMask and viem behaviour).
//
// Everything here is pure, allocates, and may be called from any thread.
#include <array>
#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/core/bytes.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::signer::eip712 {

using core::Bytes;
using core::Hash32;
using core::Json;

enum class [[nodiscard]] Eip712Error {
  kBadDocument,   // not JSON, or the top level / `types` does not have the v4 shape
  kBadTypes,      // a struct or field name that is not an identifier, a duplicate field, a struct named like an atomic type
  kUnknownType,   // a field type (or primaryType) that is neither atomic nor a struct in `types`
  kCyclicType,    // a struct that references itself
  kMissingField,  // a value lacks a field its type declares
  kUnknownField,  // a value has a field its type does not declare
  kBadValue,      // a value of the wrong JSON kind or malformed (bad hex, bad checksum)
  kOutOfRange,    // an integer outside its intN/uintN range
  kWrongLength,   // bytesN not N bytes, or a fixed-size array of another length
};
std::string_view describe(Eip712Error e) noexcept;

struct TypedDataError {
  Eip712Error error = Eip712Error::kBadDocument;
  std::string path;    // where: "message.from.wallet", "types.Mail[2].type", "primaryType"
  std::string detail;  // what was expected or found; never key material
};
// "<path>: <describe(error)>[: <detail>]"
std::string to_string(const TypedDataError& e);

// A validated `types` object: every field type resolves, no struct is cyclic.
class Types {
 public:
  struct Field {
    std::string name;
    std::string type;
  };

  static std::expected<Types, TypedDataError> from_json(const Json& types);

  [[nodiscard]] bool has_struct(std::string_view name) const { return structs_.find(name) != structs_.end(); }

  // "Mail(Person from,Person to,string contents)Person(string name,address wallet)":
  // the struct, then every struct it references (transitively), sorted by name.
  std::expected<std::string, TypedDataError> encode_type(std::string_view name) const;
  std::expected<Hash32, TypedDataError> type_hash(std::string_view name) const;

  // typeHash || enc(field 1) || ... (32 bytes per field). `path` prefixes errors.
  std::expected<Bytes, TypedDataError> encode_data(std::string_view name, const Json& value, std::string_view path) const;
  std::expected<Hash32, TypedDataError> hash_struct(std::string_view name, const Json& value, std::string_view path) const;

  // Adds a struct; used to install the inferred EIP712Domain. Fields must be valid.
  void add_struct(std::string name, std::vector<Field> fields) { structs_[std::move(name)] = std::move(fields); }

 private:
  std::expected<void, TypedDataError> encode_value(Bytes& out, std::string_view type, const Json& value,
                                                   const std::string& path) const;
  void collect_deps(std::string_view name, std::vector<std::string>& out) const;

  std::map<std::string, std::vector<Field>, std::less<>> structs_;
};

struct TypedDataHashes {
  Hash32 domain_separator;
  Hash32 message_hash;  // zero when primaryType is EIP712Domain
  Hash32 digest;        // what is signed
};

// Parses and hashes a whole eth_signTypedData_v4 document.
std::expected<TypedDataHashes, TypedDataError> hash_typed_data(const Json& doc);
std::expected<TypedDataHashes, TypedDataError> hash_typed_data(std::string_view json_text);

// r || s || v (v = 27/28) over the document's digest.
std::expected<std::array<uint8_t, 65>, TypedDataError> sign_typed_data(const SecretKey& key, const Json& doc);

}  // namespace perpx::signer::eip712
