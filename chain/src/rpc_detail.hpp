#pragma once
// Between rpc.cpp and logs_reply.cpp: the general (nlohmann) reading of an
// eth_getLogs reply, which the fast reader defers to.
#include <string_view>
#include <vector>

#include "perpx/chain/rpc.hpp"

namespace perpx::chain::detail {

// parse_json, check_reply against `id`, parse_log of each element; errors
// name eth_getLogs (kBadReply for a reply that is not JSON-RPC, kBadResult
// for a log of the wrong shape, the node's classified error otherwise).
RpcResult<std::vector<Log>> general_logs_reply(std::string_view body, uint64_t id);

}  // namespace perpx::chain::detail
