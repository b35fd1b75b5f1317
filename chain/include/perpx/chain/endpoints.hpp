#pragma once
// Several RPC endpoints for one chain: health, failover for reads, k-of-n
// agreement on block hashes, and sends pinned to one endpoint.
//
// Health per endpoint: calls, errors (retryable or fatal failures only: a
// revert or a nonce error is a healthy node saying no), consecutive errors,
// latency of successful calls (EWMA and p50 of the last 64), and head lag
// behind the best head seen by refresh_heads(). An endpoint is healthy while
// it has fewer than max_consecutive_errors failures in a row and lags at most
// max_head_lag blocks.
//
// Reads go to healthy endpoints first, fastest (EWMA) first, then to the
// unhealthy ones (so a set whose nodes are all degraded still answers). A read
// moves to the next endpoint on a kRetryable or kFatal error (after that
// client's own retries: give the clients max_attempts = 1 for the quickest
// failover) and stops on any other error. A send goes only to the pinned
// endpoint (endpoint 0 unless re-pinned): a transaction and its replacements
// never reach the network through two nodes, so its fate is read from one.
//
// Thread: one thread at a time. Allocates.
#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "perpx/chain/heads.hpp"
#include "perpx/chain/rpc.hpp"

namespace perpx::chain {

struct EndpointPolicy {
  uint32_t max_consecutive_errors = 3;
  uint64_t max_head_lag = 3;  // blocks behind the best head seen
  double ewma_alpha = 0.2;
};

struct EndpointHealth {
  std::string url;  // redacted (no path or key)
  uint64_t calls = 0;
  uint64_t errors = 0;
  uint32_t consecutive_errors = 0;
  double latency_ewma_us = 0;  // successful calls only; 0 before the first
  double latency_p50_us = 0;   // of the last 64 successful calls
  std::optional<BlockNum> head;
  uint64_t head_lag = 0;
  bool healthy = true;
};

class EndpointSet {
 public:
  // clients: at least one.
  explicit EndpointSet(std::vector<RpcClient> clients, EndpointPolicy policy = {});

  [[nodiscard]] size_t size() const noexcept { return slots_.size(); }
  [[nodiscard]] RpcClient& client(size_t i) { return slots_.at(i).client; }

  // Runs f(RpcClient&) -> RpcResult<T> with failover (see above).
  template <class F>
  auto read(F&& f) -> decltype(f(std::declval<RpcClient&>()));

  // A raw call: sends (is_send_method) go to the pinned endpoint only,
  // everything else is a read with failover.
  RpcResult<core::Json> request(std::string_view method, core::Json params);

  // eth_blockNumber on every endpoint; updates heads and lags. Returns the
  // best head, or the last error when no endpoint answered.
  RpcResult<BlockNum> refresh_heads();

  // The hash that at least k endpoints report for block n (asks endpoints
  // until k agree). Without agreement: kNodeError, retryable, naming the
  // answers seen. k must be in 1..size() (else kNodeError, fatal).
  RpcResult<Hash32> agreed_block_hash(BlockNum n, size_t k);

  // eth_sendRawTransaction through the pinned endpoint; never fails over.
  RpcResult<Hash32> send_raw_transaction(core::ByteView raw);
  [[nodiscard]] size_t send_endpoint() const noexcept { return send_index_; }
  // Re-pins sends (e.g. once the pinned node is down and every pending
  // transaction sent through it has been reconciled).
  void pin_send_endpoint(size_t i);

  [[nodiscard]] std::vector<EndpointHealth> health() const;
  // The endpoint a read goes to first now (healthy, fastest).
  [[nodiscard]] size_t preferred() const { return read_order().front(); }

 private:
  struct Slot {
    RpcClient client;
    EndpointHealth h;
    std::array<double, 64> samples{};
    size_t n_samples = 0;
  };
  [[nodiscard]] std::vector<size_t> read_order() const;
  [[nodiscard]] bool healthy(const Slot& s) const noexcept;
  void record(size_t i, std::chrono::steady_clock::duration took, const RpcError* err);

  std::vector<Slot> slots_;
  EndpointPolicy policy_;
  size_t send_index_ = 0;
  BlockNum best_head_ = 0;
};

// HeaderSource over an EndpointSet: every header read fails over as read()
// does, and counts toward the endpoints' health. The set must outlive it.
class EndpointHeaderSource final : public HeaderSource {
 public:
  explicit EndpointHeaderSource(EndpointSet& set) : set_(set) {}
  RpcResult<std::optional<BlockHeader>> header_by_number(BlockNum n) override;
  RpcResult<std::optional<BlockHeader>> header_by_hash(const Hash32& hash) override;
  RpcResult<std::optional<BlockHeader>> header_by_tag(Tag tag) override;

 private:
  EndpointSet& set_;
};

template <class F>
auto EndpointSet::read(F&& f) -> decltype(f(std::declval<RpcClient&>())) {
  decltype(f(std::declval<RpcClient&>())) last = std::unexpected(RpcError{});
  for (size_t i : read_order()) {
    auto t0 = std::chrono::steady_clock::now();
    last = f(slots_[i].client);
    record(i, std::chrono::steady_clock::now() - t0, last ? nullptr : &last.error());
    if (last || (last.error().cls != ErrorClass::kRetryable && last.error().cls != ErrorClass::kFatal)) return last;
  }
  return last;
}

}  // namespace perpx::chain
