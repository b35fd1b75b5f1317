// perpx chain up: a local anvil with the drill world (world.hpp) deployed on it.
//
// One JSON object (--json) or a summary goes to stdout once all is mined;
// the funded accounts' keys go to a 0600 file, never to stdout. Runs until
// SIGINT/SIGTERM, then stops anvil and exits 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "world.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using chain::Address;
using chain::Hash32;
using chain::TxnSender;
using chain::U256;
using core::Json;

std::string hex_addr(const Address& a) { return core::to_checksum(a); }

struct ChainUpOptions {
  std::optional<double> block_time;
  std::optional<uint64_t> slots_in_an_epoch;
  bool json = false;
  std::string contracts_dir;
  std::string keys_file;
};

// Creates the keys file with mode 0600 from the start (never readable by
// others, not even briefly). An empty `path` makes a fresh private folder.
struct KeysFile {
  fs::path path;
  fs::path owned_dir;  // removed with the file when we made it
  ~KeysFile() {
    std::error_code ec;
    if (!owned_dir.empty()) fs::remove_all(owned_dir, ec);
  }
};

void write_keys_file(KeysFile& kf, const std::string& requested, const std::string& body) {
  int fd = -1;
  if (requested.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "perpx-chain-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) fail("chain up: cannot create a folder for the keys file");
    kf.owned_dir = tmpl;
    kf.path = kf.owned_dir / "keys.json";
    fd = open(kf.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  } else {
    kf.path = requested;
    fd = open(kf.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0 && fchmod(fd, 0600) != 0) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) fail("chain up: cannot write the keys file " + kf.path.string());
  size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = write(fd, body.data() + done, body.size() - done);
    if (n <= 0) {
      close(fd);
      fail("chain up: cannot write the keys file " + kf.path.string());
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
}

void print_summary(const Json& j) {
  const auto& c = j["contracts"];
  std::string s = "local chain up: " + j["rpc_url"].get<std::string>() + " (" + j["ws_url"].get<std::string>() +
                  "), chain id " + std::to_string(j["chain_id"].get<uint64_t>()) + "\n";
  s += "accounts:\n";
  for (const auto& a : j["accounts"]) {
    std::string name = a["name"].get<std::string>();
    name.resize(std::max<size_t>(name.size(), 10), ' ');
    s += "  " + name + a["address"].get<std::string>() + "\n";
  }
  s += "collateral USD (6 decimals)  " + c["collateral"].get<std::string>() + "\n";
  s += "WETH (18 decimals)           " + c["tokens"]["WETH"].get<std::string>() + "\n";
  s += "chainlink ETH/USD            " + c["feeds"]["chainlink"]["ETH/USD"].get<std::string>() + "\n";
  s += "chainlink BTC/USD            " + c["feeds"]["chainlink"]["BTC/USD"].get<std::string>() + "\n";
  s += "sequencer uptime feed        " + c["feeds"]["sequencer_uptime"].get<std::string>() + "\n";
  s += "pyth                         " + c["feeds"]["pyth"].get<std::string>() + "\n";
  s += "uniswap v3 ETH/USD pool      " + c["pools"]["ETH/USD"]["address"].get<std::string>() + "\n";
  s += "perp venue                   " + c["venue"].get<std::string>() + " (markets";
  for (const auto& [name, id] : c["markets"].items()) s += " " + name + "=" + std::to_string(id.get<uint64_t>());
  s += ")\n";
  s += "keys file (0600)             " + j["keys_file"].get<std::string>() + "\n";
  s += "running until Ctrl-C";
  print_line(s);
}

void chain_up(const ChainUpOptions& o) {
  chain::LocalChainOptions lo;
  lo.block_time = o.block_time;
  lo.slots_in_an_epoch = o.slots_in_an_epoch;
  LocalWorld lw = start_world(lo, contracts_dir(o.contracts_dir));
  chain::LocalChain& lc = lw.chain;
  const auto& funded = lw.funded;
  const World& world = lw.world;
  const size_t n = funded.size();

  Json keys = {{"chain_id", lc.chain_id()}, {"rpc_url", lc.rpc_url()}, {"accounts", Json::array()}};
  for (size_t i = 0; i < n; ++i) {
    const auto key = lc.dev_key(i);
    keys["accounts"].push_back({{"name", kAccountNames[i]},
                                {"address", hex_addr(funded[i])},
                                {"private_key", core::to_hex(key.expose_secret())}});
  }
  KeysFile kf;
  write_keys_file(kf, o.keys_file, keys.dump(1) + "\n");
  keys = Json();

  // Signals are taken synchronously from here on (anvil, already running,
  // keeps its own mask); one arriving while we print waits for sigwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  const Json out = world_json(lc, world, funded, kf.path);
  if (o.json)
    print_json(out);
  else
    print_summary(out);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&set, &sig);
  lc.stop();
}

}  // namespace

void add_chain_commands(CLI::App& app) {
  auto* chain_cmd = app.add_subcommand("chain", "local chain");
  chain_cmd->require_subcommand(1);
  auto opts = std::make_shared<ChainUpOptions>();
  auto* up = chain_cmd->add_subcommand(
      "up", "start anvil, deploy the drill world, print its addresses, run until interrupted");
  up->add_option("--block-time", opts->block_time, "seconds between blocks (default: a block per transaction)")
      ->check(CLI::PositiveNumber);
  up->add_option("--slots-in-an-epoch", opts->slots_in_an_epoch, "safe = latest - N, finalized = latest - 2N")
      ->check(CLI::PositiveNumber);
  up->add_flag("--json", opts->json, "one JSON object with the RPC URL and every address");
  up->add_option("--contracts-dir", opts->contracts_dir,
                 "compiled artifacts (default: $PERPX_CONTRACTS_DIR, else <build>/contracts beside bin/perpx)");
  up->add_option("--keys-file", opts->keys_file,
                 "where to write the funded accounts' keys (mode 0600; default: a new private temp folder)");
  up->callback([opts] { chain_up(*opts); });
}

}  // namespace perpx::app
