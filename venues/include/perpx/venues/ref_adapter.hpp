#pragma once
// RefAdapter: the reference venue (PerpVenue.sol) as the executor's Venue.
// Markets by name ("ETH", "ETH-PERP") or id; projections from the venue's
// own view of the fill price and RefModel (the venue's arithmetic in C++)
// for the account after the fill; calldata from ref_venue.hpp; reverts
// named by the venue's custom errors. Reads block on the RPC client and
// pin one block where several must agree. One thread at a time; allocates.
#include <optional>
#include <string>
#include <vector>

#include "perpx/executor/venue.hpp"
#include "perpx/venues/ref_venue.hpp"

namespace perpx::venues {

class RefAdapter final : public executor::Venue {
 public:
  RefAdapter(chain::RpcClient& rpc, const Address& venue) : rpc_(&rpc), venue_(rpc, venue) {}

  [[nodiscard]] std::string_view name() const noexcept override { return "ref"; }
  [[nodiscard]] const chain::Address& address() const noexcept override { return venue_.address(); }
  [[nodiscard]] bool supports(executor::Path p) const noexcept override {
    return p != executor::Path::kAuto;  // public, commit-reveal and batch on chain; private by a relay
  }
  [[nodiscard]] executor::PathTiming timing() const noexcept override { return timing_; }

  executor::VenueResult<executor::VenueMarket> market(std::string_view market) override;
  executor::VenueResult<executor::VenueProjection> project(const chain::Address& account, const executor::Order& o) override;
  executor::VenueResult<executor::VenueAccount> account(const chain::Address& account) override;

  core::Bytes place_call(uint64_t market, const executor::Order& o, uint64_t deadline) override;
  core::Bytes commit_call(const chain::Address& account, uint64_t market, const executor::Order& o,
                          const core::Hash32& salt, uint64_t deadline) override;
  core::Bytes reveal_call(uint64_t market, const executor::Order& o, const core::Hash32& salt,
                          uint64_t deadline) override;
  core::Bytes batch_call(uint64_t market, const executor::Order& o, uint64_t deadline) override;
  core::Bytes settle_call(uint64_t market) override;
  executor::VenueResult<uint64_t> commitment_status(const chain::Address& account, uint64_t market,
                                                    const executor::Order& o, const core::Hash32& salt,
                                                    uint64_t deadline) override;
  executor::VenueResult<BatchState> batch_state(const chain::Address& account, uint64_t market,
                                                chain::BlockNum queued_block) override;
  [[nodiscard]] chain::BlockNum batch_settle_block(chain::BlockNum queued_block) const noexcept override {
    const uint64_t w = timing_.batch_window == 0 ? 1 : timing_.batch_window;
    return (queued_block / w + 1) * w;  // batch id = block / window; settles once the id has passed
  }
  [[nodiscard]] std::string explain_revert(core::ByteView data) const override;
  [[nodiscard]] uint64_t gas_limit(std::string_view step) const noexcept override;

  [[nodiscard]] const RefVenue& venue() const noexcept { return venue_; }

 private:
  // Loads the venue's config and market names once.
  executor::VenueResult<void> load();
  executor::VenueResult<uint64_t> market_id(std::string_view market);
  // The venue as of the latest block: its model with `account` loaded and
  // every market's index (0 where a market has no price: its positions then
  // read as zero notional).
  struct Snapshot {
    chain::BlockRef at;
    uint64_t timestamp = 0;
    RefModel model;
    std::vector<U256> prices;
  };
  executor::VenueResult<Snapshot> snapshot(const chain::Address& account);

  chain::RpcClient* rpc_;
  RefVenue venue_;
  std::optional<VenueConfig> config_;
  std::vector<MarketParams> markets_;
  executor::PathTiming timing_;
};

// The venue order an executor order is (size signed by side).
VenueOrder venue_order(uint64_t market, const executor::Order& o, uint64_t deadline);

}  // namespace perpx::venues
