// keccak, address checksum|from-key, sign-message.
#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/signer/message.hpp"

namespace perpx::app {

namespace {

core::ByteView text_bytes(const std::string& s) {
  return core::ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// CLI.md: "0x" + an even number of hex digits is bytes; anything else is text.
bool looks_like_hex_bytes(std::string_view s) {
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s.size() % 2 != 0) return false;
  for (char c : s.substr(2))
    if (core::hex_digit_value(c) < 0) return false;
  return true;
}

}  // namespace

void add_hash_commands(CLI::App& app) {
  {
    struct Opts { std::string input; bool text = false; };
    auto o = std::make_shared<Opts>();
    auto* cmd = app.add_subcommand("keccak", "Keccak-256 of hex bytes (or of UTF-8 text with --text)");
    cmd->add_option("data", o->input, "0x-prefixed hex bytes, or - for stdin")->required();
    cmd->add_flag("--text", o->text, "hash the argument as UTF-8 text");
    cmd->callback([o] {
      const std::string in = read_arg(o->input);
      if (o->text) return print_line(core::to_hex(core::keccak256(text_bytes(in))));
      const auto bytes = take(core::parse_hex(in), "data");
      print_line(core::to_hex(core::keccak256(bytes)));
    });
  }
  {
    auto* addr = app.add_subcommand("address", "Address utilities");
    addr->require_subcommand(1);
    auto checksum_in = std::make_shared<std::string>();
    auto* cs = addr->add_subcommand("checksum", "EIP-55 checksummed form of an address");
    cs->add_option("address", *checksum_in, "0x + 40 hex digits")->required();
    cs->callback([checksum_in] {
      print_line(core::to_checksum(take(core::parse_address(read_arg(*checksum_in)), "address")));
    });
    auto key_in = std::make_shared<std::string>();
    auto* fk = addr->add_subcommand("from-key", "EIP-55 address of a private key");
    fk->add_option("key", *key_in, "0x-prefixed 32-byte private key, or - for stdin")->required();
    fk->callback([key_in] {
      const auto key = take(signer::SecretKey::from_hex(read_arg(*key_in)), "key");
      print_line(core::to_checksum(signer::address_of(key)));
    });
  }
  {
    struct Opts { KeyOptions key; std::string message; bool text = false; };
    auto o = std::make_shared<Opts>();
    auto* cmd = app.add_subcommand("sign-message", "EIP-191 personal_sign: 0x<r s v>");
    add_key_options(cmd, o->key);
    cmd->add_option("message", o->message, "0x hex bytes, or UTF-8 text; - for stdin")->required();
    cmd->add_flag("--text", o->text, "treat the message as text even if it looks like hex");
    cmd->callback([o] {
      const std::string msg = read_arg(o->message);
      core::Bytes bytes;
      if (!o->text && looks_like_hex_bytes(msg)) bytes = take(core::parse_hex(msg), "message");
      else bytes.assign(msg.begin(), msg.end());
      const auto key = load_key(o->key);
      const auto sig = signer::sign_personal_message(key, bytes);
      print_line(core::to_hex(sig));
    });
  }
}

}  // namespace perpx::app
