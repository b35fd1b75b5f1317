#include "perpx/chain/endpoints.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "perpx/core/hex.hpp"

namespace perpx::chain {

EndpointSet::EndpointSet(std::vector<RpcClient> clients, EndpointPolicy policy) : policy_(policy) {
  if (clients.empty()) throw std::invalid_argument("EndpointSet: no endpoints");
  slots_.reserve(clients.size());
  for (auto& c : clients) {
    Slot s{std::move(c), {}, {}, 0};
    s.h.url = s.client.url();
    slots_.push_back(std::move(s));
  }
}

bool EndpointSet::healthy(const Slot& s) const noexcept {
  return s.h.consecutive_errors < policy_.max_consecutive_errors && s.h.head_lag <= policy_.max_head_lag;
}

std::vector<size_t> EndpointSet::read_order() const {
  std::vector<size_t> order(slots_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Healthy first; among equals the lower EWMA (an endpoint not yet measured
  // counts as 0, so every endpoint gets tried); ties keep the given order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    bool ha = healthy(slots_[a]), hb = healthy(slots_[b]);
    if (ha != hb) return ha;
    return slots_[a].h.latency_ewma_us < slots_[b].h.latency_ewma_us;
  });
  return order;
}

void EndpointSet::record(size_t i, std::chrono::steady_clock::duration took, const RpcError* err) {
  Slot& s = slots_[i];
  ++s.h.calls;
  if (err != nullptr) {
    if (err->cls == ErrorClass::kRetryable || err->cls == ErrorClass::kFatal || err->cls == ErrorClass::kOutcomeUnknown) {
      ++s.h.errors;
      ++s.h.consecutive_errors;
    }
    return;
  }
  s.h.consecutive_errors = 0;
  double us = std::chrono::duration<double, std::micro>(took).count();
  s.h.latency_ewma_us = s.n_samples == 0 ? us : policy_.ewma_alpha * us + (1 - policy_.ewma_alpha) * s.h.latency_ewma_us;
  s.samples[s.n_samples % s.samples.size()] = us;
  ++s.n_samples;
}

RpcResult<core::Json> EndpointSet::request(std::string_view method, core::Json params) {
  if (is_send_method(method)) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = slots_[send_index_].client.request(method, std::move(params));
    record(send_index_, std::chrono::steady_clock::now() - t0, r ? nullptr : &r.error());
    return r;
  }
  return read([&](RpcClient& c) { return c.request(method, params); });
}

RpcResult<BlockNum> EndpointSet::refresh_heads() {
  RpcResult<BlockNum> best = std::unexpected(RpcError{});
  for (size_t i = 0; i < slots_.size(); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = slots_[i].client.block_number();
    record(i, std::chrono::steady_clock::now() - t0, r ? nullptr : &r.error());
    if (!r) {
      if (!best) best = std::unexpected(std::move(r.error()));
      continue;
    }
    slots_[i].h.head = *r;
    best_head_ = std::max(best_head_, *r);
    if (!best || *r > *best) best = *r;
  }
  for (auto& s : slots_) s.h.head_lag = s.h.head ? best_head_ - std::min(best_head_, *s.h.head) : 0;
  if (best) return best_head_;
  return best;
}

RpcResult<Hash32> EndpointSet::agreed_block_hash(BlockNum n, size_t k) {
  RpcError e;
  e.method = "eth_getBlockByNumber";
  if (k == 0 || k > slots_.size()) {
    e.cls = ErrorClass::kFatal;
    e.message = "agreement of " + std::to_string(k) + " asked from " + std::to_string(slots_.size()) + " endpoints";
    return std::unexpected(e);
  }
  std::map<std::string, size_t> votes;  // hex hash -> endpoints
  size_t answers = 0, failures = 0;
  for (size_t i : read_order()) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = slots_[i].client.block_header(n);
    record(i, std::chrono::steady_clock::now() - t0, r ? nullptr : &r.error());
    if (!r || !r->has_value()) {
      ++failures;
      continue;
    }
    ++answers;
    if (++votes[core::to_hex((*r)->hash)] >= k) return (*r)->hash;
  }
  e.cls = ErrorClass::kRetryable;
  e.message = "no " + std::to_string(k) + "-of-" + std::to_string(slots_.size()) + " agreement on block " +
              std::to_string(n) + ": " + std::to_string(answers) + " answers with " + std::to_string(votes.size()) +
              " distinct hashes, " + std::to_string(failures) + " without a block";
  return std::unexpected(e);
}

RpcResult<Hash32> EndpointSet::send_raw_transaction(core::ByteView raw) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = slots_[send_index_].client.send_raw_transaction(raw);
  record(send_index_, std::chrono::steady_clock::now() - t0, r ? nullptr : &r.error());
  return r;
}

void EndpointSet::pin_send_endpoint(size_t i) {
  if (i >= slots_.size()) throw std::out_of_range("EndpointSet::pin_send_endpoint");
  send_index_ = i;
}

std::vector<EndpointHealth> EndpointSet::health() const {
  std::vector<EndpointHealth> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) {
    EndpointHealth h = s.h;
    size_t n = std::min(s.n_samples, s.samples.size());
    if (n > 0) {
      std::array<double, 64> tmp = s.samples;
      std::nth_element(tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(n / 2), tmp.begin() + static_cast<std::ptrdiff_t>(n));
      h.latency_p50_us = tmp[n / 2];
    }
    h.healthy = healthy(s);
    out.push_back(std::move(h));
  }
  return out;
}

RpcResult<std::optional<BlockHeader>> EndpointHeaderSource::header_by_number(BlockNum n) {
  return set_.read([&](RpcClient& c) { return c.block_header(BlockRef{n}); });
}
RpcResult<std::optional<BlockHeader>> EndpointHeaderSource::header_by_hash(const Hash32& hash) {
  return set_.read([&](RpcClient& c) { return c.block_header_by_hash(hash); });
}
RpcResult<std::optional<BlockHeader>> EndpointHeaderSource::header_by_tag(Tag tag) {
  return set_.read([&](RpcClient& c) { return c.block_header(BlockRef{tag}); });
}

}  // namespace perpx::chain
