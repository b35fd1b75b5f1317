// The ABI codec (chain/abi.hpp) on bytes a node returns: eth_call outputs,
// calldata, event logs; and the signature parser on text a user types.
//
// Input: either a byte below 0x20 choosing one of the signatures below, or a
// signature line ending in '\n'; the rest is the data. Invariants: a decoded
// value re-encodes, and the re-encoding decodes to the same value (decoding
// tolerates aliased offsets and trailing bytes, so the bytes may differ);
// a parsed signature's canonical form parses to the same canonical form.
#include <array>
#include <vector>

#include "fuzz_check.hpp"
#include "perpx/chain/abi.hpp"
#include "perpx/chain/rpc.hpp"

namespace chain = perpx::chain;
using perpx::core::Bytes;
using perpx::core::ByteView;
using perpx::core::Hash32;

namespace {

constexpr std::array<const char*, 12> kSignatures = {
    "f(uint256)",
    "f(uint8,int8,int256,bool,address)",
    "f(bytes,string)",
    "f(bytes32,bytes1,bytes17)",
    "f(uint256[],string[])",
    "f((address,bytes)[2][])",
    "f((uint256,(string,bool[])),int64[3])",
    "latestRoundData()(uint80,int256,uint256,uint256,uint80)",
    "event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
    "event PriceFeedUpdate(bytes32 indexed id, uint64 publishTime, int64 price, uint64 conf)",
    "event Transfer(address indexed from, address indexed to, uint256 value)",
    "event Note(string indexed tag, bytes data, (uint8,string) anonymousTuple)",
};

void check_round_trip(std::span<const chain::AbiParam> params, ByteView data) {
  auto decoded = chain::decode(params, data);
  if (!decoded) {
    (void)chain::describe(decoded.error());
    return;
  }
  (void)decoded->dump();  // strict UTF-8: the decoder promises dumpable output
  Bytes again;
  auto enc = chain::encode(again, params, *decoded);
  FUZZ_CHECK(enc.has_value());
  auto redecoded = chain::decode(params, again);
  FUZZ_CHECK(redecoded.has_value());
  FUZZ_CHECK(*redecoded == *decoded);
  // Encoding is a function of the value: the same value encodes the same.
  Bytes third;
  FUZZ_CHECK(chain::encode(third, params, *redecoded).has_value());
  FUZZ_CHECK(third == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  (void)chain::decode_revert_reason(perpx::fuzz::bytes_of(data, size));  // revert data from eth_call
  std::string_view sig;
  ByteView rest;
  if (data[0] < 0x20) {
    sig = kSignatures[data[0] % kSignatures.size()];
    rest = ByteView(data + 1, size - 1);
  } else {
    const std::string_view text = perpx::fuzz::text_of(data, size);
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      // A type or signature alone.
      if (auto t = chain::parse_type(text)) {
        const std::string canon = chain::canonical_type(*t);
        auto t2 = chain::parse_type(canon);
        FUZZ_CHECK(t2.has_value());
        FUZZ_CHECK(*t2 == *t);
        (void)chain::is_dynamic(*t);
        (void)chain::head_size(*t);
      }
      return 0;
    }
    sig = text.substr(0, nl);
    rest = ByteView(data + nl + 1, size - nl - 1);
  }
  auto kind = sig.starts_with("event") ? chain::AbiKind::kEvent : chain::AbiKind::kFunction;
  auto f = chain::parse_signature(sig, kind);
  if (!f) return 0;
  const std::string canon = chain::canonical_signature(*f);
  auto f2 = chain::parse_signature(canon, f->kind);
  FUZZ_CHECK(f2.has_value());
  FUZZ_CHECK(chain::canonical_signature(*f2) == canon);

  if (f->kind == chain::AbiKind::kEvent) {
    // rest: a topic count (0..4), the topics, then the data.
    if (rest.empty()) return 0;
    const size_t n = rest[0] % 5;
    rest = rest.subspan(1);
    std::vector<Hash32> topics;
    for (size_t i = 0; i < n && rest.size() >= 32; ++i) {
      Hash32 t;
      std::copy_n(rest.begin(), 32, t.bytes.begin());
      topics.push_back(t);
      rest = rest.subspan(32);
    }
    // Half the time topic0 is the real one, so decoding gets past the check.
    if (!topics.empty() && !f->anonymous && (n & 1) != 0) topics[0] = chain::event_topic(*f);
    auto log = chain::decode_log(*f, topics, rest);
    if (log) (void)log->dump();
    else (void)chain::describe(log.error());
    return 0;
  }
  check_round_trip(f->inputs, rest);
  if (f->has_outputs) check_round_trip(f->outputs, rest);
  return 0;
}
