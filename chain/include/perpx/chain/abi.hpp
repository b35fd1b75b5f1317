#pragma once
// The Solidity contract ABI (docs.soliditylang.org, "Contract ABI
// Specification"): types, signatures, JSON fragments, and a strict codec.
//
// One recursive type descriptor (AbiType), one encoder and one decoder that
// walk it. Values cross the generic API as core::Json in the conventions of
// shared/CLI.md:
//   in:  uintN/intN  decimal string ("-5" for intN), "0x" hex string (a
//                    non-negative magnitude; "-0x5" is -5), or JSON integer;
//        address     "0x" + 40 hex digits (mixed case must be EIP-55);
//        bool        JSON true/false;  string  JSON string;
//        bytes/bytesN "0x" hex (bytesN: exactly N bytes);
//        T[k], T[], tuples: JSON arrays, positional.
//   out: integers as canonical decimal strings, bools as JSON bools,
//        addresses EIP-55, bytes/bytesN lowercase "0x" hex, strings as
//        strings, arrays and tuples as positional JSON arrays.
// A decoded string that is not valid UTF-8 is an error (kInvalidUtf8), as in
// ethers' default; JSON output can then always be dumped strictly.
//
// Decoding is strict: a value whose padding or high bits are not clean
// (uintN, intN not sign-extended, address, bool not 0/1, bytesN, the padding
// after bytes/string data) is an error, never truncated. Offsets and lengths
// must lie inside the data. Bytes after the last value are ignored (as in
// Solidity and ethers). Offsets may alias, but decoding reads at most
// 4 * data.size() + 4096 bytes in total (kDataInflation), so crafted input
// cannot blow up time or memory.
//
// Signatures (parse_signature) take canonical and human-readable forms:
//   "f(uint256,(address,bytes)[])"          canonical
//   "function transfer(address to, uint amount) external returns (bool)"
//   "balanceOf(address)(uint256)"           outputs in second parens (cast)
//   "event Transfer(address indexed from, address indexed to, uint256 value)"
//   "(uint256,address)"                     no name: a bare type list
// Aliases uint/int normalise to uint256/int256; "tuple(...)" is accepted for
// "(...)"; parameter names, data locations (memory/calldata/storage) and
// modifiers (external, view, payable, ...) are skipped. A leading keyword
// function/event/error sets the fragment kind, otherwise the caller's default
// applies. An event signature in which no parameter says `indexed` has
// unknown indexing (indexed_known = false): decode_log then takes the first
// topics.size()-1 parameters (topics.size() for anonymous) as indexed.
//
// Error paths: "arg i" (encode), "value i" (decode), "param <name|i>" and
// "topic i" (decode_log), then "[j]" for an array element and ".j" for a tuple
// component, all 0-based: "arg 1[2].0: value does not fit uint8". Fragment
// errors name the JSON field ("inputs[1].components[0].type"); signature
// errors have an empty path and give the column.
//
// Every function may be called from any thread. encode_call and decode_log
// keep, per thread, what they derive from a fragment (its selector or topic0,
// its parameter keys) for the last few fragments seen; an entry is matched by
// value (name, inputs, anonymous, indexed_known), so a changed fragment is
// never served a stale entry. The generic (Json) functions allocate (the
// returned values; no scratch per call once a fragment is cached); the
// append_* word encoders do not allocate when `out` has the capacity (reserve
// call_length() once).
#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/core/bytes.hpp"
#include "perpx/core/json.hpp"
#include "perpx/core/u256.hpp"

namespace perpx::chain {

enum class [[nodiscard]] AbiErrc : uint8_t {
  kBadSignature,   // a signature does not parse
  kBadType,        // unknown type or width, zero/oversized array, nesting too deep
  kBadFragment,    // a JSON ABI fragment has a missing or malformed field
  kBadValue,       // an input value has the wrong JSON kind or malformed text
  kOutOfRange,     // an integer does not fit its uintN/intN
  kWrongLength,    // bytesN, fixed array, tuple or argument count mismatch
  kDataTooShort,   // the data ends inside a value
  kBadOffset,      // an offset points outside the data
  kBadLength,      // a length prefix is larger than the data can hold
  kDirtyBits,      // non-zero padding or high bits, bool other than 0/1
  kInvalidUtf8,    // a decoded string is not valid UTF-8
  kDataInflation,  // aliased offsets would read far more than the data holds
  kTopicCount,     // the number of topics does not fit the event
  kTopicMismatch,  // topic0 is not the event's signature hash
};

std::string_view describe(AbiErrc e) noexcept;

struct AbiError {
  AbiErrc code = AbiErrc::kBadValue;
  std::string path;     // where, see above; may be empty
  std::string message;  // what, specifically: "value does not fit uint8"
};

// "path: message" (or the message alone when there is no path).
std::string describe(const AbiError& e);

// ---- types ------------------------------------------------------------------

struct AbiType {
  enum class Kind : uint8_t { kUint, kInt, kAddress, kBool, kFixedBytes, kBytes, kString, kFixedArray, kArray, kTuple };
  Kind kind = Kind::kUint;
  // Bits for kUint/kInt (8..256), bytes for kFixedBytes (1..32), the length
  // for kFixedArray (>= 1); 0 otherwise.
  uint32_t size = 256;
  // The element type (one, for arrays) or the components (tuples).
  std::vector<AbiType> children;

  friend bool operator==(const AbiType&, const AbiType&) = default;
};

struct AbiParam {
  std::string name;  // may be empty
  AbiType type;
  bool indexed = false;  // events only
};

enum class AbiKind : uint8_t { kFunction, kEvent, kError };

struct AbiFragment {
  AbiKind kind = AbiKind::kFunction;
  std::string name;  // empty for a bare type list "(uint256,bool)"
  std::vector<AbiParam> inputs;
  std::vector<AbiParam> outputs;
  bool anonymous = false;      // events: no topic0
  bool indexed_known = true;   // false: an event signature without `indexed` words
  bool has_outputs = false;    // a returns clause / "outputs" key was present
};

// Limits that keep hostile type strings cheap: nesting of tuples and array
// dimensions, and the head size of any static type.
inline constexpr size_t kAbiMaxDepth = 32;
inline constexpr size_t kAbiMaxStaticSize = size_t{1} << 24;

// A single type: "uint256", "(address,bytes)[2][]", "uint" (-> uint256).
std::expected<AbiType, AbiError> parse_type(std::string_view text);
// A signature in any of the forms above; `kind` unless a keyword says otherwise.
std::expected<AbiFragment, AbiError> parse_signature(std::string_view text, AbiKind kind = AbiKind::kFunction);
// One solc JSON ABI entry of type function (the default), event or error.
std::expected<AbiFragment, AbiError> parse_fragment(const core::Json& j);

// "uint256", "(address,bytes)[]".
std::string canonical_type(const AbiType& t);
// "name(type,type,...)" over the inputs; this is what selectors and topics hash.
std::string canonical_signature(const AbiFragment& f);

bool is_dynamic(const AbiType& t) noexcept;
// Bytes the type takes in the head of its enclosing tuple: 32 if dynamic.
size_t head_size(const AbiType& t) noexcept;

using Selector = std::array<uint8_t, 4>;
// First 4 bytes of keccak256(canonical signature).
Selector selector(std::string_view canonical) noexcept;
Selector selector(const AbiFragment& f);
// topic0 of a (non-anonymous) event: keccak256(canonical signature).
core::Hash32 event_topic(const AbiFragment& f);

// ---- generic codec (Json values; allocates) ---------------------------------

// Appends the encoding of `values` (a JSON array, one entry per param) as a
// tuple of the params' types. On error `out` holds a partial encoding.
std::expected<void, AbiError> encode(core::Bytes& out, std::span<const AbiParam> params, const core::Json& values);
// Selector of f (none when f has no name) followed by encode(f.inputs, args).
std::expected<void, AbiError> encode_call(core::Bytes& out, const AbiFragment& f, const core::Json& args);

// Decodes `data` as a tuple of the params' types into a JSON array.
std::expected<core::Json, AbiError> decode(std::span<const AbiParam> params, core::ByteView data);

// Decodes an event log into {name: value} in parameter order; an unnamed
// parameter is keyed by its position ("0", "1", ...). Indexed value types
// (uintN, intN, address, bool, bytesN) decode from their topic; any other
// indexed type (string, bytes, arrays, tuples) is hashed by Solidity, so it
// decodes to its topic as "0x" hex. Checks the topic count and, unless the
// event is anonymous, that topic0 == event_topic(event).
std::expected<core::Json, AbiError> decode_log(const AbiFragment& event, std::span<const core::Hash32> topics,
                                               core::ByteView data);

// ---- hot path: static words into a caller's buffer --------------------------
// For fixed layouts known at compile time (a venue order: selector then
// static words). The caller guarantees ranges (e.g. a uint64 field passed as
// U256). Each appends exactly its size and does not allocate when `out` has
// the capacity.

inline constexpr size_t kAbiWord = 32;
// Bytes of a call with `words` static words after the selector.
constexpr size_t call_length(size_t words) noexcept { return 4 + kAbiWord * words; }

void append_selector(core::Bytes& out, const Selector& s);
void append_uint(core::Bytes& out, const core::U256& v);
void append_int(core::Bytes& out, int64_t v);  // sign-extended to 32 bytes
void append_address(core::Bytes& out, const core::Address& a);
void append_bool(core::Bytes& out, bool b);
// bytesN: the bytes left-aligned, zero-padded on the right; b.size() <= 32.
void append_fixed_bytes(core::Bytes& out, core::ByteView b);

}  // namespace perpx::chain
