#include "perpx/executor/nonces.hpp"

#include <algorithm>

namespace perpx::executor {

std::string_view nonce_state_name(NonceState s) noexcept {
  switch (s) {
    case NonceState::kReserved: return "reserved";
    case NonceState::kSent: return "sent";
    case NonceState::kIncluded: return "included";
    case NonceState::kReleased: return "released";
    case NonceState::kExternal: return "external";
  }
  return "?";
}

std::string_view describe(NonceErrc e) noexcept {
  switch (e) {
    case NonceErrc::kUnknown: return "nonce not held by this manager";
    case NonceErrc::kWrongState: return "nonce is not in a state that allows this";
  }
  return "?";
}

uint64_t NonceManager::reserve() {
  const uint64_t n = next_++;
  const NonceSlot fresh{n, NonceState::kReserved, {}, 0, {}};
  if (spare_.empty() || slots_.contains(n)) {
    slots_[n] = fresh;
    return n;
  }
  Slots::node_type node = std::move(spare_.back());
  spare_.pop_back();
  node.key() = n;
  node.mapped() = fresh;
  slots_.insert(std::move(node));
  return n;
}

void NonceManager::forget(Slots::iterator it) {
  if (spare_.size() < 64) spare_.push_back(slots_.extract(it));
  else slots_.erase(it);
}

std::expected<void, NonceErrc> NonceManager::release(uint64_t nonce) {
  auto it = slots_.find(nonce);
  if (it == slots_.end()) return std::unexpected(NonceErrc::kUnknown);
  if (it->second.state != NonceState::kReserved) return std::unexpected(NonceErrc::kWrongState);
  it->second.state = NonceState::kReleased;
  // Released slots at the top are simply not used: next comes back down.
  while (next_ > floor_) {
    auto top = slots_.find(next_ - 1);
    if (top == slots_.end() || top->second.state != NonceState::kReleased) break;
    forget(top);
    --next_;
  }
  return {};
}

std::expected<void, NonceErrc> NonceManager::sent(uint64_t nonce, const chain::Hash32& txn_hash) {
  auto it = slots_.find(nonce);
  if (it == slots_.end()) return std::unexpected(NonceErrc::kUnknown);
  NonceSlot& s = it->second;
  // A replacement (same nonce, new hash) is a send of a sent slot.
  if (s.state != NonceState::kReserved && s.state != NonceState::kSent) return std::unexpected(NonceErrc::kWrongState);
  s.state = NonceState::kSent;
  s.txn_hash = txn_hash;
  return {};
}

std::expected<void, NonceErrc> NonceManager::included(uint64_t nonce, chain::BlockNum block,
                                                      const chain::Hash32& block_hash, const chain::Hash32& txn_hash) {
  auto it = slots_.find(nonce);
  if (it == slots_.end()) return std::unexpected(NonceErrc::kUnknown);
  NonceSlot& s = it->second;
  // External slots may turn out to be ours once reconciled by hash.
  if (s.state != NonceState::kSent && s.state != NonceState::kExternal) return std::unexpected(NonceErrc::kWrongState);
  s.state = NonceState::kIncluded;
  s.block_num = block;
  s.block_hash = block_hash;
  s.txn_hash = txn_hash;
  return {};
}

std::vector<uint64_t> NonceManager::gaps() const {
  std::vector<uint64_t> out;
  for (const auto& [n, s] : slots_)
    if (s.state == NonceState::kReleased) out.push_back(n);
  return out;
}

std::expected<void, NonceErrc> NonceManager::fill_gap(uint64_t nonce) {
  auto it = slots_.find(nonce);
  if (it == slots_.end()) return std::unexpected(NonceErrc::kUnknown);
  if (it->second.state != NonceState::kReleased) return std::unexpected(NonceErrc::kWrongState);
  it->second.state = NonceState::kReserved;
  return {};
}

std::vector<uint64_t> NonceManager::unwound(chain::BlockNum unwind_to) {
  std::vector<uint64_t> out;
  for (auto& [n, s] : slots_) {
    if (s.state == NonceState::kIncluded && s.block_num > unwind_to) {
      s.state = NonceState::kSent;
      s.block_num = 0;
      s.block_hash = {};
      out.push_back(n);
    }
  }
  return out;
}

std::expected<void, NonceErrc> NonceManager::not_included(uint64_t nonce) {
  auto it = slots_.find(nonce);
  if (it == slots_.end() || it->second.state != NonceState::kIncluded) return std::unexpected(NonceErrc::kWrongState);
  it->second.state = NonceState::kSent;
  it->second.block_num = 0;
  it->second.block_hash = {};
  return {};
}

void NonceManager::finalized(chain::BlockNum block) {
  // Only a prefix can go: a slot above a live one still matters for gaps.
  for (auto it = slots_.begin(); it != slots_.end();) {
    const NonceSlot& s = it->second;
    if (s.state != NonceState::kIncluded || s.block_num > block) break;
    floor_ = std::max(floor_, s.nonce + 1);
    forget(it++);
  }
}

std::vector<uint64_t> NonceManager::sync(uint64_t latest_count, uint64_t pending_count) {
  std::vector<uint64_t> out;
  for (auto& [n, s] : slots_) {
    if (n >= latest_count) break;
    // Mined below the count, and not seen included by us: used by someone,
    // maybe by our own send whose reply was lost. The caller reconciles.
    if (s.state == NonceState::kReserved || s.state == NonceState::kSent || s.state == NonceState::kReleased) {
      s.state = NonceState::kExternal;
      out.push_back(n);
    }
  }
  // Never hand out what the chain (or its pool) already has; never let a
  // release bring next below what is mined.
  next_ = std::max({next_, latest_count, pending_count});
  floor_ = std::max(floor_, latest_count);
  return out;
}

std::optional<NonceSlot> NonceManager::slot(uint64_t nonce) const {
  auto it = slots_.find(nonce);
  if (it == slots_.end()) return std::nullopt;
  return it->second;
}

std::vector<NonceSlot> NonceManager::slots() const {
  std::vector<NonceSlot> out;
  out.reserve(slots_.size());
  for (const auto& [n, s] : slots_) out.push_back(s);
  return out;
}

size_t NonceManager::in_flight() const noexcept {
  size_t k = 0;
  for (const auto& [n, s] : slots_) k += s.state == NonceState::kSent ? 1 : 0;
  return k;
}

}  // namespace perpx::executor
