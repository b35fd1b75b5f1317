#pragma once
// Shared pieces of the command line: input conventions (values may be "-"
// for stdin), one-line errors, key loading. Every subcommand keeps the rules
// in shared/CLI.md: bad input -> one line on stderr, exit 1, nothing on stdout.
#include <expected>
#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "perpx/chain/rpc.hpp"
#include "perpx/core/json.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::app {

// Thrown by handlers on bad input or operational failure; main prints the
// message on one line and exits 1. Messages never contain key material.
struct CliError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& message);

// The value itself, or stdin (white space trimmed) when the value is "-".
std::string read_arg(const std::string& value);
// A file's whole contents; `what` names the option in errors.
std::string read_file(const std::string& path, std::string_view what);

// Unwraps an expected whose error has a describe() overload, failing with
// "<what>: <description>".
template <class T, class E>
T take(std::expected<T, E> r, std::string_view what) {
  if (!r) {
    if constexpr (std::is_same_v<E, std::string>) fail(std::string(what) + ": " + r.error());
    else fail(std::string(what) + ": " + std::string(describe(r.error())));
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

core::Json parse_json_arg(const std::string& text, std::string_view what);

// Prints one line (or one JSON object) on stdout.
void print_line(std::string_view s);
void print_json(const core::Json& j);

// Where a signing key comes from: --private-key, ETH_PRIVATE_KEY, or
// --keystore with --password-file.
struct KeyOptions {
  std::string private_key;
  std::string keystore;
  std::string password_file;
};
void add_key_options(CLI::App* cmd, KeyOptions& opts);
signer::SecretKey load_key(const KeyOptions& opts);
// A file holding key material (a keystore): its contents, or an error, as
// ssh does, when the file is readable or writable by group or others
// ("... is readable by others (mode 0644); chmod 600 it"). The one place
// perpx reads a key from a file; `what` names the option.
std::string read_private_file(const std::string& path, std::string_view what);
// A password file's first line (trailing CR/LF removed), as geth and cast read it.
std::string read_password_file(const std::string& path);

// Operations flags of a long-running command (order place/resume, watch,
// oracle watch, drills); one call per command:
//   --metrics-addr ADDR     Prometheus text on http://ADDR/metrics (off unless
//                           given; "PORT" or ":PORT" is 127.0.0.1:PORT)
//   --metrics-allow-remote  allow a non-loopback ADDR (refused otherwise)
//   --log-format text|json  structured logs on stderr (default text)
//   --log-level debug|info|warn|error (default info)
// They start once the command's arguments are parsed, before it runs, and
// last until the process exits. Logs are written by a background thread
// (ops::Logger); log lines and metrics never hold keys, and URLs only
// through chain::redact_url.
void add_ops_options(CLI::App* cmd);

// An HTTP JSON-RPC client for --rpc-url (required; http:// or https://).
chain::RpcClient connect_rpc(const std::string& url);

// Each group of subcommands registers itself here.
void add_hash_commands(CLI::App& app);     // keccak, address, sign-message
void add_rlp_commands(CLI::App& app);      // rlp encode|decode
void add_tx_commands(CLI::App& app);       // tx sign|decode
void add_abi_commands(CLI::App& app);      // abi encode|decode-log|decode-output
void add_typed_data_commands(CLI::App& app);  // typed-data hash|sign
void add_wallet_commands(CLI::App& app);   // wallet new|import|address
void add_bench_commands(CLI::App& app);    // bench sign
void add_chain_commands(CLI::App& app);    // chain up
void add_watch_commands(CLI::App& app);    // watch
void add_oracle_commands(CLI::App& app);   // oracle check|audit|watch
void add_drill_commands(CLI::App& app);    // drill oracle (other drills join the group)
void add_venue_commands(CLI::App& app);    // venue info|account
void add_hl_commands(CLI::App& app);       // hl sign|order (Hyperliquid)
void add_executor_commands(CLI::App& app); // killswitch, orders, order status
void add_fence_commands(CLI::App& app);    // fence <strategy> deny|isolate|flatten|clear|status
void add_stress_commands(CLI::App& app);   // stress
void add_config_commands(CLI::App& app);   // config check
void add_demo_command(CLI::App& app);      // demo (cmd_demo.cpp)
void add_replay_command(CLI::App& app);    // replay <recording> (cmd_replay.cpp)

}  // namespace perpx::app
