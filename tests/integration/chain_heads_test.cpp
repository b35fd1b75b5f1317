// HeadTracker and LogWatcher against a real anvil (--slots-in-an-epoch 2:
// safe = latest-2, finalized = latest-4). Blocks carry logs from a tiny
// hand-written contract; reorgs are made with anvil_reorg [depth, [[txn,
// block offset], ...]], which replaces the last `depth` blocks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "value_of.hpp"
#include "perpx/chain/heads.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/chain/logs.hpp"
#include "perpx/core/hex.hpp"

using namespace perpx;
using namespace perpx::chain;
using core::Json;

using perpx::test::value_of;

namespace {

// Init code: CODECOPY the 13-byte runtime and RETURN it. Runtime: copy the
// calldata to memory and LOG1(topic 0x2a) it, on any call.
//   init:    600d 80 600b 6000 39 6000 f3
//   runtime: 36 6000 6000 37 602a 36 6000 a1 00
constexpr std::string_view kEmitterInit = "0x600d80600b6000396000f3366000600037602a366000a100";

std::string hex_of(const Address& a) { return core::to_hex(a.view()); }

Json txn(const Address& from, const Address& to, uint8_t tag) {
  return Json::object({{"from", hex_of(from)}, {"to", hex_of(to)}, {"data", core::to_hex(Bytes{0xbe, tag})}});
}

struct Harness {
  LocalChain node;
  RpcClient rpc;
  RpcHeaderSource header_source{rpc};
  RpcLogSource log_source{rpc};
  Address from;
  Address emitter;
  BlockNum start = 0;
  LogFilter filter;
  std::vector<HeadEvent> events;
  std::vector<Log> logs;
  std::vector<std::pair<Hash32, uint64_t>> live;  // (block hash, log index) delivered and not removed
  std::optional<LogWatcher> watcher;
  std::optional<HeadTracker> heads;

  static LocalChainOptions options() {
    LocalChainOptions o;
    o.slots_in_an_epoch = 2;
    return o;
  }

  Harness() : node(options()), rpc(node.client()) {
    from = node.accounts().at(0);
    auto receipt = send(Json::object({{"from", hex_of(from)}, {"data", kEmitterInit}}));
    REQUIRE(receipt.success);
    emitter = receipt.contract_address.value();
    start = receipt.block_number;
    filter.addresses = {emitter};
    watcher.emplace(log_source, filter, start, [this](const Log& l) { on_log(l); });
    HeadTrackerOptions ho;
    ho.seed = 16;
    heads.emplace(header_source, [this](const HeadEvent& e) {
      events.push_back(e);
      watcher->on_event(e);
    }, ho);
  }

  void on_log(const Log& l) {
    logs.push_back(l);
    const auto key = std::make_pair(l.block_hash, l.log_index);
    const auto it = std::find(live.begin(), live.end(), key);
    if (l.removed) {
      REQUIRE(it != live.end());  // a removal is of a delivered log
      live.erase(it);
    } else {
      REQUIRE(it == live.end());  // never delivered twice
      live.push_back(key);
    }
  }

  // eth_sendTransaction (anvil's unlocked dev account) and its receipt: anvil
  // answers the send before the automined block is in, so wait (bounded).
  Receipt send(Json request) {
    auto h = value_of(rpc.request("eth_sendTransaction", Json::array({std::move(request)})));
    const Hash32 hash = *core::parse_hash32(h.get<std::string>());
    for (int i = 0; i < 400; ++i) {
      if (auto r = value_of(rpc.transaction_receipt(hash))) return *r;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL("no receipt after 2 s");
    return {};
  }
  void call(uint8_t tag) { REQUIRE(send(txn(from, emitter, tag)).success); }
  void mine(uint64_t n) {
    char q[24];
    std::snprintf(q, sizeof q, "0x%llx", static_cast<unsigned long long>(n));
    value_of(rpc.request("anvil_mine", Json::array({std::string(q)})));
  }
  void step() {
    if (auto r = heads->poll(); !r) FAIL(to_string(r.error()));
    if (auto r = watcher->drain(); !r) FAIL(to_string(r.error()));
  }
  BlockHeader tag(Tag t) { return value_of(rpc.block_header(t)).value(); }

  // The logs the node reports now for [start, tip] must be exactly the live
  // ones; safe and finalized must be the node's tags.
  void check_against_node() {
    auto want = value_of(rpc.get_logs(filter, start, heads->tip()));
    std::vector<std::pair<Hash32, uint64_t>> w;
    for (const Log& l : want) w.emplace_back(l.block_hash, l.log_index);
    auto got = live;
    auto less = [](const auto& a, const auto& b) { return std::tie(a.first.bytes, a.second) < std::tie(b.first.bytes, b.second); };
    std::sort(w.begin(), w.end(), less);
    std::sort(got.begin(), got.end(), less);
    CHECK(got == w);
    CHECK(heads->at(heads->tip())->hash == tag(Tag::kLatest).hash);
    CHECK(heads->safe() == tag(Tag::kSafe).number);
    CHECK(heads->finalized() == tag(Tag::kFinalized).number);
  }
};

template <class T>
std::vector<T> all_of(const std::vector<HeadEvent>& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
  return out;
}

}  // namespace

TEST_CASE("heads and logs follow anvil: blocks in order, gaps filled, repeated heads ignored",
          "[anvil][chain][heads]") {
  Harness h;
  h.step();
  for (uint8_t i = 0; i < 6; ++i) {
    h.call(i);
    h.step();
  }
  h.events.clear();
  h.mine(7);  // one poll sees a gap of 7
  h.call(0x40);
  h.step();
  const auto adv = all_of<Advance>(h.events);
  REQUIRE(adv.size() == 8);
  for (size_t i = 1; i < adv.size(); ++i) {
    CHECK(adv[i].header.number == adv[i - 1].header.number + 1);
    CHECK(adv[i].header.parent_hash == adv[i - 1].header.hash);
  }
  CHECK(all_of<Reorg>(h.events).empty());
  h.events.clear();
  h.step();  // same head again
  CHECK(h.events.empty());
  CHECK(h.logs.size() == 7);
  CHECK(h.logs.back().data == Bytes{0xbe, 0x40});
  CHECK(h.logs.back().topics == std::vector<Hash32>{*core::parse_hash32(
                                    "0x000000000000000000000000000000000000000000000000000000000000002a")});
  h.check_against_node();
}

TEST_CASE("anvil_reorg of depth 1 to 5: exact depth and unwind point, logs removed and re-delivered once",
          "[anvil][chain][heads][logs]") {
  Harness h;
  h.step();
  uint8_t tag = 0;
  for (int i = 0; i < 8; ++i) {
    h.call(tag++);
    h.step();
  }
  h.check_against_node();
  for (uint64_t depth = 1; depth <= 5; ++depth) {
    INFO("depth " << depth);
    // Fresh blocks with logs, so the reorg orphans logs.
    for (uint64_t i = 0; i < depth; ++i) {
      h.call(tag++);
      h.step();
    }
    const BlockNum tip = h.heads->tip();
    const Hash32 old_tip = h.heads->at(tip)->hash;
    size_t orphaned_logs = 0;
    for (const Log& l : h.logs)
      if (!l.removed && l.block_number > tip - depth) ++orphaned_logs;
    CHECK(orphaned_logs == depth);  // one per fresh block
    h.events.clear();
    h.logs.clear();
    // New branch: a log in its first and its last block.
    Json pairs = Json::array({Json::array({txn(h.from, h.emitter, tag++), 0})});
    if (depth > 1) pairs.push_back(Json::array({txn(h.from, h.emitter, tag++), depth - 1}));
    value_of(h.rpc.request("anvil_reorg", Json::array({depth, pairs})));
    h.step();

    const auto reorgs = all_of<Reorg>(h.events);
    REQUIRE(reorgs.size() == 1);
    CHECK(reorgs[0].depth == depth);
    CHECK(reorgs[0].unwind_to == tip - depth);
    CHECK(reorgs[0].old_hash == old_tip);
    CHECK(reorgs[0].new_hash == h.tag(Tag::kLatest).hash);
    // finalized = latest-4: a reorg of 5 drops a finalized block.
    const auto violations = all_of<FinalityViolation>(h.events);
    CHECK(violations.size() == (depth > 4 ? 1u : 0u));
    if (!violations.empty()) {
      CHECK(violations[0].unwind_to == tip - depth);
      CHECK(violations[0].finalized == tip - 4);
      CHECK(std::holds_alternative<FinalityViolation>(h.events[0]));
    }
    const auto adv = all_of<Advance>(h.events);
    REQUIRE(adv.size() == depth);
    CHECK(adv.front().header.number == tip - depth + 1);
    CHECK(adv.back().header.number == tip);

    // Removed first, newest first, exactly the orphaned ones; then the new ones.
    size_t removed = 0;
    while (removed < h.logs.size() && h.logs[removed].removed) ++removed;
    CHECK(removed == orphaned_logs);
    for (size_t i = 0; i < removed; ++i) {
      CHECK(h.logs[i].block_number > tip - depth);
      if (i > 0) CHECK(h.logs[i].block_number <= h.logs[i - 1].block_number);
    }
    CHECK(h.logs.size() - removed == (depth > 1 ? 2u : 1u));
    for (size_t i = removed; i < h.logs.size(); ++i) CHECK_FALSE(h.logs[i].removed);
    h.check_against_node();

    // Mining on after the reorg continues normally.
    h.events.clear();
    h.mine(1);
    h.step();
    CHECK(all_of<Reorg>(h.events).empty());
    CHECK(all_of<Advance>(h.events).size() == 1);
    h.check_against_node();
  }
}

TEST_CASE("safe and finalized from anvil's tags, and by confirmation depth", "[anvil][chain][heads][finality]") {
  Harness h;
  h.mine(10);
  h.step();
  CHECK(h.heads->safe() == h.heads->tip() - 2);
  CHECK(h.heads->finalized() == h.heads->tip() - 4);
  h.events.clear();
  h.mine(3);
  h.step();
  const auto safe = all_of<Safe>(h.events);
  const auto fin = all_of<Finalized>(h.events);
  REQUIRE(safe.size() == 1);  // one poll, one step of each
  REQUIRE(fin.size() == 1);
  CHECK(safe[0].block_num == h.tag(Tag::kSafe).number);
  CHECK(fin[0].block_num == h.tag(Tag::kFinalized).number);
  h.check_against_node();

  // The same node followed by depth: safe = finalized = tip - 3.
  std::vector<HeadEvent> events;
  HeadTrackerOptions o;
  o.confirmations = 3;
  HeadTracker by_depth(h.header_source, [&](const HeadEvent& e) { events.push_back(e); }, o);
  REQUIRE(by_depth.poll());
  CHECK(by_depth.safe() == by_depth.tip() - 3);
  CHECK(by_depth.finalized() == by_depth.tip() - 3);
}
