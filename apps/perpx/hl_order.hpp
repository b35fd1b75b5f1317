#pragma once
// perpx order place --venue hyperliquid: the executor's order on Hyperliquid
// (executor/book_venue.hpp over venues/hyperliquid_venue.hpp). The flags of
// `order place` (cmd_executor.cpp) mean what they mean for the on-chain
// venue; these are Hyperliquid's own:
//   --testnet                 the testnet API and phantom-agent source "b"
//   --hl-url URL              another base URL (a stand-in); /info and /exchange appended
//   --agent-for 0x..          the key is an API wallet trading for this master
//   --vault-address 0x..      act for a vault or subaccount
//   --trigger-px P --tpsl tp|sl [--trigger-limit]   a trigger order (market once
//                             triggered, or a limit at --limit with --trigger-limit)
//   --twap-minutes N [--twap-randomize]             the native TWAP (--limit values it for the risk gate)
//   --leverage N [--isolated] updateLeverage for the market first (cross unless --isolated)
// The key: --keystore F (refused when others may read it) with the password
// from --password-file, PERPX_KEYSTORE_PASSWORD, or a prompt on the
// terminal; or --private-key / ETH_PRIVATE_KEY. Nonces come from the
// journal file (hl_nonces), so they never repeat across runs.
// Recovery first: every open Hyperliquid order of the journal is looked up
// by cloid (orderStatus) and settled before the new order is placed.
// Output: one line, or with --json one object: the journal's order plus
// cloid, venue_order_id, filled_size, avg_price, why, and "recovered".
// Exit 1 when the order is rejected, cancelled or failed.
#include <string>

#include "cli.hpp"

namespace perpx::app {

// What `order place` parsed, for the Hyperliquid path.
struct HlPlaceArgs {
  std::string journal;
  bool json = false;
  KeyOptions key;
  std::string market, side, size, limit, tif, urgency, path, client_id, strategy;
  bool reduce_only = false;
};

void add_hl_place_options(CLI::App* place);
void place_hl_order(const HlPlaceArgs& a);

}  // namespace perpx::app
