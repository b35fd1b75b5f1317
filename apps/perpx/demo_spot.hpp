#pragma once
// SpotDesk: the demo's spot leg. Orders of venue "uniswap-v3", market
// "WETH/USD" (strategies/carry.hpp) become swaps on the drill world's
// Uniswap v3 pool through contracts/UniV3Helper.sol swapExactIn, from the
// desk's spot wallet: a key of its own (the executor's key and nonces are
// never shared with a second sender).
//   buy  size WETH: exactly size * last pool price USD in, the price limit
//        (sqrtPriceLimitX96) at the order's limit: IOC, it may get less
//   sell size WETH: exactly size in, the limit likewise
// A swap that runs into its limit fills what it can (the pool stops there);
// one that fills nothing, or reverts, is a failure. place() sends without
// waiting (blocks are the demo's); on_block() reads the receipts and says
// what filled, from the pool's Swap event (amounts as the pool moved them).
// Errors are values naming the order; RPC failures throw CliError. One
// thread; allocates.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "perpx/chain/contracts.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/executor/order.hpp"
#include "world.hpp"

namespace perpx::app {

struct SpotFill {
  std::string client_id;
  bool filled = false;
  core::I256 size;   // WETH received (+) or given (-), 1e18
  core::U256 price;  // USD per WETH, 1e18 (the swap's average)
  std::string reason;  // when not filled
  chain::Hash32 txn;
  chain::BlockNum block_num = 0;
  uint64_t gas_used = 0;
  core::U256 gas_price;  // effective, wei
};

class SpotDesk {
 public:
  // Approves the helper for both tokens from `key` (waits: call before the demo turns automine off).
  SpotDesk(chain::RpcClient& rpc, signer::SecretKey key, const World& w);

  [[nodiscard]] const chain::Address& address() const noexcept { return sender_.address(); }
  // The pool's spot price, USD per WETH (1e18).
  core::U256 price();
  // The wallet's WETH (1e18).
  core::U256 weth_balance();
  // Sends the swap for `o` (venue "uniswap-v3", market "WETH/USD").
  std::expected<void, std::string> place(const executor::Order& o);
  // Pays `usd` (the token's 6-decimal units) to `to` (a block trade's cash leg); does not wait.
  std::expected<chain::Hash32, std::string> pay_usd(const chain::Address& to, const core::U256& usd);
  // Swaps mined since the last call: filled or failed.
  std::vector<SpotFill> on_block();
  [[nodiscard]] size_t pending() const noexcept { return pending_.size(); }

 private:
  struct Pending {
    std::string client_id;
    chain::Hash32 txn;
  };
  chain::RpcClient* rpc_;
  chain::TxnSender sender_;
  World w_;
  bool weth_is_token0_;
  std::vector<Pending> pending_;
};

// keccak("Swap(address,address,int256,int256,uint160,uint128,int24)").
const chain::Hash32& swap_topic();

}  // namespace perpx::app
