#pragma once
// What the drills share: their result (JSON lines, the summary last, and
// whether every invariant held) and the check a test runs while the drill's
// chain is still up.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "perpx/chain/rpc.hpp"

namespace perpx::app {

struct DrillResult {
  std::vector<core::Json> lines;  // the command's JSON lines, the summary last
  bool ok = false;
  std::string why;  // when not ok: the first invariant that failed
};

// Called after the drill with the chain still up (the drill's own RPC client).
using DrillCheck = std::function<void(chain::RpcClient& rpc, const DrillResult& result)>;

}  // namespace perpx::app
