#pragma once
// An in-memory chain with forks, for the pure logic of HeadTracker and
// LogWatcher (the integration tests use a real anvil). Every block ever made
// stays findable by hash (as on a node that keeps side chains); the canonical
// chain is a list of them. Deterministic: hashes are serial numbers.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "perpx/chain/heads.hpp"
#include "perpx/chain/logs.hpp"

namespace perpx::test {

using chain::BlockHeader;
using chain::BlockNum;
using chain::Hash32;
using chain::Log;
using chain::LogFilter;
using chain::RpcError;
using chain::RpcResult;
using chain::Tag;

inline core::Address test_address(uint8_t id) {
  core::Address a;
  a.bytes[19] = id;
  return a;
}
inline Hash32 test_topic(uint8_t id) {
  Hash32 h;
  h.bytes[31] = id;
  return h;
}

class MemoryChain final : public chain::HeaderSource, public chain::LogSource {
 public:
  MemoryChain() { canonical_.push_back(make_block(0, Hash32{}, 0)); }

  // Appends n blocks, each with `logs` logs (alternating emitters 1 and 2).
  void mine(uint64_t n = 1, uint32_t logs = 0) {
    for (uint64_t i = 0; i < n; ++i) canonical_.push_back(make_block(head().number + 1, head().hash, logs));
  }
  // Drops the last `depth` blocks and mines `replacement` new ones in their
  // place (anvil_reorg is replacement == depth).
  void reorg(uint64_t depth, uint64_t replacement, uint32_t logs = 0) {
    canonical_.resize(canonical_.size() - depth);
    mine(replacement, logs);
  }

  [[nodiscard]] const BlockHeader& head() const { return all_[canonical_.back()].header; }
  [[nodiscard]] const BlockHeader& at(BlockNum n) const { return all_[canonical_.at(n)].header; }
  [[nodiscard]] const std::vector<Log>& logs_at(BlockNum n) const { return all_[canonical_.at(n)].logs; }

  // Tags as anvil --slots-in-an-epoch N reports them; unset: no tags (null).
  std::optional<uint64_t> slots_in_epoch;
  // After `fail_after` more calls succeed, the next `fail_calls` calls fail
  // with a retryable timeout.
  int fail_calls = 0;
  int fail_after = 0;
  // Called on every reply of logs, to corrupt it in tests.
  std::function<void(std::vector<Log>&)> tamper_logs;
  uint64_t by_number_calls = 0, by_hash_calls = 0, tag_calls = 0, range_calls = 0, block_log_calls = 0;

  RpcResult<std::optional<BlockHeader>> header_by_number(BlockNum n) override {
    ++by_number_calls;
    if (auto e = injected_failure("eth_getBlockByNumber")) return std::unexpected(*e);
    if (n >= canonical_.size()) return std::optional<BlockHeader>{};
    return std::optional<BlockHeader>{at(n)};
  }
  RpcResult<std::optional<BlockHeader>> header_by_hash(const Hash32& hash) override {
    ++by_hash_calls;
    if (auto e = injected_failure("eth_getBlockByHash")) return std::unexpected(*e);
    if (const Block* b = find(hash)) return std::optional<BlockHeader>{b->header};
    return std::optional<BlockHeader>{};
  }
  RpcResult<std::optional<BlockHeader>> header_by_tag(Tag tag) override {
    ++tag_calls;
    if (auto e = injected_failure("eth_getBlockByNumber")) return std::unexpected(*e);
    const BlockNum latest = head().number;
    if (tag == Tag::kLatest) return std::optional<BlockHeader>{head()};
    if (!slots_in_epoch) return std::optional<BlockHeader>{};
    const uint64_t back = tag == Tag::kSafe ? *slots_in_epoch : 2 * *slots_in_epoch;
    return std::optional<BlockHeader>{at(latest > back ? latest - back : 0)};
  }

  RpcResult<std::vector<Log>> logs_in_range(const LogFilter& filter, BlockNum from, BlockNum to) override {
    ++range_calls;
    if (auto e = injected_failure("eth_getLogs")) return std::unexpected(*e);
    std::vector<Log> out;
    for (BlockNum n = from; n <= to && n < canonical_.size(); ++n) select(out, filter, all_[canonical_[n]]);
    if (tamper_logs) tamper_logs(out);
    return out;
  }
  RpcResult<std::vector<Log>> logs_by_block_hash(const LogFilter& filter, const Hash32& block_hash) override {
    ++block_log_calls;
    if (auto e = injected_failure("eth_getLogs")) return std::unexpected(*e);
    std::vector<Log> out;
    if (const Block* b = find(block_hash)) select(out, filter, *b);
    if (tamper_logs) tamper_logs(out);
    return out;
  }

 private:
  struct Block {
    BlockHeader header;
    std::vector<Log> logs;
  };

  size_t make_block(BlockNum number, const Hash32& parent, uint32_t logs) {
    const uint64_t serial = all_.size();
    Block b;
    b.header.number = number;
    b.header.parent_hash = parent;
    b.header.hash.bytes[0] = 0xb1;
    for (int i = 0; i < 8; ++i) b.header.hash.bytes[31 - i] = static_cast<uint8_t>(serial >> (8 * i));
    b.header.timestamp = 1'700'000'000 + number * 2;
    b.header.base_fee = core::U256(1'000'000'000);
    for (uint32_t i = 0; i < logs; ++i) {
      Log l;
      l.address = test_address(static_cast<uint8_t>(1 + i % 2));
      l.topics = {test_topic(7)};
      l.data = {static_cast<uint8_t>(serial), static_cast<uint8_t>(i)};
      l.block_number = number;
      l.block_hash = b.header.hash;
      l.txn_hash.bytes[0] = static_cast<uint8_t>(i);
      l.txn_index = i;
      l.log_index = i;
      b.logs.push_back(l);
    }
    all_.push_back(std::move(b));
    return all_.size() - 1;
  }
  const Block* find(const Hash32& h) const {
    if (h.bytes[0] != 0xb1) return nullptr;
    uint64_t serial = 0;
    for (int i = 0; i < 8; ++i) serial |= uint64_t{h.bytes[31 - i]} << (8 * i);
    return serial < all_.size() && all_[serial].header.hash == h ? &all_[serial] : nullptr;
  }
  static void select(std::vector<Log>& out, const LogFilter& f, const Block& b) {
    for (const Log& l : b.logs) {
      bool ok = f.addresses.empty() || std::find(f.addresses.begin(), f.addresses.end(), l.address) != f.addresses.end();
      for (size_t i = 0; ok && i < f.topics.size(); ++i)
        ok = f.topics[i].empty() ||
             (i < l.topics.size() && std::find(f.topics[i].begin(), f.topics[i].end(), l.topics[i]) != f.topics[i].end());
      if (ok) out.push_back(l);
    }
  }
  std::optional<RpcError> injected_failure(const char* method) {
    if (fail_calls <= 0) return std::nullopt;
    if (fail_after > 0) {
      --fail_after;
      return std::nullopt;
    }
    --fail_calls;
    RpcError e;
    e.code = chain::RpcErrc::kTimeout;
    e.cls = chain::ErrorClass::kRetryable;
    e.method = method;
    e.message = "injected timeout";
    return e;
  }

  std::vector<Block> all_;
  std::vector<size_t> canonical_;  // index into all_ by block number
};

}  // namespace perpx::test
