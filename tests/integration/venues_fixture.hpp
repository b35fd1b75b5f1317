#pragma once
// The reference venue on a real anvil, for the venues_* integration tests:
// the drill world (apps/perpx/world.hpp, which deploys PerpVenue and
// PerpOracle over Chainlink/Pyth mocks), one sender per named account, and
// helpers to move prices and time, send orders and expect named reverts.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "perpx/chain/contracts.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/venues/ref_model.hpp"
#include "perpx/venues/ref_venue.hpp"
#include "world.hpp"

namespace venue_test {

using namespace perpx;
using chain::Address;
using chain::Receipt;
using core::Json;
using venues::I256;
using venues::U256;

inline const U256 kE18{1'000'000'000'000'000'000ull};
inline const U256 kE10{10'000'000'000ull};

// Account indices (kAccountNames).
inline constexpr size_t kDeployer = 0, kTrader1 = 1, kTrader2 = 2, kKeeper = 3, kSearcher = 4;

inline I256 size_e18(int64_t whole, int64_t millis = 0) {
  return I256{whole} * venues::kWadI + I256{millis} * I256{1'000'000'000'000'000ll};
}

template <class T>
T ok(chain::ContractResult<T> r, std::string_view what = "") {
  INFO(std::string(what) << (r ? "" : ": " + chain::describe(r.error())));
  REQUIRE(r);
  return std::move(*r);
}

struct VenueChain {
  app::LocalWorld lw;
  chain::RpcClient rpc;
  std::vector<chain::TxnSender> senders;
  venues::RefVenue venue;
  U256 cl_price[2];  // Chainlink answers (8 decimals) as last set
  U256 py_price[2];  // Pyth prices (expo -8)
  uint64_t sends = 0;  // every transaction gets its own tip, so no two hashes repeat after an evm_revert

  explicit VenueChain(chain::LocalChainOptions options = {})
      : lw(app::start_world(options, PERPX_CONTRACTS_DIR)),
        rpc(lw.chain.client()),
        venue(rpc, lw.world.venue) {
    for (size_t i = 0; i < lw.funded.size(); ++i) senders.push_back(*chain::TxnSender::make(rpc, lw.chain.dev_key(i)));
    cl_price[0] = py_price[0] = U256{300'000'000'000ull};
    cl_price[1] = py_price[1] = U256{6'500'000'000'000ull};
  }

  [[nodiscard]] const Address& who(size_t i) const { return lw.funded.at(i); }

  chain::BlockHeader head(chain::BlockRef at = chain::Tag::kLatest) {
    auto h = chain::resolve_block(rpc, at);
    REQUIRE(h);
    return *h;
  }
  uint64_t block_time(uint64_t block) { return head(block).timestamp; }

  void rpc_call(std::string_view method, Json params) {
    auto r = rpc.request(method, std::move(params));
    INFO(std::string(method) << (r ? "" : ": " + chain::to_string(r.error())));
    REQUIRE(r);
  }
  // Time passes (the next block is `seconds` later); no block is mined.
  void skip(uint64_t seconds) { rpc_call("evm_increaseTime", Json::array({seconds})); }
  void mine(uint64_t blocks = 1) {
    for (uint64_t i = 0; i < blocks; ++i) rpc_call("evm_mine", Json::array());
  }
  std::string snapshot() {
    auto r = rpc.request("evm_snapshot", Json::array());
    REQUIRE(r);
    return r->get<std::string>();
  }
  void revert_to(const std::string& id) {
    auto r = rpc.request("evm_revert", Json::array({id}));
    REQUIRE(r);
    REQUIRE(r->get<bool>());
  }

  uint64_t nonce(size_t from) {
    auto n = rpc.transaction_count(who(from), chain::Tag::kLatest);
    REQUIRE(n);
    return *n;
  }
  // anvil can hand out a receipt a moment before its "latest" state (nonce,
  // storage) shows the transaction; the next estimate or nonce read would then
  // see the old state. Wait (bounded) until the sender's nonce has moved.
  void settle(size_t from, uint64_t before) {
    for (int i = 0; i < 500 && nonce(from) <= before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  chain::ContractResult<Receipt> try_send(size_t from, const Address& to, core::Bytes data, uint64_t gas = 0) {
    chain::TxnOptions o;
    o.gas_limit = gas;
    o.max_priority_fee_per_gas = U256{1'000'000'000ull + ++sends};
    const uint64_t before = nonce(from);
    auto r = senders.at(from).send(to, std::move(data), o);
    settle(from, before);
    return r;
  }
  Receipt send(size_t from, const Address& to, core::Bytes data) {
    auto r = try_send(from, to, data);
    if (!r) {
      // Say why: the same call replayed now.
      chain::CallRequest req;
      req.from = who(from);
      req.to = to;
      req.data = data;
      auto replay = rpc.call(req);
      const auto e = replay ? std::nullopt : venues::venue_error(replay.error().revert_data);
      INFO("replayed: " << (replay ? std::string("succeeds now") : e ? std::string(venues::error_name(*e))
                                                                      : replay.error().revert_reason)
                        << " at block " << head().number);
    }
    return ok(std::move(r), "send");
  }
  Receipt send_venue(size_t from, core::Bytes data) { return send(from, lw.world.venue, std::move(data)); }
  Receipt transact(size_t from, const Address& to, std::string_view sig, const Json& args, U256 value = {}) {
    chain::TxnOptions o;
    o.value = value;
    o.max_priority_fee_per_gas = U256{1'000'000'000ull + ++sends};
    const uint64_t before = nonce(from);
    auto r = senders.at(from).transact(to, sig, args, o);
    settle(from, before);
    return ok(std::move(r), sig);
  }

  // The venue's named error for `data` sent by `from` now (eth_call), or nothing if it would succeed.
  std::optional<venues::VenueErrc> would_revert(size_t from, core::Bytes data) {
    chain::CallRequest req;
    req.from = who(from);
    req.to = lw.world.venue;
    req.data = std::move(data);
    auto r = rpc.call(req);
    if (r) return std::nullopt;
    auto e = venues::venue_error(r.error().revert_data);
    INFO("revert: " << r.error().revert_reason);
    REQUIRE(e);
    return e;
  }
  // Revert data of a failing eth_call (the error's arguments).
  core::Bytes revert_data(size_t from, core::Bytes data) {
    chain::CallRequest req;
    req.from = who(from);
    req.to = lw.world.venue;
    req.data = std::move(data);
    auto r = rpc.call(req);
    REQUIRE_FALSE(r);
    return r.error().revert_data;
  }

  // Both feeds of `market` at `price8` (8 decimals); Pyth at `pyth8` when given.
  // Time moves one second first so the Pyth update is newer than the last.
  void set_price(uint64_t market, const U256& price8, std::optional<U256> pyth8 = std::nullopt, bool chainlink = true,
                 bool pyth = true) {
    skip(1);
    const Address& agg = market == app::kMarketEth ? lw.world.eth_usd : lw.world.btc_usd;
    uint64_t t = 0;
    if (chainlink) {
      const Receipt r = transact(kDeployer, agg, "submit(int256)", Json::array({core::to_decimal(price8)}));
      cl_price[market] = price8;
      t = block_time(r.block_number);
    } else {
      t = head().timestamp + 1;
      rpc_call("evm_setNextBlockTimestamp", Json::array({t}));
    }
    if (pyth) {
      const U256 p = pyth8.value_or(price8);
      const std::string id(market == app::kMarketEth ? app::kPythEthUsd : app::kPythBtcUsd);
      auto data = ok(chain::call(rpc, lw.world.pyth,
                                 "createPriceFeedUpdateData(bytes32,int64,uint64,int32,int64,uint64,uint64,uint64)(bytes)",
                                 Json::array({id, core::to_decimal(p), 1000, -8, core::to_decimal(p), 1000, t, 0})),
                     "pyth update data");
      transact(kDeployer, lw.world.pyth, "updatePriceFeeds(bytes[])", Json::array({Json::array({data[0]})}), U256{1});
      py_price[market] = p;
    }
  }

  // Index prices (1e18) by the oracle's rule, assuming both feeds fresh.
  std::vector<U256> model_prices() const {
    std::vector<U256> out;
    for (size_t m = 0; m < 2; ++m) {
      venues::OracleInputs in{cl_price[m] * kE10, true, py_price[m] * kE10, true, U256{app::kOracleMaxDeviationBps}};
      auto p = venues::oracle_index(in);
      out.push_back(p ? *p : U256{});
    }
    return out;
  }

  // Approve the venue for `from`'s USD.
  void approve(size_t from) {
    transact(from, lw.world.usd, "approve(address,uint256)",
             Json::array({core::to_checksum(lw.world.venue), core::to_decimal(U256::max())}));
  }
};

inline venues::VenueOrder order(uint64_t market, const I256& size, uint64_t deadline,
                                std::optional<U256> limit = std::nullopt) {
  venues::VenueOrder o;
  o.market = market;
  o.size_delta = size;
  o.limit_price = limit.value_or(size.negative() ? U256{} : U256::max());
  o.deadline = deadline;
  return o;
}

}  // namespace venue_test
