// The reference venue's three order paths on a real anvil: each fills as
// PerpVenue.sol specifies (checked against RefModel's formulas), and a
// sandwich around a victim's order costs the victim exactly the predicted
// amount on the public path and nothing on commit-reveal and batch.
#include <catch2/catch.hpp>

#include <thread>

#include "venues_fixture.hpp"

using namespace venue_test;
using namespace perpx::venues;

namespace {

const chain::Hash32 kSalt = *core::parse_hash32("0x5a17000000000000000000000000000000000000000000000000000000000001");

uint64_t deadline_of(VenueChain& vc) { return vc.head().timestamp + 3600; }

OrderFilledEvent only_fill(const Receipt& r) {
  const auto f = fills_in(r);
  REQUIRE(f.size() == 1);
  return f[0];
}

// Mines until the next transaction lands in the first block of a batch window.
void align_to_window(VenueChain& vc) {
  while ((vc.head().number + 1) % app::kBatchWindow != 0) vc.mine();
}
// Mines until the batch of block `b` has ended.
void end_window(VenueChain& vc, uint64_t b) {
  while (vc.head().number / app::kBatchWindow <= b / app::kBatchWindow) vc.mine();
}

std::string bps(const U256& loss, const U256& base) {
  // loss/base in basis points with 4 decimals (exact integer arithmetic).
  const U256 scaled = loss * U256{100'000'000} / base;  // bps * 1e4
  std::string s = core::to_decimal(scaled / U256{10000}) + ".";
  std::string frac = core::to_decimal(scaled % U256{10000});
  return s + std::string(4 - frac.size(), '0') + frac;
}

}  // namespace

TEST_CASE("placeOrder and placeOrders fill at the impacted price, within limit and deadline", "[anvil][venue]") {
  VenueChain vc;
  const std::vector<Address> accounts = {vc.who(kTrader1)};
  RefModel model = ok(vc.venue.load_model(accounts));
  const auto prices = vc.model_prices();

  const I256 size = size_e18(25);
  const U256 predicted = *model.impact_price(app::kMarketEth, prices[0], model.market(0).skew, size);
  CHECK(ok(vc.venue.fill_price(app::kMarketEth, size)) == predicted);
  // (skew 0 + 25/2) / 100000 above 3000: 3000.375
  CHECK(wad_to_string(predicted) == "3000.375");
  const Receipt r = vc.send_venue(kTrader1, place_order_call(order(app::kMarketEth, size, deadline_of(vc))));
  const OrderFilledEvent f = only_fill(r);
  auto mf = model.place_order(vc.who(kTrader1), 0, size, U256::max(), deadline_of(vc), prices, vc.block_time(r.block_number));
  REQUIRE(mf);
  CHECK(f.fill_price == predicted);
  CHECK(f.path == kPathPublic);
  CHECK(f.new_size == size);
  CHECK(f.fee == mf->fee);
  CHECK(f.fee == size.abs() * predicted / kWad * U256{500'000'000'000'000ull} / kWad);

  // Several orders of one account in one transaction, each at its own impacted price.
  const uint64_t dl = deadline_of(vc);
  const std::vector<VenueOrder> batch = {order(app::kMarketEth, size_e18(10), dl), order(app::kMarketBtc, -size_e18(1), dl),
                                         order(app::kMarketEth, -size_e18(4), dl)};
  const Receipt rr = vc.send_venue(kTrader1, place_orders_call(batch));
  const auto fills = fills_in(rr);
  REQUIRE(fills.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    auto p = model.place_order(vc.who(kTrader1), batch[i].market, batch[i].size_delta, batch[i].limit_price, dl, prices,
                               vc.block_time(rr.block_number));
    REQUIRE(p);
    CHECK(fills[i].fill_price == p->price);
    CHECK(fills[i].realized_pnl == p->realized_pnl);
    CHECK(fills[i].new_size == p->new_size);
  }
  CHECK(ok(vc.venue.position(vc.who(kTrader1), 0)).size == size_e18(31));

  // A limit one wei inside the fill fails; exactly at the fill passes.
  const U256 next = ok(vc.venue.fill_price(0, size_e18(5)));
  CHECK(vc.would_revert(kTrader1, place_order_call(order(0, size_e18(5), dl, next - U256{1}))) ==
        VenueErrc::kLimitPriceExceeded);
  CHECK_FALSE(vc.would_revert(kTrader1, place_order_call(order(0, size_e18(5), dl, next))));
  const U256 sell = ok(vc.venue.fill_price(0, -size_e18(5)));
  CHECK(vc.would_revert(kTrader1, place_order_call(order(0, -size_e18(5), dl, sell + U256{1}))) ==
        VenueErrc::kLimitPriceExceeded);
}

TEST_CASE("commit-reveal fills at the commit block's index and skew", "[anvil][venue]") {
  VenueChain vc;
  const VenueOrder o = order(app::kMarketEth, size_e18(40), deadline_of(vc));
  const chain::Hash32 c = commitment_of(vc.who(kTrader1), o, kSalt);
  // The contract hashes the same way.
  const Json onchain = ok(chain::call(vc.rpc, vc.lw.world.venue,
                                      "commitmentOf(address,uint256,int256,uint256,bytes32,uint256)(bytes32)",
                                      Json::array({core::to_checksum(vc.who(kTrader1)), 0, to_decimal(o.size_delta),
                                                   core::to_decimal(o.limit_price), core::to_hex(kSalt), o.deadline})));
  CHECK(onchain[0] == core::to_hex(c));

  vc.send_venue(kTrader2, place_order_call(order(0, size_e18(100), o.deadline)));  // skew 100 before the commit
  const Receipt cr = vc.send_venue(kTrader1, commit_order_call(c));
  const Snapshot snap = ok(vc.venue.block_snapshot(0, cr.block_number));
  CHECK(snap.set);
  CHECK(snap.skew == size_e18(100));
  CHECK(snap.index == vc.model_prices()[0]);
  vc.send_venue(kSearcher, place_order_call(order(0, size_e18(250), o.deadline)));  // in between: skew 350
  const Receipt rr = vc.send_venue(kTrader1, reveal_order_call(o, kSalt));
  const OrderFilledEvent f = only_fill(rr);
  RefModel model = ok(vc.venue.load_model(std::vector<Address>{}));
  CHECK(f.path == kPathCommit);
  CHECK(f.fill_price == *model.impact_price(0, snap.index, snap.skew, o.size_delta));
  // (100 + 20) / 100000 above 3000 = 3003.6, not (350 + 20) / 100000.
  CHECK(wad_to_string(f.fill_price) == "3003.6");
  CHECK(ok(vc.venue.commitment_status(c)) == 2);
  CHECK(ok(vc.venue.market_state(0)).skew == size_e18(390));
}

TEST_CASE("batch orders fill at one clearing price whatever their order", "[anvil][venue]") {
  VenueChain vc;
  const uint64_t dl = deadline_of(vc) + 600;
  vc.send_venue(kTrader2, place_order_call(order(0, -size_e18(60), dl)));  // skew -60 before the batch
  struct Sub {
    size_t who;
    VenueOrder o;
  };
  const U256 tight = U256{2990} * kE18;  // a buy limit below the clearing price: cancelled
  const std::vector<Sub> subs = {{kTrader1, order(0, size_e18(30), dl)},
                                 {kTrader2, order(0, -size_e18(12), dl)},
                                 {kSearcher, order(0, size_e18(8), dl)},
                                 {kTrader1, order(0, size_e18(5), dl, tight)}};
  auto run = [&](const std::vector<size_t>& perm) {
    const std::string snap = vc.snapshot();
    align_to_window(vc);
    uint64_t first = 0;
    for (size_t i : perm) {
      const Receipt r = vc.send_venue(subs[i].who, submit_batch_order_call(subs[i].o));
      if (!first) first = r.block_number;
    }
    // Not before the window ends; then anyone settles.
    CHECK(vc.would_revert(kKeeper, settle_batch_call(0)) == VenueErrc::kBatchWindowOpen);
    end_window(vc, first);
    const Receipt s = vc.send_venue(kKeeper, settle_batch_call(0));
    std::optional<BatchSettledEvent> settled;
    for (const auto& log : s.logs)
      if (!log.topics.empty() && log.topics[0] == batch_settled_topic()) settled = ok(decode_batch_settled(log));
    REQUIRE(settled);
    const Snapshot ref = ok(vc.venue.batch_snapshot(0, first / app::kBatchWindow));
    std::map<std::string, I256> sizes;
    for (const auto& f : fills_in(s)) {
      CHECK(f.fill_price == settled->clearing_price);
      CHECK(f.path == kPathBatch);
      sizes[core::to_checksum(f.account)] = sizes[core::to_checksum(f.account)] + f.size_delta;
    }
    CHECK(vc.would_revert(kKeeper, settle_batch_call(0)) == VenueErrc::kNoPendingBatch);
    vc.revert_to(snap);
    return std::tuple{*settled, ref, sizes};
  };
  const auto [a, ref_a, sizes_a] = run({0, 1, 2, 3});
  const auto [b, ref_b, sizes_b] = run({3, 2, 1, 0});
  RefModel model = ok(vc.venue.load_model(std::vector<Address>{}));
  // The clearing price: the impacted price of the net of all live orders (30 - 12 + 8 + 5 = 31)
  // against the window's snapshot (skew -60).
  CHECK(ref_a.skew == -size_e18(60));
  CHECK(a.net_size == size_e18(31));
  CHECK(a.clearing_price == *model.impact_price(0, ref_a.index, ref_a.skew, a.net_size));
  CHECK(a.filled == 3);
  CHECK(a.cancelled == 1);
  CHECK(b.clearing_price == a.clearing_price);
  CHECK(b.filled == a.filled);
  CHECK(sizes_b == sizes_a);
}

TEST_CASE("a sandwich costs the victim the predicted amount on the public path, nothing on commit-reveal and batch",
          "[anvil][venue][sandwich]") {
  // Each path on its own fresh venue (skew 0, index 3000): the victim's fill
  // without an attack is what the model prices at that state; the attacker
  // buys ahead of the victim and sells after.
  const I256 victim = size_e18(200);
  const I256 attack = size_e18(300);
  U256 fair;
  {
    VenueChain vc;
    const uint64_t dl = deadline_of(vc) + 3600;
    RefModel model = ok(vc.venue.load_model(std::vector<Address>{}));
    const U256 index = vc.model_prices()[0];
    fair = *model.impact_price(0, index, model.market(0).skew, victim);
    CHECK(ok(vc.venue.fill_price(0, victim)) == fair);
    const OrderFilledEvent front = only_fill(vc.send_venue(kSearcher, place_order_call(order(0, attack, dl))));
    const U256 hit = only_fill(vc.send_venue(kTrader1, place_order_call(order(0, victim, dl)))).fill_price;
    const OrderFilledEvent back = only_fill(vc.send_venue(kSearcher, place_order_call(order(0, -attack, dl))));
    const U256 predicted = *model.impact_price(0, index, attack, victim) - fair;
    CHECK(hit > fair);
    CHECK(hit - fair == predicted);                                   // to the wei
    CHECK(predicted == index * attack.abs() / U256{100'000} / kE18);  // index * attack / skewScale
    const U256 loss_usd = (hit - fair) * victim.abs() / kE18;
    WARN("public path: victim fill " << wad_to_string(fair) << " -> " << wad_to_string(hit) << ", loss "
                                     << bps(hit - fair, fair) << " bps (" << wad_to_string(loss_usd)
                                     << " USD on 200 ETH); attacker realised " << wad_to_string(back.realized_pnl)
                                     << " before fees " << wad_to_string(front.fee + back.fee));
  }
  {
    // Commit-reveal: the attacker's round trip lands between the commit and the reveal.
    VenueChain vc;
    const uint64_t dl = deadline_of(vc) + 3600;
    const VenueOrder o = order(0, victim, dl);
    vc.send_venue(kTrader1, commit_order_call(commitment_of(vc.who(kTrader1), o, kSalt)));
    vc.send_venue(kSearcher, place_order_call(order(0, attack, dl)));
    const U256 hit = only_fill(vc.send_venue(kTrader1, reveal_order_call(o, kSalt))).fill_price;
    vc.send_venue(kSearcher, place_order_call(order(0, -attack, dl)));
    CHECK(hit == fair);
    WARN("commit-reveal: victim fill " << wad_to_string(fair) << " -> " << wad_to_string(hit) << ", loss "
                                       << bps(hit > fair ? hit - fair : U256{}, fair) << " bps");
  }
  {
    // Batch: the attacker buys first in the window, the victim's order is queued, the attacker sells after settlement.
    VenueChain vc;
    const uint64_t dl = deadline_of(vc) + 3600;
    align_to_window(vc);
    vc.send_venue(kSearcher, place_order_call(order(0, attack, dl)));
    const Receipt q = vc.send_venue(kTrader1, submit_batch_order_call(order(0, victim, dl)));
    end_window(vc, q.block_number);
    const U256 hit = only_fill(vc.send_venue(kKeeper, settle_batch_call(0))).fill_price;
    vc.send_venue(kSearcher, place_order_call(order(0, -attack, dl)));
    CHECK(hit == fair);
    WARN("batch: victim fill " << wad_to_string(fair) << " -> " << wad_to_string(hit) << ", loss "
                               << bps(hit > fair ? hit - fair : U256{}, fair) << " bps");
  }
}
