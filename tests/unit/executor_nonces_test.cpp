// NonceManager: reservation without reuse, gaps from released nonces, reorgs
// that drop included transactions, and the chain's counts as the truth.
#include <catch2/catch.hpp>

#include "perpx/executor/nonces.hpp"

using namespace perpx;
using executor::NonceErrc;
using executor::NonceManager;
using executor::NonceState;

namespace {

chain::Hash32 h(uint8_t b) {
  chain::Hash32 x;
  x.bytes.fill(b);
  return x;
}

NonceState state_of(const NonceManager& m, uint64_t n) {
  auto s = m.slot(n);
  REQUIRE(s.has_value());
  return s->state;
}

}  // namespace

TEST_CASE("nonces are reserved in order and never twice", "[executor][nonces]") {
  NonceManager m(7);
  CHECK(m.reserve() == 7);
  CHECK(m.reserve() == 8);
  CHECK(m.reserve() == 9);
  CHECK(m.next() == 10);
  REQUIRE(m.sent(7, h(1)));
  REQUIRE(m.sent(8, h(2)));
  CHECK(m.in_flight() == 2);
  REQUIRE(m.sent(8, h(3)));  // a replacement: same nonce, new hash
  CHECK(m.slot(8)->txn_hash == h(3));
  CHECK(m.in_flight() == 2);
}

TEST_CASE("a released nonce at the top is reused, below the top it is a gap to fill", "[executor][nonces]") {
  NonceManager m(0);
  for (int i = 0; i < 4; ++i) m.reserve();
  REQUIRE(m.sent(0, h(1)));
  REQUIRE(m.release(3));
  CHECK(m.next() == 3);  // 3 comes back
  REQUIRE(m.release(1));
  CHECK(m.next() == 3);  // 1 cannot: 2 is above it
  CHECK(m.gaps() == std::vector<uint64_t>{1});
  REQUIRE(m.fill_gap(1));  // a cancelling self-transfer takes it
  CHECK(state_of(m, 1) == NonceState::kReserved);
  CHECK(m.gaps().empty());
  REQUIRE(m.release(2));
  REQUIRE(m.release(1));
  CHECK(m.next() == 1);  // both at the top now: 2 then 1 come back
  CHECK(m.reserve() == 1);
}

TEST_CASE("a reorg puts included nonces back in flight for rebroadcast", "[executor][nonces]") {
  NonceManager m(0);
  for (uint64_t n = 0; n < 3; ++n) {
    m.reserve();
    REQUIRE(m.sent(n, h(static_cast<uint8_t>(n + 1))));
  }
  REQUIRE(m.included(0, 10, h(0xa0), h(1)));
  REQUIRE(m.included(1, 11, h(0xa1), h(2)));
  REQUIRE(m.included(2, 12, h(0xa2), h(3)));
  CHECK(m.in_flight() == 0);
  CHECK(m.unwound(10) == std::vector<uint64_t>{1, 2});
  CHECK(state_of(m, 0) == NonceState::kIncluded);
  CHECK(state_of(m, 1) == NonceState::kSent);
  CHECK(m.slot(2)->block_num == 0);
  CHECK(m.in_flight() == 2);
  // Re-included on the new branch, then finalized and forgotten.
  REQUIRE(m.included(1, 11, h(0xb1), h(2)));
  REQUIRE(m.included(2, 11, h(0xb1), h(3)));
  m.finalized(11);
  CHECK(m.slots().empty());
  CHECK(m.next() == 3);
}

TEST_CASE("finalization forgets only a prefix", "[executor][nonces]") {
  NonceManager m(0);
  for (uint64_t n = 0; n < 3; ++n) {
    m.reserve();
    REQUIRE(m.sent(n, h(1)));
  }
  REQUIRE(m.included(0, 5, h(0xa), h(1)));
  REQUIRE(m.included(2, 5, h(0xa), h(1)));
  m.finalized(5);
  CHECK(!m.slot(0).has_value());
  CHECK(m.slot(1).has_value());  // 1 still pending: 2 stays tracked too
  CHECK(m.slot(2).has_value());
}

TEST_CASE("the chain's counts win: nonces used elsewhere become external", "[executor][nonces]") {
  NonceManager m(5);
  m.reserve();  // 5
  m.reserve();  // 6
  REQUIRE(m.sent(5, h(1)));
  // Another process with this key sent 5, 6 and 7 (or our reply was lost).
  CHECK(m.sync(8, 9) == std::vector<uint64_t>{5, 6});
  CHECK(state_of(m, 5) == NonceState::kExternal);
  CHECK(m.next() == 9);
  CHECK(m.reserve() == 9);
  // Reconciled by hash: 5 was ours after all.
  REQUIRE(m.included(5, 20, h(0xc), h(1)));
  CHECK(state_of(m, 5) == NonceState::kIncluded);
  // A sync never lowers next, and a release never goes below what is mined.
  CHECK(m.sync(8, 8).empty());
  CHECK(m.next() == 10);
  REQUIRE(m.release(9));
  CHECK(m.next() == 9);
}

TEST_CASE("nonce errors", "[executor][nonces]") {
  NonceManager m(0);
  CHECK(m.release(4).error() == NonceErrc::kUnknown);
  CHECK(m.sent(4, h(1)).error() == NonceErrc::kUnknown);
  CHECK(m.included(4, 1, h(1), h(1)).error() == NonceErrc::kUnknown);
  CHECK(m.fill_gap(4).error() == NonceErrc::kUnknown);
  m.reserve();
  CHECK(m.included(0, 1, h(1), h(1)).error() == NonceErrc::kWrongState);  // never sent
  CHECK(m.fill_gap(0).error() == NonceErrc::kWrongState);                // not a gap
  REQUIRE(m.sent(0, h(1)));
  CHECK(m.release(0).error() == NonceErrc::kWrongState);  // a sent nonce cannot be taken back
  for (NonceErrc e : {NonceErrc::kUnknown, NonceErrc::kWrongState}) CHECK(executor::describe(e) != "?");
  for (NonceState s : {NonceState::kReserved, NonceState::kSent, NonceState::kIncluded, NonceState::kReleased,
                       NonceState::kExternal})
    CHECK(executor::nonce_state_name(s) != "?");
}
