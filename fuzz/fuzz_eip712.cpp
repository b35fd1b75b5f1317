// EIP-712 typed data (signer::hash_typed_data): a document a dapp or a user
// hands us to sign. The hash is a function of the document's content, so
// re-serialising an accepted document must give the same hashes, and an
// error must name a path and never crash.
#include "fuzz_check.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/eip712.hpp"

namespace eip712 = perpx::signer::eip712;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = perpx::fuzz::text_of(data, size);
  auto h = eip712::hash_typed_data(text);
  if (!h) {
    (void)eip712::to_string(h.error());
    return 0;
  }
  // An accepted document parsed as JSON; dumped back (valid UTF-8 by then)
  // and hashed again it gives the same domain, message and digest.
  auto doc = perpx::core::parse_json(text);
  FUZZ_CHECK(doc.has_value());
  const std::string dumped = doc->dump();
  auto again = eip712::hash_typed_data(std::string_view(dumped));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->domain_separator == h->domain_separator);
  FUZZ_CHECK(again->message_hash == h->message_hash);
  FUZZ_CHECK(again->digest == h->digest);
  // The types alone: every struct's encodeType is stable and re-hashable.
  if (doc->is_object() && doc->contains("types")) {
    if (auto types = eip712::Types::from_json((*doc)["types"])) {
      if (doc->contains("primaryType") && (*doc)["primaryType"].is_string()) {
        const std::string primary = (*doc)["primaryType"].get<std::string>();
        if (types->has_struct(primary)) {
          auto a = types->encode_type(primary);
          auto b = types->encode_type(primary);
          FUZZ_CHECK(a.has_value() == b.has_value());
          if (a) FUZZ_CHECK(*a == *b);
        }
      }
    }
  }
  return 0;
}
