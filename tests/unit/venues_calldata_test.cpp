// The venue's order-path calldata (typed words, ref_venue.cpp) against the
// generic ABI codec (chain::encode_call with Json args) on many random orders
// with edge values: the bytes must be equal, and the generic decoder must
// give the typed fields back.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "perpx/chain/abi.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/venues/ref_venue.hpp"

using namespace perpx;
using core::I256;
using core::Json;
using core::U256;
using venues::VenueOrder;

namespace {

constexpr std::string_view kPlaceOrder = "placeOrder(uint256,int256,uint256,uint256)";
constexpr std::string_view kPlaceOrders = "placeOrders((uint256,int256,uint256,uint256)[])";
constexpr std::string_view kReveal = "revealOrder(uint256,int256,uint256,bytes32,uint256)";
constexpr std::string_view kSubmitBatch = "submitBatchOrder(uint256,int256,uint256,uint256)";

// Edge values first, then random ones: every field is drawn independently.
class Orders {
 public:
  explicit Orders(uint64_t seed) : rng_(seed) {}

  U256 u256() {
    static const U256 edges[] = {U256{0}, U256{1}, U256::max(), U256{1ull << 63, 0, 0, 0}, U256{~0ull}, U256{0, 0, 1, 0}};
    switch (rng_() % 4) {
      case 0: return edges[rng_() % std::size(edges)];
      case 1: return U256{rng_()};
      default: return U256{rng_(), rng_(), rng_(), rng_()};
    }
  }
  I256 i256() {
    static const I256 edges[] = {I256{0}, I256{1}, I256{-1}, I256::max(), -I256::max() - I256{1},
                                 I256{INT64_MIN}, I256{INT64_MAX}};
    switch (rng_() % 4) {
      case 0: return edges[rng_() % std::size(edges)];
      case 1: return I256{static_cast<int64_t>(rng_())};  // either sign, within 64 bits
      default: return I256::from_u256(u256());            // any 256-bit pattern, either sign
    }
  }
  uint64_t u64() {
    static const uint64_t edges[] = {0, 1, ~0ull, 1ull << 63};
    return rng_() % 3 == 0 ? edges[rng_() % std::size(edges)] : rng_();
  }
  VenueOrder order() { return {u64(), i256(), u256(), u64()}; }
  core::Hash32 hash() {
    core::Hash32 h;
    for (auto& b : h.bytes) b = static_cast<uint8_t>(rng_());
    return h;
  }
  size_t below(size_t n) { return static_cast<size_t>(rng_() % n); }

 private:
  std::mt19937_64 rng_;
};

Json args_of(const VenueOrder& o) {
  return Json::array({core::to_decimal(U256{o.market}), core::to_decimal(o.size_delta), core::to_decimal(o.limit_price),
                      core::to_decimal(U256{o.deadline})});
}

chain::AbiFragment fragment(std::string_view sig) {
  auto f = chain::parse_signature(sig);
  REQUIRE(f);
  return *f;
}

core::Bytes generic(const chain::AbiFragment& f, const Json& args) {
  core::Bytes out;
  auto r = chain::encode_call(out, f, args);
  INFO(args.dump());
  REQUIRE(r);
  return out;
}

// The generic decoder's view of calldata (selector checked, then stripped).
Json decoded(const chain::AbiFragment& f, const core::Bytes& call) {
  REQUIRE(call.size() >= 4);
  const chain::Selector s = chain::selector(f);
  REQUIRE(std::equal(s.begin(), s.end(), call.begin()));
  auto j = chain::decode(f.inputs, core::ByteView(call).subspan(4));
  REQUIRE(j);
  return *j;
}

// Decoded values as the typed fields say they should read.
Json expect_order(const VenueOrder& o) { return args_of(o); }

}  // namespace

TEST_CASE("venue calldata: placeOrder, submitBatchOrder and revealOrder equal the generic codec", "[venues][calldata]") {
  const auto place = fragment(kPlaceOrder), batch = fragment(kSubmitBatch), reveal = fragment(kReveal);
  Orders gen(20261201);
  for (int i = 0; i < 2000; ++i) {
    const VenueOrder o = gen.order();
    const core::Hash32 salt = gen.hash();
    const Json args = args_of(o);
    INFO("order " << i << ": " << args.dump());

    const core::Bytes p = venues::place_order_call(o);
    CHECK(p == generic(place, args));
    CHECK(p.size() == venues::kPlaceOrderLength);
    CHECK(decoded(place, p) == expect_order(o));

    const core::Bytes b = venues::submit_batch_order_call(o);
    CHECK(b == generic(batch, args));
    CHECK(decoded(batch, b) == expect_order(o));

    Json rargs = args;
    rargs.insert(rargs.begin() + 3, core::to_hex(salt));
    const core::Bytes r = venues::reveal_order_call(o, salt);
    CHECK(r == generic(reveal, rargs));
    CHECK(decoded(reveal, r) == rargs);
  }
}

TEST_CASE("venue calldata: placeOrders of 0 to 9 orders equals the generic codec", "[venues][calldata]") {
  const auto many = fragment(kPlaceOrders);
  Orders gen(77);
  for (int round = 0; round < 200; ++round) {
    std::vector<VenueOrder> orders(gen.below(10));
    Json list = Json::array();
    for (auto& o : orders) {
      o = gen.order();
      list.push_back(args_of(o));
    }
    INFO("round " << round << ", " << orders.size() << " orders");
    const core::Bytes c = venues::place_orders_call(orders);
    CHECK(c == generic(many, Json::array({list})));
    CHECK(c.size() == venues::place_orders_length(orders.size()));
    CHECK(decoded(many, c) == Json::array({list}));
  }
}

TEST_CASE("venue calldata: commit, clear, settle and commitment_of equal the generic codec", "[venues][calldata]") {
  const auto commit = fragment("commitOrder(bytes32)"), clear = fragment("clearExpiredCommitment(bytes32)"),
             settle = fragment("settleBatch(uint256)");
  const auto tuple = fragment("(address,uint256,int256,uint256,bytes32,uint256)");
  Orders gen(5);
  for (int i = 0; i < 500; ++i) {
    const core::Hash32 c = gen.hash();
    CHECK(venues::commit_order_call(c) == generic(commit, Json::array({core::to_hex(c)})));
    CHECK(venues::clear_commitment_call(c) == generic(clear, Json::array({core::to_hex(c)})));
    const uint64_t m = gen.u64();
    CHECK(venues::settle_batch_call(m) == generic(settle, Json::array({core::to_decimal(U256{m})})));

    core::Address account;
    const core::Hash32 a = gen.hash();
    std::copy_n(a.bytes.begin(), 20, account.bytes.begin());
    const VenueOrder o = gen.order();
    const core::Hash32 salt = gen.hash();
    Json args = args_of(o);
    args.insert(args.begin(), core::to_checksum(account));
    args.insert(args.begin() + 4, core::to_hex(salt));
    const core::Bytes data = generic(tuple, args);  // no name: no selector
    CHECK(venues::commitment_of(account, o, salt) == core::keccak256(data));
  }
}

TEST_CASE("venue calldata: the append forms add the same bytes after what the buffer holds", "[venues][calldata]") {
  Orders gen(9);
  std::vector<VenueOrder> orders{gen.order(), gen.order(), gen.order()};
  core::Bytes out{0xaa, 0xbb};
  venues::append_place_order(out, orders[0]);
  venues::append_place_orders(out, orders);
  core::Bytes want{0xaa, 0xbb};
  const core::Bytes one = venues::place_order_call(orders[0]), many = venues::place_orders_call(orders);
  want.insert(want.end(), one.begin(), one.end());
  want.insert(want.end(), many.begin(), many.end());
  CHECK(out == want);
  CHECK(out.size() == 2 + venues::kPlaceOrderLength + venues::place_orders_length(3));
}

TEST_CASE("venue calldata: the append forms do not reallocate a buffer with the capacity", "[venues][calldata]") {
  Orders gen(11);
  const std::vector<VenueOrder> orders{gen.order(), gen.order(), gen.order(), gen.order()};
  core::Bytes out;
  out.reserve(venues::place_orders_length(orders.size()));
  const uint8_t* storage = out.data();
  for (int round = 0; round < 3; ++round) {
    out.clear();
    venues::append_place_order(out, orders[0]);
    out.clear();
    venues::append_place_orders(out, orders);
  }
  CHECK(out.data() == storage);
  CHECK(out == venues::place_orders_call(orders));
}
