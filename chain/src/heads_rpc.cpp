// RpcClient adapters for the head tracker and the log watcher. Kept apart
// from heads.cpp/logs.cpp so their pure logic links without the RPC client.
#include "perpx/chain/heads.hpp"
#include "perpx/chain/logs.hpp"

namespace perpx::chain {

RpcResult<std::optional<BlockHeader>> RpcHeaderSource::header_by_number(BlockNum n) {
  return rpc_.block_header(BlockRef{n});
}
RpcResult<std::optional<BlockHeader>> RpcHeaderSource::header_by_hash(const Hash32& hash) {
  return rpc_.block_header_by_hash(hash);
}
RpcResult<std::optional<BlockHeader>> RpcHeaderSource::header_by_tag(Tag tag) {
  return rpc_.block_header(BlockRef{tag});
}

RpcResult<std::vector<Log>> RpcLogSource::logs_in_range(const LogFilter& filter, BlockNum from, BlockNum to) {
  return rpc_.get_logs(filter, from, to);
}
RpcResult<std::vector<Log>> RpcLogSource::logs_by_block_hash(const LogFilter& filter, const Hash32& block_hash) {
  return rpc_.get_logs_by_block_hash(filter, block_hash);
}

}  // namespace perpx::chain
