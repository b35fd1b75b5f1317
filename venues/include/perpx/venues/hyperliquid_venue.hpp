#pragma once
// Hyperliquid as an executor::BookVenue (executor/book_venue.hpp): the
// executor's Order mapped to Hyperliquid's order action, signed, sent to
// /exchange (REST, or WS post when a connection is given), its per-order
// status turned into a typed BookReport, and an order looked up by cloid
// after a crash.
//
// Mapping (hyperliquid.gitbook.io, "Exchange endpoint", "Tick and lot size"):
//   market     "ETH" (or "ETH-PERP") -> asset = its index in meta.universe
//   side       b = buy
//   limit      p = the limit rounded passively onto the tick (5 significant
//              figures, at most 6 - szDecimals decimals; integers always
//              valid): a buy down, a sell up, so never worse than asked
//   size       s = rounded down to szDecimals (never more than asked; zero refused)
//   tif        gtc -> Gtc, ioc -> Ioc, post_only -> Alo; t = {"limit":{"tif":..}}
//   trigger    t = {"trigger":{"isMarket","triggerPx" (nearest tick),"tpsl"}}
//   reduce     r = reduce_only
//   client id  c = cloid_for(client_id): the first 16 bytes of
//              keccak256("perpx/cloid/" || client_id), so a retry of the same
//              client id carries the same cloid and the exchange refuses it
//              as a duplicate instead of booking it twice
//   TWAP       {"type":"twapOrder","twap":{"a","b","s","r","m","t"}} (no cloid)
//   leverage   {"type":"updateLeverage","asset","isCross","leverage"}
// Statuses: resting -> kResting, filled -> kFilled (totalSz, avgPx),
// waitingForTrigger/waitingForFill -> kResting, a running TWAP -> kTwapRunning,
// an IOC's "could not immediately match" -> kCancelled, any other per-order
// error -> kRejected with the exchange's message; a per-order error that
// names the cloid (a duplicate) is answered by looking the cloid up, so a
// retried order reports the order the exchange already has.
// orderStatus: open/triggered -> kResting, filled -> kFilled, *canceled ->
// kCancelled, rejected -> kRejected, unknownOid -> kUnknown.
//
// Priority fees do not apply (no gas, no path policy). Errors are values;
// messages never hold key material. One thread at a time. Allocates.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "perpx/core/address.hpp"
#include "perpx/core/json.hpp"
#include "perpx/executor/book_venue.hpp"
#include "perpx/venues/hyperliquid_client.hpp"
#include "perpx/venues/hyperliquid_nonce.hpp"
#include "perpx/venues/hyperliquid_ws.hpp"

namespace perpx::venues::hl {

inline constexpr std::string_view kVenueName = "hyperliquid";

// ---- the mapping (pure) -----------------------------------------------------------

enum class [[nodiscard]] MapErrc {
  kUnknownMarket,  // no such perp in meta (or delisted)
  kBadPrice,       // the limit or trigger price cannot be written on the tick
  kBadSize,        // the size rounds to zero or cannot be written
  kBadTwap,        // TWAP minutes outside 5..1440
};
std::string_view describe(MapErrc e) noexcept;
struct MapError {
  MapErrc code = MapErrc::kUnknownMarket;
  std::string detail;
};

// "0x" + 32 lowercase hex digits, the same for the same client id, always.
std::string cloid_for(std::string_view client_id);
std::string_view wire_tif(executor::TimeInForce t) noexcept;  // "Gtc", "Ioc", "Alo"
// The asset named `market` ("ETH", "ETH-PERP"); nullptr when none or delisted.
const PerpAsset* find_asset(const Meta& meta, std::string_view market) noexcept;
// A 1e18 price or size as the wire writes it after rounding.
std::expected<std::string, MapError> wire_price(const core::U256& wad, int sz_decimals, Rounding mode);
std::expected<std::string, MapError> wire_size(const core::U256& wad, int sz_decimals);
// The action for one order: "order" (one order, grouping "na") or "twapOrder".
std::expected<core::Json, MapError> order_action(const executor::BookOrder& o, const PerpAsset& asset);
core::Json update_leverage_action(uint32_t asset, bool cross, uint32_t leverage);

// The exchange's word on one order, typed.
executor::BookReport report_of(const OrderStatus& s, bool twap);
executor::BookReport report_of(const OrderStatusInfo& s);
executor::BookError book_error(const HlClientError& e);

// ---- the venue ------------------------------------------------------------------------

struct HlVenueOptions {
  bool testnet = false;                 // phantom agent source "b"
  std::optional<core::Address> master;  // the key is an API wallet (agent) trading for this account
  std::optional<core::Address> vault;   // act for a vault or subaccount
};

class HlVenue final : public executor::BookVenue {
 public:
  // `client` and `nonces` are the caller's and outlive the venue.
  HlVenue(HlRestClient& client, HlNonceSource& nonces, signer::SecretKey key, HlVenueOptions options = {});

  // Sends actions and orderStatus over this WS connection (post requests)
  // instead of REST; nullptr: REST again.
  void use_ws(HlWsClient* ws) noexcept { ws_ = ws; }

  [[nodiscard]] std::string_view name() const noexcept override { return kVenueName; }
  // The account orders are booked on (vault, else master, else the key's own).
  [[nodiscard]] core::Address account() const noexcept { return wallet_.account(); }
  [[nodiscard]] core::Address signer_address() const noexcept { return wallet_.agent(); }

  executor::VenueResult<executor::VenueMarket> market(std::string_view market) override;
  executor::VenueResult<executor::VenueProjection> project(const executor::Order& o) override;
  executor::BookResult<executor::BookRequest> prepare(const executor::BookOrder& o) override;
  executor::BookResult<executor::BookReport> send(const executor::BookRequest& r) override;
  executor::BookResult<executor::BookReport> lookup(const executor::BookRequest& r) override;

  // updateLeverage for `market` (cross or isolated), signed and sent now.
  executor::BookResult<void> set_leverage(std::string_view market, uint32_t leverage, bool cross);

 private:
  executor::BookResult<const PerpAsset*> asset(std::string_view market);
  executor::BookResult<std::string> sign(const core::Json& action);
  executor::BookResult<ExchangeReply> exchange(const core::Json& body);
  executor::BookResult<executor::BookReport> lookup_cloid(const std::string& cloid);

  HlRestClient* client_;
  HlNonceSource* nonces_;
  HlWsClient* ws_ = nullptr;
  AgentWallet wallet_;
  HlVenueOptions options_;
  std::optional<Meta> meta_;
};

}  // namespace perpx::venues::hl
