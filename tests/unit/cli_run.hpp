#pragma once
// Runs the built perpx binary (PERPX_BIN) with arguments and optional stdin,
// capturing stdout, stderr and the exit status. For CLI contract tests.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace perpx::test {

struct RunResult {
  int status = -1;  // exit code, or 128+signal
  std::string out;
  std::string err;
};

// env_extra: "NAME=value" entries added to (or overriding) the environment.
inline RunResult run_perpx(const std::vector<std::string>& args, const std::string& input = {},
                           const std::vector<std::string>& env_extra = {}) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) std::abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
    posix_spawn_file_actions_addclose(&fa, fd);
  std::vector<std::string> argv_s{PERPX_BIN};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool overridden = entry.rfind("ETH_PRIVATE_KEY=", 0) == 0;  // tests choose keys explicitly
    for (const auto& x : env_extra)
      if (entry.substr(0, entry.find('=') + 1) == x.substr(0, x.find('=') + 1)) overridden = true;
    if (!overridden) env_s.push_back(entry);
  }
  env_s.insert(env_s.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, PERPX_BIN, &fa, nullptr, argv.data(), envp.data()) != 0) std::abort();
  posix_spawn_file_actions_destroy(&fa);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Write stdin and drain both outputs without deadlocking on full pipes.
  size_t written = 0;
  if (input.empty()) { close(in_pipe[1]); in_pipe[1] = -1; }
  RunResult r;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
    const nfds_t n = in_pipe[1] >= 0 ? 3 : 2;
    // A hang guard only (5 minutes: scrypt under the sanitizers on a loaded
    // machine takes tens of seconds); tests never assert on time.
    if (poll(fds, n, 300000) <= 0) break;
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP)) {
        const ssize_t k = read(fds[i].fd, buf, sizeof buf);
        if (k <= 0) { (i == 0 ? out_open : err_open) = false; }
        else (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(k));
      }
    }
    if (n == 3 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t k = (fds[2].revents & POLLOUT) ? write(in_pipe[1], input.data() + written, input.size() - written) : -1;
      if (k > 0) written += static_cast<size_t>(k);
      if (k <= 0 || written == input.size()) { close(in_pipe[1]); in_pipe[1] = -1; }
    }
  }
  if (in_pipe[1] >= 0) close(in_pipe[1]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int ws = 0;
  waitpid(pid, &ws, 0);
  r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return r;
}

// The single line a successful command prints, without its newline.
inline std::string line_of(const RunResult& r) {
  std::string s = r.out;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace perpx::test
