// perpx abi encode | decode-log | decode-output (see chain/abi.hpp for the
// value conventions and the signature forms).
#include "cli.hpp"
#include "perpx/chain/abi.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::app {

namespace {

using chain::AbiFragment;
using chain::AbiKind;

// A JSON fragment (text starting with '{') or a signature, of the wanted kind.
AbiFragment load_fragment(const std::string& arg, AbiKind kind, std::string_view what) {
  const std::string text = read_arg(arg);
  AbiFragment f;
  if (text.starts_with('{')) {
    const core::Json j = parse_json_arg(text, what);
    f = take(chain::parse_fragment(j), std::string(what) + ": fragment");
  } else {
    f = take(chain::parse_signature(text, kind), what);
  }
  if (f.kind != kind) {
    static constexpr std::string_view kNames[] = {"function", "event", "error"};
    fail(std::string(what) + ": expected " + std::string(kNames[static_cast<int>(kind)]) + ", got " +
         std::string(kNames[static_cast<int>(f.kind)]));
  }
  return f;
}

std::vector<core::Hash32> parse_topics(const std::string& arg) {
  const std::string text = read_arg(arg);
  std::vector<core::Hash32> topics;
  if (text.empty()) return topics;
  size_t start = 0;
  for (size_t i = 0;; ++i) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    item = first == std::string::npos ? std::string() : item.substr(first, last - first + 1);
    topics.push_back(take(core::parse_hash32(item), "--topics: topic " + std::to_string(i)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return topics;
}

}  // namespace

void add_abi_commands(CLI::App& app) {
  auto* abi = app.add_subcommand("abi", "Solidity ABI: encode calls, decode logs and return data");
  abi->require_subcommand(1);

  {
    struct Opts { std::string signature, args; };
    auto o = std::make_shared<Opts>();
    auto* cmd = abi->add_subcommand("encode", "calldata for a call: selector + ABI-encoded args (no selector for a bare '(types)')");
    cmd->add_option("signature", o->signature, "'f(uint256,address)', a human-readable signature, or a JSON function fragment")->required();
    cmd->add_option("args", o->args, "JSON array of the arguments, positional")->required();
    cmd->callback([o] {
      const AbiFragment f = load_fragment(o->signature, AbiKind::kFunction, "signature");
      const core::Json args = parse_json_arg(read_arg(o->args), "args");
      core::Bytes out;
      take(chain::encode_call(out, f, args), "args");
      print_line(core::to_hex(out));
    });
  }
  {
    struct Opts { std::string event, topics, data = "0x"; };
    auto o = std::make_shared<Opts>();
    auto* cmd = abi->add_subcommand("decode-log", "decode an event log into {param: value}");
    cmd->add_option("event", o->event, "JSON event fragment or event signature ('indexed' marks topics)")->required();
    cmd->add_option("--topics", o->topics, "comma-separated 0x 32-byte topics, topic0 first");
    cmd->add_option("--data", o->data, "0x hex log data (default 0x)");
    cmd->callback([o] {
      const AbiFragment f = load_fragment(o->event, AbiKind::kEvent, "event");
      const std::vector<core::Hash32> topics = parse_topics(o->topics);
      const core::Bytes data = take(core::parse_hex(read_arg(o->data)), "--data");
      print_json(take(chain::decode_log(f, topics, data), "log"));
    });
  }
  {
    struct Opts { std::string function, data; };
    auto o = std::make_shared<Opts>();
    auto* cmd = abi->add_subcommand("decode-output", "decode return data into a JSON array");
    cmd->add_option("function", o->function, "'f(args)(outputs)', 'f(args) returns (outputs)', '(types)' or a JSON function fragment")->required();
    cmd->add_option("data", o->data, "0x hex return data")->required();
    cmd->callback([o] {
      AbiFragment f = load_fragment(o->function, AbiKind::kFunction, "function");
      if (!f.has_outputs) {
        // A bare type list is the output list itself; a named signature
        // without a returns part is most likely a mistake.
        if (!f.name.empty()) fail("function: names no outputs; use 'f(args)(outputs)' or 'f(args) returns (outputs)'");
        f.outputs = std::move(f.inputs);
      }
      const core::Bytes data = take(core::parse_hex(read_arg(o->data)), "data");
      print_json(take(chain::decode(f.outputs, data), "data"));
    });
  }
}

}  // namespace perpx::app
