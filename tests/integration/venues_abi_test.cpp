// The bindings against the compiled artifacts (no node needed): every custom
// error of PerpVenue and PerpOracle has its VenueErrc with the same signature,
// and every calldata builder and view signature names a function of the ABI.
#include <catch2/catch.hpp>

#include <set>

#include "perpx/chain/abi.hpp"
#include "perpx/chain/contracts.hpp"
#include "perpx/venues/ref_venue.hpp"

using namespace perpx;
using namespace perpx::venues;

TEST_CASE("venue bindings match the compiled ABI", "[venue][abi]") {
  std::set<std::string> errors, functions;
  for (const char* name : {"PerpVenue", "PerpOracle"}) {
    auto a = chain::load_artifact(PERPX_CONTRACTS_DIR, name);
    REQUIRE(a);
    for (const auto& entry : a->abi) {
      const std::string type = entry.value("type", "");
      if (type != "error" && type != "function") continue;
      auto f = chain::parse_fragment(entry);
      REQUIRE(f);
      (type == "error" ? errors : functions).insert(chain::canonical_signature(*f));
    }
  }
  std::set<std::string> ours;
  for (int i = 0; i < kVenueErrcCount; ++i)
    ours.insert(std::string(error_signature(static_cast<VenueErrc>(i))));
  CHECK(ours == errors);

  // Each builder's selector is one of the contract's functions.
  std::set<std::string> selectors;
  for (const auto& f : functions) {
    const auto s = chain::selector(f);
    selectors.insert(std::string(s.begin(), s.end()));
  }
  VenueOrder o;
  const Address a{};
  const std::vector<VenueOrder> many = {o, o};
  for (const core::Bytes& call :
       {deposit_call(U256{1}), withdraw_call(U256{1}), add_liquidity_call(U256{1}), set_isolated_call(0, true),
        transfer_margin_call(0, I256{-1}), place_order_call(o), place_orders_call(many),
        commit_order_call(core::Hash32{}), reveal_order_call(o, core::Hash32{}), clear_commitment_call(core::Hash32{}),
        submit_batch_order_call(o), settle_batch_call(0), liquidate_call(a), liquidate_position_call(a, 0)}) {
    CHECK(selectors.count(std::string(call.begin(), call.begin() + 4)) == 1);
  }
  for (const char* view : {"accountSummary(address)", "positionSummary(address,uint256)", "pendingFunding(address,uint256)",
                           "unrealizedPnl(address,uint256)", "canLiquidate(address)", "canLiquidatePosition(address,uint256)",
                           "markets(uint256)", "positions(address,uint256)", "blockSnapshots(uint256,uint256)",
                           "batchSnapshots(uint256,uint256)", "commitments(bytes32)", "indexPrice(uint256)",
                           "fillPrice(uint256,int256)", "fundingRate(uint256)", "accruedFundingIndex(uint256)",
                           "commitmentOf(address,uint256,int256,uint256,bytes32,uint256)", "crossMargin(address)",
                           "realizedPnl(address)", "feesPaid(address)", "fundingPaid(address)", "feePool()", "badDebt()",
                           "depositFor(address,uint256)", "marketState(uint256)"}) {
    INFO(view);
    CHECK(functions.count(view) == 1);
  }
}
