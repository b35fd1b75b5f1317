// `perpx watch` against an anvil it did not start: heads, a reorg of depth 3
// with the right depth and unwind point, safe and finalized matching the
// node's tags, and a clean exit 0 on SIGINT. ETH_RPC_URL supplies the URL.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "perpx/chain/local_chain.hpp"
#include "perpx/core/hex.hpp"

extern char** environ;

using namespace perpx;
using namespace perpx::chain;
using core::Json;
using Clock = std::chrono::steady_clock;

namespace {

template <class T>
T value_of(RpcResult<T> r) {
  if (!r) FAIL(to_string(r.error()));
  return std::move(*r);
}

// A child process with its stdout on a pipe; killed and reaped if still running.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& extra_env) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "ETH_RPC_URL=", 12) != 0) envp.push_back(*e);
    envp.push_back(const_cast<char*>(extra_env.c_str()));
    envp.push_back(nullptr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next line of stdout, or nullopt at the deadline or end of output.
  std::optional<std::string> line(Clock::time_point deadline) {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return l;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char chunk[4096];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }
  // Sends sig and waits (bounded) for the exit status; -1 on timeout.
  int stop(int sig, std::chrono::milliseconds timeout) {
    kill(pid_, sig);
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      usleep(10'000);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buf_;
};

}  // namespace

TEST_CASE("perpx watch: heads, a reorg of depth 3, safe and finalized as the node says, exit 0 on SIGINT",
          "[anvil][chain][heads][cli]") {
  LocalChainOptions o;
  o.slots_in_an_epoch = 2;
  LocalChain node(o);
  auto rpc = node.client();
  value_of(rpc.request("anvil_mine", Json::array({"0x6"})));

  Child watch({PERPX_BIN, "watch", "--json", "--interval-ms", "20"}, "ETH_RPC_URL=" + node.rpc_url());
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  std::vector<Json> events;
  // Reads events until one satisfies `done`.
  auto until = [&](auto done) {
    while (auto l = watch.line(deadline)) {
      auto j = core::parse_json(*l);
      REQUIRE(j);
      events.push_back(*j);
      if (done(*j)) return true;
    }
    return false;
  };
  auto head_at = [](uint64_t n) {
    return [n](const Json& j) { return j["event"] == "head" && j["block_num"] == n; };
  };
  REQUIRE(until(head_at(6)));
  CHECK(events.front()["event"] == "head");
  value_of(rpc.request("anvil_mine", Json::array({"0x2"})));
  REQUIRE(until(head_at(8)));
  const auto old_tip = events.back()["hash"].get<std::string>();

  value_of(rpc.request("anvil_reorg", Json::array({3, Json::array()})));
  REQUIRE(until([](const Json& j) { return j["event"] == "reorg"; }));
  const Json reorg = events.back();
  CHECK(reorg["depth"] == 3);
  CHECK(reorg["unwind_to"] == 5);
  CHECK(reorg["old_hash"] == old_tip);
  const auto latest = value_of(rpc.block_header(Tag::kLatest)).value();
  CHECK(reorg["new_hash"] == core::to_hex(latest.hash));
  for (uint64_t n = 6; n <= 8; ++n) {
    REQUIRE(until(head_at(n)));
    const auto b = value_of(rpc.block_header(BlockRef{n})).value();
    CHECK(events.back()["hash"] == core::to_hex(b.hash));
    CHECK(events.back()["parent_hash"] == core::to_hex(b.parent_hash));
  }
  // The stream's latest safe and finalized must come to equal the node's
  // tags (the reorg dropped safe block 6: the new block 6 is announced again).
  const uint64_t node_safe = value_of(rpc.block_header(Tag::kSafe)).value().number;
  const uint64_t node_finalized = value_of(rpc.block_header(Tag::kFinalized)).value().number;
  std::optional<uint64_t> safe, finalized;
  auto settled = [&](const Json& j) {
    if (j["event"] == "safe") safe = j["block_num"].get<uint64_t>();
    if (j["event"] == "finalized") finalized = j["block_num"].get<uint64_t>();
    return safe == node_safe && finalized == node_finalized;
  };
  bool done = false;
  for (const Json& j : events) done = settled(j);
  if (!done) done = until(settled);
  CHECK(done);
  CHECK(safe == node_safe);
  CHECK(finalized == node_finalized);
  uint64_t heads = 0;
  for (const Json& j : events) heads += j["event"] == "head" ? 1 : 0;
  CHECK(heads == 6);  // 6, 7, 8, then 6, 7, 8 of the new branch
  CHECK(std::count_if(events.begin(), events.end(), [](const Json& j) { return j["event"] == "reorg"; }) == 1);
  CHECK(watch.stop(SIGINT, std::chrono::seconds(5)) == 0);
}

TEST_CASE("perpx watch: an unreachable node is one line on stderr and exit 1", "[anvil][chain][heads][cli]") {
  Child watch({PERPX_BIN, "watch", "--rpc-url", "http://127.0.0.1:1"}, "PERPX_UNUSED=1");
  CHECK_FALSE(watch.line(Clock::now() + std::chrono::seconds(20)).has_value());  // nothing on stdout
  CHECK(watch.stop(0, std::chrono::seconds(20)) == 1);
}
