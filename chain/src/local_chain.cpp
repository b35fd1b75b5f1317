#include "perpx/chain/local_chain.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "perpx/chain/http.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::chain {

namespace {

using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last part of anvil's output, with private keys and the mnemonic removed.
std::string redacted_tail(const std::string& path) {
  std::string text = read_file(path);
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("Mnemonic:") != std::string::npos) line = "Mnemonic: <redacted>";
    for (size_t p = 0; (p = line.find("0x", p)) != std::string::npos;) {
      size_t q = p + 2;
      while (q < line.size() && core::hex_digit_value(line[q]) >= 0) ++q;
      if (q - p - 2 >= 64) line.replace(p + 2, q - p - 2, "<redacted>");
      p += 2;
    }
    out += line;
    out += '\n';
  }
  if (out.size() > 2000) out = "..." + out.substr(out.size() - 2000);
  return out;
}

std::string format_seconds(double s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

bool reap(pid_t pid, Clock::duration grace) {
  auto deadline = Clock::now() + grace;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::string default_anvil_path() {
  if (const char* env = std::getenv("PERPX_ANVIL"); env != nullptr && *env != '\0') return env;
  return std::string(PERPX_SOURCE_DIR) + "/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
}

LocalChain::LocalChain(const LocalChainOptions& options) {
  if (auto r = launch(options); !r) throw std::runtime_error(r.error());
}

std::expected<LocalChain, std::string> LocalChain::start(const LocalChainOptions& options) {
  LocalChain c{Unstarted{}};
  if (auto r = c.launch(options); !r) return std::unexpected(r.error());
  return c;
}

LocalChain::~LocalChain() { stop(); }

LocalChain::LocalChain(LocalChain&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      port_(o.port_),
      chain_id_(o.chain_id_),
      anvil_path_(std::move(o.anvil_path_)),
      log_path_(std::move(o.log_path_)),
      config_path_(std::move(o.config_path_)),
      accounts_(std::move(o.accounts_)),
      keys_(std::move(o.keys_)) {
  o.log_path_.clear();
  o.config_path_.clear();
}

LocalChain& LocalChain::operator=(LocalChain&& o) noexcept {
  if (this != &o) {
    stop();
    pid_ = std::exchange(o.pid_, -1);
    port_ = o.port_;
    chain_id_ = o.chain_id_;
    anvil_path_ = std::move(o.anvil_path_);
    log_path_ = std::exchange(o.log_path_, {});
    config_path_ = std::exchange(o.config_path_, {});
    accounts_ = std::move(o.accounts_);
    keys_ = std::move(o.keys_);
  }
  return *this;
}

void LocalChain::stop() noexcept {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    if (!reap(pid_, std::chrono::seconds(2))) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!log_path_.empty()) unlink(log_path_.c_str());
  if (!config_path_.empty()) unlink(config_path_.c_str());
  log_path_.clear();
  config_path_.clear();
}

std::string LocalChain::rpc_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
std::string LocalChain::ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }

signer::SecretKey LocalChain::dev_key(size_t i) const {
  if (i >= keys_.size()) throw std::out_of_range("LocalChain::dev_key: no such dev account");
  return *signer::SecretKey::from_bytes(keys_[i].expose_secret());
}

RpcClient LocalChain::client(RetryPolicy policy) const { return make_http_client(rpc_url(), policy); }

std::expected<void, std::string> LocalChain::launch(const LocalChainOptions& o) {
  anvil_path_ = o.anvil_path.empty() ? default_anvil_path() : o.anvil_path;
  if (access(anvil_path_.c_str(), X_OK) != 0)
    return std::unexpected("anvil not found or not executable at " + anvil_path_ + " (run npm ci, or set PERPX_ANVIL)");

  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/perpx-anvil-XXXXXX";
  int log_fd = mkstemp(templ.data());
  if (log_fd < 0) return std::unexpected("cannot create a temporary file for anvil's output");
  log_path_ = templ;
  config_path_ = templ + ".json";

  std::vector<std::string> args = {anvil_path_, "--host", "127.0.0.1", "--port", std::to_string(o.port),
                                   "--chain-id", std::to_string(o.chain_id), "--accounts", std::to_string(o.accounts),
                                   "--config-out", config_path_};
  if (o.block_time) args.insert(args.end(), {"--block-time", format_seconds(*o.block_time)});
  if (o.no_mining) args.emplace_back("--no-mining");
  if (!o.order.empty()) args.insert(args.end(), {"--order", o.order});
  if (o.slots_in_an_epoch) args.insert(args.end(), {"--slots-in-an-epoch", std::to_string(*o.slots_in_an_epoch)});
  if (o.balance_eth) args.insert(args.end(), {"--balance", std::to_string(*o.balance_eth)});
  if (!o.mnemonic.empty()) args.insert(args.end(), {"--mnemonic", o.mnemonic});
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  const pid_t parent = getpid();
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    stop();
    return std::unexpected("fork failed");
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  pid_ = pid;

  auto fail = [&](const std::string& why) -> std::expected<void, std::string> {
    std::string tail = redacted_tail(log_path_);
    stop();
    return std::unexpected(why + "; anvil's output:\n" + tail);
  };

  const auto deadline = Clock::now() + o.start_timeout;
  const std::string listening = "Listening on 127.0.0.1:";
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                          : "was killed by signal " + std::to_string(WTERMSIG(status));
      return fail("anvil " + how + " before it answered");
    }
    if (port_ == 0) {
      std::string log = read_file(log_path_);
      if (size_t p = log.find(listening); p != std::string::npos) {
        unsigned long port = std::strtoul(log.c_str() + p + listening.size(), nullptr, 10);
        if (port == 0 || port > 65535) return fail("anvil printed no usable port");
        port_ = static_cast<uint16_t>(port);
      }
    }
    if (port_ != 0) {
      RetryPolicy once;
      once.max_attempts = 1;
      once.timeout = std::chrono::milliseconds(500);
      auto c = make_http_client(rpc_url(), once);
      if (auto id = c.chain_id(); id) {
        if (*id != o.chain_id) return fail("anvil answered with chain id " + std::to_string(*id));
        chain_id_ = *id;
        break;
      }
    }
    if (Clock::now() >= deadline)
      return fail("anvil did not answer eth_chainId within " + std::to_string(o.start_timeout.count()) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  auto cfg = core::parse_json(read_file(config_path_));
  if (!cfg || !cfg->is_object() || !cfg->contains("available_accounts") || !cfg->contains("private_keys") ||
      !(*cfg)["available_accounts"].is_array() || !(*cfg)["private_keys"].is_array() ||
      (*cfg)["available_accounts"].size() != (*cfg)["private_keys"].size())
    return fail("anvil's --config-out file is missing or malformed");
  for (size_t i = 0; i < (*cfg)["private_keys"].size(); ++i) {
    const auto& a = (*cfg)["available_accounts"][i];
    const auto& k = (*cfg)["private_keys"][i];
    auto addr = a.is_string() ? core::parse_address(a.get<std::string>()) : std::unexpected(core::AddressError::kWrongLength);
    auto key = k.is_string() ? signer::SecretKey::from_hex(k.get<std::string>()) : std::unexpected(signer::KeyError::kBadHex);
    if (!addr || !key || signer::address_of(*key) != *addr) return fail("anvil's dev account " + std::to_string(i) + " is malformed");
    accounts_.push_back(*addr);
    keys_.push_back(std::move(*key));
  }
  unlink(config_path_.c_str());  // keys now live only in memory
  config_path_.clear();
  return {};
}

}  // namespace perpx::chain
