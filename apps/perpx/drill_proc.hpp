#pragma once
// What the process drills (crash, soak) share: real `perpx` child processes
// (this binary, or another named one) started with extra environment, waited
// for with a bound, SIGKILLed; and the chain's own account of a trader's
// fills (OrderFilled logs of the venue, by signed size), read without perpx.
//
// Children: stdout to /dev/null, stderr to `stderr_path` (appended) or
// /dev/null; PERPX_DRILL_FAILPOINT is only set when env_extra sets it.
// Failures to start a child throw CliError. One thread; allocates.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "perpx/chain/rpc.hpp"

namespace perpx::app {

// exe empty: this binary (/proc/self/exe).
pid_t spawn_perpx(const std::string& exe, const std::vector<std::string>& args,
                  const std::vector<std::string>& env_extra, const std::string& stderr_path = "");

// Waits for pid (bounded); kills it at `kill_after` if still running. True when it died by SIGKILL.
bool wait_child(pid_t pid, std::chrono::milliseconds kill_after);

// Non-blocking: the wait status once pid has ended, else empty.
std::optional<int> reap_child(pid_t pid);

// OrderFilled of `account` on `venue` in [from, to], counted by signed size
// (core::wad_to_string of size_delta): a drill gives each order its own size.
std::map<std::string, int> fills_by_size(chain::RpcClient& rpc, const chain::Address& venue,
                                         const chain::Address& account, chain::BlockNum from, chain::BlockNum to);

}  // namespace perpx::app
