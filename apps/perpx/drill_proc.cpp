#include "drill_proc.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string_view>
#include <thread>

#include "cli.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/venues/ref_venue.hpp"

extern char** environ;

namespace perpx::app {

pid_t spawn_perpx(const std::string& exe, const std::vector<std::string>& args,
                  const std::vector<std::string>& env_extra, const std::string& stderr_path) {
  std::vector<std::string> argv_s{exe.empty() ? std::string("/proc/self/exe") : exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    const std::string_view v(*e);
    bool overridden = false;
    for (const auto& x : env_extra) overridden = overridden || v.starts_with(x.substr(0, x.find('=') + 1));
    if (!overridden && !v.starts_with("PERPX_DRILL_FAILPOINT=")) env_s.emplace_back(v);
  }
  env_s.insert(env_s.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  if (stderr_path.empty()) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  else posix_spawn_file_actions_addopen(&fa, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) fail(std::string("drill: cannot start perpx: ") + std::strerror(rc));
  return pid;
}

bool wait_child(pid_t pid, std::chrono::milliseconds kill_after) {
  const auto deadline = std::chrono::steady_clock::now() + kill_after;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

std::optional<int> reap_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) return status;
  return std::nullopt;
}

std::map<std::string, int> fills_by_size(chain::RpcClient& rpc, const chain::Address& venue,
                                         const chain::Address& account, chain::BlockNum from, chain::BlockNum to) {
  chain::LogFilter f{{venue}, {{venues::order_filled_topic()}}};
  auto logs = rpc.get_logs(f, from, to);
  if (!logs) fail("drill: getLogs: " + chain::to_string(logs.error()));
  std::map<std::string, int> fills;
  for (const auto& l : *logs) {
    auto e = venues::decode_order_filled(l);
    if (!e) fail("drill: an OrderFilled log does not decode");
    if (e->account == account) ++fills[core::wad_to_string(e->size_delta)];
  }
  return fills;
}

}  // namespace perpx::app
