// perpx typed-data hash|sign: EIP-712 (eth_signTypedData_v4 JSON documents).
#include <memory>
#include <vector>

#include "cli.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/eip712.hpp"

namespace perpx::app {

namespace {

namespace eip712 = signer::eip712;

struct TypedDataOptions {
  std::string file;
  KeyOptions key;
  std::vector<std::string> extra;  // refused without echoing: it may be a key
};

core::Json read_document(const std::string& file) {
  const std::string text = file == "-" ? read_arg(file) : read_file(file, "<file>");
  return parse_json_arg(text, file == "-" ? "<file> (stdin)" : "<file> '" + file + "'");
}

template <class T>
T take_typed(std::expected<T, eip712::TypedDataError> r) {
  if (!r) fail(eip712::to_string(r.error()));
  return std::move(*r);
}

}  // namespace

void add_typed_data_commands(CLI::App& app) {
  auto* group = app.add_subcommand("typed-data", "EIP-712 typed data (eth_signTypedData_v4 JSON)");
  group->require_subcommand(1);
  auto opts = std::make_shared<TypedDataOptions>();

  auto* hash = group->add_subcommand("hash", "print the EIP-712 signing digest of a typed-data document");
  hash->add_option("file", opts->file, "JSON document, or - for stdin")->required();
  hash->callback([opts] {
    const auto h = take_typed(eip712::hash_typed_data(read_document(opts->file)));
    print_line(core::to_hex(h.digest));
  });

  auto* sign = group->add_subcommand("sign", "sign a typed-data document: prints r || s || v (v = 27/28)");
  sign->add_option("file", opts->file, "JSON document, or - for stdin")->required();
  add_key_options(sign, opts->key);
  sign->add_option("extra", opts->extra)->group("");
  sign->callback([opts] {
    if (!opts->extra.empty()) fail("typed-data sign: unexpected extra argument (not shown); pass the key with --private-key");
    const core::Json doc = read_document(opts->file);
    const auto h = take_typed(eip712::hash_typed_data(doc));  // bad input is reported before any key is loaded
    const signer::SecretKey key = load_key(opts->key);
    print_line(core::to_hex(signer::to_rsv(signer::sign_digest(key, h.digest))));
  });
}

}  // namespace perpx::app
