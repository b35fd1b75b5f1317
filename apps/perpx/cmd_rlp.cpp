// rlp encode|decode.
#include "cli.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/rlp.hpp"

namespace perpx::app {

namespace {

namespace rlp = signer::rlp;

// JSON -> RLP item: "0x.." is a byte string, an array a list, a decimal
// string or a JSON integer an unsigned integer (minimal big-endian).
rlp::Item item_from_json(const core::Json& j, const std::string& path) {
  rlp::Item item;
  if (j.is_array()) {
    item.list = true;
    size_t i = 0;
    for (const auto& child : j) item.items.push_back(item_from_json(child, path + "[" + std::to_string(i++) + "]"));
    return item;
  }
  if (j.is_string() && j.get_ref<const std::string&>().starts_with("0x")) {
    item.str = take(core::parse_hex(j.get_ref<const std::string&>()), path);
    return item;
  }
  if (j.is_number() || j.is_string()) {
    const auto v = take(core::json_quantity(j), path);
    uint8_t buf[32];
    const size_t n = core::to_be_trimmed(buf, v);
    item.str.assign(buf, buf + n);
    return item;
  }
  fail(path + ": expected a 0x byte string, a decimal string, an integer or an array");
}

core::Json item_to_json(const rlp::Item& item) {
  if (!item.list) return core::to_hex(item.str);
  core::Json arr = core::Json::array();
  for (const auto& c : item.items) arr.push_back(item_to_json(c));
  return arr;
}

}  // namespace

void add_rlp_commands(CLI::App& app) {
  auto* rlp_cmd = app.add_subcommand("rlp", "RLP encoding");
  rlp_cmd->require_subcommand(1);

  auto enc_in = std::make_shared<std::string>();
  auto* enc = rlp_cmd->add_subcommand("encode", "JSON (0x strings, decimal integers, arrays) -> RLP hex");
  enc->add_option("json", *enc_in, "the value as JSON, or - for stdin")->required();
  enc->callback([enc_in] {
    const auto j = parse_json_arg(read_arg(*enc_in), "json");
    const auto item = item_from_json(j, "json");
    core::Bytes out;
    rlp::encode_tree(out, item);
    print_line(core::to_hex(out));
  });

  auto dec_in = std::make_shared<std::string>();
  auto* dec = rlp_cmd->add_subcommand("decode", "RLP hex -> JSON (byte strings as 0x hex, lists as arrays)");
  dec->add_option("data", *dec_in, "0x-prefixed RLP, or - for stdin")->required();
  dec->callback([dec_in] {
    const auto bytes = take(core::parse_hex(read_arg(*dec_in)), "data");
    const auto item = take(rlp::decode_tree(bytes), "data");
    print_json(item_to_json(item));
  });
}

}  // namespace perpx::app
