#pragma once
// LocalChain: a real anvil (npm @foundry-rs/anvil, pinned) on a free loopback
// port, owned by this object and stopped by pid when it goes away.
//
// The binary is $PERPX_ANVIL when set, else the pinned npm binary under the
// source tree. anvil is started with --host 127.0.0.1 --port 0: the kernel
// picks the port at bind time and anvil prints it, so two chains started at
// once can never race for a port (options.port asks for a given one). Start-up waits (bounded, start_timeout)
// until anvil says it listens and eth_chainId answers with the chain id
// asked for; a failure names the cause and ends with the tail of anvil's
// output (with key material removed).
//
// anvil's stdout/stderr go to a temporary file, deleted with the object. The
// child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the thread that
// started it: start a chain from a thread that outlives it (the main thread
// in tests and commands). The destructor sends SIGTERM, waits up to 2 s,
// then SIGKILL, and reaps the child (no zombie).
//
// Dev accounts: their keys are read from anvil's --config-out file. With the
// default mnemonic they are anvil's well-known public test keys; never print
// them to stdout (CLI.md: a keys file).
//
// Thread: start and destroy on one thread; the accessors are const.
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "perpx/chain/rpc.hpp"
#include "perpx/signer/secp256k1.hpp"

namespace perpx::chain {

struct LocalChainOptions {
  std::optional<double> block_time;          // seconds between blocks (--block-time); empty: automine
  bool no_mining = false;                    // --no-mining: blocks only by evm_mine / anvil_mine
  std::string order;                         // --order: "fees" or "fifo"; empty: anvil's default (fees)
  std::optional<uint64_t> slots_in_an_epoch; // safe = latest - N, finalized = latest - 2N
  uint64_t chain_id = 31337;
  unsigned accounts = 10;
  std::optional<uint64_t> balance_eth;       // per dev account; empty: anvil's default (10000)
  std::string mnemonic;                      // empty: anvil's default test mnemonic
  uint16_t port = 0;                         // 0: the kernel picks a free one (the default); else this one,
                                             // e.g. to restart a node where its clients expect it
  std::vector<std::string> extra_args;       // anything else, passed as is (--state FILE survives a restart)
  std::chrono::milliseconds start_timeout{10000};
  std::string anvil_path;                    // empty: $PERPX_ANVIL, else the pinned npm binary
};

class LocalChain {
 public:
  // Starts anvil; throws std::runtime_error with the reason (start-up
  // configuration, ARCHITECTURE.md). start() is the non-throwing form.
  explicit LocalChain(const LocalChainOptions& options = {});
  static std::expected<LocalChain, std::string> start(const LocalChainOptions& options = {});
  ~LocalChain();
  LocalChain(LocalChain&& other) noexcept;
  LocalChain& operator=(LocalChain&& other) noexcept;
  LocalChain(const LocalChain&) = delete;
  LocalChain& operator=(const LocalChain&) = delete;

  [[nodiscard]] std::string rpc_url() const;  // "http://127.0.0.1:PORT"
  [[nodiscard]] std::string ws_url() const;   // "ws://127.0.0.1:PORT"
  [[nodiscard]] uint16_t port() const noexcept { return port_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] uint64_t chain_id() const noexcept { return chain_id_; }
  // The anvil binary in use.
  [[nodiscard]] const std::string& anvil_path() const noexcept { return anvil_path_; }

  // Dev accounts, in anvil's order.
  [[nodiscard]] const std::vector<Address>& accounts() const noexcept { return accounts_; }
  // The key of dev account i (i < accounts().size()).
  [[nodiscard]] signer::SecretKey dev_key(size_t i) const;

  // A new client for this chain (HTTP keep-alive).
  [[nodiscard]] RpcClient client(RetryPolicy policy = {}) const;

  // Stops anvil now (as the destructor does). Idempotent.
  void stop() noexcept;

 private:
  struct Unstarted {};
  explicit LocalChain(Unstarted) {}
  std::expected<void, std::string> launch(const LocalChainOptions& options);
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint64_t chain_id_ = 0;
  std::string anvil_path_;
  std::string log_path_;
  std::string config_path_;
  std::vector<Address> accounts_;
  std::vector<signer::SecretKey> keys_;
};

// The binary LocalChain starts by default: $PERPX_ANVIL, else the pinned npm one.
std::string default_anvil_path();

}  // namespace perpx::chain
