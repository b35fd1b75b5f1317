// The reference venue's refusals and liquidations on a real anvil: the oracle
// adapter's named errors (stale, deviating; the fresh source alone), each bad
// call's own error with the venue's state unchanged after the reverted
// transaction is mined, and liquidation (partial where that restores health,
// full otherwise; cross accounts as a whole, isolated positions alone).
#include <catch2/catch.hpp>

#include <thread>

#include "venues_fixture.hpp"

using namespace venue_test;
using namespace perpx::venues;

namespace {

const chain::Hash32 kSalt = *core::parse_hash32("0x5a17000000000000000000000000000000000000000000000000000000000002");
const chain::Hash32 kOtherSalt = *core::parse_hash32("0x5a17000000000000000000000000000000000000000000000000000000000003");

struct State {
  std::vector<MarketState> markets;
  std::vector<Account> accounts;
  I256 fee_pool, bad_debt;
  std::vector<uint64_t> commitments;
  friend bool operator==(const State&, const State&) = default;
};

State state(VenueChain& vc, const std::vector<chain::Hash32>& commitments = {}) {
  State s;
  for (uint64_t m = 0; m < 2; ++m) s.markets.push_back(ok(vc.venue.market_state(m)));
  for (size_t i = 0; i < vc.lw.funded.size(); ++i) s.accounts.push_back(ok(vc.venue.account(vc.who(i), 2)));
  const VenueConfig c = ok(vc.venue.config());
  s.fee_pool = c.fee_pool;
  s.bad_debt = c.bad_debt;
  for (const auto& h : commitments) s.commitments.push_back(ok(vc.venue.commitment_status(h)));
  return s;
}

Receipt mined(VenueChain& vc, size_t from, core::Bytes data) {
  chain::TxnOptions o;
  o.gas_limit = 3'000'000;
  const chain::Hash32 h = ok(vc.senders[from].submit(vc.lw.world.venue, std::move(data), o), "submit");
  for (int i = 0; i < 500; ++i) {
    auto r = vc.rpc.transaction_receipt(h);
    REQUIRE(r);
    if (r->has_value()) return **r;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  FAIL("no receipt");
  return {};
}

// `data` from `from` reverts with `e` (eth_call), and mined anyway it fails and changes nothing.
void expect_revert(VenueChain& vc, size_t from, const core::Bytes& data, VenueErrc e,
                   const std::vector<chain::Hash32>& commitments = {}) {
  INFO("expected " << error_name(e));
  const State before = state(vc, commitments);
  CHECK(vc.would_revert(from, data) == e);
  const Receipt r = mined(vc, from, data);
  CHECK_FALSE(r.success);
  CHECK(state(vc, commitments) == before);
}

uint64_t deadline_of(VenueChain& vc) { return vc.head().timestamp + 3600; }

}  // namespace

TEST_CASE("an unusable oracle makes trades revert with its named error", "[anvil][venue][oracle]") {
  VenueChain vc;
  const uint64_t dl = deadline_of(vc) + 7200;
  const auto buy = place_order_call(order(app::kMarketEth, size_e18(1), dl));

  // Deviation: Chainlink 3150, Pyth 3000 (5% apart, limit 1%).
  vc.set_price(app::kMarketEth, U256{315'000'000'000ull}, U256{300'000'000'000ull});
  expect_revert(vc, kTrader1, buy, VenueErrc::kOracleDeviation);
  const core::Bytes data = vc.revert_data(kTrader1, buy);
  const auto args = chain::decode(std::vector<chain::AbiParam>{{"", *chain::parse_type("uint256")},
                                                                {"", *chain::parse_type("uint256")},
                                                                {"", *chain::parse_type("uint256")}},
                                  core::ByteView(data).subspan(4));
  REQUIRE(args);
  CHECK((*args)[0] == "0");
  CHECK((*args)[1] == "3150000000000000000000");
  CHECK((*args)[2] == "3000000000000000000000");
  // Within 1%: the median of the two.
  vc.set_price(app::kMarketEth, U256{301'000'000'000ull}, U256{300'000'000'000ull});
  CHECK(wad_to_string(ok(vc.venue.index_price(0))) == "3005");
  CHECK_FALSE(vc.would_revert(kTrader1, buy));

  // Stale: both sources older than an hour.
  vc.skip(app::kOracleMaxAge + 1);
  vc.mine();
  expect_revert(vc, kTrader1, buy, VenueErrc::kOracleStale);
  expect_revert(vc, kTrader1, submit_batch_order_call(order(0, size_e18(1), dl + 7200)), VenueErrc::kOracleStale);
  auto view = vc.venue.index_price(0);
  REQUIRE_FALSE(view);
  CHECK(venue_error(view.error()) == VenueErrc::kOracleStale);
  // The fresh one alone: Chainlink updated, Pyth still stale -> index = Chainlink.
  vc.set_price(app::kMarketEth, U256{302'000'000'000ull}, std::nullopt, true, false);
  CHECK(wad_to_string(ok(vc.venue.index_price(0))) == "3020");
  const Receipt r = vc.send_venue(kTrader1, buy);
  CHECK(fills_in(r).at(0).fill_price == U256{3020} * kE18 + U256{3020} * kE18 / U256{200'000});
  // BTC: Pyth updated alone.
  vc.set_price(app::kMarketBtc, U256{6'400'000'000'000ull}, std::nullopt, false, true);
  CHECK(wad_to_string(ok(vc.venue.index_price(1))) == "64000");
}

TEST_CASE("bad calls revert with their own error and leave the venue unchanged", "[anvil][venue][errors]") {
  VenueChain vc;
  const uint64_t dl = deadline_of(vc);
  expect_revert(vc, kTrader1, place_order_call(order(0, I256{}, dl)), VenueErrc::kZeroSize);
  expect_revert(vc, kTrader1, submit_batch_order_call(order(0, I256{}, dl)), VenueErrc::kZeroSize);
  expect_revert(vc, kTrader1, place_order_call(order(0, size_e18(1), vc.head().timestamp - 1)),
                VenueErrc::kDeadlineExpired);
  expect_revert(vc, kTrader1, place_order_call(order(7, size_e18(1), dl)), VenueErrc::kUnknownMarket);
  expect_revert(vc, kTrader1, deposit_call(U256{}), VenueErrc::kZeroAmount);
  expect_revert(vc, kTrader1, place_order_call(order(0, size_e18(400), dl)), VenueErrc::kInsufficientMargin);

  // Withdrawing below initial margin: 250 ETH long (IM ~75k) on 100k.
  vc.send_venue(kTrader1, place_order_call(order(0, size_e18(250), dl)));
  expect_revert(vc, kTrader1, withdraw_call(U256{30'000'000'000ull}), VenueErrc::kWithdrawBelowMargin);
  CHECK(vc.send_venue(kTrader1, withdraw_call(U256{20'000'000'000ull})).success);

  // Liquidating a healthy account (and one with no position); an isolated-only call on a cross position.
  expect_revert(vc, kKeeper, liquidate_call(vc.who(kTrader1)), VenueErrc::kAccountHealthy);
  expect_revert(vc, kKeeper, liquidate_call(vc.who(kTrader2)), VenueErrc::kAccountHealthy);
  expect_revert(vc, kKeeper, liquidate_position_call(vc.who(kTrader1), 0), VenueErrc::kNotIsolated);
  expect_revert(vc, kTrader1, set_isolated_call(0, true), VenueErrc::kPositionOpen);

  // Commit-reveal: wrong salt, double reveal, too late, clearing.
  const VenueOrder o = order(0, size_e18(3), dl);
  const chain::Hash32 c = commitment_of(vc.who(kTrader2), o, kSalt);
  const std::vector<chain::Hash32> cs = {c};
  vc.send_venue(kTrader2, commit_order_call(c));
  expect_revert(vc, kTrader2, commit_order_call(c), VenueErrc::kCommitmentExists, cs);
  expect_revert(vc, kTrader2, reveal_order_call(o, kOtherSalt), VenueErrc::kUnknownCommitment, cs);
  expect_revert(vc, kTrader1, reveal_order_call(o, kSalt), VenueErrc::kUnknownCommitment, cs);  // not the committer
  expect_revert(vc, kKeeper, clear_commitment_call(c), VenueErrc::kCommitmentNotExpired, cs);
  CHECK(vc.send_venue(kTrader2, reveal_order_call(o, kSalt)).success);
  expect_revert(vc, kTrader2, reveal_order_call(o, kSalt), VenueErrc::kAlreadyRevealed, cs);

  const VenueOrder late = order(0, size_e18(2), dl);
  const chain::Hash32 lc = commitment_of(vc.who(kTrader2), late, kSalt);
  const std::vector<chain::Hash32> lcs = {lc};
  vc.send_venue(kTrader2, commit_order_call(lc));
  vc.mine(app::kMaxRevealDelay + 1);  // eth_call runs at the latest block: commit + 21
  expect_revert(vc, kTrader2, reveal_order_call(late, kSalt), VenueErrc::kRevealTooLate, lcs);
  CHECK(vc.send_venue(kKeeper, clear_commitment_call(lc)).success);
  CHECK(ok(vc.venue.commitment_status(lc)) == 3);
  expect_revert(vc, kTrader2, reveal_order_call(late, kSalt), VenueErrc::kCommitmentWasCleared, lcs);

  // Too early: the reveal in the commit's own block (automine off, one block for both).
  const VenueOrder early = order(0, size_e18(1), dl);
  const chain::Hash32 ec = commitment_of(vc.who(kTrader2), early, kSalt);
  const State before = state(vc);
  vc.rpc_call("evm_setAutomine", Json::array({false}));
  chain::TxnOptions fixed;
  fixed.gas_limit = 1'000'000;
  const auto h1 = ok(vc.senders[kTrader2].submit(vc.lw.world.venue, commit_order_call(ec), fixed));
  fixed.gas_limit = 3'000'000;
  const auto h2 = ok(vc.senders[kTrader2].submit(vc.lw.world.venue, reveal_order_call(early, kSalt), fixed));
  vc.mine();
  vc.rpc_call("evm_setAutomine", Json::array({true}));
  const auto r1 = vc.rpc.transaction_receipt(h1);
  const auto r2 = vc.rpc.transaction_receipt(h2);
  REQUIRE((r1 && r1->has_value() && r2 && r2->has_value()));
  CHECK((*r1)->success);
  CHECK_FALSE((*r2)->success);
  CHECK((*r1)->block_number == (*r2)->block_number);
  chain::CallRequest req;
  req.from = vc.who(kTrader2);
  req.to = vc.lw.world.venue;
  req.data = reveal_order_call(early, kSalt);
  auto again = vc.rpc.call(req, (*r1)->block_number);
  REQUIRE_FALSE(again);
  CHECK(venue_error(again.error().revert_data) == VenueErrc::kRevealTooEarly);
  CHECK(state(vc) == before);  // the commitment only; no fill
  CHECK(ok(vc.venue.commitment_status(ec)) == 1);

  // Batch: nothing to settle.
  expect_revert(vc, kKeeper, settle_batch_call(1), VenueErrc::kNoPendingBatch);
}

TEST_CASE("liquidation: partial where it restores health, full otherwise, isolated positions alone",
          "[anvil][venue][liquidation]") {
  VenueChain vc;
  const uint64_t dl = deadline_of(vc) + 7200;
  const Address t1 = vc.who(kTrader1), t2 = vc.who(kTrader2), keeper = vc.who(kKeeper);
  const std::vector<Address> accounts = {t1, t2, keeper};

  // trader1: 300 ETH long on 100k cross margin.
  vc.send_venue(kTrader1, place_order_call(order(0, size_e18(300), dl)));
  // trader2: an isolated 2 BTC long on 20k of its margin.
  vc.send_venue(kTrader2, set_isolated_call(1, true));
  vc.send_venue(kTrader2, transfer_margin_call(1, I256{20000} * kWadI));
  vc.send_venue(kTrader2, place_order_call(order(1, size_e18(2), dl)));

  auto liquidate = [&](size_t who_idx, std::optional<uint64_t> market) {
    RefModel model = ok(vc.venue.load_model(accounts));
    const Receipt r = vc.send_venue(kKeeper, market ? liquidate_position_call(vc.who(who_idx), *market)
                                                    : liquidate_call(vc.who(who_idx)));
    const uint64_t now = vc.block_time(r.block_number);
    auto predicted = market ? model.liquidate_position(vc.who(who_idx), *market, keeper, vc.model_prices()[*market], now)
                            : model.liquidate(vc.who(who_idx), keeper, vc.model_prices(), now);
    REQUIRE(predicted);
    for (const auto& a : accounts) CHECK(ok(vc.venue.account(a, 2)) == model.account(a));
    std::vector<LiquidatedEvent> events;
    for (const auto& log : r.logs)
      if (!log.topics.empty() && log.topics[0] == liquidated_topic()) events.push_back(ok(decode_liquidated(log)));
    REQUIRE(events.size() == predicted->closed.size());
    U256 reward;
    for (size_t i = 0; i < events.size(); ++i) {
      CHECK(events[i].size_closed == predicted->closed[i].second);
      CHECK(events[i].partial == predicted->partial);
      reward = reward + events[i].reward;
    }
    CHECK(reward == predicted->reward);
    return *predicted;
  };

  // 2810: equity below MM; closing half (and paying its reward) restores it -> partial.
  vc.set_price(0, U256{281'000'000'000ull});
  CHECK(ok(vc.venue.can_liquidate(t1)));
  const Liquidation first = liquidate(kTrader1, std::nullopt);
  CHECK(first.partial);
  CHECK(ok(vc.venue.position(t1, 0)).size == size_e18(150));
  CHECK_FALSE(ok(vc.venue.can_liquidate(t1)));
  // 2600: half would not restore it -> everything closes.
  vc.set_price(0, U256{260'000'000'000ull});
  const Liquidation second = liquidate(kTrader1, std::nullopt);
  CHECK_FALSE(second.partial);
  CHECK(ok(vc.venue.position(t1, 0)).size.is_zero());

  // The isolated BTC position: the cross account (no cross position) is not liquidatable, the position is.
  vc.set_price(1, U256{5'650'000'000'000ull});
  CHECK_FALSE(ok(vc.venue.can_liquidate(t2)));
  CHECK(ok(vc.venue.can_liquidate_position(t2, 1)));
  const I256 cross_before = ok(vc.venue.account(t2, 2)).cross_margin;
  const Liquidation iso = liquidate(kTrader2, 1);
  CHECK_FALSE(iso.partial);
  const Account after = ok(vc.venue.account(t2, 2));
  CHECK(after.positions[1].size.is_zero());
  CHECK(after.positions[1].margin.is_zero());
  CHECK(after.cross_margin > cross_before);  // the remainder came back to cross
  CHECK(ok(vc.venue.account(keeper, 2)).cross_margin == I256::from_u256(first.reward + second.reward + iso.reward));
}
